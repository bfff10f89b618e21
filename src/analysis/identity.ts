import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import { isFunctionLike, returnedExpressions } from './modules';
import type { Project } from './project';

const SK = ts.SyntaxKind;

/** Headers a TLS-terminating proxy sets with the client certificate or fields of it (lower case). */
const KNOWN_CERT_HEADERS = new Set([
  'x-forwarded-client-cert',
  'x-ssl-client-cert',
  'x-client-cert',
  'ssl-client-cert',
  'x-ssl-client-s-dn',
  'x-client-dn',
  'x-ssl-client-verify',
  'x-arr-clientcert',
  'client-cert',
  'client-cert-chain',
]);
const CERT_TOKENS = /^(?:client)?cert(?:ificate)?s?$|clientcert/;
const CONTEXT_TOKENS = new Set(['ssl', 'tls', 'mtls', 'client', 'peer']);
const FIELD_TOKENS = new Set(['dn', 'subject', 'issuer', 'serial', 'fingerprint', 'verify', 'verified', 'san', 'cn', 'pem', 'der', 'sha256', 'sha1']);

/**
 * Whether a header name carries a client certificate or a field of it: the names RULES.md lists
 * (any case, `_` for `-`), `x-amzn-mtls-clientcert*`, `cf-client-cert-*`, and by shape — a
 * `cert`/`certificate` token (`x-certificate-fingerprint`), or an ssl/tls/client/peer token with a
 * DN, subject, issuer, serial, fingerprint or verify token (`ssl_client_s_dn`, `x-ssl-client-serial`).
 */
export function isCertHeaderName(raw: string, extra: readonly string[] = []): boolean {
  if (raw.length < 3 || raw.length > 80) return false;
  const name = raw.toLowerCase().replace(/_/g, '-');
  if (KNOWN_CERT_HEADERS.has(name) || name.startsWith('x-amzn-mtls-clientcert') || name.startsWith('cf-client-cert')) return true;
  if (extra.some((h) => h.toLowerCase().replace(/_/g, '-') === name)) return true;
  if (!/^[a-z0-9-]+$/.test(name) || !name.includes('-')) return false;
  const tokens = name.split('-');
  const context = tokens.some((t) => CONTEXT_TOKENS.has(t) || t === 'x' || t === 'forwarded');
  // `x-certificate-fingerprint`, `ssl-client-cert`; not `certificate_id` or `cert-manager`
  if (tokens.some((t) => CERT_TOKENS.test(t))) return context || tokens.some((t) => FIELD_TOKENS.has(t) || t === 'chain' || t === 'info');
  // `ssl_client_s_dn`, `x-ssl-client-serial`, `x-client-verify`
  return tokens.some((t) => CONTEXT_TOKENS.has(t)) && tokens.some((t) => FIELD_TOKENS.has(t));
}

export interface CertRead {
  /** The `getPeerCertificate()` / `getPeerX509Certificate()` call. */
  call: ts.CallExpression;
  method: string;
}

export interface HeaderRead {
  /** The node that reads the header: an access, a `get()` call, a binding element, a decorator or a strategy option. */
  node: ts.Node;
  /** The header name as written. */
  header: string;
}

/**
 * Where client identity comes from in the project, and which values derive from it: peer
 * certificates read on server-side sockets, forwarded client-certificate headers, the functions
 * the config names, and everything computed from those — local variables, destructuring,
 * property reads, helper functions' return values (across imports), and request-bound fields that
 * middleware set from them (`req.identity`, `res.locals.x`, `ctx.state.x`, `c.set('x', …)`).
 */
export class Identity {
  private certReadsCache?: CertRead[];
  private headerReadsCache?: HeaderRead[];
  private readonly taint = new Map<ts.Node, boolean>();
  private readonly returning = new Map<ts.Node, boolean>();
  private boundNames?: Set<string>;

  constructor(private readonly project: Project) {}

