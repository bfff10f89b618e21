import { ts } from '../ts';
import { code } from './expressions';
import { enclosingFunction } from './dominance';
import { calleeChain, skipOuter } from './facts/walk';
import { isRequestLike } from './identity';
import type { FileFacts } from './facts/types';
import { fieldDeclaration, isFunctionLike, propertyNameText, typeOnlyImport, type Modules } from './modules';
import {
  ASYNC_LOCAL_ENTER,
  ASYNC_LOCAL_READ,
  ASYNC_LOCAL_STORAGE,
  collectionClassOf,
  isAppInstanceType,
  isAppObject,
  isCacheModule,
  isGlobalObject,
  isKeyedStore,
  isStoreMethod,
  makesCache,
  namesCache,
  STORE_METHODS,
} from './vocabulary/containers';
import {
  DI_CRADLE,
  DI_LIFETIME_METHODS,
  DI_LIFETIME_OPTIONS,
  DI_MODULES,
  DI_REGISTER_METHODS,
  diContainerForm,
  diDecoratorLifetime,
  diLifetimeValue,
  diMethodLifetime,
  diValueRegistration,
  isDiModule,
  isDiResolve,
  isSingletonClassDecorator,
  makesChildContainer,
  namesPerRequestScope,
  type DiLifetime,
} from './vocabulary/di';
import { isConnectionName, isPerRequestName, isRequestBoundField, isRequestConnectionField, isRequestObjectName, isSessionField, requestRoleOf } from './vocabulary/requests';

const SK = ts.SyntaxKind;

/**
 * Where a value lives, seen from a request:
 * - `shared`: it outlives the request or is seen by concurrent ones — module-level bindings and
 *   the maps, sets, objects and caches they hold, `app.locals`, `global`/`globalThis`,
 *   `process.env`, Redis/memcached clients, fields of NestJS providers and controllers in the
 *   default singleton scope, fields of class instances created at module level or exported;
 * - `request`: bound to one request or connection — `req.*`, `res.locals`, `ctx.state`,
 *   `c.set(…)`, Fastify request decorations, a `WeakMap`/`Map` keyed by the request or its
 *   socket, an `AsyncLocalStorage` store.
 */
export type Place = SharedPlace | RequestPlace;

export interface SharedPlace {
  shared: true;
  kind: 'module-variable' | 'module-object' | 'cache' | 'app-locals' | 'global' | 'env' | 'singleton-field' | 'instance-field' | 'container';
  /** The same for every write and read of the same place: what reads are matched with. */
  key: string;
  /** For messages: "module-level Map `sessionCache`", "`app.locals`", "field `currentUser` of singleton `AuthService`". */
  label: string;
}

export interface RequestPlace {
  shared: false;
  kind: 'request' | 'keyed-by-request' | 'async-local' | 'session';
  label: string;
  /**
   * It outlives the request although no other client sees it: the session (`req.session.x`,
   * `ctx.session.x`), kept in a store and found again by a cookie, not by the TLS connection.
   */
  outlives?: true;
}

/** A write of a value to a place: an assignment (`cache[k] = v`, `this.user = v`) or a store call. */
export interface Write {
  /** The assignment expression or the store call. */
  node: ts.BinaryExpression | ts.CallExpression;
  place: Place;
  /** What is written. */
  values: ts.Expression[];
}

/** A write through a call: `cache.set(k, v)`, `seen.add(v)`, `redis.set(k, v)`, `Object.assign(t, v)`. */
export interface Store {
  call: ts.CallExpression;
  place: Place;
  /** The arguments stored (not the key). */
  values: ts.Expression[];
}

/** Calls that write to a place: store methods, entering an `AsyncLocalStorage` store, registering a value in a DI container. */
const WRITE_CALLS = [...new Set([...STORE_METHODS.map((m) => m.name), ...ASYNC_LOCAL_ENTER, ...DI_REGISTER_METHODS])];

type ClassLifetime = 'singleton' | 'per-request' | undefined;

export class SharedState {
  private readonly lifetimes = new Map<ts.ClassLikeDeclaration, ClassLifetime>();

  /**
   * @param modules names and values across the files in view
   * @param instancesOf calls and `new` expressions named like a class, where the caller can see them
   * @param files the facts of the files in view, for `writes()`
   */
  constructor(
    private readonly modules: Modules,
    private readonly instancesOf: (name: string) => readonly ts.Node[] = () => [],
    private readonly files: () => Iterable<FileFacts> = () => [],
  ) {}

  /** The modules this view reads (for questions about a place's class). */
  get modulesInView(): Modules {
    return this.modules;
  }

  private writesCache?: Write[];
  /**
   * Every write the walk recorded whose target can be placed, in the files in view: assignments
   * (`x = v`, `x.y = v`, `x[k] = v`, `x ??= v`) and store calls (with the facts' `allCalls`).
   */
  writes(): Write[] {
    if (this.writesCache) return this.writesCache;
    const out: Write[] = [];
    for (const facts of this.files()) {
      for (const nodes of facts.assignments.values()) {
        for (const node of nodes) {
          if (!ts.isBinaryExpression(node)) continue;
          const place = this.placeOf(node.left);
          if (place) out.push({ node, place, values: [node.right] });
        }
      }
      for (const name of WRITE_CALLS) {
        for (const call of facts.callsByName.get(name) ?? []) {
          if (!ts.isCallExpression(call)) continue;
          const store = this.storeOf(call);
          if (store) out.push({ node: call, place: store.place, values: store.values });
        }
      }
    }
    return (this.writesCache = out.sort((a, b) => a.node.getSourceFile().fileName.localeCompare(b.node.getSourceFile().fileName) || a.node.pos - b.node.pos));
  }

