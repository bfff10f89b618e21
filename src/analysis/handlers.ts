import { ts } from '../ts';
import { calleeChain, requiredModule, skipOuter } from './facts/walk';
import { fieldDeclaration, heldValues, isFunctionLike, isInlineCallback, propertyNameText, returnedExpressions, type Modules } from './modules';
import { instanceOfClass } from './values';
import type { Project } from './project';
import { CONTEXT_FACTORY_KEYS, NEST_RESOLVER_CLASS, NEST_RESOLVER_METHODS } from './vocabulary/api-layers';
import {
  continuesRouteChain,
  isAppServerMember,
  isEarlyHook,
  isNestGuardMethod,
  isRouteMethod,
  isServerListenerEvent,
  NEST_CONTROLLER_DECORATOR,
  NEST_GLOBAL_REGISTRATIONS,
  NEST_GUARD_DECORATORS,
  NEST_METADATA,
  NEST_MIDDLEWARE_SCOPE,
  NEST_PARAM_DECORATOR_FACTORY,
  NEST_ROUTE_DECORATORS,
  PASSPORT_NEST,
  ROUTE_METHODS,
  sharesPluginInstance,
} from './vocabulary/frameworks';
import { DEFERRING_CALLEES, isListenerRegistration } from './vocabulary/deferral';
import { ELEMENT_ADDERS, looksUpElement } from './vocabulary/values';
import { SERVER_FACTORY_NAMES } from './vocabulary/tls';
import { isMethodInvokerFactory } from './vocabulary/di';

/** A function that runs per request: a handler, middleware, hook, guard method or listener. */
export type Fn = ts.FunctionLikeDeclaration;
/** What an app, router, plugin instance or server is known by: the node that creates it, or a text. */
export type Key = ts.Node | string;

export interface Registration {
  call: ts.CallExpression;
  file: string;
  /** The app/router/instance/server the functions are registered on. */
  receiver: Key;
  /** `get`, `use`, `all`, …, `hook` (Fastify), `listener` (node servers). */
  method: string;
  /** The functions, in the order they run. */
  fns: Fn[];
  /** The path literal it is registered under, if any: `app.use('/admin', …)`. */
  path?: string;
}

/** Where a hook stands: where it, or the shared plugin that adds it, is registered; and where it is itself added. */
interface HookOrder {
  file: string;
  pos: number;
  own: { file: string; pos: number };
}

interface Mount {
  parent: Key;
  child: Key;
  file: string;
  pos: number;
  /** Functions of the same registration that run before the mounted app: `app.use('/x', gate, router)`. */
  before?: Fn[];
  path?: string;
}

const NEST_OPERATION_DECORATORS = NEST_RESOLVER_METHODS;
/** `server.on('request', h)` and friends (not `prependListener`, which only reorders). */
const LISTENER_REGISTRATIONS = DEFERRING_CALLEES.filter((d) => isListenerRegistration(d.name) && d.name !== 'prependListener').map((d) => d.name);

/**
 * Request handlers and what runs before them, for every framework the tool knows, from the
 * calls that register them: Express, Koa, Hono and Fastify route methods and `use`, route-level
 * middleware arrays, mounted routers (`app.use('/api', router)`, `router.routes()`, a chain kept under a
 * name, `const api = compose([requireCurator, router.routes()])`,
 * `app.route('/x', sub)`), Fastify hooks, route options and plugins (encapsulated, or shared with
 * `fastify-plugin`), NestJS controllers with their guards and middleware, and node:http(s)/tls/http2
 * request and connection listeners. Registrations on a function's parameter (`export default
 * (app) => { app.get(…) }`) are tied to the apps passed in at its call sites, across files.
 */
export class Handlers {
  readonly registrations: Registration[] = [];
  private readonly mounts: Mount[] = [];
  private readonly union = new Map<Key, Key>();
  private readonly byFn = new Map<Fn, Registration[]>();
  private readonly nestRoutes = new Map<Fn, { cls?: ts.ClassLikeDeclaration; guards: Fn[] }>();
  private readonly nestGlobal: Fn[] = [];
  private readonly keyCache = new Map<ts.Node, Key>();
  private readonly pluginOptionsByFn = new Map<Fn, ts.Expression[]>();
  private readonly pluginRegistrations = new Map<Fn, ts.CallExpression[]>();

  constructor(private readonly project: Project) {
    this.collect();
    this.collectNest();
    for (const reg of this.registrations) {
      for (const fn of reg.fns) {
        const list = this.byFn.get(fn);
        if (list) list.push(reg);
        else this.byFn.set(fn, [reg]);
      }
    }
  }

  /** The chains of API-layer entries in which `fn` runs as middleware. */
  private beforeListsWith(fn: Fn): (readonly Fn[])[] {
    return [...this.project.apiLayers.entries.values()].map((e) => e.before).filter((l) => l.includes(fn));
  }

  /** Whether `fn` is registered to run per request anywhere (route, middleware, hook, guard, listener). */
  isEntry(fn: Fn): boolean {
    return this.byFn.has(fn) || this.nestRoutes.has(fn) || this.project.apiLayers.isEntry(fn);
  }

  /** Every function registered to run per request: route handlers, middleware, hooks, listeners, NestJS routes, resolvers and procedures. */
  entries(): Fn[] {
    return [...new Set([...this.byFn.keys(), ...this.nestRoutes.keys(), ...this.project.apiLayers.entries.keys()])];
  }

  /** The options a plugin is registered with (`app.register(plugin, { tolls })`): what Fastify passes as its second parameter. */
  pluginOptions(fn: Fn): readonly ts.Expression[] {
    return this.pluginOptionsByFn.get(fn) ?? [];
  }

  registrationsOf(fn: Fn): readonly Registration[] {
    return this.byFn.get(fn) ?? [];
  }

  /**
   * Whether, on every registration of `fn`, some function that runs before it passes `isGate`:
   * earlier arguments of the same registration, Fastify route hooks, earlier `use`/hooks on its
   * app or router and on every app it is mounted on, NestJS guards and middleware.
   * `undefined` when `fn` is not registered (callers must be followed instead).
   */
  gatedBefore(fn: Fn, isGate: (f: Fn) => boolean): boolean | undefined {
    const nest = this.nestRoutes.get(fn);
    const regs = this.byFn.get(fn);
    const api = this.project.apiLayers.entries.get(fn);
    // a resolver or procedure: its context factory and middleware run before it on every request
    if (api && !nest && !regs) return api.before.some(isGate);
    // middleware that runs only as part of entries' chains (an inversify `BaseMiddleware` named by `@controller`): gated on each by what precedes it there
    const lists = !api && !nest && !regs ? this.beforeListsWith(fn) : [];
    if (lists.length > 0) return lists.every((l) => l.slice(0, l.indexOf(fn)).some(isGate));
    if (!nest && !regs) return this.nestGuardGated(fn, isGate);
    // (a guard that lets routes marked with its metadata key through, `@Public()`, gates none of them)
    const applies = (g: Fn): boolean => isGate(g) && !this.bypassedBy(fn, g);
    if (nest && !nest.guards.some(applies) && !this.receiverGated('nest', '', Number.MAX_SAFE_INTEGER, applies, 0, undefined)) return false;
    for (const reg of regs ?? []) {
      const at = reg.fns.indexOf(fn);
      if (reg.fns.slice(0, at).some(isGate)) continue;
      // (a hook is preceded only by the hooks registered before it)
      const hookAt = reg.method === 'hook' ? this.hookOrder(reg) : undefined;
      if (this.receiverGated(reg.receiver, reg.file, order(reg.call), isGate, 0, reg.path ?? (reg.method === 'use' ? '' : undefined), hookAt)) continue;
      return false;
    }
    return true;
  }

  /**
   * The controllers a middleware consumer's `apply(…)` is limited to by `.forRoutes(A, B)` (also after
   * `.exclude(…)`), when every argument is a controller class; `undefined` for paths, route objects or
   * no `forRoutes` (the middleware then counts for every route).
   */
  private scopedControllers(apply: ts.CallExpression): ts.ClassLikeDeclaration[] | undefined {
    let n: ts.Node = apply;
    while (n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.parent && ts.isCallExpression(n.parent.parent)) {
      const call = n.parent.parent;
      if (n.parent.name.text === NEST_MIDDLEWARE_SCOPE.forRoutes) {
        const classes = call.arguments.map((a) => this.project.modules.valueOf(skipOuter(a)));
        return classes.length > 0 && classes.every((c) => c !== undefined && ts.isClassLike(c)) ? classes : undefined;
      }
      n = call;
    }
    return undefined;
  }