  /** Server-side peer-certificate reads. A socket of an outgoing connection is not client identity. */
  certReads(): CertRead[] {
    if (this.certReadsCache) return this.certReadsCache;
    const out: CertRead[] = [];
    for (const method of ['getPeerCertificate', 'getPeerX509Certificate']) {
      for (const call of this.project.callsNamed(method)) {
        if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
        if (isOutgoing(call, this.project)) continue;
        out.push({ call, method });
      }
    }
    return (this.certReadsCache = out.sort((a, b) => a.call.pos - b.call.pos));
  }

  /** Reads of forwarded client-certificate headers from incoming requests. */
  headerReads(): HeaderRead[] {
    if (this.headerReadsCache) return this.headerReadsCache;
    const extra = this.project.identitySources.headers;
    const out: HeaderRead[] = [];
    const seen = new Set<ts.Node>();
    const add = (node: ts.Node, header: string): void => {
      if (seen.has(node)) return;
      seen.add(node);
      out.push({ node, header });
    };
    for (const [name, nodes] of this.project.allProperties()) {
      if (!isCertHeaderName(name, extra)) continue;
      for (const node of nodes) {
        // `req.headers['x-client-cert']`, `req.headers.ssl_client_s_dn`
        if ((ts.isElementAccessExpression(node) || ts.isPropertyAccessExpression(node)) && isHeadersObject(node.expression) && isRead(node)) add(node, name);
        // `const { 'x-client-cert': pem } = req.headers`
        if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
          const decl = node.parent.parent;
          if (ts.isVariableDeclaration(decl) && decl.initializer && isHeadersObject(decl.initializer)) add(node, name);
        }
      }
    }
    // `req.get('x')`, `req.header('x')`, `ctx.get('x')`, `c.req.header('x')`, `headers.get('x')`
    for (const method of ['get', 'header', 'getHeader']) {
      for (const call of this.project.callsNamed(method)) {
        if (!ts.isCallExpression(call) || call.arguments.length !== 1) continue;
        const arg = call.arguments[0];
        if (!ts.isStringLiteralLike(arg) || !isCertHeaderName(arg.text, extra)) continue;
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee)) continue;
        if (method === 'getHeader' && isResponseLike(callee.expression)) continue;
        add(call, arg.text);
      }
    }
    for (const sf of this.project.sourceFiles()) {
      visitDecorators(sf, (dec, arg) => {
        if (isCertHeaderName(arg.text, extra)) add(dec, arg.text);
      });
    }
    // passport header strategies: `new HeaderStrategy({ header: 'X-SSL-Client-S-DN' }, verify)`
    for (const key of ['header', 'headerName']) {
      for (const node of this.project.propertiesNamed(key)) {
        if (!ts.isPropertyAssignment(node) || !ts.isStringLiteralLike(node.initializer) || !isCertHeaderName(node.initializer.text, extra)) continue;
        const call = node.parent.parent;
        if (call && ts.isNewExpression(call) && /Strategy$/.test(calleeChain(call.expression)?.at(-1) ?? '')) add(node, node.initializer.text);
      }
    }
    return (this.headerReadsCache = out.sort((a, b) => a.node.getSourceFile().fileName.localeCompare(b.node.getSourceFile().fileName) || a.node.pos - b.node.pos));
  }

  /** Calls of the functions the config names as identity sources. */
  configuredCalls(): ts.CallExpression[] {
    const out: ts.CallExpression[] = [];
    for (const name of this.project.identitySources.functions) {
      for (const call of this.project.callsNamed(name)) if (ts.isCallExpression(call)) out.push(call);
    }
    return out;
  }

  /** Whether an expression's value is, or is derived from, client identity. */
  isIdentity(expr: ts.Node, depth = 0): boolean {
    const cached = this.taint.get(expr);
    if (cached !== undefined) return cached;
    if (depth > 20) return false;
    // the request-bound names first: found in the middle of another question, their scan would
    // read that question's pending answer as "not identity" and keep it
    if (!this.boundNames) this.requestBound();
    this.taint.set(expr, false); // cycles read as "not identity"
    const result = this.computeIdentity(expr, depth);
    this.taint.set(expr, result);
    return result;
  }

  private computeIdentity(node: ts.Node, depth: number): boolean {
    const expr = skipOuter(node as ts.Expression);
    if (ts.isCallExpression(expr)) {
      const name = calleeChain(expr.expression)?.at(-1);
      if (name === 'getPeerCertificate' || name === 'getPeerX509Certificate') return this.certReads().some((r) => r.call === expr);
      if (name !== undefined && this.project.identitySources.functions.includes(name)) return true;
      if (this.headerReads().some((r) => r.node === expr)) return true;
      if ((name === 'get' || name === 'var') && expr.arguments.length === 1 && ts.isStringLiteralLike(expr.arguments[0])) {
        if (this.requestBound().has(expr.arguments[0].text)) return true; // `c.get('identity')`
      }
      const fn = this.project.modules.valueOf(expr.expression);
      if (fn && isFunctionLike(fn) && this.returnsIdentity(fn, depth + 1)) return true;
      // a helper that computes its result from what it is given: `commonName(req.get('x-ssl-client-s-dn'))`
      if (fn && isFunctionLike(fn) && expr.arguments.some((a) => this.isIdentity(a, depth + 1)) && returnsFromParameters(fn)) return true;
      // a method on an identity value: `cert.subject.CN.toLowerCase()`, `JSON.parse(header)`
      if (ts.isPropertyAccessExpression(skipOuter(expr.expression)) && this.isIdentity((skipOuter(expr.expression) as ts.PropertyAccessExpression).expression, depth + 1)) return true;
      // `/CN=([^,]+)/.exec(dn)`: a method of a literal has no callee chain, only a name
      const method = name ?? (ts.isPropertyAccessExpression(skipOuter(expr.expression)) ? (skipOuter(expr.expression) as ts.PropertyAccessExpression).name.text : '');
      return expr.arguments.some((a) => PASS_THROUGH.has(method) && this.isIdentity(a, depth + 1));
    }
    if (ts.isAwaitExpression(expr)) return this.isIdentity(expr.expression, depth + 1);
    // a certificate parsed from a forwarded one: `new X509Certificate(decodeURIComponent(pem))` (node:crypto)
    if (ts.isNewExpression(expr)) return this.isCryptoCertificate(expr) && (expr.arguments ?? []).some((a) => this.isIdentity(a, depth + 1));
    if (ts.isPropertyAccessExpression(expr) || ts.isElementAccessExpression(expr)) {
      if (this.headerReads().some((r) => r.node === expr)) return true;
      const key = ts.isPropertyAccessExpression(expr) ? expr.name.text : ts.isStringLiteralLike(expr.argumentExpression) ? expr.argumentExpression.text : undefined;
      if (key !== undefined && this.requestBound().has(key) && isRequestLike(expr.expression)) return true;
      return this.isIdentity(expr.expression, depth + 1);
    }
    if (ts.isIdentifier(expr)) {
      const decl = this.project.modules.declarationOf(expr.text, expr);
      if (!decl) return false;
      if (ts.isVariableDeclaration(decl) && decl.initializer && this.isIdentity(decl.initializer, depth + 1)) return true;
      // `let device = cache.get(socket); if (!device) device = { serial: cert.subject.CN }`
      if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && !(decl.parent.flags & ts.NodeFlags.Const)) {
        const writes = this.project.facts.get(expr.getSourceFile().fileName)?.assignments.get(expr.text) ?? [];
        for (const w of writes) {
          if (ts.isBinaryExpression(w) && w.operatorToken.kind === SK.EqualsToken && this.project.modules.declarationOf(expr.text, w) === decl && this.isIdentity(w.right, depth + 1)) return true;
        }
      }
      if (ts.isVariableDeclaration(decl)) return false;
      if (ts.isBindingElement(decl)) {
        if (this.headerReads().some((r) => r.node === decl)) return true;
        // `const { identity } = res.locals`, `const { client } = req`
        const key = decl.propertyName ?? decl.name;
        const from = decl.parent.parent;
        if ((ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && ts.isVariableDeclaration(from) && from.initializer && this.requestBound().has(key.text) && isRequestLike(from.initializer)) return true;
        let owner: ts.Node = decl.parent.parent;
        while (ts.isBindingElement(owner)) owner = owner.parent.parent;
        return ts.isVariableDeclaration(owner) && owner.initializer !== undefined && this.isIdentity(owner.initializer, depth + 1);
      }
      if (ts.isParameter(decl)) return this.headerReads().some((r) => ts.isDecorator(r.node) && r.node.parent === decl);
      return false;
    }
    if (ts.isTemplateExpression(expr)) return expr.templateSpans.some((s) => this.isIdentity(s.expression, depth + 1));
    if (ts.isBinaryExpression(expr)) {
      const op = expr.operatorToken.kind;
      if (op === SK.BarBarToken || op === SK.QuestionQuestionToken || op === SK.PlusToken || op === SK.AmpersandAmpersandToken) {
        return (op !== SK.AmpersandAmpersandToken && this.isIdentity(expr.left, depth + 1)) || this.isIdentity(expr.right, depth + 1);
      }
      return false;
    }
    if (ts.isConditionalExpression(expr)) return this.isIdentity(expr.whenTrue, depth + 1) || this.isIdentity(expr.whenFalse, depth + 1);
    if (ts.isObjectLiteralExpression(expr)) {
      return expr.properties.some(
        (p) =>
          (ts.isPropertyAssignment(p) && this.isIdentity(p.initializer, depth + 1)) ||
          (ts.isShorthandPropertyAssignment(p) && this.isIdentity(p.name, depth + 1)) ||
          (ts.isSpreadAssignment(p) && this.isIdentity(p.expression, depth + 1)),
      );
    }
    return false;
  }

  /** `new X509Certificate(…)` / `new crypto.X509Certificate(…)` of `node:crypto`. */
  private isCryptoCertificate(expr: ts.NewExpression): boolean {
    const chain = calleeChain(expr.expression);
    if (!chain || chain.at(-1) !== 'X509Certificate') return false;
    if (chain[0] === 'require:crypto' || chain[0] === 'require:node:crypto') return true;
    return this.project.facts.get(expr.getSourceFile().fileName)?.bindings.get(chain[0])?.module === 'crypto';
  }

  /** Whether a function returns client identity (any `return`, or an arrow's expression body). */
  returnsIdentity(fn: ts.FunctionLikeDeclaration, depth = 0): boolean {
    const cached = this.returning.get(fn);
    if (cached !== undefined) return cached;
    this.returning.set(fn, false);
    const result = returnedExpressions(fn).some((e) => this.isIdentity(e, depth + 1));
    this.returning.set(fn, result);
    return result;
  }

  /**
   * Field names that middleware bind identity to on the request: `req.clientId = cert.subject.CN`,
   * `res.locals.identity = …`, `ctx.state.identity = …`, `request.identity = …`, `c.set('identity', …)`.
   */
  requestBound(): Set<string> {
    if (this.boundNames) return this.boundNames;
    const names = new Set<string>();
    this.boundNames = names; // reads during the scan below see the names found so far
    for (const facts of this.project.facts.values()) {
      for (const [key, nodes] of facts.assignments) {
        const parts = key.split('.');
        if (parts.length < 2) continue;
        for (const node of nodes) {
          if (!ts.isBinaryExpression(node) || node.operatorToken.kind !== SK.EqualsToken) continue;
          if (!isRequestLike((node.left as ts.PropertyAccessExpression).expression)) continue;
          // Koa's `ctx.body = …`, `ctx.status = …` are the response, not a field bound to the request
          if (RESPONSE_FIELDS.has(parts[parts.length - 1]) && parts.length === 2) continue;
          if (this.isIdentity(node.right)) names.add(parts[parts.length - 1]);
        }
      }
    }
    for (const call of this.project.callsNamed('set')) {
      if (!ts.isCallExpression(call) || call.arguments.length !== 2 || !ts.isStringLiteralLike(call.arguments[0])) continue;
      if (this.isIdentity(call.arguments[1])) names.add(call.arguments[0].text);
    }
    return names;
  }
}