  /**
   * Where an assignment target (`x`, `cache[k]`, `this.user`, `app.locals.x`) or the receiver of a
   * store call lives (`contents`: the object a binding holds, not the binding); `undefined` for a
   * value local to the function, or one the tool cannot place.
   */
  placeOf(target: ts.Expression, contents = false): Place | undefined {
    const e = skipOuter(target);
    const path: string[] = [];
    let root: ts.Expression = e;
    for (;;) {
      root = skipOuter(root);
      if (ts.isPropertyAccessExpression(root)) {
        path.unshift(root.name.text);
        root = root.expression;
      } else if (ts.isElementAccessExpression(root)) {
        path.unshift(ts.isStringLiteralLike(root.argumentExpression) ? root.argumentExpression.text : '[]');
        root = root.expression;
      } else if (
        ts.isCallExpression(root) &&
        ts.isPropertyAccessExpression(skipOuter(root.expression)) &&
        (skipOuter(root.expression) as ts.PropertyAccessExpression).name.text === ASYNC_LOCAL_READ
      ) {
        return { shared: false, kind: 'async-local', label: '`AsyncLocalStorage` store' };
      } else if (ts.isCallExpression(root)) {
        // `container.resolve(AuditHolder).current = …`: a field of the instance the container hands out
        return path.length > 0 ? this.resolvedFieldPlace(root, path) : undefined;
      } else break;
    }
    if (root.kind === SK.ThisKeyword) return this.fieldPlace(root, path);
    if (!ts.isIdentifier(root)) return undefined;
    const name = root.text;
    const shown = [name, ...path].filter((p) => p !== '[]').join('.');
    if (isGlobalObject(name)) {
      return path.length > 0 ? { shared: true, kind: 'global', key: `global:${path[0]}`, label: code(`${name}.${path[0]}`) } : undefined;
    }
    if (name === 'process' && path[0] === 'env') return { shared: true, kind: 'env', key: `env:${path[1] ?? ''}`, label: code(shown) };
    // `app.locals`, `req.app.locals`, `ctx.app.context` (Koa's prototype of every ctx), `fastify.decorate` targets
    const appAt = path.indexOf('app');
    if ((name === 'app' && (path[0] === 'locals' || path[0] === 'context')) || (appAt >= 0 && appAt <= 1 && isPerRequestName(name) && path.length > appAt + 1)) {
      return { shared: true, kind: 'app-locals', key: `app:${path.slice(path.indexOf('app') + 1).join('.')}|${path.join('.')}`, label: code(shown) };
    }
    const decl = this.modules.declarationOf(name, root);
    // the app or server object itself lives as long as the process: `app.currentUser = …`, `fastify.identity = …`
    if (isAppObject(name) && path.length > 0 && path[0] !== '[]' && (!decl || ts.isParameter(decl) || isModuleLevel(decl))) {
      return { shared: true, kind: 'app-locals', key: `app:${path.join('.')}`, label: code(shown) };
    }
    if (decl && isModuleLevel(decl)) return this.modulePlace(decl, name, path, shown, contents);
    // an object another module makes at its top and exports, brought in by name (`import { consoleContext } from
    // './consoleSession'`; `consoleContext.operator = …`): that module's place, one per process
    if (decl && (ts.isImportSpecifier(decl) || ts.isImportClause(decl)) && path.length > 0 && path[0] !== '[]') {
      const value = this.modules.valueOf(root);
      const home = value && ts.isObjectLiteralExpression(value) && ts.isVariableDeclaration(value.parent) && value.parent.initializer === value ? value.parent : undefined;
      if (home && isModuleLevel(home)) return this.modulePlace(home, name, path, shown, contents);
    }
    // a member of the app or server object taken out by name: `const { redis } = fastify` is `fastify.redis`
    if (decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent)) {
      const from = decl.parent.parent.initializer && skipOuter(decl.parent.parent.initializer);
      const member = decl.propertyName ?? decl.name;
      if (from && ts.isIdentifier(from) && isAppObject(from.text) && ts.isIdentifier(member)) {
        const fromDecl = this.modules.declarationOf(from.text, from);
        if (!fromDecl || ts.isParameter(fromDecl) || isModuleLevel(fromDecl)) {
          const whole = [member.text, ...path];
          return { shared: true, kind: 'app-locals', key: `app:${whole.join('.')}`, label: code([from.text, ...whole].join('.')) };
        }
      }
    }
    // a store client a container hands out, named by its type: `const redis = req.container.resolve<Redis>('redis')`
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && path.length === 0 && contents) {
      const made = skipOuter(decl.initializer);
      const callee = ts.isCallExpression(made) ? skipOuter(made.expression) : undefined;
      const typeArg = callee && ts.isPropertyAccessExpression(callee) && isDiResolve(callee.name.text) ? (made as ts.CallExpression).typeArguments?.[0] : undefined;
      const typeName = typeArg && ts.isTypeReferenceNode(typeArg) && ts.isIdentifier(typeArg.typeName) ? typeArg.typeName : undefined;
      const typeDecl = typeName && (this.modules.declarationOf(typeName.text, typeName) ?? typeOnlyImport(typeName));
      const importDecl = typeDecl && (ts.isImportClause(typeDecl) ? typeDecl.parent : ts.isImportSpecifier(typeDecl) ? typeDecl.parent.parent.parent : undefined);
      const spec = importDecl && ts.isImportDeclaration(importDecl) && ts.isStringLiteral(importDecl.moduleSpecifier) ? importDecl.moduleSpecifier.text : undefined;
      if (spec && isCacheModule(spec)) return { shared: true, kind: 'cache', key: `pkg:${spec}`, label: `${code(name)} (${spec})` };
    }
    // a local holding what a container hands out: `const ctx = container.resolve(OperatorContext); ctx.icao = …`,
    // or awilix's cradle, `const caller = container.cradle.callerContext; caller.runnerId = …`
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && path.length > 0 && path[0] !== '[]') {
      let init = skipOuter(decl.initializer);
      if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
      const resolved = ts.isCallExpression(init) ? this.resolvedFieldPlace(init, path) : ts.isPropertyAccessExpression(init) ? this.cradleFieldPlace(init, path) : undefined;
      if (resolved) return resolved;
    }
    // taken out of the cradle by name: `const { curatorSession } = req.container.cradle; curatorSession.curatorCn = …`
    if (decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent) && path.length > 0 && path[0] !== '[]') {
      const from = decl.parent.parent.initializer && skipOuter(decl.parent.parent.initializer);
      const key = decl.propertyName ?? decl.name;
      if (from && ts.isPropertyAccessExpression(from) && from.name.text === DI_CRADLE && ts.isIdentifier(key)) {
        const registered = this.diRegistrations().byName.get(key.text);
        const field = registered && this.registeredFieldPlace(registered, key.text, path);
        if (field) return field;
      }
    }
    // read off the cradle in place: `container.cradle.callerContext.runnerId = …`
    const cradleAt = path.indexOf(DI_CRADLE);
    if (cradleAt >= 0 && path.length > cradleAt + 2) {
      const registered = this.diRegistrations().byName.get(path[cradleAt + 1]);
      const field = registered && this.registeredFieldPlace(registered, path[cradleAt + 1], path.slice(cradleAt + 2));
      if (field) return field;
    }
    // a static field of a class (`ClerkSession.current = clerk`): one per process, like a module variable
    const cls = decl && (ts.isClassDeclaration(decl) ? decl : ts.isImportSpecifier(decl) || ts.isImportClause(decl) ? this.modules.valueOf(root) : undefined);
    if (cls && ts.isClassDeclaration(cls) && path.length > 0 && path[0] !== '[]' && staticMember(cls, path[0]))
      return { shared: true, kind: 'module-object', key: `static:${cls.getSourceFile().fileName}:${cls.pos}.${path[0]}`, label: `static field ${code(`${name}.${path[0]}`)}` };
    // a parameter typed with a class of the app (`function bartenderCertificate(shift: ShiftContext)`, handed
    // `container.get(TYPES.ShiftContext)`): a field of its instance, shared as the class's instances are
    if (
      decl &&
      ts.isParameter(decl) &&
      path.length > 0 &&
      path[0] !== '[]' &&
      !isPerRequestName(name) &&
      !isRequestLike(root) &&
      decl.type &&
      ts.isTypeReferenceNode(decl.type) &&
      ts.isIdentifier(decl.type.typeName)
    ) {
      const cls = this.modules.typeValueOf(decl.type.typeName);
      const field = cls && ts.isClassLike(cls) ? this.classFieldPlace(cls, path, 0) : undefined;
      if (field) return field;
    }
    if (!decl || ts.isParameter(decl) || ts.isBindingElement(decl)) {
      if (isPerRequestName(name) || isRequestLike(root)) {
        if (path.length === 0 && !contents) return undefined;
        if (isConnectionName(name) || path.some(isConnectionName)) return undefined;
        // `req.session.operator = …`: read again by every later request that sends the cookie
        const sessionAt = path.findIndex(isSessionField);
        // (a field of the request's own state named so, `ctx.state.session`, is the request's, not the cookie session)
        if (sessionAt >= 0 && sessionAt <= 1 && !(sessionAt === 1 && isRequestBoundField(path[0]))) {
          return {
            shared: false,
            kind: 'session',
            outlives: true,
            label: `the session ${code([name, ...path.slice(0, sessionAt + 1)].join('.'))}, kept across requests and found again by a cookie`,
          };
        }
        return { shared: false, kind: 'request', label: code(shown) };
      }
    }
    // an alias of a module-level value or an imported one: `const c = cache`, `import { cache } from './store'`,
    // `const { crewByAddress } = require('./cache')`
    if (decl && (ts.isVariableDeclaration(decl) || ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl) || ts.isBindingElement(decl))) {
      const value = this.modules.valueOf(root);
      const owner = value && moduleDeclarationOf(value);
      if (owner && ts.isIdentifier(owner.name)) return this.modulePlace(owner, owner.name.text, path, shown, contents);
      // the one instance another module exports (`module.exports = new AuditContext()`): its field is the place its
      // methods write as `this.actor`
      const field = value ? this.instanceFieldPlace(value, path, shown) : undefined;
      if (field) return field;
      // a member of a module imported whole (`import * as state from './state'`; `state.activeRunner`): the variable it exports
      if (value && ts.isSourceFile(value) && path.length > 0 && path[0] !== '[]') {
        const exported = this.modules.exports(value.fileName).get(path[0])?.node;
        const member = exported && ts.isIdentifier(exported) && ts.isVariableDeclaration(exported.parent) && isModuleLevel(exported.parent) ? exported.parent : undefined;
        if (member) return this.modulePlace(member, path[0], path.slice(1), shown, contents);
      }
      if (value && (ts.isImportDeclaration(value) || ts.isImportClause(value))) {
        // a package's export: a cache client instance (`import redis from './redis'` resolved to a package import)
        const spec = ts.isImportDeclaration(value) ? value.moduleSpecifier : value.parent.moduleSpecifier;
        if (ts.isStringLiteral(spec) && isCacheModule(spec.text)) return { shared: true, kind: 'cache', key: `pkg:${spec.text}`, label: `${code(name)} (${spec.text})` };
      }
    }
    return undefined;
  }

  /** A place given by a module-level declaration and a path into its value. */
  private modulePlace(decl: ts.VariableDeclaration | ts.Node, name: string, path: string[], shown: string, contents: boolean): Place | undefined {
    const file = decl.getSourceFile().fileName;
    const key = `module:${file}:${decl.pos}${path.length > 0 && path[0] !== '[]' ? '.' + path[0] : ''}`;
    const init = ts.isVariableDeclaration(decl) && decl.initializer ? skipOuter(decl.initializer) : undefined;
    // a field of the one instance a module makes (`export const session = new AbiSession()`; `session.filerCode`) is
    // the place its methods write as `this.filerCode`
    // (also brought in from the module that makes it: `const auditContext = require('./auditContext')`, that module
    // ending `module.exports = new AuditContext()`)
    const made = init && !ts.isNewExpression(init) && path.length > 0 ? this.modules.valueOf(init) : init;
    const field = made ? this.instanceFieldPlace(made, path, shown) : undefined;
    if (field) return field;
    const what = describeValue(init);
    if (what === 'AsyncLocalStorage') return { shared: false, kind: 'async-local', label: '`AsyncLocalStorage` store' };
    // a WeakMap holds an entry per key object and lets it go with it: keyed by the request or socket in practice
    if (contents && what !== undefined && collectionClassOf(what)?.weak && path.length === 0)
      return { shared: false, kind: 'keyed-by-request', label: `module-level ${what} ${code(shown)}` };
    if (path.length === 0 && !contents) {
      if (!ts.isVariableDeclaration(decl) || (decl.parent.flags & ts.NodeFlags.Const) !== 0) return undefined;
      return { shared: true, kind: 'module-variable', key, label: `module-level variable ${code(name)}` };
    }
    if (what === 'cache') return { shared: true, kind: 'cache', key, label: `module-level cache ${code(shown)}` };
    return { shared: true, kind: 'module-object', key, label: `module-level ${what ?? 'object'} ${code(shown)}` };
  }

  /** A field of an instance made at the top of a module (`new AbiSession()`): the class's field place, labelled as read. */
  private instanceFieldPlace(made: ts.Node, path: string[], shown: string): Place | undefined {
    if (!ts.isNewExpression(made) || path.length === 0 || path[0] === '[]' || enclosingFunction(made)) return undefined;
    const cls = this.modules.valueOf(made.expression);
    const field = cls && ts.isClassLike(cls) ? this.classFieldPlace(cls, path, 0) : undefined;
    return field?.shared ? { ...field, label: `module-level instance ${code(shown)}` } : field;
  }

  /** `this.x…` in a class method: shared when the class lives across requests. */
  private fieldPlace(thisNode: ts.Node, path: string[]): Place | undefined {
    if (path.length === 0) return undefined;
    const cls = classOfThis(thisNode);
    if (!cls) return appInstanceThis(thisNode) ? { shared: true, kind: 'app-locals', key: `app:${path.join('.')}`, label: code(`this.${path.join('.')}`) } : undefined;
    return this.classFieldPlace(cls, path, 0);
  }

  /**
   * A field of an instance of `cls`. Through an injected provider (`this.tenantContext.current`, with
   * `tenantContext: TenantContext` injected) it is the provider's field, the same place in every
   * class that injects it.
   */
  private classFieldPlace(cls: ts.ClassLikeDeclaration, path: string[], depth: number): Place | undefined {
    if (path.length >= 2 && depth < 3) {
      const provider = this.injectedClass(cls, path[0]);
      const inner = provider && this.lifetimeOf(provider) ? this.classFieldPlace(provider, path.slice(1), depth + 1) : undefined;
      if (inner) return inner;
    }
    const life = this.lifetimeOf(cls);
    if (!life) return undefined;
    const name = cls.name?.text ?? '(anonymous class)';
    if (life === 'per-request') return { shared: false, kind: 'request', label: `field ${code(path[0])} of request-scoped ${code(name)}` };
    const key = `field:${cls.getSourceFile().fileName}:${cls.pos}:${path[0]}`;
    const nest = isNestClass(cls);
    return {
      shared: true,
      kind: nest ? 'singleton-field' : 'instance-field',
      key,
      label: nest ? `field ${code(`this.${path[0]}`)} of singleton ${code(name)}` : `field ${code(`this.${path[0]}`)} of ${code(name)}, created once for the process`,
    };
  }

  /** The class of a field typed with one (`private readonly ctx: TenantContext`, a constructor parameter property too). */
  private injectedClass(cls: ts.ClassLikeDeclaration, field: string): ts.ClassLikeDeclaration | undefined {
    const member = fieldDeclaration(cls, field);
    const type = member && (member as ts.PropertyDeclaration | ts.ParameterDeclaration).type;
    if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
    // (also a class brought in by `import type { DutyRoster }`, as containers inject their services)
    const v = this.modules.typeValueOf(type.typeName);
    return v && ts.isClassLike(v) && v !== cls ? v : undefined;
  }

  /**
   * How long instances of a class live: `singleton` for NestJS injectables, controllers, resolvers
   * and gateways in the default scope, and classes instantiated at module level or exported as an
   * instance; `per-request` for `Scope.REQUEST`/`Scope.TRANSIENT`; `undefined` when unknown.
   */
  lifetimeOf(cls: ts.ClassLikeDeclaration): ClassLifetime {
    if (this.lifetimes.has(cls)) return this.lifetimes.get(cls);
    let life: ClassLifetime;
    const nest = nestDecorator(cls);
    if (nest) life = namesPerRequestScope(nest.getText()) ? 'per-request' : 'singleton';
    const di = nest ? undefined : this.diLifetimeOf(cls);
    if (di === 'singleton' || di === 'per-request') life = di;
    else if (!nest && di === undefined && cls.name) {
      const news = [...this.instancesOf(cls.name.text).filter((n) => ts.isNewExpression(n)), ...newsInFile(cls.getSourceFile(), cls.name.text)];
      if (news.some((n) => createdOnce(n))) life = 'singleton';
    }
    this.lifetimes.set(cls, life);
    return life;
  }

  /**
   * A call that stores values somewhere: `m.set(k, v)`, `s.add(v)`, `list.push(v)`,
   * `redis.set(k, v)`, `cacheManager.set(k, v)`, `Object.assign(target, v)`, `c.set('k', v)`,
   * `storage.run(store, fn)`; `undefined` for other calls or receivers that cannot be placed.
   */
  storeOf(call: ts.CallExpression): Store | undefined {
    const callee = skipOuter(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const method = callee.name.text;
    if (method === 'assign' && ts.isIdentifier(callee.expression) && callee.expression.text === 'Object') {
      const [target, ...values] = call.arguments;
      const place = target && this.placeOf(target, true);
      return place ? { call, place, values } : undefined;
    }
    if (ASYNC_LOCAL_ENTER.includes(method)) {
      const value = this.modules.valueOf(callee.expression);
      if (value && describeValue(skipOuter(value as ts.Expression)) === ASYNC_LOCAL_STORAGE) {
        return { call, place: { shared: false, kind: 'async-local', label: '`AsyncLocalStorage` store' }, values: call.arguments.slice(0, 1) };
      }
      return undefined;
    }
    const registered = this.diRegistrationOf(call, method);
    if (registered) return registered;
    if (!isStoreMethod(method) || call.arguments.length === 0) return undefined;
    // a route or a plugin registered on an app or router, not a value stored: `app.put('/x', handler)`
    if (call.arguments.some((a) => isFunctionLike(skipOuter(a)))) return undefined;
    const receiver = callee.expression;
    const values = isKeyedStore(method) ? call.arguments.slice(1) : [...call.arguments];
    let place = this.placeOf(receiver, true);
    if (place?.shared) {
      // a map keyed by the request or its connection holds one entry per request: `sessions.set(req.socket, id)`
      if (isKeyedStore(method) && isRequestOrSocket(call.arguments[0])) place = { shared: false, kind: 'keyed-by-request', label: `${place.label}, keyed by the request` };
      // a field of a singleton is a store only when it is a cache-like object, not a repository or a client of a service
      else if ((place.kind === 'singleton-field' || place.kind === 'instance-field') && !this.isCacheField(receiver)) return undefined;
      else if (place.kind === 'module-object' && method === 'save') return undefined;
      // a queue, emitter or client instance takes messages, not cached values: `auditQueue.add('logout', …)`
      else if (place.kind === 'module-object' && place.label.startsWith('module-level instance') && !namesCache(calleeChain(receiver)?.join('.') ?? '')) return undefined;
    } else if (place && !place.shared && (place.kind === 'request' || place.kind === 'session') && method !== 'set') return undefined;
    // Hono `c.set('identity', v)` lands here as a request place
    return place ? { call, place, values } : undefined;
  }

  /**
   * A field of what a DI container hands out: `container.resolve(Holder).f`, inversify
   * `container.get(Holder).f`, awilix `req.container.resolve('auditTrail').f`. Shared when the class
   * or the name is registered as a singleton, whatever container (root or request scope) resolves it.
   */
  private resolvedFieldPlace(call: ts.CallExpression, path: string[]): Place | undefined {
    const callee = skipOuter(call.expression);
    if (!ts.isPropertyAccessExpression(callee) || !isDiResolve(callee.name.text) || call.arguments.length === 0) return undefined;
    const arg = skipOuter(call.arguments[0]);
    let cls: ts.ClassLikeDeclaration | undefined;
    let life: DiLifetime | undefined;
    let name: string;
    if (ts.isStringLiteralLike(arg)) {
      const reg = this.diRegistrations().byName.get(arg.text);
      if (!reg) return undefined;
      ({ cls, life } = reg);
      name = arg.text;
    } else {
      // the class itself (`container.resolve(DeskSession)`), or the class the call says it hands back for a token
      // (`container.get<DutyRoster>(TYPES.Roster)`)
      let value = this.modules.valueOf(arg);
      const typeArg = call.typeArguments?.[0];
      if ((!value || !ts.isClassLike(value)) && typeArg && ts.isTypeReferenceNode(typeArg) && ts.isIdentifier(typeArg.typeName)) value = this.modules.typeValueOf(typeArg.typeName);
      if (!value || !ts.isClassLike(value)) return undefined;
      cls = value;
      life = this.diLifetimeOf(cls);
      name = cls.name?.text ?? '(anonymous class)';
    }
    return this.registeredFieldPlace({ cls, life }, name, path);
  }

  /** `x.cradle.callerContext` (awilix) and a path into it: the field of what is registered under that name. */
  private cradleFieldPlace(e: ts.PropertyAccessExpression, path: string[]): Place | undefined {
    const holder = skipOuter(e.expression);
    if (!ts.isPropertyAccessExpression(holder) || holder.name.text !== DI_CRADLE) return undefined;
    const registered = this.diRegistrations().byName.get(e.name.text);
    return registered ? this.registeredFieldPlace(registered, e.name.text, path) : undefined;
  }

  /** A field of what a container hands out, by the lifetime it was registered with. */
  private registeredFieldPlace(reg: { cls?: ts.ClassLikeDeclaration; life?: DiLifetime }, name: string, path: string[]): Place | undefined {
    const { cls, life } = reg;
    if (life === 'per-request') return { shared: false, kind: 'request', label: `field ${code(path[0])} of request-scoped ${code(name)}` };
    if (life !== 'singleton') return undefined;
    const key = cls ? `field:${cls.getSourceFile().fileName}:${cls.pos}:${path[0]}` : `di:${name}:${path[0]}`;
    return { shared: true, kind: 'singleton-field', key, label: `field ${code(path[0])} of ${code(name)}, a singleton of the DI container` };
  }

  private diRegistrationsCache?: { byClass: Map<ts.ClassLikeDeclaration, DiLifetime>; byName: Map<string, { cls?: ts.ClassLikeDeclaration; life: DiLifetime }> };
  /**
   * Lifetimes given by registrations (tsyringe, inversify, awilix): `asClass(X).singleton()`,
   * `bind(T).to(X).inRequestScope()`, `registerSingleton(T, X)`, `register(T, { useClass: X },
   * { lifecycle: Lifecycle.Singleton })`, `asClass(X, { lifetime: Lifetime.SCOPED })`; by class and, for
   * awilix, by registered name (`register({ auditTrail: asClass(AuditTrail).singleton() })`).
   */
  private diRegistrations(): NonNullable<SharedState['diRegistrationsCache']> {
    if (this.diRegistrationsCache) return this.diRegistrationsCache;
    const byClass = new Map<ts.ClassLikeDeclaration, DiLifetime>();
    const byName = new Map<string, { cls?: ts.ClassLikeDeclaration; life: DiLifetime }>();
    const note = (at: ts.Node, life: DiLifetime, classes: ts.ClassLikeDeclaration[]): void => {
      for (const c of classes) if (byClass.get(c) !== 'singleton') byClass.set(c, life);
      // the name it is registered under: `{ auditTrail: asClass(…).singleton() }`, `register('auditTrail', …)`
      let n: ts.Node = at;
      while (n.parent && (ts.isCallExpression(n.parent) || ts.isPropertyAccessExpression(n.parent)) && !ts.isPropertyAssignment(n.parent)) {
        if (ts.isCallExpression(n.parent) && n.parent.arguments.includes(n as ts.Expression)) break;
        n = n.parent;
      }
      const p = n.parent;
      if (p && ts.isPropertyAssignment(p) && p.initializer === n && p.name) {
        const key = propertyNameText(p.name);
        if (key) byName.set(key, { cls: classes[0], life });
      } else if (p && ts.isCallExpression(p) && p.arguments[1] === n && p.arguments[0] && ts.isStringLiteralLike(p.arguments[0])) {
        byName.set(p.arguments[0].text, { cls: classes[0], life });
      }
    };
    for (const method of DI_LIFETIME_METHODS) {
      const life = diMethodLifetime(method)!;
      for (const call of this.instancesOf(method)) {
        if (!ts.isCallExpression(call)) continue;
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee)) continue;
        // `registerSingleton(T, X)` names its class in its own arguments; `.singleton()` in the chain before it
        const classes = call.arguments.length > 0 ? this.classesIn(call.arguments) : this.classesInChain(callee.expression);
        if (classes.length > 0 || call.arguments.length === 0) note(call, life, classes);
      }
    }
    for (const name of ['asClass', 'asFunction', ...DI_REGISTER_METHODS]) {
      for (const call of this.instancesOf(name)) {
        if (!ts.isCallExpression(call)) continue;
        for (const arg of call.arguments) {
          const obj = skipOuter(arg);
          if (!ts.isObjectLiteralExpression(obj)) continue;
          for (const prop of obj.properties) {
            if (!ts.isPropertyAssignment(prop) || !prop.name || !DI_LIFETIME_OPTIONS.includes(propertyNameText(prop.name) ?? '')) continue;
            const life = diLifetimeValue(prop.initializer.getText());
            if (life) note(call, life, this.classesIn(call.arguments));
          }
        }
      }
    }
    return (this.diRegistrationsCache = { byClass, byName });
  }

  /** Project classes among a call's arguments and the values of their object literals (`{ useClass: X }`). */
  private classesIn(args: readonly ts.Expression[]): ts.ClassLikeDeclaration[] {
    const out: ts.ClassLikeDeclaration[] = [];
    for (const a of args) {
      const e = skipOuter(a);
      const parts = ts.isObjectLiteralExpression(e) ? e.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? [p.initializer] : [])) : [e];
      for (const part of parts) {
        const v = this.modules.valueOf(part);
        if (v && ts.isClassLike(v)) out.push(v);
      }
    }
    return out;
  }

  /** The classes named in a registration chain: `asClass(X)`, `bind(T).to(X)`, `bind(X).toSelf()`. */
  private classesInChain(expr: ts.Expression): ts.ClassLikeDeclaration[] {
    const out: ts.ClassLikeDeclaration[] = [];
    for (let e = skipOuter(expr); ts.isCallExpression(e) || ts.isPropertyAccessExpression(e); e = skipOuter(e.expression)) {
      if (ts.isCallExpression(e)) out.unshift(...this.classesIn(e.arguments));
    }
    // `bind(T).to(X)`: X, the class made, comes last
    return out.reverse();
  }

  /** How long a class's instances live by the DI libraries' decorators and registrations; `transient` when registered only so. */
  private diLifetimeOf(cls: ts.ClassLikeDeclaration): DiLifetime | undefined {
    for (const d of ts.getDecorators(cls) ?? []) {
      const e = d.expression;
      const id = ts.isCallExpression(e) ? e.expression : e;
      if (!ts.isIdentifier(id) || !isDiModule(this.packageOf(id.text, id)?.module ?? '')) continue;
      const life = diDecoratorLifetime(id.text) ?? (ts.isCallExpression(e) && e.arguments[0] ? diLifetimeValue(e.arguments[0].getText()) : undefined);
      if (life) return life;
    }
    return this.diRegistrations().byClass.get(cls) ?? this.registeredByImporters(cls);
  }

  /**
   * Without the app's facts in view (a file judged with what it imports): the lifetime a module that imports
   * the class registers it with, `container.bind(TYPES.ActorContext).to(ActorContext).inSingletonScope()` or
   * awilix `asClass(DirectoryService, { lifetime: Lifetime.SINGLETON })` in the container module (found by its
   * text first: it names a DI package and a lifetime).
   */
  private registeredByImporters(cls: ts.ClassLikeDeclaration): DiLifetime | undefined {
    const home = cls.getSourceFile().fileName;
    for (const [file, imports] of registrars(this.modules)) {
      if (!imports.includes(home)) continue;
      const sf = this.modules.sourceFile(file);
      const life = sf ? this.registrationsIn(sf).get(cls) : undefined;
      if (life) return life;
    }
    return undefined;
  }

  /** The classes a module registers with a lifetime, by method or option (worked out once per tree). */
  private registrationsIn(sf: ts.SourceFile): ReadonlyMap<ts.ClassLikeDeclaration, DiLifetime> {
    const known = registrationsByTree.get(sf);
    if (known) return known;
    const out = new Map<ts.ClassLikeDeclaration, DiLifetime>();
    const note = (life: DiLifetime | undefined, classes: readonly ts.ClassLikeDeclaration[]): void => {
      if (life) for (const c of classes) if (!out.has(c)) out.set(c, life);
    };
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const callee = skipOuter(n.expression);
        if (ts.isPropertyAccessExpression(callee) && DI_LIFETIME_METHODS.includes(callee.name.text))
          note(diMethodLifetime(callee.name.text), n.arguments.length > 0 ? this.classesIn(n.arguments) : this.classesInChain(callee.expression));
        // (or given as an option: awilix `asClass(DirectoryService, { lifetime: Lifetime.SINGLETON })`)
        for (const arg of n.arguments) {
          const obj = skipOuter(arg);
          if (!ts.isObjectLiteralExpression(obj)) continue;
          for (const prop of obj.properties)
            if (ts.isPropertyAssignment(prop) && prop.name && DI_LIFETIME_OPTIONS.includes(propertyNameText(prop.name) ?? ''))
              note(diLifetimeValue(prop.initializer.getText()), this.classesIn(n.arguments));
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    registrationsByTree.set(sf, out);
    return out;
  }

  private factsByFile?: Map<string, FileFacts>;
  /** The package a name is imported from, with the path of the import: `{ module: 'tsyringe', path: ['container'] }`. */
  private packageOf(name: string, at: ts.Node): { module: string; path: readonly string[] } | undefined {
    if (!this.factsByFile) {
      this.factsByFile = new Map();
      for (const f of this.files()) this.factsByFile.set(f.file, f);
    }
    const facts = this.factsByFile.get(at.getSourceFile().fileName);
    if (facts) {
      const b = facts.bindings.get(name);
      return b ? { module: b.module, path: b.path } : undefined;
    }
    // no walk of the file in view (a model of one file, or of what a file imports): its import declaration
    const decl = this.modules.declarationOf(name, at);
    if (decl && ts.isImportSpecifier(decl) && ts.isStringLiteral(decl.parent.parent.parent.moduleSpecifier)) {
      return { module: decl.parent.parent.parent.moduleSpecifier.text.replace(/^node:/, ''), path: [(decl.propertyName ?? decl.name).text] };
    }
    return undefined;
  }

  /**
   * A value registered in a DI container: tsyringe `register(T, { useValue: v })` /
   * `registerInstance(T, v)`, inversify `bind(T).toConstantValue(v)`, awilix
   * `register({ name: asValue(v) })`. In the root container it is shared by every request; in a
   * child container or request scope (`createChildContainer()`, `createScope()`, awilix-express
   * `req.container`) it is the request's.
   */
  private diRegistrationOf(call: ts.CallExpression, method: string): Store | undefined {
    if (!DI_REGISTER_METHODS.includes(method)) return undefined;
    const callee = skipOuter(call.expression) as ts.PropertyAccessExpression;
    const values: ts.Expression[] = [];
    let receiver: ts.Expression = callee.expression;
    const reg = diValueRegistration(method);
    if (reg?.form === 'method') {
      const v = call.arguments[reg.valueArg ?? 0];
      if (v) values.push(v);
      // `container.bind(T).toConstantValue(v)`: the container is under the `bind(T)` call
      for (let e = skipOuter(receiver); ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)); e = skipOuter(receiver))
        receiver = (skipOuter(e.expression) as ts.PropertyAccessExpression).expression;
    } else {
      const visit = (n: ts.Node): void => {
        if (isFunctionLike(n)) return;
        if (ts.isPropertyAssignment(n) && n.name && diValueRegistration(propertyNameText(n.name) ?? '')?.form === 'option') values.push(n.initializer);
        else if (ts.isCallExpression(n) && diValueRegistration(calleeChain(n.expression)?.at(-1) ?? '')?.form === 'wrapper' && n.arguments[0]) values.push(n.arguments[0]);
        else ts.forEachChild(n, visit);
      };
      call.arguments.forEach(visit);
    }
    if (values.length === 0) return undefined;
    const which = this.containerKind(receiver, 0);
    if (which === 'root') {
      const shown = calleeChain(receiver)?.join('.') ?? 'container';
      return {
        call,
        place: { shared: true, kind: 'container', key: `container:${shown}`, label: `the root DI container ${code(shown)}, which every request resolves from` },
        values,
      };
    }
    if (which === 'child') return { call, place: { shared: false, kind: 'request', label: 'a container made for this request' }, values };
    return undefined;
  }

  /** Whether an expression is a DI library's root container or a child made from one (per request). */
  private containerKind(expr: ts.Expression, depth: number): 'root' | 'child' | undefined {
    if (depth > 6) return undefined;
    const e = skipOuter(expr);
    if (ts.isIdentifier(e)) {
      const pkg = this.packageOf(e.text, e);
      if (pkg && isDiModule(pkg.module)) return diContainerForm(pkg.module, pkg.path.at(-1) ?? '') === 'export' ? 'root' : undefined;
      const decl = this.modules.declarationOf(e.text, e);
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer) {
        const kind = this.containerKind(decl.initializer, depth + 1);
        // a container a function makes for itself (`const requestContainer = new Container()` in a middleware) is that call's
        const made = skipOuter(decl.initializer);
        return kind === 'root' && (ts.isNewExpression(made) || ts.isCallExpression(made)) && enclosingFunction(decl) !== undefined ? 'child' : kind;
      }
      if (decl && (ts.isImportSpecifier(decl) || ts.isImportClause(decl))) {
        const value = this.modules.valueOf(e);
        if (value && value !== decl && ts.isExpression(value)) return this.containerKind(value, depth + 1);
        const owner = value && moduleDeclarationOf(value);
        if (owner?.initializer) return this.containerKind(owner.initializer, depth + 1);
      }
      return undefined;
    }
    if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
      const callee = skipOuter(e.expression);
      if (ts.isPropertyAccessExpression(callee) && makesChildContainer(callee.name.text)) return 'child';
      // `createContainer()`, `new Container()`, `awilix.createContainer()`
      const chain = calleeChain(callee);
      const root = chain?.[0];
      const pkg = root && !root.startsWith('require:') ? this.packageOf(root, e) : undefined;
      const made = chain && pkg && isDiModule(pkg.module) ? [...pkg.path, ...chain.slice(1)].at(-1) : undefined;
      if (pkg && made && diContainerForm(pkg.module, made) === 'factory') return 'root';
      return undefined;
    }
    // `req.container`, `res.locals.container`, `ctx.state.scope`: made for this request by middleware
    if (ts.isPropertyAccessExpression(e) && this.placeOf(e)?.shared === false) return 'child';
    return undefined;
  }

  /** `this.cache`, `this.cacheManager`, `this.sessions` (a `Map` field), `this.redis`. */
  private isCacheField(receiver: ts.Expression): boolean {
    const chain = calleeChain(receiver);
    if (!chain || chain[0] !== 'this' || chain.length < 2) return false;
    const field = chain[1];
    if (namesCache(field)) return true;
    const cls = classOfThis(skipOuter(receiver));
    const member = cls?.members.find((m) => m.name && propertyNameText(m.name) === field);
    if (member && ts.isPropertyDeclaration(member) && member.initializer) return describeValue(skipOuter(member.initializer)) !== undefined;
    return false;
  }

  /** Whether a value written at `target` is seen by other, concurrent requests. */
  isSharedAcrossRequests(target: ts.Expression): boolean {
    return this.placeOf(target)?.shared === true;
  }
}