  /**
   * A NestJS guard or interceptor named on routes (`@UseInterceptors(AuditInterceptor)`): gated when,
   * on every route that lists it, a gate runs before it there — a global guard, a guard listed
   * before it, or, for an interceptor, any guard of the route (interceptors run after all guards).
   * `undefined` when it is listed on no route (a global one: callers decide).
   */
  private nestGuardGated(fn: Fn, isGate: (f: Fn) => boolean): boolean | undefined {
    const routes = [...this.nestRoutes].filter(([, r]) => r.guards.includes(fn));
    if (routes.length === 0 || this.nestGlobal.includes(fn)) return undefined;
    const interceptor = ts.isMethodDeclaration(fn) && fn.name !== undefined && propertyNameText(fn.name) === NEST_METADATA.interceptorMethod;
    const isGuard = (g: Fn): boolean => ts.isMethodDeclaration(g) && g.name !== undefined && propertyNameText(g.name) === NEST_METADATA.guardMethod;
    const middleware = ts.isMethodDeclaration(fn) && fn.name !== undefined && propertyNameText(fn.name) === NEST_METADATA.middlewareMethod;
    return routes.every(([route, r]) => {
      const applies = (g: Fn): boolean => g !== fn && isGate(g) && !this.bypassedBy(route, g);
      const before = interceptor ? r.guards.filter(isGuard) : r.guards.slice(0, r.guards.indexOf(fn));
      // a middleware runs before every guard, global ones too (Nest's order: middleware, guards, interceptors)
      if (middleware) return before.some((g) => applies(g) && !isGuard(g));
      return before.some(applies) || this.nestGlobal.some((g) => (interceptor || isGuard(g)) && applies(g));
    });
  }

  /**
   * Whether a route skips guard `g`: the guard returns `true` at once for a metadata key
   * (`if (this.reflector.getAllAndOverride(IS_PUBLIC, …)) return true;`) that the route or its
   * controller is marked with (`@Public()`, made by `SetMetadata(IS_PUBLIC, true)`).
   */
  private bypassedBy(route: Fn, g: Fn): boolean {
    const r = this.nestRoutes.get(route);
    return r !== undefined && guardLetsThrough(g, route, r.cls, this.project.modules, 'marked');
  }

  /**
   * Whether guard `g` decides nothing for `route`: it lets the route through unchecked, by a metadata key
   * the route is marked with (`@Public()`) or one it lacks (`if (!capability) return true;` without
   * `@RequiresCapability(…)`), see `guardLetsThrough`.
   */
  skipsGuard(route: Fn, g: Fn): boolean {
    const r = this.nestRoutes.get(route);
    return r !== undefined && (guardLetsThrough(g, route, r.cls, this.project.modules, 'marked') || guardLetsThrough(g, route, r.cls, this.project.modules, 'unmarked'));
  }

  /**
   * Where a hook stands among the hooks of its instance: where it is added, or, for one added by a
   * plugin that shares its parent's instance (`fastify-plugin`), where that plugin is registered.
   */
  private hookOrder(reg: Registration): HookOrder {
    const own = { file: reg.file, pos: order(reg.call) };
    for (let n: ts.Node | undefined = reg.call.parent; n; n = n.parent) {
      if (!isFunctionLike(n)) continue;
      const registered = this.pluginRegistrations.get(n);
      if (registered?.length === 1) return { file: registered[0].getSourceFile().fileName, pos: order(registered[0]), own };
    }
    return { ...own, own };
  }

  /**
   * Whether a gate runs on `receiver` before position `pos` of `file`, for requests to `path`
   * (relative to the receiver; `undefined` when unknown): global `use`/`all` registered earlier,
   * path-scoped ones whose prefix covers the path, hooks, and the same on every mounting app.
   */
  private receiverGated(receiver: Key, file: string, pos: number, isGate: (f: Fn) => boolean, depth: number, path: string | undefined, hookAt?: HookOrder): boolean {
    if (depth > 6) return false;
    const key = this.find(receiver);
    for (const reg of this.registrations) {
      if (this.find(reg.receiver) !== key) continue;
      const hookBefore = (): boolean => {
        if (!hookAt) return true;
        const at = this.hookOrder(reg);
        // (two hooks of one plugin: their own order; hooks of files whose order is unknown count as before)
        if (at.file === hookAt.file && at.pos === hookAt.pos) return at.own.file !== hookAt.own.file || at.own.pos < hookAt.own.pos;
        return at.file !== hookAt.file || at.pos < hookAt.pos;
      };
      const early = reg.method === 'hook' ? hookBefore() : (reg.method === 'use' || reg.method === 'all') && (reg.file !== file || order(reg.call) < pos);
      if (early && covers(reg.path, path) && reg.fns.some(isGate)) return true;
    }
    if (key === 'nest' && this.nestGlobal.some(isGate)) return true;
    for (const m of this.mounts) {
      if (this.find(m.child) !== key) continue;
      const outer = path === undefined ? undefined : joinPath(m.path, path);
      if (m.before?.some(isGate) || this.receiverGated(m.parent, m.file, m.pos, isGate, depth + 1, outer)) return true;
    }
    return false;
  }

  /**
   * The functions that may run before `fn` on some request path, in the order they run: app- and
   * router-level `use`/hooks registered earlier (outermost app first), the mount's own
   * middleware, earlier functions of the same registration, NestJS global and route guards.
   */
  chainBefore(fn: Fn): Fn[] {
    const out: Fn[] = [];
    const push = (list: readonly Fn[]): void => {
      for (const f of list) if (f !== fn && !out.includes(f)) out.push(f);
    };
    const nest = this.nestRoutes.get(fn);
    if (nest) {
      push(this.receiverChain('nest', '', Number.MAX_SAFE_INTEGER, 0, undefined));
      // (a guard that lets this route through unchecked, by the metadata it is or is not marked with, decides nothing here)
      push(nest.guards.filter((g) => !this.skipsGuard(fn, g)));
    }
    push(this.project.apiLayers.entries.get(fn)?.before ?? []);
    for (const l of this.beforeListsWith(fn)) push(l.slice(0, l.indexOf(fn)));
    for (const reg of this.byFn.get(fn) ?? []) {
      push(this.receiverChain(reg.receiver, reg.file, order(reg.call), 0, reg.path ?? (reg.method === 'use' ? '' : undefined)));
      push(reg.fns.slice(0, reg.fns.indexOf(fn)));
    }
    return out;
  }

  /**
   * The middleware an app runs before what a call attaches to it (`useExpressServer(app, { controllers })` after
   * `app.use(inspectorCertificate)`): what the app, and every app it is mounted on, registered for every path earlier.
   */
  middlewareBefore(app: ts.Expression, at: ts.CallExpression): Fn[] {
    return this.receiverChain(this.keyOf(app), at.getSourceFile().fileName, order(at), 0, '');
  }

  private receiverChain(receiver: Key, file: string, pos: number, depth: number, path: string | undefined): Fn[] {
    if (depth > 6) return [];
    const key = this.find(receiver);
    const outer: Fn[] = [];
    for (const m of this.mounts) {
      if (this.find(m.child) !== key) continue;
      outer.push(...this.receiverChain(m.parent, m.file, m.pos, depth + 1, path === undefined ? undefined : joinPath(m.path, path)), ...(m.before ?? []));
    }
    if (key === 'nest') outer.push(...this.nestGlobal);
    for (const reg of this.registrations) {
      if (this.find(reg.receiver) !== key) continue;
      const early = reg.method === 'hook' || ((reg.method === 'use' || reg.method === 'all') && (reg.file !== file || order(reg.call) < pos));
      if (early && covers(reg.path, path)) outer.push(...reg.fns);
    }
    return outer;
  }

  /** The apps, routers and servers `fn` is registered on, and every app those are mounted on. */
  receiversOf(fn: Fn): Set<Key> {
    const out = new Set<Key>();
    const add = (k: Key, depth: number): void => {
      const key = this.find(k);
      if (out.has(key) || depth > 6) return;
      out.add(key);
      for (const m of this.mounts) if (this.find(m.child) === key) add(m.parent, depth + 1);
    };
    for (const reg of this.byFn.get(fn) ?? []) add(reg.receiver, 0);
    if (this.nestRoutes.has(fn)) out.add('nest');
    return out;
  }