const RESPONSE_FIELDS = new Set(['body', 'status', 'type', 'message', 'length', 'lastModified', 'etag', 'response', 'res']);

/** A function whose returned value is computed from its parameters (through its locals). */
function returnsFromParameters(fn: ts.FunctionLikeDeclaration): boolean {
  const params = new Set<string>();
  for (const p of fn.parameters) if (ts.isIdentifier(p.name)) params.add(p.name.text);
  if (params.size === 0) return false;
  const locals = new Map<string, ts.Expression>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) locals.set(n.name.text, n.initializer);
    if (n !== fn && isFunctionLike(n)) return;
    ts.forEachChild(n, collect);
  };
  if (fn.body) collect(fn.body);
  const derived = (e: ts.Node, depth: number): boolean => {
    if (depth > 4) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || (isFunctionLike(n) && n !== e)) return;
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        if (params.has(n.text)) found = true;
        else if (locals.has(n.text)) found = derived(locals.get(n.text)!, depth + 1);
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  };
  return returnedExpressions(fn).some((e) => derived(e, 0));
}

/** Functions that hand back (a form of) their argument. */
const PASS_THROUGH = new Set(['String', 'decodeURIComponent', 'decodeURI', 'unescape', 'parse', 'from', 'trim', 'normalize', 'toLowerCase', 'exec']);

