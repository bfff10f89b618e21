import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import { enclosingFunction, rejects } from './dominance';
import { collectNames, references } from './guards';
import type { Fn, Key } from './handlers';
import { declaredType, isFunctionLike, isInlineCallback, propertyNameText, returnedExpressions } from './modules';
import type { Project } from './project';
import { CONTEXT_FACTORY_KEYS, TRPC_HANDLER, TRPC_PLAIN_SERVER, TRPC_STANDALONE_MODULE } from './vocabulary/api-layers';
import { isConnectionEvent } from './vocabulary/frameworks';
import { namesRevocation } from './vocabulary/identity-sources';
import { sqlTables, sqlVerbOf } from './vocabulary/sql';
import {
  ASSIGNED_TLS_OPTIONS,
  isNestFastifyAdapter,
  isOptionsFactory,
  isOptionsName,
  isPlainServerFactory,
  isTlsServerFactory,
  SERVER_FACTORY_NAMES,
  TLS_FACTORY_TEXT,
  TLS_MODULE_TEXT,
  tlsOptionsProperty,
} from './vocabulary/tls';

/** A revocation check the app does itself on what a server serves: the first lookup, and whether some lookup runs before every request. */
export interface RevocationCheck {
  call: ts.CallExpression;
  everyRequest: boolean;
}

/** A TLS option as the server will see it. */
export interface OptionValue {
  /** The property (or assignment) that sets it, for related locations. */
  node: ts.Node;
  /** `true`/`false` for a boolean literal, `undefined` when the value is computed. */
  literal?: boolean;
  /** A computed value with `true` among its outcomes (`cfg.x ?? true`, `has ? !!v : true`). */
  mayBeTrue?: boolean;
}

export interface TlsOptions {
  /** Every part of the options could be read (no spread or value the tool cannot follow). */
  complete: boolean;
  values: Map<string, OptionValue>;
  /** The expression the options came from. */
  node?: ts.Node;
}

export interface TlsServer {
  /** The call that creates it: `https.createServer(…)`, `Fastify({ https })`, `NestFactory.create(…)`, `serve(…)`. */
  call: ts.CallExpression | ts.NewExpression;
  framework: 'node' | 'fastify' | 'nest' | 'hono';
  /** How the server is named in messages: `https.createServer()`. */
  label: string;
  options: TlsOptions;
  /** The apps and handlers it serves (keys of `Handlers`). */
  serves: Key[];
}

/** Whether a server asks for client certificates and rejects those that fail verification. */
export type Verification = 'verified' | 'unverified' | 'unknown' | 'no-client-certs';

/**
 * Every TLS server of the project and its options: node:https/tls/http2 `createServer` and
 * `new Server`, Fastify's `https` option, NestJS `httpsOptions`, Hono's `serve({ createServer,
 * serverOptions })`; options written inline, built in a variable, spread, returned by a local
 * function or imported from another file, and `opts.x = …` assignments made before the call.
 */
export class TlsServers {
  readonly all: TlsServer[] = [];

  constructor(private readonly project: Project) {
    this.collect();
  }

  /** What a server does with client certificates. */
  verification(server: TlsServer): Verification {
    const { values, complete } = server.options;
    const request = values.get('requestCert');
    const reject = values.get('rejectUnauthorized');
    if (request === undefined) return complete ? 'no-client-certs' : 'unknown';
    if (request.literal === false) return 'no-client-certs';
    if (reject === undefined) return complete || request.literal === true ? 'verified' : 'unknown';
    if (reject.literal === false) return 'unverified';
    if (reject.literal === true) return 'verified';
    return 'unknown';
  }

  /**
   * The TLS servers that serve the handlers a node runs in (through helpers' call sites, routers
   * and mounts); every TLS server of the project when none can be tied to it.
   */
  servingNode(node: ts.Node): TlsServer[] {
    const handlers = this.project.handlers;
    const keys = new Set<Key>();
    // (an entry served by a server of its own, a tRPC context factory, is known by itself)
    for (const fn of handlers.entriesReaching(node)) for (const k of [fn, ...handlers.receiversOf(fn)]) keys.add(k);
    let own = enclosingFunction(node);
    // (a function called where it is written, `void (async () => { … })()`, runs as part of the one around it)
    for (let outer = own && invokedInPlace(own) ? enclosingFunction(own) : undefined; outer; outer = invokedInPlace(outer) ? enclosingFunction(outer) : undefined) own = outer;
    if (own) keys.add(own);
    // (then a listener or handler it is: the servers it is registered on, `server.on('stream', (stream) => …)`)
    if (own && handlers.isEntry(own)) for (const k of handlers.receiversOf(own)) keys.add(k);
    // a NestJS guard runs where the Nest app's routes run
    if (own && handlers.isNestGuard(own)) keys.add('nest');
    const tied = this.servingAny(keys);
    if (tied.length > 0) return tied;
    // served by a plain HTTP server of the app (`http.createServer(handler)`, a Fastify instance
    // without `https`): no TLS server of the project serves it
    if ([...keys].some((k) => this.plainKeys().has(k))) return [];
    return this.all;
  }