/** `req`, `req.socket`, `request.raw`, `ctx.req.socket`, `socket`, `tlsSocket`. */
function isRequestOrSocket(expr: ts.Expression | undefined): boolean {
  if (!expr) return false;
  const chain = calleeChain(expr);
  if (!chain) return false;
  if (chain.length === 1) return requestRoleOf(chain[0]) !== undefined && requestRoleOf(chain[0]) !== 'response';
  return isRequestConnectionField(chain[chain.length - 1]) && isRequestObjectName(chain[0]);
}

/** What a module-level initializer holds, for messages and classification. */
function describeValue(init: ts.Expression | undefined): string | undefined {
  if (!init) return undefined;
  if (ts.isObjectLiteralExpression(init)) return 'object';
  if (ts.isArrayLiteralExpression(init)) return 'array';
  if (ts.isNewExpression(init) || ts.isCallExpression(init)) {
    const name = calleeChain(init.expression)?.at(-1) ?? '';
    if (collectionClassOf(name)) return name;
    if (name === ASYNC_LOCAL_STORAGE) return ASYNC_LOCAL_STORAGE;
    if (makesCache(name)) return 'cache';
    if (ts.isNewExpression(init)) return 'instance';
  }
  if (ts.isAwaitExpression(init)) return describeValue(skipOuter(init.expression));
  return undefined;
}