/** `req.headers`, `request.headers`, `ctx.headers`, `ctx.request.headers`, `req.raw.headers`, `c.req.raw.headers`. */
function isHeadersObject(expr: ts.Expression): boolean {
  const e = skipOuter(expr);
  if (ts.isPropertyAccessExpression(e)) return e.name.text === 'headers' || e.name.text === 'rawHeaders';
  if (ts.isIdentifier(e)) return e.text === 'headers';
  return false;
}

/** Not an assignment target or `delete` operand: `delete req.headers['x-client-cert']` strips it. */
function isRead(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isDeleteExpression(parent)) return false;
  if (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind >= SK.FirstAssignment && parent.operatorToken.kind <= SK.LastAssignment) return false;
  return true;
}

function isResponseLike(expr: ts.Expression): boolean {
  const chain = calleeChain(expr);
  const last = chain?.at(-1) ?? '';
  return /^(res|response|reply|resp)$/i.test(last);
}

/** The request (or context) object of a handler, by the names frameworks' docs use. */
export function isRequestLike(expr: ts.Expression): boolean {
  const chain = calleeChain(expr);
  if (!chain) return false;
  const text = chain.join('.');
  return /^(req|request|ctx|context|c|ctx\.request|ctx\.state|c\.var|res\.locals|reply\.request|this\.request|this\.req|req\.raw|request\.raw)$/.test(text) || /(^|\.)(locals|state)$/.test(text);
}