  private plainKeysPart?: Set<Key>;
  /** What the app's plain HTTP servers serve: `http.createServer(handler)`'s handler, a Fastify instance made without `https`. */
  private plainKeys(): Set<Key> {
    if (this.plainKeysPart) return this.plainKeysPart;
    const out = (this.plainKeysPart = new Set<Key>());
    const handlers = this.project.handlers;
    for (const name of SERVER_FACTORY_NAMES) {
      for (const call of this.project.callsNamed(name)) {
        const chain = calleeChain(call.expression);
        if (!chain) continue;
        const binding = chain[0].startsWith('require:')
          ? { module: chain[0].slice(8), path: chain.slice(1) }
          : this.project.facts.get(call.getSourceFile().fileName)?.bindings.get(chain[0]);
        const path = binding ? [...binding.path, ...(chain[0].startsWith('require:') ? [] : chain.slice(1))] : [];
        if (!binding || !isPlainServerFactory(binding.module, name) || path[path.length - 1] !== name) continue;
        out.add(call);
        for (const a of call.arguments ?? []) {
          if (ts.isObjectLiteralExpression(skipOuter(a))) continue;
          out.add(handlers.keyOf(a));
          // tRPC handlers it serves, directly or from its listener (`return tabletHandler(req, res)`): their context factories
          for (const fn of this.trpcContexts(a)) out.add(fn);
        }
      }
    }
    for (const facts of this.project.facts.values()) {
      for (const [local, binding] of facts.bindings) {
        if (binding.module !== 'fastify' || (binding.path.length > 0 && binding.path[0] !== 'fastify' && binding.path[0] !== 'default')) continue;
        for (const call of facts.callsByName.get(local) ?? []) {
          const opts = call.arguments?.[0] && this.project.modules.valueOf(call.arguments[0]);
          if (opts && ts.isObjectLiteralExpression(opts) && this.project.modules.memberOf(opts, tlsOptionsProperty('fastify'), 0)) continue;
          out.add(handlers.keyOf(call));
        }
      }
    }
    // tRPC's `createHTTPServer({ router, createContext })`: plain HTTP for the context it makes
    for (const call of this.project.callsNamed(TRPC_PLAIN_SERVER)) {
      if (!ts.isCallExpression(call)) continue;
      const chain = calleeChain(call.expression);
      const binding = chain && this.project.facts.get(call.getSourceFile().fileName)?.bindings.get(chain[0]);
      if (binding?.module !== TRPC_STANDALONE_MODULE) continue;
      for (const fn of this.contextFactories(call.arguments[0])) out.add(fn);
    }
    // Hono's `serve({ fetch: app.fetch, port })` with no TLS `createServer`: plain HTTP for that app
    for (const call of this.project.callsNamed('serve')) {
      const serve = ts.isCallExpression(call) ? this.honoServe(call) : undefined;
      if (serve && !serve.tls && serve.app) out.add(handlers.keyOf(serve.app));
    }
    return out;
  }

  /** `serve({ fetch: app.fetch, createServer, serverOptions })` of `@hono/node-server`: its options, whether it serves TLS, the app. */
  private honoServe(call: ts.CallExpression): { opts: ts.ObjectLiteralExpression; tls: boolean; app?: ts.Expression } | undefined {
    const chain = calleeChain(call.expression);
    const module = chain?.[0].startsWith('require:') ? chain[0].slice(8) : chain && this.project.facts.get(call.getSourceFile().fileName)?.bindings.get(chain[0])?.module;
    if (module !== '@hono/node-server') return undefined;
    const opts = call.arguments[0] && this.project.modules.valueOf(call.arguments[0]);
    if (!opts || !ts.isObjectLiteralExpression(opts)) return undefined;
    const create = opts.properties.find((p) => p.name && propertyNameText(p.name) === 'createServer');
    const fetchProp = opts.properties.find((p) => p.name && propertyNameText(p.name) === 'fetch');
    const fetched = fetchProp && ts.isPropertyAssignment(fetchProp) ? skipOuter(fetchProp.initializer) : undefined;
    return {
      opts,
      tls: create !== undefined && (TLS_FACTORY_TEXT.test(create.getText()) || this.isTlsFactory(create)),
      app: fetched && ts.isPropertyAccessExpression(fetched) ? fetched.expression : undefined,
    };
  }

