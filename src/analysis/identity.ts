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

  /** Whether an expression's value is, or is derived from, client identity (value flow, `values.ts`). */
  isIdentity(expr: ts.Node): boolean {
    return this.project.values.find(expr, this.sourceLeaf) !== undefined;
  }

  /** The leaf of the identity question: a source itself. */
  private readonly sourceLeaf = (n: ts.Node): true | undefined => (this.isSource(n) ? true : undefined);

  /**
   * A source of client identity itself: a server-side peer-certificate read, a forwarded
   * certificate header read (access, `get()` call, destructured key, NestJS `@Headers()` parameter),
   * or a call of a function the config names.
   */
  isSource(node: ts.Node): boolean {
    if (ts.isCallExpression(node)) {
      const name = calleeChain(node.expression)?.at(-1);
      if (name === 'getPeerCertificate' || name === 'getPeerX509Certificate') return this.certReads().some((r) => r.call === node);
      if (name !== undefined && this.project.identitySources.functions.includes(name)) return true;
    }
    if (ts.isParameter(node)) return this.headerReads().some((r) => ts.isDecorator(r.node) && r.node.parent === node);
    if (ts.isCallExpression(node) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isBindingElement(node)) return this.headerNodes().has(node);
    return false;
  }

  private headerNodeSet?: Set<ts.Node>;
  private headerNodes(): Set<ts.Node> {
    return (this.headerNodeSet ??= new Set(this.headerReads().map((r) => r.node)));
  }

  /** Whether a function returns client identity (any `return`, or an arrow's expression body). */
  returnsIdentity(fn: ts.FunctionLikeDeclaration): boolean {
    return returnedExpressions(fn).some((e) => this.isIdentity(e));
  }

  /**
   * Field names that middleware bind identity to on the request: `req.clientId = cert.subject.CN`,
   * `res.locals.identity = …`, `ctx.state.identity = …`, `request.identity = …`, `c.set('identity', …)`.
   */
  requestBound(): Set<string> {
    if (this.boundNames) return this.boundNames;
    const names = new Set<string>();
    for (const [key, values] of this.project.values.requestFieldWrites()) {
      // Koa's `ctx.body = …`, `ctx.status = …` are the response, not a field bound to the request
      if (RESPONSE_FIELDS.has(key)) continue;
      if (values.some((v) => this.isIdentity(v))) names.add(key);
    }
    return (this.boundNames = names);
  }
}

const RESPONSE_FIELDS = new Set(['body', 'status', 'type', 'message', 'length', 'lastModified', 'etag', 'response', 'res']);

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