/** NestJS `@Headers('x-client-cert') pem: string` parameters. */
function visitDecorators(sf: ts.SourceFile, found: (dec: ts.Decorator, arg: ts.StringLiteralLike) => void): void {
  if (!sf.text.includes('@Headers(')) return;
  const visit = (n: ts.Node): void => {
    if (ts.isParameter(n)) {
      for (const dec of ts.getDecorators(n) ?? []) {
        const e = dec.expression;
        if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Headers' && e.arguments[0] && ts.isStringLiteralLike(e.arguments[0])) {
          found(dec, e.arguments[0]);
        }
      }
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/**
 * A certificate read on a connection the process opened itself: the socket of `tls.connect()`,
 * or a callback of `https.request/get`, `tls.connect` or a `secureConnect`/`response` listener.
 */
function isOutgoing(call: ts.CallExpression, project: Project): boolean {
  const receiver = skipOuter((skipOuter(call.expression) as ts.PropertyAccessExpression).expression);
  const root = rootOf(receiver);
  const value = root ? project.modules.valueOf(root) : undefined;
  if (value && opensConnection(value, project, 0)) return true;
  for (let n: ts.Node = call; n.parent; n = n.parent) {
    if (!isFunctionLike(n)) continue;
    const parent = n.parent;
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== n) {
      if (isOutgoingCall(parent, project)) return true;
      const name = calleeChain(parent.expression)?.at(-1) ?? '';
      if ((name === 'on' || name === 'once') && parent.arguments?.[0] && ts.isStringLiteralLike(parent.arguments[0]) && /^(secureConnect|response|upgrade)$/.test(parent.arguments[0].text)) {
        return true;
      }
    }
  }
  return false;
}

/**
 * A value that is a connection this process opened: `tls.connect(…)`, the same with chained
 * `.on(…)`/`.setTimeout(…)` calls (they return the socket), `await` of it, or what a local helper
 * returns (`openTlsSocket(host)`).
 */
function opensConnection(value: ts.Node, project: Project, depth: number): boolean {
  if (depth > 4) return false;
  let v = skipOuter(value as ts.Expression);
  if (ts.isAwaitExpression(v)) v = skipOuter(v.expression);
  if (!ts.isCallExpression(v) && !ts.isNewExpression(v)) return false;
  if (isOutgoingCall(v, project)) return true;
  const callee = skipOuter(v.expression);
  if (ts.isPropertyAccessExpression(callee) && SOCKET_CHAIN.has(callee.name.text)) {
    const inner = project.modules.valueOf(callee.expression);
    return inner !== undefined && opensConnection(inner, project, depth + 1);
  }
  // a local helper that opens the connection: `openTlsSocket(host)`, even inside `new Promise(…)`
  const fn = project.modules.valueOf(callee);
  if (fn && isFunctionLike(fn) && fn.body) {
    let opens = false;
    const visit = (n: ts.Node): void => {
      if (opens) return;
      if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && isOutgoingCall(n, project)) opens = true;
      else ts.forEachChild(n, visit);
    };
    visit(fn.body);
    return opens;
  }
  return false;
}