  /** The context factories an options object names (`{ router, createContext }`). */
  private contextFactories(options: ts.Expression | undefined): ts.FunctionLikeDeclaration[] {
    const opts = options && this.project.modules.valueOf(options);
    if (!opts || !ts.isObjectLiteralExpression(opts)) return [];
    const out: ts.FunctionLikeDeclaration[] = [];
    for (const key of CONTEXT_FACTORY_KEYS) {
      const given = this.project.modules.memberOf(opts, key, 0);
      const fn = given && (isFunctionLike(given) ? given : ts.isExpression(given) ? this.project.handlers.functionOf(given) : undefined);
      if (fn) out.push(fn);
    }
    return out;
  }

  /** `server.setSecureContext({ …, crl })`: the CRL is loaded (and reloaded) after the server is created. */
  reloadsCrl(server: TlsServer): boolean {
    const { handlers, modules } = this.project;
    for (const call of this.project.callsNamed('setSecureContext')) {
      const callee = call.expression;
      if (!ts.isPropertyAccessExpression(callee) || handlers.keyOf(callee.expression) !== handlers.keyOf(server.call)) continue;
      const opts = call.arguments?.[0] && modules.valueOf(call.arguments[0]);
      if (opts && ts.isObjectLiteralExpression(opts) && modules.memberOf(opts, 'crl', 0) !== undefined) return true;
      if (opts && ts.isObjectLiteralExpression(opts) && opts.properties.some((p) => p.name?.getText() === 'crl')) return true;
    }
    return false;
  }

  private ownRevocationChecks?: Map<TlsServer, RevocationCheck>;
  /**
   * Whether the server's requests pass a revocation check the application does itself: a check that
   * turns the connection or request away on what a revocation lookup of **this certificate** says —
   * its serial or fingerprint against a revocation list (`if (revokedSerials.has(cert.serialNumber))
   * return 401`), an OCSP or CRL lookup's result (`if (status.type !== 'good') throw …`, also in the
   * lookup's callback) — in code the server runs (every server, when the code cannot be tied to
   * one), before every request it serves. A name alone never counts: not an import of an OCSP package, not a call that names
   * revocation but takes no certificate or decides nothing (`revokePreferences(user)`).
   */
  checksRevocationItself(server: TlsServer): boolean {
    return this.ownRevocationCheck(server)?.everyRequest === true;
  }

  /** The app's own revocation check on what `server` serves, and whether it runs before every request (`checkedOnEveryRequest`). */
  ownRevocationCheck(server: TlsServer): RevocationCheck | undefined {
    return (this.ownRevocationChecks ??= this.serversWithOwnRevocationCheck()).get(server);
  }

  private serversWithOwnRevocationCheck(): Map<TlsServer, RevocationCheck> {
    const out = new Map<TlsServer, RevocationCheck>();
    const checks: ts.CallExpression[] = [];
    for (const facts of this.project.facts.values()) {
      const revocationModules = new Set([...facts.bindings.values()].filter((b) => namesRevocation(b.module)).map((b) => b.local));
      if (!namesRevocation(facts.text)) continue;
      for (const calls of facts.callsByName.values()) {
        for (const call of calls) {
          if (!ts.isCallExpression(call)) continue;
          const chain = calleeChain(call.expression);
          // the lookup names revocation: its receiver or module, or the key or table it asks (`sismember('pki:revoked-serials', …)`)
          // (in SQL, the table it asks: `FROM revoked_certificates`, not a column of another table, `mandates … AND revoked_at IS NULL`)
          const names = (text: string): boolean => (sqlVerbOf(text) !== undefined ? sqlTables(text).some(namesRevocation) : namesRevocation(text));
          const asks = (a: ts.Expression): boolean => {
            const x = skipOuter(a);
            return (ts.isStringLiteralLike(x) && names(x.text)) || (ts.isTemplateExpression(x) && names(x.getText().slice(1, -1)));
          };
          // (or the type its receiver is declared with: `client.status(serial)` where `client: RevocationClient`)
          const typed = (): boolean => {
            const type = declaredTypeName(call.expression, this.project);
            return type !== undefined && (namesRevocation(type) || revocationModules.has(type));
          };
          if (!chain || !(chain.some(namesRevocation) || revocationModules.has(chain[0]) || call.arguments.some(asks) || typed())) continue;
          // a lookup of the client's certificate: its serial, fingerprint, raw bytes, or the certificate
          // (also inside an options object: `ocspCheck({ cert: toPem(cert.raw), issuer: … })`)
          const ofClient = (a: ts.Expression): boolean => {
            const x = skipOuter(a);
            if (isFunctionLike(x)) return false;
            if (ts.isObjectLiteralExpression(x)) return x.properties.some((p) => ts.isPropertyAssignment(p) && ofClient(p.initializer));
            return this.project.identity.isIdentity(x);
          };
          if (!call.arguments.some(ofClient)) continue;
          if (rejectsOnLookup(call)) checks.push(call);
        }
      }
    }
    const byServer = new Map<TlsServer, ts.CallExpression[]>();
    for (const call of checks) for (const s of this.servingNode(call)) byServer.set(s, [...(byServer.get(s) ?? []), call]);
    for (const [server, calls] of byServer) out.set(server, { call: calls[0], everyRequest: this.checkedOnEveryRequest(server, calls) });
    return out;
  }

