import { ts } from '../ts';
import { SERVER_FACTORY_NAMES } from './vocabulary/tls';
import { callResolver } from './decisions';
import { calleeChain, skipOuter } from './facts/walk';
import type { CallResolver } from './operations';
import { isFunctionLike } from './modules';
import type { Project } from './project';
import { isListenerRegistration } from './vocabulary/deferral';
import { isRequestChain, isRequestObjectName, isResponseObjectName } from './vocabulary/requests';
import { CONTEXT_ACCESSOR } from './vocabulary/api-layers';
import { NEST_GET_REQUEST, PASSPORT_NEST } from './vocabulary/frameworks';
import {
  HEADER_GETTERS,
  HEADER_OBJECTS,
  HEADER_STRATEGY_OPTIONS,
  NEST_HEADERS_DECORATOR,
  PEER_CERTIFICATE_METHODS,
  isCertHeaderName,
  isContextResponseField,
  isOutgoingConnection,
  isOutgoingConnectionEvent,
  isPeerCertificateMethod,
  isStrategyClass,
  returnsSocket,
} from './vocabulary/identity-sources';

const SK = ts.SyntaxKind;

export { isCertHeaderName };

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
    for (const method of PEER_CERTIFICATE_METHODS) {
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
    for (const method of HEADER_GETTERS) {
      for (const call of this.project.callsNamed(method)) {
        if (!ts.isCallExpression(call) || call.arguments.length !== 1) continue;
        const arg = call.arguments[0];
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee)) continue;
        // a name the code holds elsewhere (`ctx.get(config.identityHeader)`), on a request or its headers
        const name = ts.isStringLiteralLike(arg) ? arg.text : isRequestLike(callee.expression) || isHeadersObject(callee.expression) ? this.certHeaderValue(arg, extra) : undefined;
        if (name === undefined || !isCertHeaderName(name, extra)) continue;
        if (method === 'getHeader' && isResponseLike(callee.expression)) continue;
        add(call, name);
      }
    }
    // `req.headers[config.identityHeader]`: a computed key whose value is a certificate header's name
    for (const sf of this.project.sourceFiles()) {
      if (!COMPUTED_HEADER_KEY.test(sf.text)) continue;
      const visit = (n: ts.Node): void => {
        if (ts.isElementAccessExpression(n) && !ts.isStringLiteralLike(n.argumentExpression) && isHeadersObject(n.expression) && isRead(n)) {
          const name = this.certHeaderValue(n.argumentExpression, extra);
          if (name !== undefined) add(n, name);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    for (const sf of this.project.sourceFiles()) {
      visitDecorators(sf, (dec, arg) => {
        if (isCertHeaderName(arg.text, extra)) add(dec, arg.text);
      });
    }
    // passport header strategies: `new HeaderStrategy({ header: 'X-SSL-Client-S-DN' }, verify)`
    for (const key of HEADER_STRATEGY_OPTIONS) {
      for (const node of this.project.propertiesNamed(key)) {
        if (!ts.isPropertyAssignment(node) || !ts.isStringLiteralLike(node.initializer) || !isCertHeaderName(node.initializer.text, extra)) continue;
        const call = node.parent.parent;
        if (call && ts.isNewExpression(call) && isStrategyClass(calleeChain(call.expression)?.at(-1) ?? '')) add(node, node.initializer.text);
        // (NestJS: `class CertStrategy extends PassportStrategy(Strategy, 'cert-header')` whose constructor calls `super({ header: 'x-ssl-client-serial' })`)
        else if (call && ts.isCallExpression(call) && call.expression.kind === ts.SyntaxKind.SuperKeyword && extendsStrategy(call)) add(node, node.initializer.text);
      }
    }
    return (this.headerReadsCache = out.sort((a, b) => a.node.getSourceFile().fileName.localeCompare(b.node.getSourceFile().fileName) || a.node.pos - b.node.pos));
  }

  /** The certificate header a computed name holds, if one of the strings it can hold is one. */
  private certHeaderValue(expr: ts.Expression, extra: readonly string[]): string | undefined {
    return this.project.modules.stringValues(expr).find((v) => isCertHeaderName(v, extra));
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
      if (name !== undefined && isPeerCertificateMethod(name)) return this.certReads().some((r) => r.call === node);
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

  /**
   * Field names that middleware bind identity to on the request: `req.clientId = cert.subject.CN`,
   * `res.locals.identity = …`, `ctx.state.identity = …`, `request.identity = …`, `c.set('identity', …)`.
   */
  requestBound(): Set<string> {
    if (this.boundNames) return this.boundNames;
    const names = new Set<string>();
    for (const [key, values] of this.project.values.requestFieldWrites()) {
      // Koa's `ctx.body = …`, `ctx.status = …` are the response, not a field bound to the request
      if (isContextResponseField(key)) continue;
      if (values.some((v) => this.isIdentity(v))) names.add(key);
    }
    return (this.boundNames = names);
  }
}

/** `req.headers`, `request.headers`, `ctx.headers`, `ctx.request.headers`, `req.raw.headers`, `c.req.raw.headers`. */
/** A computed key on a headers object (`headers[name]`), as text: the files worth walking for one. */
const COMPUTED_HEADER_KEY = /headers\s*\[\s*[^\s'"`\]]/;

function isHeadersObject(expr: ts.Expression): boolean {
  const e = skipOuter(expr);
  if (ts.isPropertyAccessExpression(e)) return HEADER_OBJECTS.includes(e.name.text);
  if (ts.isIdentifier(e)) return HEADER_OBJECTS.includes(e.text);
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
  return isResponseObjectName(chain?.at(-1) ?? '');
}

/** The request (or context) object of a handler, by the names frameworks' docs use. */
export function isRequestLike(expr: ts.Expression): boolean {
  const chain = calleeChain(expr);
  if (!chain) return requestFromContext(expr);
  return isRequestChain(chain.join('.'));
}

/**
 * The request handed out by a NestJS execution context, read in place: `ctx.switchToHttp().getRequest()`,
 * or the request a GraphQL context holds, `GqlExecutionContext.create(ctx).getContext().req` (and a field
 * bound on either: `….getContext().req.author`).
 */
function requestFromContext(expr: ts.Expression): boolean {
  const e = skipOuter(expr);
  const called = (x: ts.Expression, name: string): boolean => {
    const c = skipOuter(x);
    return ts.isCallExpression(c) && ts.isPropertyAccessExpression(skipOuter(c.expression)) && (skipOuter(c.expression) as ts.PropertyAccessExpression).name.text === name;
  };
  if (called(e, NEST_GET_REQUEST)) return true;
  if (!ts.isPropertyAccessExpression(e)) return false;
  if (isRequestObjectName(e.name.text) && called(e.expression, CONTEXT_ACCESSOR)) return true;
  // a field bound on the request: `….getRequest().user`, `….getContext().req.author`
  const inner = skipOuter(e.expression);
  return (ts.isCallExpression(inner) || ts.isPropertyAccessExpression(inner)) && requestFromContext(inner) && isRequestChain(`req.${e.name.text}`);
}

/** NestJS `@Headers('x-client-cert') pem: string` parameters. */
function visitDecorators(sf: ts.SourceFile, found: (dec: ts.Decorator, arg: ts.StringLiteralLike) => void): void {
  if (!sf.text.includes(`@${NEST_HEADERS_DECORATOR}(`)) return;
  const visit = (n: ts.Node): void => {
    if (ts.isParameter(n)) {
      for (const dec of ts.getDecorators(n) ?? []) {
        const e = dec.expression;
        if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === NEST_HEADERS_DECORATOR && e.arguments[0] && ts.isStringLiteralLike(e.arguments[0])) {
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
 * A certificate read on a connection the process opened itself: its peer is a server this process
 * called (a monitored site, an upstream), not a client of it. The socket the certificate is read
 * from is traced back (`outgoingSocket`).
 */
function isOutgoing(call: ts.CallExpression, project: Project): boolean {
  const receiver = skipOuter((skipOuter(call.expression) as ts.PropertyAccessExpression).expression);
  return outgoingSocket(receiver, project, 0, new Set());
}

/**
 * Whether a socket is the client side of a connection this process opened, every way it can come:
 *   - where it is used: inside a callback of `https.request/get`, `tls.connect`, or a listener of an
 *     event only client sockets emit (`secureConnect`, `response`, `upgrade`);
 *   - what it was made from: `tls.connect()` and the like, a helper that opens one, or any part of
 *     the response to an outgoing request (`res.socket`, `res.request.res.socket` of what
 *     `axios.request()` or a helper around it resolved to), through locals;
 *   - a parameter: every call site hands in an outgoing socket. A helper that servers call too
 *     (`describePeer(req.socket)`) reads client identity there, so it stays a source.
 */
function outgoingSocket(expr: ts.Expression, project: Project, depth: number, seen: Set<ts.Node>): boolean {
  if (depth > 6 || seen.has(expr)) return false;
  seen.add(expr);
  if (inOutgoingCallback(expr, project)) return true;
  const root = rootOf(expr);
  if (!root) return false;
  const decl = project.modules.declarationOf(root.text, root);
  if (decl && ts.isParameter(decl)) {
    const fn = decl.parent;
    if (!isFunctionLike(fn) || project.handlers.isEntry(fn)) return false;
    const index = fn.parameters.indexOf(decl);
    const sites = project.values.callersOf(fn);
    return sites.length > 0 && sites.every((c) => c.arguments[index] !== undefined && outgoingSocket(c.arguments[index], project, depth + 1, seen));
  }
  // `const tlsSocket = res.request.res.socket`: what the local was made from
  if (decl && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer) {
    const init = skipOuter(decl.initializer);
    if (opensConnection(init, project, 0)) return true;
    return outgoingSocket(init, project, depth + 1, seen);
  }
  const value = project.modules.valueOf(root);
  return value !== undefined && value !== root && opensConnection(value, project, 0);
}

/** Inside a callback of an outgoing call (`https.get(url, (res) => …)`) or a listener of a client-only event. */
function inOutgoingCallback(node: ts.Node, project: Project): boolean {
  for (let n: ts.Node = node; n.parent; n = n.parent) {
    if (!isFunctionLike(n)) continue;
    const parent = n.parent;
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== n) {
      if (isOutgoingCall(parent, project)) return true;
      const name = calleeChain(parent.expression)?.at(-1) ?? '';
      if (isListenerRegistration(name) && parent.arguments?.[0] && ts.isStringLiteralLike(parent.arguments[0]) && isOutgoingConnectionEvent(parent.arguments[0].text)) {
        // (a server emits `upgrade` too, for a request it received: `server.on('upgrade', (req, socket) => …)` on what
        // `https.createServer(…)` made is the server's own)
        const callee = skipOuter(parent.expression);
        const emitter = ts.isPropertyAccessExpression(callee) ? project.modules.valueOf(callee.expression) : undefined;
        const made = emitter && (ts.isCallExpression(emitter) || ts.isNewExpression(emitter)) ? calleeChain(emitter.expression)?.at(-1) : undefined;
        if (made === undefined || !SERVER_FACTORY_NAMES.includes(made)) return true;
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
  if (ts.isPropertyAccessExpression(callee) && returnsSocket(callee.name.text)) {
    const inner = project.modules.valueOf(callee.expression);
    return inner !== undefined && opensConnection(inner, project, depth + 1);
  }
  // a local helper or method that opens the connection: `openTlsSocket(host)`, even inside
  // `new Promise(…)`; `await this.makeAxiosRequest(options)`, whose response carries the socket
  const fn = ts.isCallExpression(v) ? resolverOf(project)(v) : project.modules.valueOf(callee);
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

/** `tls.connect()`, `https.request()`, `https.get()`, `http2.connect()`, `net.createConnection()`, by module. */
const resolvers = new WeakMap<Project, CallResolver>();
function resolverOf(project: Project): CallResolver {
  let r = resolvers.get(project);
  if (!r) resolvers.set(project, (r = callResolver(project.modules)));
  return r;
}

function isOutgoingCall(call: ts.CallExpression | ts.NewExpression, project: Project): boolean {
  const chain = calleeChain(call.expression);
  if (!chain) return false;
  const file = call.getSourceFile().fileName;
  const binding = project.facts.get(file)?.bindings.get(chain[0]);
  const module = chain[0].startsWith('require:') ? chain[0].slice(8) : binding?.module;
  return module !== undefined && isOutgoingConnection(module, chain[chain.length - 1]);
}

function rootOf(expr: ts.Expression): ts.Identifier | undefined {
  let e = skipOuter(expr);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e)) e = skipOuter(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

/** A `super(…)` call in a class that extends a passport strategy: `extends PassportStrategy(Strategy, 'name')`, `extends HeaderStrategy`. */
function extendsStrategy(call: ts.CallExpression): boolean {
  let cls: ts.Node | undefined = call.parent;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  const base = cls?.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
  if (!base) return false;
  const e = skipOuter(base);
  const name = ts.isCallExpression(e) ? calleeChain(e.expression)?.at(-1) : calleeChain(e)?.at(-1);
  return name === PASSPORT_NEST.strategy || isStrategyClass(name ?? '');
}