function moduleDeclarationOf(value: ts.Node): ts.VariableDeclaration | undefined {
  if (ts.isVariableDeclaration(value)) return isModuleLevel(value) ? value : undefined;
  // through what only restates the value's type: `createClient(…) as RedisClientType`, `(…)!`
  let v: ts.Node = value;
  while (
    v.parent &&
    (ts.isAsExpression(v.parent) ||
      ts.isParenthesizedExpression(v.parent) ||
      ts.isSatisfiesExpression(v.parent) ||
      ts.isNonNullExpression(v.parent) ||
      ts.isTypeAssertionExpression(v.parent))
  )
    v = v.parent;
  const p = v.parent;
  if (p && ts.isVariableDeclaration(p) && p.initializer === v && isModuleLevel(p)) return p;
  return undefined;
}

/** A `const`/`let`/`var` declared at the top of a file (or a namespace), outside every function. */
export function isModuleLevel(decl: ts.Node): decl is ts.VariableDeclaration {
  if (!ts.isVariableDeclaration(decl)) return false;
  const statement = decl.parent?.parent;
  return statement !== undefined && ts.isVariableStatement(statement) && (ts.isSourceFile(statement.parent) || ts.isModuleBlock(statement.parent));
}

/** The class whose instance `this` is: through arrows, not through function expressions or declarations. */
function classOfThis(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isClassLike(n)) return n;
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n)) return undefined;
    if (ts.isPropertyDeclaration(n) || isFunctionLike(n)) continue;
  }
  return undefined;
}