  /**
   * Whether the revocation checks `calls` run before every request `server` serves: each of its routes
   * (route handlers, NestJS routes, resolvers and procedures, a node server's request listener) runs a
   * check itself or is preceded by a function that does (middleware, hook, guard: the guard question
   * of `Handlers.gatedBefore`), or a connection listener of the server checks every connection. A
   * check reached only on some routes (`if (resource === 'guest-passes') return issueGuestPass(…)`
   * with the lookup inside) leaves the others open. When the tool cannot see how a check is reached
   * (a function no registration or call of the project leads to: a route table it cannot read), or
   * sees no route of the server, the check is taken as covering, as before.
   */
  private checkedOnEveryRequest(server: TlsServer, calls: readonly ts.CallExpression[]): boolean {
    const handlers = this.project.handlers;
    const running = new Set<ts.Node>();
    let unseen = false;
    // (a call that dispatches to one of several functions, `found.handler(req, res)` for the entry a route table matched:
    // it runs a check whenever it runs only when every function it can call does)
    const pending = new Set<ts.CallExpression | ts.NewExpression>();
    // the functions that run a check whenever they run: its own, then callers that call one outside a branch on request input
    const visit = (node: ts.Node, depth: number): void => {
      const fn = enclosingFunction(node);
      if (!fn || depth > 8 || this.branchesOnRequest(node, fn)) return;
      if (running.has(fn)) return;
      running.add(fn);
      if (handlers.isEntry(fn)) return;
      if (isInlineCallback(fn)) return visit(fn.parent, depth + 1);
      const callers = handlers.callersOf(fn);
      if (callers.length === 0) unseen = true;
      for (const c of callers) {
        if (this.dispatchTargets(c).some((t) => !running.has(t))) pending.add(c);
        else visit(c, depth + 1);
      }
    };
    for (const call of calls) visit(call, 0);
    for (let moved = true; moved;) {
      moved = false;
      for (const c of [...pending]) {
        if (this.dispatchTargets(c).some((t) => !running.has(t))) continue;
        pending.delete(c);
        visit(c, 1);
        moved = true;
      }
    }
    if (unseen) return true;
    const serves = (fn: Fn): boolean => this.servingAny(new Set<Key>([fn, ...handlers.receiversOf(fn)])).includes(server);
    const routes: Fn[] = [];
    for (const fn of handlers.entries()) {
      if (!serves(fn)) continue;
      const regs = handlers.registrationsOf(fn);
      // a connection listener that checks covers every request on the connection; one that does not is no route
      const connection = regs.filter((r) => r.method === 'listener' && isConnectionListener(r.call));
      if (connection.length > 0 && running.has(fn)) return true;
      if (connection.length > 0 && connection.length === regs.length) continue;
      // middleware and hooks run before routes; they are asked about as what precedes them
      if (regs.length > 0 && regs.every((r) => r.method === 'use' || r.method === 'hook')) continue;
      if (regs.length === 0 && handlers.isNestGuard(fn)) continue;
      routes.push(fn);
    }
    return routes.every((r) => running.has(r) || handlers.gatedBefore(r, (f) => running.has(f)) === true);
  }