  private passportStrategies?: Map<string, Fn[]>;
  /**
   * The `validate` methods of the strategies a passport guard names (`AuthGuard('client-cert')`,
   * `AuthGuard(['client-cert', 'api-key'])`): classes extending `PassportStrategy(Strategy, name)`.
   */
  passportValidators(guard?: ts.CallExpression): Fn[] {
    if (!this.passportStrategies) {
      const byName = (this.passportStrategies = new Map<string, Fn[]>());
      for (const sf of this.project.sourceFiles()) {
        if (!sf.text.includes(PASSPORT_NEST.strategy)) continue;
        const visit = (n: ts.Node): void => {
          if (ts.isClassLike(n)) {
            for (const base of n.heritageClauses?.flatMap((h) => h.types) ?? []) {
              const made = skipOuter(base.expression);
              if (!ts.isCallExpression(made) || calleeChain(made.expression)?.at(-1) !== PASSPORT_NEST.strategy) continue;
              const nameArg = made.arguments[PASSPORT_NEST.nameArg];
              const name = nameArg && ts.isStringLiteralLike(skipOuter(nameArg)) ? (skipOuter(nameArg) as ts.StringLiteralLike).text : '';
              const validate = n.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && !!m.body && propertyNameText(m.name) === PASSPORT_NEST.method);
              if (validate) byName.set(name, [...(byName.get(name) ?? []), validate]);
            }
          }
          ts.forEachChild(n, visit);
        };
        visit(sf);
      }
    }
    if (!guard) return [...this.passportStrategies.values()].flat();
    const arg = guard.arguments[0] && skipOuter(guard.arguments[0]);
    const names = !arg
      ? []
      : ts.isStringLiteralLike(arg)
        ? [arg.text]
        : ts.isArrayLiteralExpression(arg)
          ? arg.elements.flatMap((x) => (ts.isStringLiteralLike(x) ? [x.text] : []))
          : [];
    return names.flatMap((n) => this.passportStrategies!.get(n) ?? []);
  }

  /** A guard's `canActivate` that NestJS runs before routes (`@UseGuards(StaffCertGuard)`, `useGlobalGuards`): the Nest app serves it. */
  isNestGuard(fn: Fn): boolean {
    return this.nestGlobal.includes(fn) || [...this.nestRoutes.values()].some((r) => r.guards.includes(fn));
  }

  /**
   * The registered functions a node runs in: its own function if registered, else (through inline
   * callbacks and the call sites of helpers, across files) the registered functions that reach it.
   */
  entriesReaching(node: ts.Node, depth = 0, seen = new Set<ts.Node>()): Fn[] {
    if (depth > 5 || seen.has(node)) return [];
    seen.add(node);
    for (let n = node.parent; n; n = n.parent) {
      if (!isFunctionLike(n)) continue;
      if (this.isEntry(n)) return [n];
      if (isInlineCallback(n)) continue;
      return this.callersOf(n).flatMap((c) => this.entriesReaching(c, depth + 1, seen));
    }
    return [];
  }

  /** Where the request path to a node starts: the registration of the first handler that reaches it. */
  registrationReaching(node: ts.Node): ts.Node | undefined {
    const entry = this.entriesReaching(node)[0];
    if (!entry) return undefined;
    const reg = this.byFn.get(entry)?.[0];
    if (reg) return reg.call;
    // a NestJS route: its method decorator
    return (ts.canHaveDecorators(entry) && ts.getDecorators(entry)?.[0]) || undefined;
  }

  /** The canonical key of an app expression (`app`, an imported router, `this.app`). */
  keyOf(expr: ts.Expression, depth = 0): Key {
    const e = skipOuter(expr);
    // chains: `app.route('/x').get(…)`, `app.get(…).post(…)` (Hono), `router.routes()`
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression))) {
      const name = (skipOuter(e.expression) as ts.PropertyAccessExpression).name.text;
      if (continuesRouteChain(name)) {
        return this.keyOf((skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
      }
    }
    const cached = this.keyCache.get(e);
    if (cached !== undefined) return this.find(cached);
    // the Node server an app made by a framework's factory holds (`app.server` of `Fastify({ https })`, or of the
    // instance a plugin is handed): a listener on it listens on that app's server
    if (ts.isPropertyAccessExpression(e) && isAppServerMember(e.name.text) && depth < 4 && this.project.modules.valueOf(e) === undefined) {
      const app = this.keyOf(e.expression, depth + 1);
      if (typeof app !== 'string' && (ts.isCallExpression(app) || ts.isParameter(app))) {
        this.keyCache.set(e, app);
        return app;
      }
    }
    let key: Key;
    // (`const api = await createApiApp()`: what the async factory resolves to)
    const found = this.project.modules.valueOf(e);
    const value = found && ts.isAwaitExpression(found) ? skipOuter(found.expression) : found;
    // a router kept under a name with its middleware chained on (`const stewards = Router().use(stewardIdentity)`):
    // `use` and the route methods hand back the router they were called on
    const chained = value && value !== e && ts.isCallExpression(value) && depth < 4 ? skipOuter(value.expression) : undefined;
    if (chained && ts.isPropertyAccessExpression(chained) && (chained.name.text === 'use' || isRouteMethod(chained.name.text))) {
      const k = this.keyOf(chained.expression, depth + 1);
      this.keyCache.set(e, k);
      return this.find(k);
    }
    // a router or app a function of the project builds and returns: `app.use('/v1', claimsRouter(container))`
    const made = value && ts.isCallExpression(value) && depth < 4 ? this.returnedApp(value) : undefined;
    // a router a class keeps in a field: `this.router` inside the class and `controller.router` outside are one router
    const field = !value && ts.isPropertyAccessExpression(e) ? this.classField(e) : undefined;
    if (made) key = this.keyOf(made, depth + 1);
    else if (value && !ts.isSourceFile(value)) key = value;
    else if (field) key = (field.initializer && this.project.modules.valueOf(field.initializer)) || field;
    else key = `${e.getSourceFile().fileName}:${e.getText()}`;
    if (ts.isIdentifier(e) && value === undefined) key = `${e.getSourceFile().fileName}:${e.text}`;
    this.keyCache.set(e, key);
    if (typeof key !== 'string' && ts.isParameter(key)) this.bindParameter(key);
    return this.find(key);
  }

  /** The field of a project class a property access names: `this.router` in the class, `controller.router` or `new C().router` outside. */
  private classField(e: ts.PropertyAccessExpression): ts.PropertyDeclaration | undefined {
    const owner = skipOuter(e.expression);
    let cls: ts.ClassLikeDeclaration | undefined;
    if (owner.kind === ts.SyntaxKind.ThisKeyword) {
      for (let n: ts.Node | undefined = owner.parent; n && !cls; n = n.parent) {
        if (ts.isClassLike(n)) cls = n;
        else if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n)) return undefined; // not the class's `this`
      }
    } else {
      const made = this.project.modules.valueOf(owner);
      cls = made && ts.isExpression(made) ? instanceOfClass(made, this.project.modules) : undefined;
    }
    const member = fieldDeclaration(cls, e.name.text);
    return member && ts.isPropertyDeclaration(member) ? member : undefined;
  }

  /** What a call of a project function returns when that is not itself a function: the router `makeRouter()` builds. */
  private returnedApp(call: ts.CallExpression): ts.Expression | undefined {
    const factory = this.project.modules.valueOf(call.expression);
    if (!factory || !isFunctionLike(factory) || !factory.body) return undefined;
    const returned = returnedExpressions(factory)[0];
    const first = returned && skipOuter(returned);
    if (!first || ts.isArrowFunction(first) || ts.isFunctionExpression(first) || ts.isObjectLiteralExpression(first)) return undefined;
    return ts.isIdentifier(first) || ts.isCallExpression(first) || ts.isPropertyAccessExpression(first) ? first : undefined;
  }

  /** Tie a parameter that things are registered on to the apps passed in at the call sites. */
  private bindParameter(param: ts.ParameterDeclaration): void {
    const fn = param.parent;
    if (!isFunctionLike(fn)) return;
    const index = fn.parameters.indexOf(param);
    for (const call of this.callersOf(fn)) {
      const arg = call.arguments?.[index];
      if (arg) this.unite(param, this.keyOf(arg));
    }
  }

  private readonly aliases = new Map<Fn, ts.CallExpression[]>();

  /** Calls anywhere in the project whose callee is `fn`, found by the names `fn` is known by. */
  callersOf(fn: Fn): (ts.CallExpression | ts.NewExpression)[] {
    const out = this.directCallersOf(fn);
    for (const call of this.aliasCallsOf(fn)) if (!out.includes(call)) out.push(call);
    return out;
  }

  /** Calls whose callee names `fn` itself (not a local or a table entry that holds it). */
  private directCallersOf(fn: Fn): (ts.CallExpression | ts.NewExpression)[] {
    const out: (ts.CallExpression | ts.NewExpression)[] = [];
    for (const name of namesOf(fn)) {
      for (const call of this.project.callsNamed(name)) {
        if (out.includes(call)) continue;
        const callee = skipOuter(call.expression);
        // methods are called through instances we cannot type: `this.identity.fromRequest(req)`
        if (ts.isMethodDeclaration(fn) && ts.isPropertyAccessExpression(callee)) {
          // an instance we cannot follow (`connector.fingerprint()`) matches by name
          const value = this.project.modules.valueOf(callee);
          if (value === fn || value === undefined || !ts.isIdentifier(skipOuter(callee.expression)) || isThisOrInstance(callee)) out.push(call);
          continue;
        }
        if (this.project.modules.valueOf(callee) === fn) out.push(call);
      }
    }
    return out;
  }

  private readonly dispatchCache = new Map<ts.PropertyAccessExpression, ts.Expression[]>();
  /**
   * What `owner.member(…)` can call when `owner` is one entry of a table of routes, or what a function of the app hands
   * back for one: `for (const route of routes) … route.handler(ctx)`, `routes.find(…)`, or `const found = match(method,
   * url); found.handler(req, res, found.params)` with `match` returning `{ handler: r.handler, params }` for an `r` of
   * `routes`. The table's entries are its object literals, those pushed onto it (`routes.push({ method, handler })`), and
   * those a function of the app makes (`route('POST', path, payDividend)` returning `{ method, pattern, handler }`); a
   * parameter there holds what each caller passes for it (`router.add('GET', '/v1/stays', boarding.listStaysForPet)`).
   */
  dispatchedMembers(callee: ts.PropertyAccessExpression): ts.Expression[] {
    let known = this.dispatchCache.get(callee);
    if (!known) this.dispatchCache.set(callee, (known = [...new Set(this.dispatched(callee.expression, callee.name.text, 0))]));
    return known;
  }

  private dispatched(owner: ts.Expression, member: string, depth: number): ts.Expression[] {
    const modules = this.project.modules;
    const x = skipOuter(owner);
    if (depth > 4 || !ts.isIdentifier(x)) return [];
    const decl = modules.declarationOf(x.text, x);
    if (!decl || !ts.isVariableDeclaration(decl)) return [];
    const list = decl.parent.parent;
    let entries: ts.Expression[] = [];
    if (ts.isForOfStatement(list) && list.initializer === decl.parent) entries = this.tableElements(list.expression);
    else if (decl.initializer) {
      let init = skipOuter(decl.initializer);
      if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
      const callee = ts.isCallExpression(init) ? skipOuter(init.expression) : undefined;
      if (callee && ts.isPropertyAccessExpression(callee) && looksUpElement(callee.name.text)) entries = this.tableElements(callee.expression);
      else if (callee) {
        const fn = modules.valueOf(callee);
        if (fn && isFunctionLike(fn)) entries = returnedExpressions(fn);
      }
    }
    return entries.flatMap((e) => this.entryMember(e, member, depth));
  }

  /** The `member` of one entry: an object literal's, or that of the object a function of the app makes for it. */
  private entryMember(entry: ts.Expression, member: string, depth: number): ts.Expression[] {
    const modules = this.project.modules;
    const valueOf = (id: ts.Identifier): ts.Node | undefined => modules.declarationOf(id.text, id);
    const x = skipOuter(entry);
    if (depth > 4) return [];
    if (ts.isCallExpression(x)) {
      const fn = modules.valueOf(x.expression);
      return fn && isFunctionLike(fn) ? returnedExpressions(fn).flatMap((r) => this.entryMember(r, member, depth + 1)) : [];
    }
    if (!ts.isObjectLiteralExpression(x)) return [];
    const p = x.properties.find((q) => q.name !== undefined && propertyNameText(q.name) === member);
    const value = p && ts.isPropertyAssignment(p) ? p.initializer : p && ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
    if (!value) return [];
    const v = skipOuter(value);
    // another entry's member handed on: `{ handler: r.handler, params }`
    if (ts.isPropertyAccessExpression(v) && v.name.text === member && ts.isIdentifier(skipOuter(v.expression))) return this.dispatched(v.expression, member, depth + 1);
    // a parameter of the function that made or added the entry: what each caller passes for it
    const param = ts.isIdentifier(v) ? modules.declarationOf(v.text, v) : undefined;
    if (param && ts.isParameter(param) && isFunctionLike(param.parent)) {
      const i = param.parent.parameters.indexOf(param);
      return this.directCallersOf(param.parent).flatMap((c) => {
        const arg = c.arguments?.[i];
        return arg ? heldValues(arg, valueOf) : [];
      });
    }
    return heldValues(value, valueOf);
  }

  /** The entries of a table: the elements of the array it was made as, and what is pushed onto it. */
  private tableElements(table: ts.Expression): ts.Expression[] {
    const modules = this.project.modules;
    const t = skipOuter(table);
    if (ts.isArrayLiteralExpression(t)) return [...t.elements];
    if (!ts.isIdentifier(t)) return [];
    const decl = modules.declarationOf(t.text, t);
    if (!decl || !ts.isVariableDeclaration(decl)) return [];
    const init = decl.initializer && skipOuter(decl.initializer);
    const out: ts.Expression[] = init && ts.isArrayLiteralExpression(init) ? [...init.elements] : [];
    for (const name of ELEMENT_ADDERS)
      for (const call of this.project.callsNamed(name)) {
        const callee = ts.isCallExpression(call) ? skipOuter(call.expression) : undefined;
        const receiver = callee && ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
        if (receiver && ts.isIdentifier(receiver) && modules.declarationOf(receiver.text, receiver) === decl) out.push(...(call.arguments ?? []));
      }
    return out;
  }

  /**
   * Calls through a local that holds the function, or one of two (`const handler = match[2] === 'claim' ?
   * claimSlot : releaseSlot; handler(req, res, cert)`): found through the index of such calls.
   */
  private aliasCallsOf(fn: Fn): ts.CallExpression[] {
    const known = this.aliases.get(fn);
    if (known) return known;
    const out: ts.CallExpression[] = [];
    this.aliases.set(fn, out);
    const index = this.aliasIndex();
    for (const name of namesOf(fn)) for (const { held, call } of index.get(name) ?? []) if (this.project.modules.valueOf(held) === fn && !out.includes(call)) out.push(call);
    return out;
  }

  private aliasIndexPart?: Map<string, { held: ts.Expression; call: ts.CallExpression }[]>;
  /**
   * Calls of a local that holds a name or a choice of names (`run(…)` with `const run = ok ? setpoint :
   * close`), by the names it holds: from the calls the facts already list, not another walk of the files.
   */
  private aliasIndex(): Map<string, { held: ts.Expression; call: ts.CallExpression }[]> {
    if (this.aliasIndexPart) return this.aliasIndexPart;
    const index = new Map<string, { held: ts.Expression; call: ts.CallExpression }[]>();
    const modules = this.project.modules;
    const valueOf = (id: ts.Identifier): ts.Node | undefined => modules.declarationOf(id.text, id);
    const add = (held: ts.Expression, call: ts.CallExpression): void => {
      const key = ts.isIdentifier(held) ? held.text : ts.isPropertyAccessExpression(held) ? held.name.text : undefined;
      if (key === undefined) return;
      const list = index.get(key);
      if (list) list.push({ held, call });
      else index.set(key, [{ held, call }]);
    };
    for (const facts of this.project.facts.values()) {
      for (const [name, calls] of facts.callsByName) {
        for (const call of calls) {
          if (!ts.isCallExpression(call)) continue;
          const callee = skipOuter(call.expression);
          // a dispatch table indexed in the call itself: `routes[action](officer, id, res)`
          if (ts.isElementAccessExpression(callee)) {
            for (const held of heldValues(callee, valueOf)) add(held, call);
            continue;
          }
          // an entry of a table of routes, looked up or walked (`for (const route of routes) … route.handler(ctx)`, `routes.find(…)`)
          if (ts.isPropertyAccessExpression(callee) && callee.name.text === name && ts.isIdentifier(skipOuter(callee.expression))) {
            for (const held of this.dispatchedMembers(callee)) add(held, call);
            continue;
          }
          if (!ts.isIdentifier(callee) || callee.text !== name) continue;
          const decl = modules.declarationOf(name, callee);
          if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) continue;
          for (const held of heldValues(decl.initializer, valueOf)) add(held, call);
        }
      }
    }
    return (this.aliasIndexPart = index);
  }

  private find(k: Key): Key {
    let root = k;
    for (let next = this.union.get(root); next !== undefined && next !== root; next = this.union.get(root)) root = next;
    return root;
  }

  private unite(a: Key, b: Key): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.union.set(ra, rb);
  }

  /** A registration argument as functions (in run order) or apps mounted here. */
  private resolveArg(arg: ts.Expression, fns: Fn[], mounted: Key[], hooksOnly = false): void {
    const e = skipOuter(arg);
    if (ts.isStringLiteralLike(e) || ts.isRegularExpressionLiteral(e) || ts.isTemplateExpression(e)) return;
    if (ts.isArrayLiteralExpression(e)) {
      for (const el of e.elements) this.resolveArg(el, fns, mounted, hooksOnly);
      return;
    }
    if (ts.isObjectLiteralExpression(e)) {
      // Fastify route options: `{ onRequest: [gate], preHandler: gate, handler }`; an API layer's context
      // factory, run by the middleware it configures (`expressMiddleware(apollo, { context: async ({ req }) => … })`)
      for (const p of e.properties) {
        const name = p.name ? propertyNameText(p.name) : undefined;
        if (!name || !(isEarlyHook(name) || (!hooksOnly && (name === 'handler' || CONTEXT_FACTORY_KEYS.includes(name))))) continue;
        if (ts.isPropertyAssignment(p)) this.resolveArg(p.initializer, fns, mounted);
        else if (ts.isShorthandPropertyAssignment(p)) this.resolveArg(p.name, fns, mounted);
        else if (ts.isMethodDeclaration(p)) fns.push(p);
      }
      return;
    }
    // a wrapper around handlers: `asyncHandler(async (req, res) => …)`, `compose([a, b])` — from a package; a
    // factory of the project (`loadManifest((req) => req.params.project)`) is what it returns, below
    if (ts.isCallExpression(e) && e.arguments.some((a) => this.isFunctionArg(a)) && !this.projectFactory(e)) {
      for (const a of e.arguments) this.resolveArg(a, fns, mounted, hooksOnly);
      return;
    }
    const fn = this.functionOf(e);
    if (fn) {
      fns.push(fn);
      // `vet('petPolicy')` where `vet = (m) => (req, res) => scope.resolve(VetController)[m](req, res)`: the method named runs too;
      // `wrap(opsApi)` where `wrap = (h) => (req, res) => h(req, res).catch(…)`: so does the handler it was given
      // (also a wrapper applied where the handler is defined: `exports.getMeter = wrap(async (req, res) => …)`)
      const value = ts.isCallExpression(e) ? undefined : this.project.modules.valueOf(e);
      const made = ts.isCallExpression(e) ? e : value && ts.isCallExpression(value) ? value : undefined;
      if (made) fns.push(...this.namedMethodCalls(made, fn), ...this.wrappedHandlers(made, fn));
      return;
    }
    if (ts.isCallExpression(e)) {
      const name = calleeChain(e.expression)?.at(-1);
      // a router required where it is mounted: `app.use('/depot-api', requireEdgeProxy, require('./routes/depot'))`
      const required = requiredModule(e);
      if (required !== undefined && required.startsWith('.')) {
        mounted.push(this.keyOf(e));
        return;
      }
      if (name === 'routes' || name === 'middleware' || this.returnedApp(e)) {
        mounted.push(this.keyOf(e));
        return;
      }
      // `mount('/x', sub)` (koa-mount), wrappers: `asyncHandler(fn)`, `compose([a, b])`
      for (const a of e.arguments) this.resolveArg(a, fns, mounted, hooksOnly);
      return;
    }
    if (ts.isIdentifier(e)) {
      // a chain kept under a name: `const curatorApp = compose([requireCurator, router.routes()])`, `const api = router.routes()`
      const v = this.project.modules.valueOf(e);
      const made = v && v !== e && ts.isCallExpression(v) ? v : undefined;
      const name = made ? calleeChain(made.expression)?.at(-1) : undefined;
      if (made && (made.arguments.some((a) => ts.isArrayLiteralExpression(skipOuter(a))) || name === 'routes' || name === 'middleware')) {
        this.resolveArg(made, fns, mounted, hooksOnly);
        return;
      }
    }
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) mounted.push(this.keyOf(e));
  }

  private isFunctionArg(arg: ts.Expression): boolean {
    const e = skipOuter(arg);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return true;
    if (ts.isArrayLiteralExpression(e)) return e.elements.some((el) => this.isFunctionArg(el));
    const value = ts.isIdentifier(e) ? this.project.modules.valueOf(e) : undefined;
    return value !== undefined && isFunctionLike(value);
  }

  /** The function an expression is: inline, declared, imported, or returned by a local factory (`requireCert()`). */
  functionOf(expr: ts.Expression, depth = 0): Fn | undefined {
    const member = this.instanceMember(expr);
    if (member) return member;
    const value = this.project.modules.valueOf(expr);
    if (!value || depth > 4) return undefined;
    if (isFunctionLike(value)) return value;
    if (ts.isCallExpression(value)) {
      const factory = this.project.modules.valueOf(value.expression);
      // awilix-express `api('bySeal')` after `const api = makeInvoker(ShipmentController)`: the class's method
      const invoked = factory && ts.isCallExpression(factory) ? this.invokedMethod(factory, value) : undefined;
      if (invoked) return invoked;
      if (factory && isFunctionLike(factory) && factory.body) {
        if (!ts.isBlock(factory.body)) return this.functionOf(factory.body, depth + 1);
        for (const st of factory.body.statements) if (ts.isReturnStatement(st) && st.expression) return this.functionOf(st.expression, depth + 1);
        return undefined;
      }
      // a wrapper from a package: `createMiddleware(fn)` (Hono), `asyncHandler(fn)`, `fp(fn)`
      if (value.arguments.length === 1) {
        const inner = skipOuter(value.arguments[0]);
        if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return inner;
      }
    }
    return undefined;
  }

  /**
   * The methods a handler made by a project factory calls by the name it was made with: in
   * `const vet = (m) => (req, res) => req.scope.resolve(VetController)[m](req, res)`, `vet('petPolicy')`
   * runs `VetController.prototype.petPolicy`.
   */
  private namedMethodCalls(made: ts.CallExpression, fn: Fn): Fn[] {
    const factory = this.project.modules.valueOf(made.expression);
    if (!factory || !isFunctionLike(factory) || !fn.body) return [];
    const names = new Map<string, string>();
    factory.parameters.forEach((p, i) => {
      const arg = made.arguments[i] && skipOuter(made.arguments[i]);
      if (ts.isIdentifier(p.name) && arg && ts.isStringLiteralLike(arg)) names.set(p.name.text, arg.text);
    });
    if (names.size === 0) return [];
    const out: Fn[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const callee = skipOuter(n.expression);
        const key = ts.isElementAccessExpression(callee) ? skipOuter(callee.argumentExpression) : undefined;
        const name = key && ts.isIdentifier(key) ? names.get(key.text) : undefined;
        if (name && ts.isElementAccessExpression(callee)) {
          const owner = this.project.modules.valueOf(callee.expression);
          const cls = owner && ts.isExpression(owner) ? instanceOfClass(owner, this.project.modules) : undefined;
          const member = cls ? fieldDeclaration(cls, name) : undefined;
          if (member && ts.isMethodDeclaration(member) && member.body) out.push(member);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(fn.body);
    return out;
  }

  /** A call of a function of the project that returns a function: `loadManifest(…)` returning the middleware. */
  private projectFactory(call: ts.CallExpression): boolean {
    const factory = this.project.modules.valueOf(call.expression);
    return factory !== undefined && isFunctionLike(factory) && factory.body !== undefined && returnedExpressions(factory).some((r) => isFunctionLike(skipOuter(r)));
  }

  /**
   * The functions a wrapper made by a project factory calls with what it was given: in `wrap =
   * (handler) => (req, res) => handler(req, res).catch(…)`, `wrap(opsApi)` runs `opsApi`, for the
   * registration that made it (the wrapper's own function is shared by every call of the factory).
   */
  private wrappedHandlers(made: ts.CallExpression, fn: Fn): Fn[] {
    const factory = this.project.modules.valueOf(made.expression);
    if (!factory || !isFunctionLike(factory) || factory === fn || !fn.body) return [];
    const called = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression))) called.add((skipOuter(n.expression) as ts.Identifier).text);
      ts.forEachChild(n, visit);
    };
    visit(fn.body);
    const out: Fn[] = [];
    factory.parameters.forEach((p, i) => {
      const arg = made.arguments[i];
      const given = ts.isIdentifier(p.name) && called.has(p.name.text) && arg ? this.functionOf(arg) : undefined;
      if (given && given !== fn) out.push(given);
    });
    return out;
  }

  /** The method a handler maker of a class names (`makeInvoker(C)` called with `'bySeal'`: `C.prototype.bySeal`). */
  private invokedMethod(maker: ts.CallExpression, call: ts.CallExpression): Fn | undefined {
    const name = calleeChain(maker.expression)?.at(-1);
    const arg = call.arguments[0] && skipOuter(call.arguments[0]);
    if (!name || !isMethodInvokerFactory(name) || !arg || !ts.isStringLiteralLike(arg) || !maker.arguments[0]) return undefined;
    let cls = this.project.modules.valueOf(maker.arguments[0]);
    // `makeInvoker((cradle) => new ReportController(cradle))`: the class the function makes
    if (cls && isFunctionLike(cls) && cls.body) {
      const made = returnedExpressions(cls)[0];
      cls = made && ts.isNewExpression(skipOuter(made)) ? this.project.modules.valueOf((skipOuter(made) as ts.NewExpression).expression) : undefined;
    }
    const member = cls && ts.isClassLike(cls) ? fieldDeclaration(cls, arg.text) : undefined;
    if (member && ts.isMethodDeclaration(member) && member.body) return member;
    const init = member && ts.isPropertyDeclaration(member) && member.initializer ? skipOuter(member.initializer) : undefined;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : undefined;
  }

  /** The class a parameter's type names, where it is one of the project's: `(identity: ClinicianIdentityService) => …`. */
  private typedParameterClass(e: ts.Expression): ts.ClassLikeDeclaration | undefined {
    if (!ts.isIdentifier(e)) return undefined;
    const decl = this.project.modules.declarationOf(e.text, e);
    if (!decl || !ts.isParameter(decl) || !decl.type || !ts.isTypeReferenceNode(decl.type) || !ts.isIdentifier(decl.type.typeName)) return undefined;
    const v = this.project.modules.typeValueOf(decl.type.typeName);
    return v && ts.isClassLike(v) ? v : undefined;
  }

  /**
   * A method or arrow-function field of an instance the code made or a container handed out:
   * `giving.statement` after `const giving = container.get(GivingController)`, where the class has
   * `statement = async (req, res) => { … }`.
   */
  private instanceMember(expr: ts.Expression): Fn | undefined {
    const e = skipOuter(expr);
    if (!ts.isPropertyAccessExpression(e)) return undefined;
    // (`this.router.get(path, this.readSetpoints)` in a class's constructor: a member of that class)
    if (skipOuter(e.expression).kind === ts.SyntaxKind.ThisKeyword) return this.project.values.methodOf(e);
    // a method of a service a field holds (`this.directory.remember(…)` with `directory: ContractorDirectory` injected)
    const recv = skipOuter(e.expression);
    if (ts.isPropertyAccessExpression(recv) && skipOuter(recv.expression).kind === ts.SyntaxKind.ThisKeyword) {
      const m = this.project.values.methodOf(e);
      if (m) return m;
    }
    const owner = this.project.modules.valueOf(e.expression);
    // (or a parameter typed with a class of the project: `useFactory: (identity: ClinicianIdentityService) => …` with the
    // service injected into it, `identity.fromRequest(req)`)
    const cls = owner && ts.isExpression(owner) ? instanceOfClass(owner, this.project.modules) : this.typedParameterClass(recv);
    const member = cls ? fieldDeclaration(cls, e.name.text) : undefined;
    if (member && ts.isMethodDeclaration(member) && member.body) return member;
    const init = member && ts.isPropertyDeclaration(member) && member.initializer ? skipOuter(member.initializer) : undefined;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : undefined;
  }

  private collect(): void {
    for (const method of ROUTE_METHODS) {
      for (const call of this.project.callsNamed(method)) {
        if (!ts.isCallExpression(call)) continue;
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee) || call.arguments.length === 0) continue;
        const fns: Fn[] = [];
        const mounted: Key[] = [];
        for (const arg of call.arguments) this.resolveArg(arg, fns, mounted);
        if (fns.length === 0 && mounted.length === 0) continue;
        const receiver = this.keyOf(callee.expression);
        // `app.use(route.get('/x', handler))` (koa-route): the argument defines a route, so its handler answers
        // that method and path; it is not middleware every later registration runs behind
        const defined = method === 'use' && call.arguments.length === 1 ? routeDefinition(call.arguments[0]) : undefined;
        const path = defined ? defined.path : (pathOf(call.arguments[0]) ?? routeChainPath(callee.expression));
        this.add(call, receiver, defined?.method ?? method, fns, path);
        for (const child of mounted) this.mounts.push({ parent: receiver, child, file: call.getSourceFile().fileName, pos: call.pos, before: fns, path });
      }
    }
    // Hono `app.route('/api', sub)`, Fastify `fastify.route({ … })`
    for (const call of this.project.callsNamed('route')) {
      if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
      const receiver = this.keyOf((skipOuter(call.expression) as ts.PropertyAccessExpression).expression);
      const [first, second] = call.arguments;
      if (first && ts.isObjectLiteralExpression(skipOuter(first))) {
        const fns: Fn[] = [];
        this.resolveArg(first, fns, []);
        if (fns.length > 0) this.add(call, receiver, 'route', fns);
      } else if (first && second) {
        this.mounts.push({ parent: receiver, child: this.keyOf(second), file: call.getSourceFile().fileName, pos: call.pos, path: pathOf(first) });
      }
    }
    for (const call of this.project.callsNamed('addHook')) {
      if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
      const [name, handler] = call.arguments;
      if (!name || !handler || !ts.isStringLiteralLike(name) || !isEarlyHook(name.text)) continue;
      const fns: Fn[] = [];
      this.resolveArg(handler, fns, []);
      if (fns.length > 0) this.add(call, this.keyOf((skipOuter(call.expression) as ts.PropertyAccessExpression).expression), 'hook', fns);
    }
    for (const call of this.project.callsNamed('register')) {
      if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression)) || !call.arguments[0]) continue;
      const receiver = this.keyOf((skipOuter(call.expression) as ts.PropertyAccessExpression).expression);
      const { plugin, shared } = this.pluginOf(call.arguments[0]);
      const instance = plugin?.parameters[0];
      if (!plugin || !instance) continue;
      this.pluginRegistrations.set(plugin, [...(this.pluginRegistrations.get(plugin) ?? []), call]);
      if (call.arguments[1]) {
        const list = this.pluginOptionsByFn.get(plugin);
        if (list) list.push(call.arguments[1]);
        else this.pluginOptionsByFn.set(plugin, [call.arguments[1]]);
      }
      if (shared) this.unite(instance, receiver);
      else this.mounts.push({ parent: receiver, child: instance, file: call.getSourceFile().fileName, pos: call.pos });
    }
    for (const name of LISTENER_REGISTRATIONS) {
      for (const call of this.project.callsNamed(name)) {
        if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
        const [event, handler] = call.arguments;
        if (!event || !handler || !ts.isStringLiteralLike(event) || !isServerListenerEvent(event.text)) continue;
        const fn = this.functionOf(handler);
        const receiver = this.keyOf((skipOuter(call.expression) as ts.PropertyAccessExpression).expression);
        if (fn) this.add(call, receiver, 'listener', [fn]);
        else this.mounts.push({ parent: receiver, child: this.keyOf(handler), file: call.getSourceFile().fileName, pos: call.pos });
      }
    }
    // `https.createServer(opts, handler)`, `tls.createServer(opts, onConnection)`, `http2.createSecureServer(opts, h)`
    for (const name of SERVER_FACTORY_NAMES) {
      for (const call of this.project.callsNamed(name)) {
        if (!ts.isCallExpression(call) && !ts.isNewExpression(call)) continue;
        for (const arg of call.arguments ?? []) {
          if (ts.isObjectLiteralExpression(skipOuter(arg))) continue;
          const fn = this.functionOf(arg);
          // (a wrapper's handler is this server's alone: `https.createServer(opts, wrap(opsApi))`)
          const own = fn && ts.isCallExpression(skipOuter(arg)) ? this.wrappedHandlers(skipOuter(arg) as ts.CallExpression, fn) : [];
          if (fn) this.add(call as ts.CallExpression, call, 'listener', [fn, ...own]);
          else if (!ts.isObjectLiteralExpression(this.project.modules.valueOf(arg) ?? arg)) {
            this.mounts.push({ parent: call, child: this.keyOf(arg), file: call.getSourceFile().fileName, pos: call.pos });
          }
        }
      }
    }
  }

  /** A Fastify plugin argument: the function, and whether `fastify-plugin` shares its instance with the parent. */
  private pluginOf(arg: ts.Expression): { plugin?: Fn; shared: boolean } {
    let e = skipOuter(arg);
    let value = this.project.modules.valueOf(e);
    // `import('./routes')` / `require('./routes')`
    if (ts.isCallExpression(e) && e.expression.kind === ts.SyntaxKind.ImportKeyword && e.arguments[0] && ts.isStringLiteralLike(e.arguments[0])) {
      const file = this.project.modules.resolveSpecifier(e.getSourceFile().fileName, e.arguments[0].text);
      value = file ? this.project.modules.exportedValue(file, 'default') : undefined;
    }
    if (value && ts.isSourceFile(value)) value = this.project.modules.exportedValue(value.fileName, 'default');
    if (!value) return { shared: false };
    if (isFunctionLike(value)) return { plugin: value, shared: false };
    // a plugin factory of the project: `app.register(shipmentRoutes(orm))` registers what it returns
    if (ts.isCallExpression(value)) {
      const factory = this.project.modules.valueOf(value.expression);
      const made = factory && isFunctionLike(factory) ? this.functionOf(value) : undefined;
      if (made) return { plugin: made, shared: false };
    }
    if (ts.isCallExpression(value) && value.arguments[0]) {
      const name = calleeChain(value.expression)?.at(-1) ?? '';
      const inner = this.functionOf(value.arguments[0]);
      if (inner) return { plugin: inner, shared: sharesPluginInstance(name) };
      e = value.arguments[0];
    }
    return { shared: false };
  }

  private add(call: ts.CallExpression, receiver: Key, method: string, fns: Fn[], path?: string): void {
    this.registrations.push({ call, file: call.getSourceFile().fileName, receiver, method, fns, path });
  }

  /** NestJS: controller route methods with their guards; global guards and middleware. */
  private collectNest(): void {
    const guardFns = (args: readonly ts.Expression[]): Fn[] => {
      const out: Fn[] = [];
      for (const arg of args) {
        let e = skipOuter(arg);
        // `app.get(RevokedCertificateGuard)`, `moduleRef.get(X)`: the instance the container hands out for a class
        if (ts.isCallExpression(e) && e.arguments.length === 1 && ts.isIdentifier(skipOuter(e.arguments[0]))) {
          const cls = this.project.modules.valueOf(skipOuter(e.arguments[0]));
          if (cls && ts.isClassLike(cls)) e = skipOuter(e.arguments[0]);
        }
        // `AuthGuard('client-cert')`: the strategy's `validate`
        if (ts.isCallExpression(e) && calleeChain(e.expression)?.at(-1) === PASSPORT_NEST.guard) {
          out.push(...this.passportValidators(e));
          continue;
        }
        const value = this.project.modules.valueOf(ts.isNewExpression(e) ? e.expression : e);
        if (value && ts.isClassLike(value)) {
          for (const m of value.members) {
            if (ts.isMethodDeclaration(m) && m.name && isNestGuardMethod(propertyNameText(m.name) ?? '')) out.push(m);
          }
          // `class CertGuard extends AuthGuard('client-cert') {}`
          for (const base of value.heritageClauses?.flatMap((h) => h.types) ?? []) {
            const made = skipOuter(base.expression);
            if (ts.isCallExpression(made) && calleeChain(made.expression)?.at(-1) === PASSPORT_NEST.guard) out.push(...this.passportValidators(made));
          }
        } else if (value && isFunctionLike(value)) out.push(value);
      }
      return out;
    };
    const decoratorArgs = (node: ts.Node, name: string): ts.Expression[] => {
      const out: ts.Expression[] = [];
      for (const dec of (ts.canHaveDecorators(node) && ts.getDecorators(node)) || []) {
        const e = dec.expression;
        if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === name) out.push(...e.arguments);
      }
      return out;
    };
    const hasDecorator = (node: ts.Node, names: readonly string[]): boolean =>
      ((ts.canHaveDecorators(node) && ts.getDecorators(node)) || []).some((d) => {
        const e = d.expression;
        const id = ts.isCallExpression(e) ? e.expression : e;
        return ts.isIdentifier(id) && names.includes(id.text);
      });
    for (const sf of this.project.sourceFiles()) {
      if (!sf.text.includes(`@${NEST_CONTROLLER_DECORATOR}`) && !sf.text.includes(`@${NEST_RESOLVER_CLASS}`)) continue;
      const visit = (n: ts.Node): void => {
        // a controller's routes, or a GraphQL resolver's operations: guards and interceptors alike
        const resolver = ts.isClassDeclaration(n) && hasDecorator(n, [NEST_RESOLVER_CLASS]);
        if (ts.isClassDeclaration(n) && (resolver || hasDecorator(n, [NEST_CONTROLLER_DECORATOR]))) {
          const classGuards = guardFns(NEST_GUARD_DECORATORS.flatMap((d) => decoratorArgs(n, d)));
          for (const m of n.members) {
            if (!ts.isMethodDeclaration(m) || !hasDecorator(m, resolver ? NEST_OPERATION_DECORATORS : NEST_ROUTE_DECORATORS)) continue;
            this.nestRoutes.set(m, { cls: n, guards: [...classGuards, ...guardFns(NEST_GUARD_DECORATORS.flatMap((d) => decoratorArgs(m, d)))] });
          }
          return;
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    if (this.nestRoutes.size === 0) return;
    // `createParamDecorator((data, ctx) => …)` runs after the guards of the route it decorates
    // (the guards every route that uses it has: `@TerminatedHaulier()` on routes behind `@UseGuards(TrustedProxyGuard)`)
    const usedBy = new Map<ts.Node, Fn[][]>();
    for (const [route, { guards }] of this.nestRoutes) {
      for (const p of route.parameters) {
        for (const dec of (ts.canHaveDecorators(p) && ts.getDecorators(p)) || []) {
          const e = skipOuter(dec.expression);
          const made = this.project.modules.valueOf(ts.isCallExpression(e) ? e.expression : e);
          if (made && ts.isCallExpression(made)) usedBy.set(made, [...(usedBy.get(made) ?? []), guards]);
        }
      }
    }
    for (const call of this.project.callsNamed(NEST_PARAM_DECORATOR_FACTORY)) {
      const fn = call.arguments?.[0] && this.functionOf(call.arguments[0]);
      const lists = usedBy.get(call) ?? [];
      const common = lists.length > 0 ? lists[0].filter((g) => lists.every((l) => l.includes(g))) : [];
      if (fn) this.nestRoutes.set(fn, { cls: undefined, guards: common });
    }
    for (const name of NEST_GLOBAL_REGISTRATIONS) {
      for (const call of this.project.callsNamed(name)) {
        if (!ts.isCallExpression(call)) continue;
        // `consumer.apply(SignedXfcc).forRoutes(UploadController)`: only the routes of the controllers named
        const controllers = name === NEST_MIDDLEWARE_SCOPE.apply ? this.scopedControllers(call) : undefined;
        if (!controllers) {
          this.nestGlobal.push(...guardFns(call.arguments));
          continue;
        }
        const fns = guardFns(call.arguments);
        for (const r of this.nestRoutes.values()) if (r.cls && controllers.includes(r.cls)) r.guards.unshift(...fns);
      }
    }
    for (const node of this.project.propertiesNamed('useClass')) {
      if (ts.isPropertyAssignment(node)) this.nestGlobal.push(...guardFns([node.initializer]));
    }
    // `app.use(mw)` on the Nest application
    for (const reg of this.registrations) {
      const key = this.find(reg.receiver);
      if (typeof key !== 'string' && isNestFactory(key)) this.unite(key, 'nest');
    }
  }
}

/** Where a registration sits in its file: the method name's position, so `.all(a).get(h)` orders a before h. */
function order(call: ts.CallExpression): number {
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) ? callee.name.pos : call.pos;
}