function nestDecorator(cls: ts.ClassLikeDeclaration): ts.Decorator | undefined {
  return (ts.getDecorators(cls) ?? []).find((d) => {
    const e = d.expression;
    const id = ts.isCallExpression(e) ? e.expression : e;
    return ts.isIdentifier(id) && isSingletonClassDecorator(id.text);
  });
}

function isNestClass(cls: ts.ClassLikeDeclaration): boolean {
  return nestDecorator(cls) !== undefined;
}

function newsInFile(sf: ts.SourceFile, name: string): ts.Node[] {
  if (!sf.text.includes(`new ${name}`)) return [];
  const out: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) out.push(n);
    // a class exported as an instance: `export default new AuthState()`
    ts.forEachChild(n, visit);
  };
  for (const st of sf.statements) if (!ts.isClassDeclaration(st) && !ts.isFunctionDeclaration(st)) visit(st);
  return out;
}

/** A `new C()` that runs once: outside every function (module level, `export default new C()`, a static field). */
function createdOnce(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (isFunctionLike(n)) return false;
    if (ts.isPropertyDeclaration(n)) return (ts.getModifiers(n) ?? []).some((m) => m.kind === SK.StaticKeyword);
    if (ts.isSourceFile(n)) return true;
  }
  return false;
}

/** A static property of a class (declared `static`): one value for the whole process. */
function staticMember(cls: ts.ClassDeclaration, name: string): boolean {
  return cls.members.some(
    (m) => m.name !== undefined && propertyNameText(m.name) === name && ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === SK.StaticKeyword),
  );
}