  /** `node` runs only on some requests its function serves: in a branch, case or operand whose choice rests on request input (a route's path, a query field). */
  private branchesOnRequest(node: ts.Node, fn: Fn): boolean {
    const requestValues = this.project.requestValues;
    const onRequest = (e: ts.Node): boolean => requestValues.requestReadIn(e) !== undefined;
    for (let n: ts.Node = node; n.parent && n !== fn; n = n.parent) {
      const p = n.parent;
      if (ts.isIfStatement(p) && p.expression !== n && onRequest(p.expression)) return true;
      if (ts.isConditionalExpression(p) && p.condition !== n && onRequest(p.condition)) return true;
      if (ts.isCaseClause(p) && ts.isSwitchStatement(p.parent.parent) && onRequest(p.parent.parent.expression)) return true;
      if (ts.isBinaryExpression(p) && p.right === n && isShortCircuit(p.operatorToken.kind) && onRequest(p.left)) return true;
    }
    return false;
  }

  /** The servers an app, router or handler key is served by (directly or through mounts). */
  /** The functions a call can run when its callee is an entry of a table of routes (`found.handler(…)`); none for a plain call. */
  private dispatchTargets(call: ts.CallExpression | ts.NewExpression): ts.Node[] {
    const callee = skipOuter(call.expression);
    if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(callee)) return [];
    const targets = new Set<ts.Node>();
    for (const held of this.project.handlers.dispatchedMembers(callee)) {
      const fn = this.project.modules.valueOf(held);
      if (fn && isFunctionLike(fn)) targets.add(fn);
    }
    return targets.size > 1 ? [...targets] : [];
  }

  servingAny(keys: ReadonlySet<Key>): TlsServer[] {
    return this.all.filter((s) => s.serves.some((k) => keys.has(k)) || (s.framework === 'nest' && keys.has('nest')));
  }

  private collect(): void {
    const modules = this.project.modules;
    const moduleOf = (call: ts.CallExpression | ts.NewExpression): { module?: string; path: string[] } => {
      const chain = calleeChain(call.expression);
      if (!chain) return { path: [] };
      if (chain[0].startsWith('require:')) return { module: chain[0].slice(8), path: chain.slice(1) };
      const binding = this.project.facts.get(call.getSourceFile().fileName)?.bindings.get(chain[0]);
      return binding ? { module: binding.module, path: [...binding.path, ...chain.slice(1)] } : { path: chain };
    };
    const seen = new Set<ts.Node>();
    const add = (server: TlsServer): void => {
      if (seen.has(server.call)) return;
      seen.add(server.call);
      this.all.push(server);
    };
    const handlers = this.project.handlers;
    const servedBy = (args: readonly ts.Expression[]): Key[] => args.filter((a) => !ts.isObjectLiteralExpression(skipOuter(a))).map((a) => handlers.keyOf(a));

    for (const name of SERVER_FACTORY_NAMES) {
      for (const call of this.project.callsNamed(name)) {
        const { module, path } = moduleOf(call);
        if (!module || !isTlsServerFactory(module, name) || path[path.length - 1] !== name) continue;
        const args = call.arguments ?? [];
        // `(options, listener)`; a lone argument is the options unless it is a handler or an app
        const optionsArg = args.length >= 2 ? args[0] : args.find((a) => this.looksLikeOptions(a));
        add({
          call,
          framework: 'node',
          label: `${module}.${name === 'Server' ? 'Server' : name}()`,
          options: this.optionsOf(optionsArg),
          serves: [call, ...servedBy(args.filter((a) => a !== optionsArg))],
        });
      }
    }
    // Fastify({ https: { … } })
    for (const facts of this.project.facts.values()) {
      for (const [local, binding] of facts.bindings) {
        if (binding.module !== 'fastify' || (binding.path.length > 0 && binding.path[0] !== 'fastify' && binding.path[0] !== 'default')) continue;
        for (const call of facts.callsByName.get(local) ?? []) {
          const opts = call.arguments?.[0] && modules.valueOf(call.arguments[0]);
          if (!opts || !ts.isObjectLiteralExpression(opts)) continue;
          const https = modules.memberOf(opts, tlsOptionsProperty('fastify'), 0);
          if (!https) continue;
          add({ call, framework: 'fastify', label: `${local}({ https })`, options: this.optionsOf(https), serves: [handlers.keyOf(call)] });
        }
      }
    }
    // NestFactory.create(AppModule, { httpsOptions })
    for (const call of this.project.callsNamed('create')) {
      if (calleeChain(call.expression)?.join('.') !== 'NestFactory.create') continue;
      // `NestFactory.create(AppModule, new FastifyAdapter({ https }))`: the adapter's Fastify options carry them
      const second = call.arguments?.[1] && skipOuter(call.arguments[1]);
      if (second && ts.isNewExpression(second) && isNestFastifyAdapter(calleeChain(second.expression)?.at(-1) ?? '')) {
        const fastifyOpts = second.arguments?.[0] && modules.valueOf(second.arguments[0]);
        const https = fastifyOpts && ts.isObjectLiteralExpression(fastifyOpts) ? modules.memberOf(fastifyOpts, tlsOptionsProperty('fastify'), 0) : undefined;
        if (https) add({ call, framework: 'nest', label: 'NestFactory.create(…, new FastifyAdapter({ https }))', options: this.optionsOf(https), serves: ['nest'] });
        continue;
      }
      const opts = call.arguments?.[1] && modules.valueOf(call.arguments[1]);
      if (!opts || !ts.isObjectLiteralExpression(opts)) continue;
      const https = modules.memberOf(opts, tlsOptionsProperty('nest'), 0);
      if (!https) continue;
      add({ call, framework: 'nest', label: 'NestFactory.create(…, { httpsOptions })', options: this.optionsOf(https), serves: ['nest'] });
    }
    // serve({ fetch: app.fetch, createServer: https.createServer, serverOptions }) from @hono/node-server
    for (const call of this.project.callsNamed('serve')) {
      const serve = ts.isCallExpression(call) ? this.honoServe(call) : undefined;
      if (!serve?.tls) continue;
      const { opts, app } = serve;
      const serverOptions = modules.memberOf(opts, tlsOptionsProperty('hono'), 0);
      const fetch = modules.memberOf(opts, 'fetch', 0);
      add({
        call,
        framework: 'hono',
        label: 'serve({ createServer, serverOptions })',
        options: serverOptions ? this.optionsOf(serverOptions) : { complete: true, values: new Map() },
        serves: [app ? handlers.keyOf(app) : (fetch ?? call)],
      });
    }
  }

  /**
   * The context factories of the tRPC handlers a server is given (`createHTTPHandler({ router,
   * createContext })`), as the handler itself or called from the listener function given.
   */
  private trpcContexts(arg: ts.Expression): ts.FunctionLikeDeclaration[] {
    const modules = this.project.modules;
    const handlers = this.project.handlers;
    const out: ts.FunctionLikeDeclaration[] = [];
    const fromHandler = (e: ts.Expression): void => {
      const made = modules.valueOf(e);
      if (made && ts.isCallExpression(made) && calleeChain(made.expression)?.at(-1) === TRPC_HANDLER) out.push(...this.contextFactories(made.arguments[0]));
    };
    fromHandler(arg);
    const listener = handlers.functionOf(arg);
    if (listener?.body) {
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression))) fromHandler(skipOuter(n.expression));
        ts.forEachChild(n, visit);
      };
      visit(listener.body);
    }
    return out;
  }

  private isTlsFactory(prop: ts.ObjectLiteralElementLike): boolean {
    if (!ts.isPropertyAssignment(prop) && !ts.isShorthandPropertyAssignment(prop)) return false;
    const value = this.project.modules.valueOf(ts.isPropertyAssignment(prop) ? prop.initializer : prop.name);
    return value !== undefined && ts.isImportDeclaration(value) && TLS_MODULE_TEXT.test(value.moduleSpecifier.getText());
  }

  private looksLikeOptions(arg: ts.Expression): boolean {
    const value = this.project.modules.valueOf(arg);
    if (!value) return ts.isIdentifier(skipOuter(arg)) && isOptionsName(skipOuter(arg).getText());
    if (ts.isObjectLiteralExpression(value)) return true;
    if (isFunctionLike(value) || ts.isClassLike(value)) return false;
    if (ts.isCallExpression(value)) {
      const name = calleeChain(value.expression)?.at(-1) ?? '';
      return isOptionsFactory(name);
    }
    return false;
  }

  /** The options an expression evaluates to, following variables, spreads, local factories and imports. */
  optionsOf(expr: ts.Node | undefined, depth = 0): TlsOptions {
    const values = new Map<string, OptionValue>();
    if (!expr) return { complete: true, values };
    const out: TlsOptions = { complete: true, values, node: expr };
    this.fill(expr, out, depth);
    // `opts.rejectUnauthorized = false` before the server is created
    this.assignedOptions(skipOuter(expr as ts.Expression), values);
    return out;
  }

  /** Options set on a local object after it was made: `opts.rejectUnauthorized = false`, `options.crl = readFileSync(…)`. */
  private assignedOptions(e: ts.Node, values: Map<string, OptionValue>): void {
    if (!ts.isIdentifier(e)) return;
    const facts = this.project.facts.get(e.getSourceFile().fileName);
    const decl = this.project.modules.declarationOf(e.text, e);
    for (const key of ASSIGNED_TLS_OPTIONS) {
      for (const node of facts?.assignments.get(`${e.text}.${key}`) ?? []) {
        // (the same binding: another function's `options` is another object)
        if (ts.isBinaryExpression(node) && (!decl || this.project.modules.declarationOf(e.text, node) === decl)) values.set(key, { node, literal: literalBool(node.right) });
      }
    }
  }

  private fill(expr: ts.Node, out: TlsOptions, depth: number): void {
    if (depth > 8) {
      out.complete = false;
      return;
    }
    // `this.options`, set in the constructor
    const e = skipOuter(expr as ts.Expression);
    const set =
      ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword
        ? this.project.facts.get(e.getSourceFile().fileName)?.assignments.get(`this.${e.name.text}`)?.at(-1)
        : undefined;
    let value = set && ts.isBinaryExpression(set) ? this.project.modules.valueOf(set.right) : this.project.modules.valueOf(expr);
    let returned: ts.Expression | undefined;
    if (value && ts.isAwaitExpression(value)) value = this.project.modules.valueOf(value.expression);
    if (value && ts.isCallExpression(value)) {
      // a local factory: `function tlsOptions() { return { … } }`
      const fn = this.project.handlers.functionOf(value.expression);
      const ret = fn && returnedExpressions(fn)[0];
      returned = ret && skipOuter(ret);
      value = ret ? this.project.modules.valueOf(ret) : value;
      if (value && ts.isAwaitExpression(value)) value = this.project.modules.valueOf(value.expression);
      if (value && ts.isCallExpression(value) && calleeChain(value.expression)?.join('.') === 'Object.assign') {
        for (const arg of value.arguments) this.fill(arg, out, depth + 1);
        return;
      }
    }
    if (!value || !ts.isObjectLiteralExpression(value)) {
      out.complete = false;
      return;
    }
    for (const p of value.properties) {
      if (ts.isSpreadAssignment(p)) {
        this.fill(p.expression, out, depth + 1);
        continue;
      }
      const name = p.name ? propertyNameText(p.name) : undefined;
      if (!name) {
        out.complete = false; // a computed key could be anything
        continue;
      }
      if (ts.isPropertyAssignment(p)) {
        const v = this.project.modules.valueOf(p.initializer);
        const literal = v ? literalBool(v) : undefined;
        out.values.set(name, { node: p, literal, mayBeTrue: literal === undefined && (hasTrueOutcome(p.initializer) || computedTrue(v)) });
      } else if (ts.isShorthandPropertyAssignment(p)) {
        const v = this.project.modules.valueOf(p.name);
        const literal = v ? literalBool(v) : undefined;
        out.values.set(name, { node: p, literal, mayBeTrue: literal === undefined && computedTrue(v) });
      }
    }
    // and what a factory sets on the object it returns, after making it: `options.crl = …` before `return options`
    if (returned) this.assignedOptions(returned, out.values);
  }
}