/** `router.route('/x').all(a).get(h)`: the path of the `route()` call the chain hangs off. */
function routeChainPath(expr: ts.Expression): string | undefined {
  let e = skipOuter(expr);
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression))) {
    const callee = skipOuter(e.expression) as ts.PropertyAccessExpression;
    if (callee.name.text === 'route') return pathOf(e.arguments[0]);
    e = skipOuter(callee.expression);
  }
  return undefined;
}

/** A call that defines one route, `route.get('/x', handler)`: its method and path. */
function routeDefinition(arg: ts.Expression): { method: string; path: string } | undefined {
  const e = skipOuter(arg);
  if (!ts.isCallExpression(e) || e.arguments.length < 2) return undefined;
  const callee = skipOuter(e.expression);
  const path = pathOf(e.arguments[0]);
  if (!ts.isPropertyAccessExpression(callee) || path === undefined) return undefined;
  const method = callee.name.text;
  return isRouteMethod(method) && method !== 'use' && method !== 'all' ? { method, path } : undefined;
}

/** The path literal of a registration: `'/admin'`, `'/api/*'`; undefined for none or a computed one. */
function pathOf(arg: ts.Expression | undefined): string | undefined {
  if (!arg) return undefined;
  const e = skipOuter(arg);
  return ts.isStringLiteralLike(e) ? e.text : undefined;
}

