import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { isFunctionLike, propertyNameText, returnedExpressions } from './modules';
import type { Project } from './project';
import {
  ROUTING_CONTROLLERS,
  CLASS_BINDING,
  CLASS_MIDDLEWARE_METHOD,
  CONSTANT_BINDING,
  CONTEXT_ACCESSOR,
  DECORATED_CONTROLLER,
  DECORATED_METHOD_ROUTE,
  DECORATED_SERVER_CONFIG,
  DECORATED_ROUTES,
  CONTEXT_FACTORY_KEYS,
  GRAPHQL_ROOT_TYPES,
  NEST_ARGS_DECORATOR,
  NEST_CONTEXT_DECORATOR,
  RESOLVER_ARGS_INDEX,
  SERVER_CONTEXT_CALLS,
  RESOLVER_CONTEXT_INDEX,
  TRPC_CONTEXT,
  TRPC_CONTEXT_TYPE_CALL,
  TRPC_INPUT,
  TRPC_MIDDLEWARE,
  TRPC_PROCEDURE,
  TRPC_RESOLVERS,
} from './vocabulary/api-layers';

export interface ApiEntry {
  kind: 'resolver' | 'procedure' | 'route';
  /** What runs before it on every request: the app's context factories, tRPC middleware of its chain, a controller's middleware. */
  before: Fn[];
}

/**
 * GraphQL resolver maps and tRPC procedures as request entries (NestJS resolvers are controllers
 * to `Handlers`): which functions they are, what runs
 * before them, where the client's input is and what their per-request context holds.
 */
export class ApiLayers {
  readonly entries = new Map<Fn, ApiEntry>();
  /** Functions that build the per-request context (`context: ({ req }) => …`, `createContext`). */
  readonly contextFactories: Fn[] = [];
  /** Objects that a tRPC middleware passes on as the context: `next({ ctx: { user } })`. */
  private readonly passedContexts: ts.ObjectLiteralExpression[] = [];

  /** The call that makes the server a context factory is an option of (`createYoga({ schema, context })`). */
  private readonly serverOf = new Map<Fn, ts.CallExpression>();

  constructor(private readonly project: Project) {
    for (const key of CONTEXT_FACTORY_KEYS) {
      for (const node of project.propertiesNamed(key)) {
        const value = ts.isPropertyAssignment(node) ? node.initializer : ts.isShorthandPropertyAssignment(node) ? node.name : ts.isMethodDeclaration(node) ? node : undefined;
        if (!value) continue;
        const fn = ts.isMethodDeclaration(value) ? value : project.handlers.functionOf(value);
        if (fn && !this.contextFactories.includes(fn)) this.contextFactories.push(fn);
        const server = ts.isObjectLiteralExpression(node.parent) ? node.parent.parent : undefined;
        if (fn && server && ts.isCallExpression(server)) this.serverOf.set(fn, server);
      }
    }
    for (const fn of this.typedContextFactories()) if (!this.contextFactories.includes(fn)) this.contextFactories.push(fn);
    this.collectResolverMaps();
    this.collectProcedures();
    this.collectDecoratedRoutes();
  }

  /** The functions a tRPC builder's context type names (`initTRPC.context<Context>()`, `Context` built from `typeof createContext`). */
  private typedContextFactories(): Fn[] {
    const out: Fn[] = [];
    const visit = (t: ts.TypeNode, depth: number): void => {
      if (depth > 4) return;
      if (ts.isTypeQueryNode(t)) {
        const fn = this.project.modules.valueOf(t.exprName);
        if (fn && isFunctionLike(fn) && !out.includes(fn)) out.push(fn);
        return;
      }
      if (ts.isTypeReferenceNode(t)) {
        for (const a of t.typeArguments ?? []) visit(a, depth + 1);
        const alias = this.project.modules.typeAliasOf(t.typeName);
        if (alias) visit(alias.type, depth + 1);
      }
    };
    for (const call of this.project.callsNamed(TRPC_CONTEXT_TYPE_CALL)) {
      if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
      const type = call.typeArguments?.[0];
      if (type) visit(type, 0);
    }
    return out;
  }