/** Socket methods that return the socket itself. */
const SOCKET_CHAIN = new Set(['on', 'once', 'addListener', 'prependListener', 'setTimeout', 'setNoDelay', 'setKeepAlive', 'setEncoding', 'ref', 'unref', 'pause', 'resume']);

/** `tls.connect()`, `https.request()`, `https.get()`, `http2.connect()`, `net.createConnection()`, by module. */
function isOutgoingCall(call: ts.CallExpression | ts.NewExpression, project: Project): boolean {
  const chain = calleeChain(call.expression);
  if (!chain) return false;
  const name = chain[chain.length - 1];
  if (!OUTGOING.has(name)) return false;
  const file = call.getSourceFile().fileName;
  const binding = project.facts.get(file)?.bindings.get(chain[0]);
  const module = chain[0].startsWith('require:') ? chain[0].slice(8) : binding?.module;
  return module !== undefined && CLIENT_MODULES.has(module);
}

const OUTGOING = new Set(['connect', 'request', 'get', 'createConnection']);
const CLIENT_MODULES = new Set(['tls', 'https', 'http', 'http2', 'net', 'undici', 'axios', 'got']);

function rootOf(expr: ts.Expression): ts.Identifier | undefined {
  let e = skipOuter(expr);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e)) e = skipOuter(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