/** A registration under `prefix` (none: every path) runs for requests to `path` (undefined: unknown). */
function covers(prefix: string | undefined, path: string | undefined): boolean {
  const p = (prefix ?? '').replace(/\/?\(?\.?\*\)?$/, '').replace(/\/+$/, '');
  if (p === '' || p === '*') return true;
  if (path === undefined) return false;
  const full = path.replace(/\/+$/, '');
  return full === p || full.startsWith(p + '/');
}

function joinPath(prefix: string | undefined, path: string): string {
  const p = (prefix ?? '').replace(/\/+$/, '');
  return p + (path.startsWith('/') || path === '' ? path : '/' + path);
}

function isNestFactory(node: ts.Node): boolean {
  let n = node;
  if (ts.isAwaitExpression(n)) n = n.expression;
  return ts.isCallExpression(n) && calleeChain(n.expression)?.join('.') === 'NestFactory.create';
}

/** `this.x.method()` or `service.method()`: a call through an instance. */
function isThisOrInstance(callee: ts.PropertyAccessExpression): boolean {
  const chain = calleeChain(callee);
  return chain !== undefined && chain[0] === 'this';
}

/** The names a function is called by: its own name, the variable or property it is assigned to. */
export function namesOf(fn: Fn): string[] {
  const out: string[] = [];
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name) out.push(fn.name.text);
  if (ts.isMethodDeclaration(fn) && fn.name) {
    const n = propertyNameText(fn.name);
    if (n) out.push(n);
  }
  let n: ts.Node = fn;
  while (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) out.push(p.name.text);
  if (p && ts.isPropertyAssignment(p)) {
    const name = propertyNameText(p.name);
    if (name) out.push(name);
  }
  if (p && ts.isBinaryExpression(p) && ts.isPropertyAccessExpression(p.left)) out.push(p.left.name.text);
  return [...new Set(out)];
}