  /**
   * inversify-express-utils controllers: each routed method an entry, after the middleware its
   * class decorator and its own route decorator name (functions, or tokens bound to one).
   */
  private collectDecoratedRoutes(): void {
    const args = (node: ts.Node, names: readonly string[]): ts.Expression[] | undefined => {
      for (const dec of (ts.canHaveDecorators(node) && ts.getDecorators(node)) || []) {
        const e = dec.expression;
        if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && names.includes(e.expression.text)) return [...e.arguments];
      }
      return undefined;
    };
    let bound: Map<string, ts.Expression> | undefined;
    let classes: Map<string, ts.Expression> | undefined;
    let global: Fn[] | undefined;
    // a middleware class: its `handler`
    const classHandler = (e: ts.Expression): Fn | undefined => {
      const cls = this.project.modules.valueOf(e);
      const m = cls && ts.isClassLike(cls) ? cls.members.find((x) => ts.isMethodDeclaration(x) && x.body && propertyNameText(x.name) === CLASS_MIDDLEWARE_METHOD) : undefined;
      return m && ts.isMethodDeclaration(m) ? m : undefined;
    };
    const middleware = (list: readonly ts.Expression[]): Fn[] =>
      list.flatMap((a) => {
        const e = skipOuter(a);
        if (ts.isStringLiteralLike(e) || ts.isPropertyAccessExpression(e) || ts.isIdentifier(e)) {
          // a token: what `bind(token).toConstantValue(fn)` gave the container for it, or the class `bind(token).to(C)` names
          bound ??= this.constantBindings(CONSTANT_BINDING);
          const value = bound.get(tokenText(e));
          const fn = value && this.project.handlers.functionOf(value);
          if (fn) return [fn];
          classes ??= this.constantBindings(CLASS_BINDING);
          const cls = classes.get(tokenText(e));
          const handler = (cls && classHandler(cls)) ?? classHandler(e);
          if (handler) return [handler];
        }
        const fn = this.project.handlers.functionOf(e);
        return fn ? [fn] : [];
      });
    this.collectRoutingControllers(classHandler, middleware);
    for (const sf of this.project.sourceFiles()) {
      if (!sf.text.includes(`@${DECORATED_CONTROLLER}(`)) continue;
      for (const st of sf.statements) {
        if (!ts.isClassDeclaration(st)) continue;
        const cls = args(st, [DECORATED_CONTROLLER]);
        if (!cls) continue;
        global ??= this.serverMiddleware();
        const before = [...global, ...middleware(cls.slice(1))];
        for (const m of st.members) {
          const route = ts.isMethodDeclaration(m) && m.body ? args(m, DECORATED_ROUTES) : undefined;
          // `@httpGet(path, ...middleware)`; `@httpMethod(method, path, ...middleware)`
          const from = ts.isMethodDeclaration(m) && args(m, [DECORATED_METHOD_ROUTE]) ? 2 : 1;
          if (route) this.entries.set(m as ts.MethodDeclaration, { kind: 'route', before: [...before, ...middleware(route.slice(from))] });
        }
      }
    }
  }

  /**
   * routing-controllers (`ROUTING_CONTROLLERS`): each routed method of a controller class is a route entry,
   * preceded by the server's middleware classes and those `@UseBefore(…)` names on its class and on it.
   */
  private collectRoutingControllers(classHandler: (e: ts.Expression) => Fn | undefined, middleware: (list: readonly ts.Expression[]) => Fn[]): void {
    const rc = ROUTING_CONTROLLERS;
    // a decorator imported from the package, by its name there
    const decoratorsOf = (node: ts.Node): { name: string; args: ts.Expression[] }[] =>
      ((ts.canHaveDecorators(node) && ts.getDecorators(node)) || []).flatMap((d) => {
        const e = d.expression;
        if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression)) return [];
        const binding = this.project.facts.get(node.getSourceFile().fileName)?.bindings.get(e.expression.text);
        return binding?.module === rc.module ? [{ name: binding.path[0] ?? e.expression.text, args: [...e.arguments] }] : [];
      });
    const methodOf = (cls: ts.Expression): Fn | undefined => {
      const v = this.project.modules.valueOf(cls);
      const m = v && ts.isClassLike(v) ? v.members.find((x) => ts.isMethodDeclaration(x) && x.body && propertyNameText(x.name) === rc.middlewareMethod) : undefined;
      return m && ts.isMethodDeclaration(m) ? m : (classHandler(cls) ?? this.project.handlers.functionOf(cls));
    };
    let global: Fn[] | undefined;
    const globalMiddleware = (): Fn[] => {
      if (global) return global;
      global = [];
      for (const name of rc.servers)
        for (const call of this.project.callsNamed(name)) {
          if (!ts.isCallExpression(call)) continue;
          for (const arg of call.arguments) {
            const options = skipOuter(arg);
            if (!ts.isObjectLiteralExpression(options)) continue;
            const listed = options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyNameText(p.name) === rc.middlewaresOption);
            const list = listed && skipOuter(listed.initializer);
            if (list && ts.isArrayLiteralExpression(list)) for (const e of list.elements) global.push(...[methodOf(e)].filter((f): f is Fn => f !== undefined));
          }
          // (an app the server is made on, `useExpressServer(app, …)`: what the app registered before runs first)
          const app = call.arguments[0] && skipOuter(call.arguments[0]);
          if (app && !ts.isObjectLiteralExpression(app)) for (const f of this.project.handlers.middlewareBefore(app, call)) if (!global.includes(f)) global.push(f);
        }
      for (const sf of this.project.sourceFiles()) {
        if (!sf.text.includes(rc.module)) continue;
        for (const st of sf.statements) {
          if (!ts.isClassDeclaration(st) || !decoratorsOf(st).some((d) => d.name === rc.globalMiddleware)) continue;
          const use = st.members.find((x): x is ts.MethodDeclaration => ts.isMethodDeclaration(x) && !!x.body && propertyNameText(x.name) === rc.middlewareMethod);
          if (use && !global.includes(use)) global.push(use);
        }
      }
      return global;
    };
    const usedBefore = (node: ts.Node): Fn[] =>
      decoratorsOf(node)
        .filter((d) => d.name === rc.useBefore)
        .flatMap((d) => d.args.flatMap((a) => [methodOf(a) ?? middleware([a])[0]].filter((f): f is Fn => f !== undefined)));
    for (const sf of this.project.sourceFiles()) {
      if (!sf.text.includes(rc.module)) continue;
      for (const st of sf.statements) {
        if (!ts.isClassDeclaration(st) || !decoratorsOf(st).some((d) => (rc.controllers as readonly string[]).includes(d.name))) continue;
        const before = [...globalMiddleware(), ...usedBefore(st)];
        for (const m of st.members) {
          if (!ts.isMethodDeclaration(m) || !m.body || !decoratorsOf(m).some((d) => (rc.routes as readonly string[]).includes(d.name))) continue;
          this.entries.set(m, { kind: 'route', before: [...before, ...usedBefore(m)] });
        }
      }
    }
  }

  /** The app-level middleware the server of decorated controllers is configured with: `server.setConfig((app) => { app.use(mw) })`. */
  private serverMiddleware(): Fn[] {
    const out: Fn[] = [];
    for (const call of this.project.callsNamed(DECORATED_SERVER_CONFIG)) {
      const config = ts.isCallExpression(call) && call.arguments[0] ? this.project.handlers.functionOf(call.arguments[0]) : undefined;
      const app = config?.parameters[0]?.name;
      if (!config?.body || !app || !ts.isIdentifier(app)) continue;
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.expression))) {
          const callee = skipOuter(n.expression) as ts.PropertyAccessExpression;
          const receiver = skipOuter(callee.expression);
          if (callee.name.text === 'use' && ts.isIdentifier(receiver) && receiver.text === app.text) {
            for (const a of n.arguments) {
              const fn = this.project.handlers.functionOf(a);
              if (fn && !out.includes(fn)) out.push(fn);
            }
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(config.body);
    }
    return out;
  }

  /** Tokens and the values inversify's `bind(token).toConstantValue(value)` (or the classes `bind(token).to(C)`) gives for them. */
  private constantBindings(method: string): Map<string, ts.Expression> {
    const out = new Map<string, ts.Expression>();
    for (const call of this.project.callsNamed(method)) {
      if (!ts.isCallExpression(call) || !call.arguments[0]) continue;
      const callee = skipOuter(call.expression);
      const bind = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
      if (bind && ts.isCallExpression(bind) && bind.arguments[0]) out.set(tokenText(skipOuter(bind.arguments[0])), call.arguments[0]);
    }
    return out;
  }

  isEntry(fn: Fn): boolean {
    return this.entries.has(fn);
  }

  /** A resolver's or procedure's parameter (or destructured field) that holds the client's input. */
  inputRead(n: ts.Node): { name: string; key?: string } | undefined {
    if (ts.isParameter(n)) {
      const fn = n.parent;
      const entry = isFunctionLike(fn) ? this.entries.get(fn) : undefined;
      if (entry?.kind === 'resolver' && fn.parameters.indexOf(n) === RESOLVER_ARGS_INDEX && !hasDecorators(n)) return { name: ts.isIdentifier(n.name) ? n.name.text : 'args' };
      for (const dec of ts.getDecorators(n) ?? []) {
        const e = dec.expression;
        if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== NEST_ARGS_DECORATOR) continue;
        const a = e.arguments[0];
        const key = a && ts.isStringLiteralLike(a) ? a.text : undefined;
        return { name: `@${NEST_ARGS_DECORATOR}(${key ? `'${key}'` : ''}) ${n.name.getText()}`, key };
      }
      return undefined;
    }
    // `({ input }) => …` and `(opts) => opts.input` in a procedure
    const field = optionsField(n);
    if (field?.key === TRPC_INPUT && this.entries.get(field.fn)?.kind === 'procedure') return { name: TRPC_INPUT };
    return undefined;
  }

  /**
   * The values a read of the per-request context can hold: `ctx.runner` (or `const { runner } = ctx`)
   * in a resolver or procedure is the `runner` field of what the context factories return (and what
   * tRPC middleware passes on). `undefined` when `owner` is not the context.
   */
  contextField(owner: ts.Node, key: string): ts.Node[] | undefined {
    // an app without resolvers, procedures or context factories has no per-request context
    if (this.entries.size === 0 && this.contextFactories.length === 0) return undefined;
    if (ts.isParameter(owner) ? !this.isContextDeclaration(owner, 0) : !ts.isExpression(owner) || !this.isContext(skipOuter(owner))) return undefined;
    return this.factoryFields(key);
  }

  /** A parameter NestJS fills with one field of the context (`@Context('musician') musician`): that field's values. */
  decoratedContextField(param: ts.ParameterDeclaration): ts.Node[] | undefined {
    if (this.entries.size === 0 && this.contextFactories.length === 0) return undefined;
    for (const dec of ts.getDecorators(param) ?? []) {
      const e = dec.expression;
      if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || e.expression.text !== NEST_CONTEXT_DECORATOR) continue;
      const a = e.arguments[0];
      if (a && ts.isStringLiteralLike(a)) return this.factoryFields(a.text);
    }
    return undefined;
  }

  /**
   * What a context factory is handed as its first parameter by the server it is an option of: the server
   * context of each request (`yoga.handleNodeRequestAndResponse(ctx.req, ctx.res, { shipper: ctx.state.shipper })`
   * for `createYoga({ context: ({ shipper }) => ({ shipper, es }) })`).
   */
  serverContextsFor(fn: Fn): ts.Expression[] {
    const server = this.serverOf.get(fn);
    if (!server) return [];
    const out: ts.Expression[] = [];
    for (const { method, arg } of SERVER_CONTEXT_CALLS) {
      for (const call of this.project.callsNamed(method)) {
        const callee = skipOuter(call.expression);
        if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(callee) || !call.arguments[arg]) continue;
        const v = this.project.modules.valueOf(callee.expression);
        const made = v && ts.isVariableDeclaration(v) && v.initializer ? skipOuter(v.initializer) : v;
        if (made === server) out.push(call.arguments[arg]);
      }
    }
    return out;
  }

  /** The values the context factories (and tRPC middleware) put under `key`. */
  private factoryFields(key: string): ts.Node[] {
    const out: ts.Node[] = [];
    for (const obj of [...this.contextFactories.flatMap((f) => returnedExpressions(f).flatMap((r) => this.returnedObjects(r, 0))), ...this.passedContexts]) {
      if (!obj) continue;
      for (const p of obj.properties) {
        if (!p.name || propertyNameText(p.name) !== key) continue;
        if (ts.isPropertyAssignment(p)) out.push(p.initializer);
        else if (ts.isShorthandPropertyAssignment(p)) out.push(p.name);
      }
    }
    return out;
  }

  /** The context parameter of a resolver or procedure (or a name bound to it). */
  private isContext(e: ts.Expression, depth = 0): boolean {
    if (depth > 4) return false;
    if (ts.isIdentifier(e)) {
      const decl = this.project.modules.declarationOf(e.text, e);
      return decl !== undefined && this.isContextDeclaration(decl, depth);
    }
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && (skipOuter(e.expression) as ts.PropertyAccessExpression).name.text === CONTEXT_ACCESSOR)
      return true;
    const field = optionsField(e);
    return field?.key === TRPC_CONTEXT && this.isTrpcFunction(field.fn);
  }

  /** A parameter, binding or variable that holds the per-request context (answered once per declaration). */
  private isContextDeclaration(decl: ts.Node, depth: number): boolean {
    const known = this.contextDeclarations.get(decl);
    if (known !== undefined) return known;
    this.contextDeclarations.set(decl, false); // a helper that calls itself: not through this way
    const result = this.computeContextDeclaration(decl, depth);
    this.contextDeclarations.set(decl, result);
    return result;
  }
  private readonly contextDeclarations = new Map<ts.Node, boolean>();

  private computeContextDeclaration(decl: ts.Node, depth: number): boolean {
    {
      if (ts.isParameter(decl)) {
        const fn = decl.parent;
        const entry = isFunctionLike(fn) ? this.entries.get(fn) : undefined;
        if (entry?.kind === 'resolver' && fn.parameters.indexOf(decl) === RESOLVER_CONTEXT_INDEX) return true;
        if (hasDecorator(decl, NEST_CONTEXT_DECORATOR)) return true;
        // a helper that is handed the context: `requireAdjuster(ctx)`
        if (isFunctionLike(fn) && !entry)
          return this.project.handlers.callersOf(fn).some((c) => {
            const arg = c.arguments?.[fn.parameters.indexOf(decl)];
            return arg !== undefined && this.isContext(skipOuter(arg), depth + 1);
          });
        return false;
      }
      if (ts.isBindingElement(decl)) {
        const field = optionsField(decl);
        return field?.key === TRPC_CONTEXT && this.isTrpcFunction(field.fn);
      }
      if (ts.isVariableDeclaration(decl) && decl.initializer) return this.isContext(skipOuter(decl.initializer), depth + 1);
      return false;
    }
  }

  private isTrpcFunction(fn: Fn): boolean {
    if (this.entries.get(fn)?.kind === 'procedure') return true;
    const p = fn.parent;
    return ts.isCallExpression(p) && calleeChain(p.expression)?.at(-1) === TRPC_MIDDLEWARE;
  }

  /** The object literals an expression can evaluate to: itself, what a helper it calls returns, either arm of a ternary. */
  private returnedObjects(e: ts.Node, depth: number): ts.ObjectLiteralExpression[] {
    if (depth > 4) return [];
    let v: ts.Node = skipOuter(e as ts.Expression);
    if (ts.isAwaitExpression(v)) v = skipOuter(v.expression);
    if (ts.isConditionalExpression(v)) return [...this.returnedObjects(v.whenTrue, depth + 1), ...this.returnedObjects(v.whenFalse, depth + 1)];
    const obj = this.objectOf(v);
    if (obj) return [obj];
    if (ts.isCallExpression(v)) {
      const fn = this.project.handlers.functionOf(v.expression);
      if (fn) return returnedExpressions(fn).flatMap((r) => this.returnedObjects(r, depth + 1));
    }
    return [];
  }

  private objectOf(e: ts.Node): ts.ObjectLiteralExpression | undefined {
    let v: ts.Node | undefined = skipOuter(e as ts.Expression);
    if (ts.isAwaitExpression(v)) v = skipOuter(v.expression);
    if (ts.isIdentifier(v)) v = this.project.modules.valueOf(v);
    return v && ts.isObjectLiteralExpression(v) ? v : undefined;
  }

  /** `{ Query: { claim: (parent, args, ctx) => … }, Mutation: { … } }`, wherever the map is built. */
  private collectResolverMaps(): void {
    for (const root of GRAPHQL_ROOT_TYPES) {
      for (const node of this.project.propertiesNamed(root)) {
        if (!ts.isPropertyAssignment(node) && !ts.isShorthandPropertyAssignment(node)) continue;
        const value = ts.isPropertyAssignment(node) ? node.initializer : node.name;
        const obj = this.objectOf(value);
        if (obj) this.collectResolvers(obj, 0);
      }
    }
  }

  /** The resolvers of a root type's object, also those spread into it from objects made elsewhere (`{ ...transferQueries }`). */
  private collectResolvers(obj: ts.ObjectLiteralExpression, depth: number): void {
    for (const p of obj.properties) {
      if (ts.isSpreadAssignment(p)) {
        const inner = depth < 4 ? this.objectOf(p.expression) : undefined;
        if (inner && inner !== obj) this.collectResolvers(inner, depth + 1);
        continue;
      }
      const fn = ts.isMethodDeclaration(p)
        ? p
        : ts.isPropertyAssignment(p)
          ? this.project.handlers.functionOf(p.initializer)
          : ts.isShorthandPropertyAssignment(p)
            ? this.project.handlers.functionOf(p.name)
            : undefined;
      if (fn) this.entries.set(fn, { kind: 'resolver', before: this.contextFactories });
    }
  }

  /** tRPC: `t.procedure.use(mw).input(schema).query(({ input, ctx }) => …)`, through named base procedures. */
  private collectProcedures(): void {
    for (const method of TRPC_RESOLVERS) {
      for (const call of this.project.callsNamed(method)) {
        if (!ts.isCallExpression(call) || !call.arguments[0]) continue;
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee)) continue;
        const chain = this.procedureChain(callee.expression, 0);
        if (!chain) continue;
        const fn = this.project.handlers.functionOf(call.arguments[0]);
        if (fn) this.entries.set(fn, { kind: 'procedure', before: [...this.contextFactories, ...chain] });
      }
    }
    for (const call of this.project.callsNamed('next')) {
      if (!ts.isCallExpression(call) || !call.arguments[0]) continue;
      const opts = this.objectOf(call.arguments[0]);
      const ctx = opts?.properties.find((p) => p.name && propertyNameText(p.name) === TRPC_CONTEXT);
      const obj = ctx && ts.isPropertyAssignment(ctx) ? this.objectOf(ctx.initializer) : undefined;
      if (obj) this.passedContexts.push(obj);
    }
  }

  /** The middleware of a procedure builder chain, or `undefined` when the expression is no procedure builder. */
  private procedureChain(expr: ts.Expression, depth: number): Fn[] | undefined {
    if (depth > 6) return undefined;
    const e = skipOuter(expr);
    if (ts.isPropertyAccessExpression(e)) {
      if (e.name.text === TRPC_PROCEDURE) return [];
      return this.procedureChain(e.expression, depth + 1);
    }
    if (ts.isCallExpression(e)) {
      const callee = skipOuter(e.expression);
      if (!ts.isPropertyAccessExpression(callee)) {
        // a factory of procedures (`withScope('reports:read')` returning `authed.use(…)`): the chain it returns
        const factory = this.project.handlers.functionOf(callee);
        for (const ret of factory ? returnedExpressions(factory) : []) {
          const chain = this.procedureChain(ret, depth + 1);
          if (chain) return chain;
        }
        return undefined;
      }
      const inner = this.procedureChain(callee.expression, depth + 1);
      if (!inner) return undefined;
      if (callee.name.text === TRPC_MIDDLEWARE && e.arguments[0]) {
        const fn = this.project.handlers.functionOf(e.arguments[0]);
        if (fn) return [...inner, fn];
      }
      return inner;
    }
    if (ts.isIdentifier(e)) {
      const value = this.project.modules.valueOf(e);
      return value && ts.isExpression(value) ? this.procedureChain(value, depth + 1) : undefined;
    }
    return undefined;
  }
}