function literalBool(node: ts.Node): boolean | undefined {
  const e = skipOuter(node as ts.Expression);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isVariableDeclaration(e) && e.initializer) return literalBool(e.initializer);
  return undefined;
}

/**
 * A computed value that can come out `true`: `a ? !!b : true`, `x ?? true`, `x || true`, and any
 * boolean the code computes at run time (`mode === TlsMode.MTLS`, `!insecure`, `Boolean(flag)`,
 * `a && b === 'on'`). A bare name or property passed through (`opts.requestCert`) says nothing.
 */
function hasTrueOutcome(expr: ts.Expression, depth = 0): boolean {
  const e = skipOuter(expr);
  if (depth > 8) return false;
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (ts.isConditionalExpression(e)) return hasTrueOutcome(e.whenTrue, depth + 1) || hasTrueOutcome(e.whenFalse, depth + 1);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return true;
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Boolean') return true;
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (COMPARISONS.has(op)) return true;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.AmpersandAmpersandToken) return hasTrueOutcome(e.right, depth + 1);
  }
  return false;
}

/** The value a name stands for (`const mutual = mode === 'mtls'`) can come out `true`. */
function computedTrue(v: ts.Node | undefined): boolean {
  if (!v) return false;
  const init = ts.isVariableDeclaration(v) ? v.initializer : v;
  return init !== undefined && ts.isExpression(init) && hasTrueOutcome(init);
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.InKeyword,
  ts.SyntaxKind.InstanceOfKeyword,
]);