const guardKeysCache = new WeakMap<ts.Node, { marked: string[]; unmarked: string[] }>();

/**
 * The metadata keys a NestJS guard method lets a route through by, before it checks anything: keys
 * whose presence returns `true` (`const isPublic = this.reflector.getAllAndOverride(IS_PUBLIC, …); if
 * (isPublic) return true;`), and keys whose absence does (`const capability = this.reflector.get(CAPABILITY,
 * ctx.getHandler()); if (!capability) return true;`).
 */
function guardMetadataKeys(g: Fn, modules: Modules): { marked: string[]; unmarked: string[] } {
  const known = guardKeysCache.get(g);
  if (known) return known;
  const out = { marked: [] as string[], unmarked: [] as string[] };
  const body = g.body && ts.isBlock(g.body) ? g.body.statements : [];
  const reads = (e: ts.Expression): string | undefined => {
    const x = skipOuter(e);
    if (ts.isIdentifier(x)) {
      for (const st of body) {
        if (!ts.isVariableStatement(st)) continue;
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === x.text && d.initializer) return reads(d.initializer);
      }
      return undefined;
    }
    if (!ts.isCallExpression(x) || !NEST_METADATA.readers.includes(calleeChain(x.expression)?.at(-1) ?? '') || !x.arguments[0]) return undefined;
    return metadataKeyText(x.arguments[0], modules);
  };
  for (const st of body) {
    if (!ts.isIfStatement(st)) continue;
    const then = ts.isBlock(st.thenStatement) ? st.thenStatement.statements[0] : st.thenStatement;
    if (!then || !ts.isReturnStatement(then) || then.expression?.kind !== ts.SyntaxKind.TrueKeyword) continue;
    const cond = skipOuter(st.expression);
    const negated = ts.isPrefixUnaryExpression(cond) && cond.operator === ts.SyntaxKind.ExclamationToken;
    const key = reads(negated ? cond.operand : st.expression);
    if (key !== undefined) (negated ? out.unmarked : out.marked).push(key);
  }
  guardKeysCache.set(g, out);
  return out;
}