/** `({ input, ctx }) => …` / `(opts) => opts.input`: the field of a function's first (options) parameter. */
function optionsField(n: ts.Node): { fn: Fn; key: string } | undefined {
  if (ts.isBindingElement(n) && ts.isObjectBindingPattern(n.parent) && ts.isParameter(n.parent.parent)) {
    const param = n.parent.parent;
    const fn = param.parent;
    const key = n.propertyName ?? n.name;
    if (isFunctionLike(fn) && fn.parameters[0] === param && (ts.isIdentifier(key) || ts.isStringLiteralLike(key))) return { fn, key: key.text };
  }
  if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression)) {
    // `opts.input`: the name must be the function's first parameter itself
    for (let f: ts.Node | undefined = n.parent; f; f = f.parent) {
      if (!isFunctionLike(f)) continue;
      const first = f.parameters[0];
      if (first && ts.isIdentifier(first.name) && first.name.text === n.expression.text) return { fn: f, key: n.name.text };
    }
  }
  return undefined;
}

function hasDecorators(n: ts.Node): boolean {
  return ts.canHaveDecorators(n) && (ts.getDecorators(n)?.length ?? 0) > 0;
}

function hasDecorator(n: ts.Node, name: string): boolean {
  return (
    ts.canHaveDecorators(n) &&
    (ts.getDecorators(n) ?? []).some((d) => {
      const e = d.expression;
      const id = ts.isCallExpression(e) ? e.expression : e;
      return ts.isIdentifier(id) && id.text === name;
    })
  );
}

/** A DI token as text: `'Auth'` → `Auth`, `TYPES.Auth` → `TYPES.Auth`. */
function tokenText(e: ts.Expression): string {
  return ts.isStringLiteralLike(e) ? e.text : e.getText();
}