/** `server.on('secureConnection', fn)`: a listener that runs once per connection, before its requests. */
function isConnectionListener(call: ts.CallExpression): boolean {
  const event = call.arguments[0] && skipOuter(call.arguments[0]);
  return event !== undefined && ts.isStringLiteralLike(event) && isConnectionEvent(event.text);
}

/** `a && b`, `a || b`, `a ?? b`: the right side runs only on some values of the left. */
function isShortCircuit(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken || kind === ts.SyntaxKind.QuestionQuestionToken;
}

/**
 * A revocation lookup's answer turns the client away: the call in the condition of a refusing `if`,
 * its result kept in a local that such a condition tests, or a callback of it that refuses on its
 * arguments (`ocsp.check(req, (err, res) => { if (err || res.type !== 'good') return deny() })`).
 */
function rejectsOnLookup(call: ts.CallExpression): boolean {
  const refusingIf = (n: ts.Node): n is ts.IfStatement => ts.isIfStatement(n) && (rejects(n.thenStatement) || (n.elseStatement !== undefined && rejects(n.elseStatement)));
  // in the condition itself
  for (let n: ts.Node = call; n.parent && !isFunctionLike(n); n = n.parent) {
    if (ts.isIfStatement(n.parent) && n.parent.expression === n) return refusingIf(n.parent);
    if (ts.isStatement(n)) break;
  }
  // the result in a local, tested later in the same function
  let holder: ts.Node = call;
  while (holder.parent && (ts.isAwaitExpression(holder.parent) || ts.isParenthesizedExpression(holder.parent))) holder = holder.parent;
  const decl = holder.parent;
  const names = new Set<string>();
  if (decl && ts.isVariableDeclaration(decl) && decl.initializer === holder) collectNames(decl.name, names);
  const fn = enclosingFunction(call);
  const tested = (body: ts.Node, names: ReadonlySet<string>): boolean => {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || (n !== body && isFunctionLike(n))) return;
      if (refusingIf(n) && references(n.expression, names)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(body);
    return found;
  };
  if (names.size > 0 && fn?.body && tested(fn.body, names)) return true;
  // a lookup that throws when the certificate is revoked (`await ocspCheck({ cert, issuer })`), made in a `try`
  // whose `catch` always ends the request
  for (let n: ts.Node = holder; n.parent && !isFunctionLike(n); n = n.parent) {
    if (ts.isTryStatement(n.parent) && n.parent.tryBlock === n && n.parent.catchClause) {
      if (ts.isAwaitExpression(holder) && rejects(n.parent.catchClause.block)) return true;
      break;
    }
  }
  // a callback of the lookup that refuses on what it is given, or of the promise it returns
  // (`isRevoked(cert).then((revoked) => { if (revoked) return res.sendStatus(403); … })`)
  const step = call.parent && ts.isPropertyAccessExpression(call.parent) && call.parent.expression === call && call.parent.name.text === 'then' ? call.parent.parent : undefined;
  const callbacks = [...call.arguments, ...(step && ts.isCallExpression(step) ? step.arguments.slice(0, 1) : [])];
  for (const arg of callbacks) {
    const cb = skipOuter(arg);
    if (!(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) || !cb.body) continue;
    const params = new Set<string>();
    for (const p of cb.parameters) collectNames(p.name, params);
    if (params.size > 0 && tested(cb.body, params)) return true;
  }
  return false;
}

/** The type name the receiver of a method call is declared with: `client.status()` with `client: RevocationClient` → `RevocationClient`. */
function declaredTypeName(callee: ts.Expression, project: Project): string | undefined {
  const e = skipOuter(callee);
  const type = ts.isPropertyAccessExpression(e) ? declaredType(e.expression, (id) => project.modules.declarationOf(id.text, id)) : undefined;
  return type && ts.isIdentifier(type.typeName) ? type.typeName.text : undefined;
}

/** A function expression called where it is written: `(async () => { … })()`, `(function () { … }).call(this)` aside. */
function invokedInPlace(fn: ts.Node): boolean {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isCallExpression(n.parent) && n.parent.expression === n;
}