/** `this` of a function that declares it the app or server object: `function hook(this: FastifyInstance, request) { … }`. */
function appInstanceThis(thisNode: ts.Node): boolean {
  for (let n = thisNode.parent; n; n = n.parent) {
    if (ts.isArrowFunction(n)) continue;
    if (!isFunctionLike(n)) continue;
    const first = n.parameters[0];
    return first !== undefined && ts.isIdentifier(first.name) && first.name.text === 'this' && first.type !== undefined && isAppInstanceType(first.type.getText());
  }
  return false;
}

/** The file a shared place's key names (`field:<file>:<pos>:<name>`, `module:<file>:<pos>[.field]`): where the object is declared. */
export function placeFile(key: string): string | undefined {
  if (key.startsWith('field:')) {
    const rest = key.slice('field:'.length);
    const last = rest.lastIndexOf(':');
    return last > 0 ? rest.slice(0, rest.lastIndexOf(':', last - 1)) : undefined;
  }
  if (key.startsWith('module:')) {
    const rest = key.slice('module:'.length).replace(/\.[^:]*$/, '');
    return rest.slice(0, rest.lastIndexOf(':'));
  }
  return undefined;
}

/** The class and field a field place's key names (`field:<file>:<pos>:<name>`), found in the model's tree of its file. */
export function placeClass(key: string, modules: Modules): { cls: ts.ClassLikeDeclaration; field: string } | undefined {
  const file = key.startsWith('field:') ? placeFile(key) : undefined;
  if (!file) return undefined;
  const rest = key.slice('field:'.length + file.length + 1);
  const pos = Number(rest.slice(0, rest.indexOf(':')));
  const field = rest.slice(rest.indexOf(':') + 1);
  let cls: ts.ClassLikeDeclaration | undefined;
  const find = (n: ts.Node): void => {
    if (cls) return;
    if (ts.isClassLike(n) && n.pos === pos) cls = n;
    else if (n.pos <= pos && pos < n.end) ts.forEachChild(n, find);
  };
  const src = modules.sourceFile(file);
  if (src) find(src);
  return cls && { cls, field };
}

const registrationsByTree = new WeakMap<ts.SourceFile, Map<ts.ClassLikeDeclaration, DiLifetime>>();

/**
 * The modules that give DI lifetimes, by their text (a DI package named in quotes, and a lifetime method or
 * option), with the files each imports.
 */
export function registrars(modules: Modules): ReadonlyMap<string, string[]> {
  return modules.importersWith(
    'di-lifetimes',
    (text) =>
      DI_MODULES.some((m) => text.includes(`'${m}'`) || text.includes(`"${m}"`)) &&
      (DI_LIFETIME_METHODS.some((m) => text.includes(m)) || DI_LIFETIME_OPTIONS.some((o) => text.includes(o))),
  );
}