/** The key a decorator sets: `@SetMetadata(KEY, v)`, or `@Public()` whose factory returns `SetMetadata(KEY, v)`. */
function metadataKeyOf(e: ts.Expression, modules: Modules, depth = 0): string | undefined {
  if (depth > 2) return undefined;
  const x = skipOuter(e);
  const call = ts.isCallExpression(x) ? x : undefined;
  if (call && calleeChain(call.expression)?.at(-1) === NEST_METADATA.setter) return call.arguments[0] ? metadataKeyText(call.arguments[0], modules) : undefined;
  const made = modules.valueOf(call ? call.expression : x);
  if (!made) return undefined;
  if (ts.isCallExpression(made)) return metadataKeyOf(made, modules, depth + 1);
  if (isFunctionLike(made)) for (const r of returnedExpressions(made)) return metadataKeyOf(r, modules, depth + 1);
  return undefined;
}

/** A metadata key as text: the string it is (through constants and imports), or its name. */
function metadataKeyText(e: ts.Expression, modules: Modules): string | undefined {
  const v = modules.valueOf(skipOuter(e));
  if (v && ts.isStringLiteralLike(v)) return `'${v.text}'`;
  const x = skipOuter(e);
  return ts.isIdentifier(x) ? x.text : ts.isStringLiteralLike(x) ? `'${x.text}'` : undefined;
}

/**
 * Whether NestJS guard method `g` lets `route` (a method of controller `cls`) through before it checks
 * anything: `marked`, by a key the route or its controller is marked with (`@Public()`); `unmarked`, by a
 * key neither is marked with (`@RequiresCapability(…)` absent where the guard returns `true` without it).
 */
export function guardLetsThrough(g: Fn, route: Fn, cls: ts.ClassLikeDeclaration | undefined, modules: Modules, by: 'marked' | 'unmarked'): boolean {
  const keys = guardMetadataKeys(g, modules)[by];
  if (keys.length === 0) return false;
  const marked = [route, ...(cls ? [cls] : [])].some((node) =>
    ((ts.canHaveDecorators(node) && ts.getDecorators(node)) || []).some((d) => {
      const key = metadataKeyOf(d.expression, modules);
      return key !== undefined && keys.includes(key);
    }),
  );
  return by === 'marked' ? marked : !marked;
}
