import { ts } from '../ts';
import { canSuspend, testGuards, walkInOrder, within } from './await-order';
import { callResolver, errorStatusOf, isCallbackArgument, refusalOf } from './decisions';
import { calleeChain, skipOuter } from './facts/walk';
import { enclosingFunction } from './dominance';
import { collectNames, references } from './guards';
import { declaredType, isFunctionLike, propertyNameText, returnedExpressions, type Modules } from './modules';
import { operationOf } from './operations';
import { isRequestLike } from './identity';
import { PASSPORT_NEST } from './vocabulary/frameworks';
import type { Project } from './project';
import { placeClass, placeFile, SharedState, type Place } from './shared-state';
import * as path from 'node:path';
import * as fs from 'node:fs';

/**
 * Identity kept in shared state (a module variable, a singleton field) read on both sides of an
 * `await`: after the boundary, another request may have replaced it. Needs the identity model.
 */
export interface SharedIdentityUse {
  /**
   * `reread`: read before a boundary and again after it; `decision`: decided on before it;
   * `afterWait`: read only after a boundary of a function that began with it already set (by
   * middleware, by `actAs(…)` before the call).
   */
  kind: 'reread' | 'decision' | 'afterWait';
  /** The read after the boundary (or the call it is an argument of), or the operation the decision guards. */
  node: ts.Node;
  place: Place;
  /** The first read before the boundary, the test that decides from the shared identity, or (`afterWait`) the function. */
  before: ts.Node;
  boundary: ts.Node;
  /** Where the identity is written to the place. */
  write: ts.Node;
}

export function sharedIdentityUses(project: Project): SharedIdentityUse[] {
  const shared = project.sharedState;
  const places = new Map<string, { place: Place; write: ts.Node }>();
  // the places identity is kept in, as cert-claims-cached reads them (a record of who acted, put in a store, is data)
  for (const { write: w } of project.identityWrites.kept()) {
    if (!w.place.shared || places.has(w.place.key)) continue;
    // a write a store client is waited on for (`await this.redis.set(key, cn)`) is read back by key
    // through the store, not by naming the client: cert-claims-cached's finding, not a shared variable
    if (ts.isCallExpression(w.node) && ts.isAwaitExpression(skipParens(w.node.parent))) continue;
    places.set(w.place.key, { place: w.place, write: w.node });
  }
  if (places.size === 0) return [];
  // a text test per function: the name the place is written through (`currentUser`, `this.identity` → `identity`)
  const names = new Set<string>();
  for (const { write } of places.values()) {
    const target = ts.isBinaryExpression(write) ? write.left : skipOuter((write as ts.CallExpression).expression);
    const word = writtenName(target);
    if (word) names.add(word);
    // (and the field itself: written through what a container hands out, `shared.operatorCn = cn`, read as `this.ctx.operatorCn`)
    const t = skipOuter(target);
    if (ts.isPropertyAccessExpression(t)) names.add(t.name.text);
  }
  // getters that hand the place out (`function getCurrentOperator() { return currentOperator; }`): a call of one reads it
  const getters = new Map<ts.Node, string>();
  for (const { write, place } of [...places.values()]) {
    const visit = (n: ts.Node): void => {
      if (isFunctionLike(n) && n.body) {
        const key = returnedPlace(n, shared);
        if (key === (place as { key: string }).key) {
          getters.set(n, key);
          const name = n.name && ts.isIdentifier(n.name) ? n.name.text : ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name) ? n.parent.name.text : undefined;
          if (name) names.add(name);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(write.getSourceFile());
    // (and the class that declares the field, when another module writes it: `require() { return this.admin }`)
    const owner = placeClass((place as { key: string }).key, project.modules)?.cls;
    if (owner && owner.getSourceFile() !== write.getSourceFile()) visit(owner);
  }
  const resolve = callResolver(project.modules);
  const getterKey = (n: ts.Node): string | undefined => {
    if (getters.size === 0) return undefined;
    // `this.tenantContext.tenantId` where the class declares `get tenantId() { return this.currentTenantId }`
    if (ts.isPropertyAccessExpression(n) && !(ts.isCallExpression(n.parent) && n.parent.expression === n)) {
      const accessor = accessorOf(n, project.modules);
      return accessor ? getters.get(accessor) : undefined;
    }
    if (!ts.isCallExpression(n)) return undefined;
    const fn = resolve(n);
    return fn ? getters.get(fn) : undefined;
  };
  const out: SharedIdentityUse[] = [];
  for (const sf of project.sourceFiles()) {
    if (![...names].some((n) => sf.text.includes(n))) continue;
    for (const fn of suspendingFunctions(sf)) {
      if (![...names].some((n) => fn.getText(sf).includes(n))) continue;
      const uses = staleSharedIdentity(fn, places, shared, getterKey, true);
      // the identity written here, then a wait, then relied on (`this.outgoing = cert.subject.CN; await …; insert({ by: this.outgoing })`)
      const seen = new Set(uses.map((u) => u.node));
      const setHere = setAcrossWait(fn, places, shared, (v) => project.identity.isIdentity(v)).filter((u) => !seen.has(u.node));
      out.push(...uses, ...setHere);
    }
  }
  return out;
}

/**
 * Identity a shared object keeps per request, seen in one file without an identity model: a field
 * of a class whose one instance serves every request (a DI singleton, an instance made at module
 * level) or a module variable, written inside a function from what the function was given
 * (`actAs(operatorId) { this.operatorId = operatorId }`, middleware setting `current = user`), and
 * tested by a refusal that turns a client away (401/403) — what marks it as the client's identity.
 * Read on both sides of an `await`, or decided on before one, it may be another request's by then.
 * `assignments` are the file's assignments in source order (the walk's facts).
 */
/** The shared places a function can fill from what its request gave it: fields, module state, members of the app or global object. */
const PER_REQUEST_WRITE_KINDS: ReadonlySet<Place['kind']> = new Set(['singleton-field', 'instance-field', 'module-variable', 'module-object', 'app-locals', 'global']);

export function perRequestStateUses(sf: ts.SourceFile, shared: SharedState, assignments: Iterable<ts.Node>): SharedIdentityUse[] {
  const places = new Map<string, { place: Place; write: ts.Node }>();
  for (const n of assignments) {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && !ts.isObjectLiteralExpression(skipOuter(n.right))) {
      const fn = enclosingFunction(n);
      const given = fn && !ts.isConstructorDeclaration(fn) ? givenNames(fn) : new Set<string>();
      if (given.size > 0 && references(n.right, given)) {
        const place = shared.placeOf(n.left);
        if (
          place?.shared &&
          // (or a member of the app, the server or the global object: `fastify.actingNurse = request.nurse` in a hook)
          PER_REQUEST_WRITE_KINDS.has(place.kind) &&
          !places.has(place.key)
        )
          places.set(place.key, { place, write: n });
      }
    }
  }
  if (places.size === 0) return [];
  // (read through a `get` accessor of its class, `this.actor` with `get actor() { return this.actingUser }`: the same place)
  for (const [key, entry] of [...places]) for (const alias of accessorsOf(key, shared)) if (!places.has(alias)) places.set(alias, entry);
  // only what a refusal of the client tests is identity
  const decided = new Set<string>();
  const tests = (n: ts.Node): void => {
    if (ts.isIfStatement(n)) {
      const refusal = refusalOf(n.thenStatement) ?? (n.elseStatement ? refusalOf(n.elseStatement) : undefined);
      if (refusal?.decides && refusal.kind === 'auth') {
        // (through the locals the test reads: `const allowed = await this.portfolio.managesUnit(this.actingManagerId, unitId);
        // if (!allowed) throw new AccessDenied(…)` decides on what the field holds)
        const followed = new Set<ts.Node>();
        const scan = (m: ts.Node): void => {
          if (ts.isPropertyAccessExpression(m) || ts.isIdentifier(m)) {
            const place = shared.placeOf(m);
            if (place?.shared && places.has(place.key)) decided.add(place.key);
          }
          const local = ts.isIdentifier(m) ? localInitializer(m, shared.modulesInView) : undefined;
          if (local && !followed.has(local) && followed.size < 8) {
            followed.add(local);
            scan(local);
          }
          ts.forEachChild(m, scan);
        };
        scan(n.expression);
      }
    }
    ts.forEachChild(n, tests);
  };
  tests(sf);
  // set and used by the same call across a wait (`this.sellerId = fanId; await …; insert({ seller_id: this.sellerId })`):
  // the call's own value, which another call may have replaced meanwhile
  const setThenUsed = suspendingFunctions(sf).flatMap((fn) => setAcrossWait(fn, places, shared));
  for (const key of [...places.keys()]) if (!decided.has(key)) places.delete(key);
  // (read through a method of its own class that hands the field out, `const dispatcher = this.requireDispatcher()` with
  // `requireDispatcher() { if (!this.acting) throw …; return this.acting }`: a read of the field)
  const ownGetter = (n: ts.Node): string | undefined => {
    if (!ts.isCallExpression(n)) return undefined;
    const callee = skipOuter(n.expression);
    if (!ts.isPropertyAccessExpression(callee) || skipOuter(callee.expression).kind !== ts.SyntaxKind.ThisKeyword) return undefined;
    let cls: ts.Node | undefined = n.parent;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    const method =
      cls && ts.isClassLike(cls)
        ? cls.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.body !== undefined && propertyNameText(m.name) === callee.name.text)
        : undefined;
    return method ? returnedPlace(method, shared) : undefined;
  };
  const decidedUses = places.size === 0 ? [] : suspendingFunctions(sf).flatMap((fn) => staleSharedIdentity(fn, places, shared, ownGetter));
  const seenNodes = new Set(decidedUses.map((u) => u.node));
  return [...decidedUses, ...setThenUsed.filter((u) => !seenNodes.has(u.node))];
}

/** The places of the `get` accessors of a field's class that hand that field out (`get actor() { return this.actingUser }`). */
function accessorsOf(key: string, shared: SharedState): string[] {
  if (!key.startsWith('field:')) return [];
  const found = placeClass(key, shared.modulesInView);
  if (!found) return [];
  const prefix = key.slice(0, key.lastIndexOf(':') + 1);
  return found.cls.members.flatMap((m) => {
    const name = ts.isGetAccessorDeclaration(m) ? propertyNameText(m.name) : undefined;
    return name !== undefined && accessorPlace(found.cls, name, shared) === key ? [prefix + name] : [];
  });
}

/** The initializer of the `const`/`let` a name refers to, declared in the same function. */
function localInitializer(name: ts.Identifier, modules: Modules): ts.Expression | undefined {
  const decl = modules.declarationOf(name.text, name);
  if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer) return undefined;
  return enclosingFunction(decl) === enclosingFunction(name) ? decl.initializer : undefined;
}

/** The place a `get` accessor of a class hands out, by the accessor's name (`get actor() { return this.actingUser }` → `actingUser`'s). */
function accessorPlace(cls: ts.ClassLikeDeclaration, name: string, shared: SharedState): string | undefined {
  const accessor = cls.members.find((m): m is ts.GetAccessorDeclaration => ts.isGetAccessorDeclaration(m) && propertyNameText(m.name) === name);
  return accessor?.body ? returnedPlace(accessor, shared) : undefined;
}

/**
 * Per-request state another module keeps, seen from the file that relies on it: a module variable
 * that module writes from what its function was given (`setCurrentTenant(t) { current = t }`, called by
 * middleware), read here through the module's getter (`currentTenant()`) or by name, and tested here by
 * a refusal that turns a client away (`const tenant = currentTenant(); if (!tenant) ctx.throw(401)`),
 * which marks it as the client's identity. Read on both sides of an `await`, or decided on before one,
 * it may be another request's by then. Places of `sf` itself are `perRequestStateUses`' to find.
 */
export function perRequestStateAcrossImports(sf: ts.SourceFile, modules: Modules): SharedIdentityUse[] {
  const fns = suspendingFunctions(sf);
  if (fns.length === 0) return [];
  const shared = new SharedState(modules);
  const resolve = callResolver(modules);
  const kept = new Map<string, { place: Place; write: ts.Node } | null>();
  const getters = new Map<ts.Node, string>();
  /** A place of another module that a function there writes from its own parameters. */
  const perRequest = (place: Place | undefined, home: ts.SourceFile): string | undefined => {
    if (!place?.shared || !PER_REQUEST_KINDS.has(place.kind) || home === sf) return undefined;
    if (!kept.has(place.key)) kept.set(place.key, writtenPerRequest(place.key, home, shared) ?? writtenBehindAccessor(place, home) ?? null);
    return kept.get(place.key) ? place.key : undefined;
  };
  // (a `get` accessor of the class stands for the field it returns: `get currentCarrier() { return this.carrierId }`)
  const writtenBehindAccessor = (place: Place & { key: string }, home: ts.SourceFile): { place: Place; write: ts.Node } | undefined => {
    const found = placeClass(place.key, modules);
    const backing = found ? accessorPlace(found.cls, found.field, shared) : undefined;
    const write = backing ? writtenPerRequest(backing, home, shared) : undefined;
    return write ? { place, write: write.write } : undefined;
  };
  /** A member of the app object (`app:activeCourier`) that a function of another file of the app writes from what it is given. */
  const writtenByOtherPlugin = (place: Place & { key: string }): boolean => {
    if (!kept.has(place.key)) {
      const member = place.key
        .slice(place.key.indexOf(':') + 1)
        .split('|')[0]
        .split('.')[0];
      const assigns = new RegExp(String.raw`\.${member.replace(/[$]/g, '\\$')}\s*=[^=]`);
      let found: { place: Place; write: ts.Node } | null = null;
      for (const file of modules.importersWith(`app-member:${member}`, (text) => assigns.test(text)).keys()) {
        if (file === sf.fileName || !sameApp(file, sf.fileName)) continue;
        const home = modules.sourceFile(file);
        const write = home ? writtenPerRequest(place.key, home, shared) : undefined;
        if (write) {
          found = write;
          break;
        }
      }
      kept.set(place.key, found);
    }
    return (kept.get(place.key) ?? null) !== null;
  };
  const read = (n: ts.Node): string | undefined => {
    if (ts.isCallExpression(n)) {
      const fn = resolve(n);
      if (!fn?.body || fn.getSourceFile() === sf) return undefined;
      // (or a predicate of it: `hasReviewer()` returning `activeReviewer !== null`)
      const place = returnedSharedPlace(fn, shared) ?? testedSharedPlace(fn, shared);
      const key = perRequest(place, fn.getSourceFile());
      if (key) getters.set(fn, key);
      return key;
    }
    if (ts.isIdentifier(n) && isRead(n)) {
      const decl = modules.declarationOf(n.text, n);
      return decl ? perRequest(shared.placeOf(n), decl.getSourceFile()) : undefined;
    }
    // a field of a singleton another module declares, read here (also through its `get` accessor:
    // `this.scanContext.currentCarrier` with `get currentCarrier() { return this.carrierId }`), that a method of its
    // class sets from what it is given (`bind(carrierId, depot) { this.carrierId = carrierId }`, called per request)
    if (ts.isPropertyAccessExpression(n) && isRead(n)) {
      const place = shared.placeOf(n);
      // a member of the app or server object another plugin of the app sets per request (`app.activeCourier =
      // request.courier` in a preHandler hook of `plugins/courierContext.ts`), read here as `app.activeCourier`
      if (place?.shared && place.kind === 'app-locals') return writtenByOtherPlugin(place) ? place.key : undefined;
      const file = place?.shared && FIELD_KINDS.has(place.kind) ? placeFile(place.key) : undefined;
      const home = file ? modules.sourceFile(file) : undefined;
      return home ? perRequest(place, home) : undefined;
    }
    return undefined;
  };
  // what a refusal of the client tests, directly or through a local copy (`const tenant = currentTenant()`)
  const decided = new Set<string>();
  // (`hidden`: a 404 decides on the identity only through a lookup it scopes — `const chart = await
  // SeatingChart.findOne({ _id, planners: planner.id })` with `planner = editorSession.current`, then `if (!chart)` —
  // not on a test of the place itself)
  const tested = (e: ts.Node, depth = 0, hidden = false): void => {
    const k = read(e);
    if (k && (!hidden || depth > 0)) decided.add(k);
    else if (ts.isIdentifier(e) && depth < 3) {
      const decl = modules.declarationOf(e.text, e);
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.getSourceFile() === sf) {
        let init = skipOuter(decl.initializer);
        if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
        const c = read(init);
        if (c && !hidden) decided.add(c);
        // (a lookup the local was read with: what scoped it, along its chain — `findOne({ … }).lean()`)
        else if (ts.isCallExpression(init))
          for (
            let c: ts.Expression = init;
            ts.isCallExpression(c);
            c = skipOuter(ts.isPropertyAccessExpression(skipOuter(c.expression)) ? (skipOuter(c.expression) as ts.PropertyAccessExpression).expression : c.expression)
          )
            c.arguments.forEach((a) => tested(a, depth + 1, hidden));
        else if (hidden && ts.isIdentifier(init)) tested(init, depth + 1, hidden);
        else if (c) decided.add(c);
      }
    }
    ts.forEachChild(e, (c) => tested(c, depth, hidden));
  };
  // (an error class of the app that carries its status: `throw new SeatingError(404, …)`)
  const errorStatus = errorStatusOf(modules);
  const visitTests = (n: ts.Node): void => {
    if (ts.isIfStatement(n)) {
      const refusal = refusalOf(n.thenStatement, errorStatus) ?? (n.elseStatement ? refusalOf(n.elseStatement, errorStatus) : undefined);
      if (refusal?.decides && refusal.kind === 'auth') tested(n.expression);
      else if (refusal?.decides && refusal.kind === 'hiding') tested(n.expression, 0, true);
    }
    ts.forEachChild(n, visitTests);
  };
  fns.forEach(visitTests);
  // a field of a shared object another module declares (a singleton provider, a module's instance) that
  // the app's authenticating middleware writes per request — after a 401/403 of its own, from what the
  // request gave it (`container.resolve(CurrentCustomer).customerId = session.customerId`) — is identity
  for (const [key, place] of sharedFieldReads(fns, shared, resolve, sf, getters, modules)) {
    if (decided.has(key)) continue;
    const holder = placeFile(key);
    if (!holder) continue;
    for (const file of modules.importersOf(holder)) {
      if (file === sf.fileName || !sameApp(file, sf.fileName)) continue;
      const src = modules.sourceFile(file);
      const write = src && writtenByAuthentication(key, src, shared);
      if (!write) continue;
      kept.set(key, { place, write });
      decided.add(key);
      break;
    }
  }
  if (decided.size === 0) return [];
  const places = new Map<string, { place: Place; write: ts.Node }>();
  for (const k of decided) places.set(k, kept.get(k)!);
  const getterKey = (n: ts.Node): string | undefined => {
    if (!ts.isCallExpression(n)) return undefined;
    const fn = resolve(n);
    // (a getter no refusal here tested, `reviewer()` beside the tested `hasReviewer()`, reads the place as well)
    const k = fn ? (getters.get(fn) ?? read(n)) : undefined;
    return k && places.has(k) ? k : undefined;
  };
  return fns.flatMap((fn) => staleSharedIdentity(fn, places, shared, getterKey));
}

/** The field a place's key names, its last member: `field:…:ActorContext:staff` → `staff`. */
function fieldOfKey(key: string): string {
  return key.slice(key.lastIndexOf(':') + 1).replace(/^.*\./, '');
}

const FIELD_KINDS = new Set(['singleton-field', 'instance-field', 'module-object']);
/** Places another module keeps that a function there can set per request. */
const PER_REQUEST_KINDS = new Set(['module-variable', 'module-object', 'singleton-field', 'instance-field']);

/**
 * The fields of shared objects declared in other modules that a suspending function reads more than
 * once (`this.current.customerId`, or through a method that hands the field out, `agentContext.require()`,
 * or one that a test asks about it, `if (!this.requestContext.hasRole('treasurer'))` with `hasRole(role) {
 * return !!this.staff && this.staff.roles.includes(role) }`).
 */
function sharedFieldReads(
  fns: readonly ts.FunctionLikeDeclaration[],
  shared: SharedState,
  resolve: ReturnType<typeof callResolver>,
  sf: ts.SourceFile,
  getters: Map<ts.Node, string>,
  modules: Modules,
): Map<string, Place> {
  const out = new Map<string, Place>();
  const keep = (place: Place | undefined): string | undefined => {
    if (!place?.shared || !FIELD_KINDS.has(place.kind) || placeFile(place.key) === sf.fileName || !setFromOutside(place.key, modules)) return undefined;
    out.set(place.key, place);
    return place.key;
  };
  for (const fn of fns) {
    // (only names read on both sides of a wait of the function: one read before an `await`, one after it)
    const seen = new Map<string, { first: number; last: number }>();
    const waits: number[] = [];
    const note = (name: string, at: number): void => {
      const known = seen.get(name);
      if (known) known.last = at;
      else seen.set(name, { first: at, last: at });
    };
    // a predicate of another module's class asked in a test reads the field it answers about
    const asked = new Map<ts.CallExpression, { target: ts.FunctionLikeDeclaration; place: Place & { key: string } }>();
    const predicates = (cond: ts.Node): void => {
      if (isFunctionLike(cond)) return;
      if (ts.isCallExpression(cond) && ts.isPropertyAccessExpression(skipOuter(cond.expression))) {
        const target = resolve(cond);
        const place = target?.body && target.getSourceFile() !== sf ? testedSharedPlace(target, shared) : undefined;
        if (target && place && 'key' in place) {
          asked.set(cond, { target, place });
          note(fieldOfKey(place.key), cond.pos);
        }
      }
      ts.forEachChild(cond, predicates);
    };
    const scan = (n: ts.Node): void => {
      if (n !== fn && isFunctionLike(n) && !isCallbackArgument(n)) return;
      if (ts.isAwaitExpression(n)) waits.push(n.pos);
      if (ts.isPropertyAccessExpression(n)) note(n.name.text, n.pos);
      if (ts.isIfStatement(n)) predicates(n.expression);
      ts.forEachChild(n, scan);
    };
    scan(fn);
    const counts = new Map<string, number>();
    for (const [name, at] of seen) if (waits.some((w) => w > at.first && w < at.last)) counts.set(name, 2);
    if (counts.size === 0) continue;
    const visit = (n: ts.Node): void => {
      if (n !== fn && isFunctionLike(n) && !isCallbackArgument(n)) return;
      if (
        ts.isPropertyAccessExpression(n) &&
        (counts.get(n.name.text) ?? 0) >= 2 &&
        isRead(n) &&
        // (the outermost read that names the place and is itself read on both sides: `this.shift.supervisor` of
        // `this.shift.supervisor?.roles` before the wait and `this.shift.supervisor.employeeId` after it)
        !(n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n && (counts.get(n.parent.name.text) ?? 0) >= 2 && shared.placeOf(n.parent)?.shared)
      ) {
        keep(shared.placeOf(n));
      } else if (
        ts.isCallExpression(n) &&
        n.arguments.length === 0 &&
        ts.isPropertyAccessExpression(skipOuter(n.expression)) &&
        (counts.get((skipOuter(n.expression) as ts.PropertyAccessExpression).name.text) ?? 0) >= 2
      ) {
        const target = resolve(n);
        const key = target?.body && target.getSourceFile() !== sf ? keep(returnedSharedPlace(target, shared)) : undefined;
        if (key && target) getters.set(target, key);
      }
      const predicate = ts.isCallExpression(n) ? asked.get(n) : undefined;
      if (predicate && (counts.get(fieldOfKey(predicate.place.key)) ?? 0) >= 2) {
        const key = keep(predicate.place);
        if (key) getters.set(predicate.target, key);
      }
      ts.forEachChild(n, visit);
    };
    visit(fn);
  }
  return out;
}

/**
 * A field its own class never sets (`customerId: string | null = null`, no `this.customerId = …` in it):
 * a holder others fill in, which is what middleware keeping a request's identity looks like (a client
 * the class makes for itself, `this.http = axios.create(…)`, is not).
 */
function setFromOutside(key: string, modules: Modules): boolean {
  const found = placeClass(key, modules);
  if (!found) return false;
  const { cls, field } = found;
  let own = false;
  const visit = (n: ts.Node): void => {
    if (own) return;
    if (
      ts.isBinaryExpression(n) &&
      n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
      ts.isPropertyAccessExpression(n.left) &&
      n.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
      n.left.name.text === field
    )
      own = true;
    else ts.forEachChild(n, visit);
  };
  visit(cls);
  return !own;
}

/**
 * A write of the place by a function that authenticates the request first — it refuses with 401/403
 * itself — from what the request gave it (its parameters and the locals made from them), or by any
 * function from the identity authentication bound to the request (`req.user`).
 */
function writtenByAuthentication(key: string, src: ts.SourceFile, shared: SharedState): ts.Node | undefined {
  const field = fieldOfKey(key);
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && n.left.name.text === field) {
      const fn = enclosingFunction(n);
      const place = fn && !ts.isConstructorDeclaration(fn) ? shared.placeOf(n.left) : undefined;
      // (or from the identity an authentication step bound to the request: `this.ctx.current = req.user`, Passport's field, in an
      // interceptor that runs after the guard)
      if (fn && place?.shared && place.key === key && ((references(n.right, givenNames(fn)) && refusesClient(fn)) || boundIdentity(n.right))) found = n;
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

/** The identity authentication bound to the request, read off it: `req.user`, `request.user` (Passport's field). */
function boundIdentity(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return ts.isPropertyAccessExpression(x) && x.name.text === PASSPORT_NEST.userField && isRequestLike(skipOuter(x.expression));
}

/** A 401/403 refusal in the function's own body. */
function refusesClient(fn: ts.FunctionLikeDeclaration): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn && isFunctionLike(n))) return;
    if (ts.isIfStatement(n)) {
      const refusal = refusalOf(n.thenStatement) ?? (n.elseStatement ? refusalOf(n.elseStatement) : undefined);
      if (refusal?.decides && refusal.kind === 'auth') found = true;
    }
    // (or a `catch` that turns the client away when the credentials fail to verify: `try { jwt.verify(…) } catch { ctx.throw(401) }`)
    if (ts.isCatchClause(n)) {
      const refusal = refusalOf(n.block);
      if (refusal?.decides && refusal.kind === 'auth') found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

/** Two files of one app: under the same nearest `package.json` (or, with none, the same folder two levels up). */
function sameApp(a: string, b: string): boolean {
  const root = (file: string): string => {
    for (let d = path.dirname(file), i = 0; i < 12; d = path.dirname(d), i++) {
      if (packageRoots.get(d) ?? remember(d)) return d;
      if (path.dirname(d) === d) break;
    }
    return path.dirname(path.dirname(file));
  };
  return root(a) === root(b);
}
const packageRoots = new Map<string, boolean>();
function remember(dir: string): boolean {
  const has = fs.existsSync(path.join(dir, 'package.json'));
  if (packageRoots.size > 10000) packageRoots.clear();
  packageRoots.set(dir, has);
  return has;
}

/** The write of a module's place from the parameters of the function that makes it (`current = tenant` in `setCurrentTenant(tenant)`). */
function writtenPerRequest(key: string, home: ts.SourceFile, shared: SharedState): { place: Place; write: ts.Node } | undefined {
  let found: { place: Place; write: ts.Node } | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const fn = enclosingFunction(n);
      // (its parameters, or a local made from them: `const operator = req.session.operator; activeOperator = operator`)
      const given = fn && !ts.isConstructorDeclaration(fn) ? givenNames(fn) : new Set<string>();
      if (given.size > 0 && references(n.right, given)) {
        const place = shared.placeOf(n.left);
        if (place?.shared && place.key === key) found = { place, write: n };
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(home);
  return found;
}

/** Whether `e` reads the shared place `key` (`this.actingMember.playerId`). */
function readsPlaceIn(e: ts.Node, key: string, shared: SharedState): boolean {
  let reads = false;
  const look = (m: ts.Node): void => {
    if (reads) return;
    const place = ts.isPropertyAccessExpression(m) || ts.isIdentifier(m) ? shared.placeOf(m) : undefined;
    if (place?.shared && place.key === key) reads = true;
    else ts.forEachChild(m, look);
  };
  look(e);
  return reads;
}

/**
 * What a function was given: its parameters, and the locals it makes from them (`const m = await
 * this.member(guildId, playerId)`), in order — the call's own values, another call's in another request.
 */
function givenNames(fn: ts.FunctionLikeDeclaration): Set<string> {
  const given = new Set(fn.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
  if (given.size === 0 || !fn.body) return given;
  const visit = (n: ts.Node): void => {
    if (n !== fn.body && isFunctionLike(n)) return;
    // (destructured too: `const { payload } = await jwtVerify(token, jwks)`)
    if (ts.isVariableDeclaration(n) && n.initializer && references(n.initializer, given)) collectNames(n.name, given);
    // (and a local declared bare, given its value later: `let user; try { user = { id: claims.sub } } catch …`)
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && references(n.right, given)) given.add(n.left.text);
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return given;
}

/** The shared place a function returns on every path (see `returnedPlace`), with its description. */
function returnedSharedPlace(fn: ts.FunctionLikeDeclaration, shared: SharedState): Place | undefined {
  const key = returnedPlace(fn, shared);
  if (key === undefined) return undefined;
  let place: Place | undefined;
  const visit = (n: ts.Node): void => {
    if (place || (n !== fn && isFunctionLike(n))) return;
    if (ts.isReturnStatement(n) && n.expression) {
      const p = shared.placeOf(skipOuter(n.expression));
      if (p?.shared && p.key === key) place = p;
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body && !ts.isBlock(fn.body)) {
    const p = shared.placeOf(skipOuter(fn.body));
    return p?.shared && p.key === key ? p : undefined;
  }
  visit(fn);
  return place;
}

/**
 * The shared place a predicate function tests and answers about, when that is all it returns:
 * `hasReviewer() { return activeReviewer !== null }`, `() => !!current`.
 */
function testedSharedPlace(fn: ts.FunctionLikeDeclaration, shared: SharedState): Place | undefined {
  const returned = returnedExpressions(fn);
  if (returned.length !== 1) return undefined;
  // (`activeReviewer !== null`, `!!current`, `this.actor?.roles.includes(role) ?? false`: one place read, answered about)
  const found = new Map<string, Place>();
  const look = (n: ts.Node): void => {
    if (isFunctionLike(n)) return;
    if (ts.isIdentifier(n) || ts.isPropertyAccessExpression(n)) {
      const p = shared.placeOf(n);
      if (p?.shared && 'key' in p) {
        found.set(p.key, p);
        return;
      }
    }
    ts.forEachChild(n, look);
  };
  look(returned[0]);
  return found.size === 1 ? [...found.values()][0] : undefined;
}

/**
 * A shared place a function writes from its own parameter, then waits, then uses in an operation:
 * what it reads back may be another call's value. Reported at the operation.
 */
function setAcrossWait(
  fn: ts.FunctionLikeDeclaration,
  places: Map<string, { place: Place; write: ts.Node }>,
  shared: SharedState,
  /** The value written is the caller's (by default: it references a parameter of the function). */
  fromCaller?: (value: ts.Expression) => boolean,
): SharedIdentityUse[] {
  if (!fn.body || !ts.isBlock(fn.body)) return [];
  const given = givenNames(fn);
  const counts = fromCaller ?? ((v: ts.Expression) => given.size > 0 && references(v, given));
  const out: SharedIdentityUse[] = [];
  const statements = fn.body.statements;
  statements.forEach((st, i) => {
    if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression) || st.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
    const write = st.expression;
    const place = shared.placeOf(write.left);
    if (!place?.shared || !places.has(place.key) || !counts(write.right)) return;
    // the first wait after the write, then an operation that reads the place
    let boundary: ts.Node | undefined;
    for (const later of statements.slice(i + 1)) {
      const visit = (n: ts.Node): void => {
        if (out.length > 0 && out.at(-1)!.write === write) return;
        if (isFunctionLike(n)) return;
        // relied on after the wait: in an operation, or in any call that takes it (`findOneBy({ certCn: this.activeJurorCn })`),
        // or kept in a local for later use (`const depositor = this.actingMember.playerId`)
        if (boundary && !within(n, boundary) && ts.isVariableDeclaration(n) && n.initializer && readsPlaceIn(n.initializer, place.key, shared)) {
          out.push({ kind: 'reread', node: n, place, before: write, boundary, write });
          return;
        }
        if (boundary && !within(n, boundary) && ts.isCallExpression(n)) {
          if (n.arguments.some((a) => readsPlaceIn(a, place.key, shared))) {
            out.push({ kind: 'reread', node: n, place, before: write, boundary, write });
            return;
          }
        }
        if (!boundary && ts.isAwaitExpression(n)) boundary = n;
        ts.forEachChild(n, visit);
      };
      visit(later);
    }
  });
  return out;
}

/** The shared place a function returns on every path, read as it is (`return currentOperator`). */
/**
 * The `get` accessor a property read runs: `this.tenantContext.tenantId` on a field typed with a class of
 * the project that declares `get tenantId()`, or `this.tenantId` inside that class.
 */
function accessorOf(read: ts.PropertyAccessExpression, modules: Modules): ts.GetAccessorDeclaration | undefined {
  const owner = skipOuter(read.expression);
  let cls: ts.ClassLikeDeclaration | undefined;
  if (owner.kind === ts.SyntaxKind.ThisKeyword) cls = ts.findAncestor(read, ts.isClassLike);
  else if (ts.isPropertyAccessExpression(owner) && owner.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const type = declaredType(owner);
    const value = type ? modules.typeValueOf(type.typeName) : undefined;
    cls = value && ts.isClassLike(value) ? value : undefined;
  }
  return cls?.members.find((m): m is ts.GetAccessorDeclaration => ts.isGetAccessorDeclaration(m) && propertyNameText(m.name) === read.name.text);
}

function returnedPlace(fn: ts.FunctionLikeDeclaration, shared: SharedState): string | undefined {
  const body = fn.body!;
  const returned: ts.Expression[] = [];
  if (!ts.isBlock(body)) returned.push(body);
  else {
    let other = false;
    const visit = (n: ts.Node): void => {
      if (isFunctionLike(n)) return;
      if (ts.isReturnStatement(n)) {
        if (n.expression) returned.push(n.expression);
        else other = true;
      }
      ts.forEachChild(n, visit);
    };
    body.statements.forEach(visit);
    if (other) return undefined;
  }
  if (returned.length === 0) return undefined;
  const keys = returned.map((e) => {
    const x = skipOuter(e);
    if (!isChain(x) || ts.isAwaitExpression(x)) return undefined;
    const place = shared.placeOf(x);
    return place?.shared ? place.key : undefined;
  });
  return keys.every((k) => k !== undefined && k === keys[0]) ? keys[0] : undefined;
}

function writtenName(target: ts.Expression): string | undefined {
  let e = skipOuter(target);
  const parts: string[] = [];
  for (;;) {
    if (ts.isPropertyAccessExpression(e)) {
      parts.unshift(e.name.text);
      e = skipOuter(e.expression);
    } else if (ts.isCallExpression(e) && parts.some((p) => p !== 'set' && p !== 'add' && p !== 'push')) {
      // a field of what a call hands out (`container.resolve(CounterSession).pharmacist = …`): read by the field's name
      // (`this.session.pharmacist`), not by the container's
      return parts.find((p) => p !== 'set' && p !== 'add' && p !== 'push');
    } else if (ts.isElementAccessExpression(e) || ts.isCallExpression(e)) e = skipOuter(e.expression);
    else break;
  }
  if (ts.isIdentifier(e)) parts.unshift(e.text);
  return parts.find((p) => p !== 'this' && p !== 'set' && p !== 'add' && p !== 'push');
}

function suspendingFunctions(sf: ts.SourceFile): ts.FunctionLikeDeclaration[] {
  const out: ts.FunctionLikeDeclaration[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n) && canSuspend(n) && !isCallbackArgumentDeferredInside(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** An async callback passed to a call inside another async function is walked with its caller. */
function isCallbackArgumentDeferredInside(fn: ts.Node): boolean {
  if (!isCallbackArgument(fn)) return false;
  for (let n = fn.parent; n; n = n.parent) if (isFunctionLike(n)) return canSuspend(n);
  return false;
}

function staleSharedIdentity(
  fn: ts.FunctionLikeDeclaration,
  places: Map<string, { place: Place; write: ts.Node }>,
  shared: SharedState,
  getterKey: (n: ts.Node) => string | undefined,
  /** The places hold what was set before the function began (a request's identity, set by its middleware). */
  setBeforeEntry = false,
): SharedIdentityUse[] {
  const reports: SharedIdentityUse[] = [];
  const reported = new Set<ts.Node>();
  const readCache = new Map<ts.Node, string | undefined>();
  // the fields of one shared object that hold identity are one identity: `this.ctx.operatorOrg` read before
  // the wait and `this.ctx.operatorCn` after it may be two requests' (the one set by the last request's writes)
  const groups = new Map<string, { place: Place; write: ts.Node }>();
  for (const [k, v] of places) if (!groups.has(ownerKey(k))) groups.set(ownerKey(k), v);
  /** The shared identity place an expression reads (the outermost chain that names it). */
  const placeRead = (node: ts.Node): string | undefined => {
    if (readCache.has(node)) return readCache.get(node);
    const got = getterKey(node);
    let key: string | undefined = got === undefined ? undefined : ownerKey(got);
    if (!key && (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && isRead(node)) {
      const parent = node.parent;
      const extends_ = parent && (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node;
      if (!(ts.isIdentifier(node) && parent && ts.isPropertyAccessExpression(parent) && parent.name === node)) {
        const place = shared.placeOf(node);
        if (place?.shared && places.has(place.key)) {
          // `cache.get(k)`, `currentUser.role`: the innermost node that names the place
          key = ownerKey(place.key);
          if (extends_ && parent && shared.placeOf(parent)?.shared && (shared.placeOf(parent) as { key: string }).key === place.key) key = undefined;
        }
      }
    }
    readCache.set(node, key);
    return key;
  };
  // (a local copy, `const user = currentUser`, is this call's snapshot: reading it later, or deciding on it, is
  // not a read of the shared place — only a read of the place itself is)
  const tests: { node: ts.Node; key: string }[] = [];
  const visitTests = (n: ts.Node): void => {
    if (ts.isIfStatement(n)) {
      const k = readsPlace(n.expression);
      if (k) tests.push({ node: n, key: k });
    }
    if (n !== fn && isFunctionLike(n) && !isCallbackArgument(n)) return;
    ts.forEachChild(n, visitTests);
  };
  const readsPlace = (e: ts.Node): string | undefined => {
    let found: string | undefined;
    const v = (m: ts.Node): void => {
      if (found) return;
      found = placeRead(m);
      if (!found) ts.forEachChild(m, v);
    };
    v(e);
    return found;
  };
  visitTests(fn);
  walkInOrder<string>(fn, {
    entryReads: (f) => (setBeforeEntry && f === fn ? [...groups.keys()] : undefined),
    reads(node) {
      const k = placeRead(node);
      if (k) return [k];
      // the function sets the place itself (`current = cn`): what it reads next is its own value
      if (setBeforeEntry && ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const place = shared.placeOf(node.left);
        if (place?.shared && places.has(place.key)) return [ownerKey(place.key)];
      }
      return undefined;
    },
    visit(node, state) {
      const k = placeRead(node);
      if (k) {
        const o = state.outdated(k);
        // (set before the function began: the wait must be on the way into the read, not in a callback
        // merely registered before it — `fastify.get('/a', async () => { await … })`, then `fastify.get('/b', …)`)
        if (o && !(o.read === fn && !waitsBefore(o.boundary, node))) {
          const at = operationAround(node, fn);
          if (reported.has(at)) return;
          reported.add(at);
          // (named by the field read here, `operatorCn`, though the first read was another of the object's, `operatorOrg`)
          const own = ts.isExpression(node) ? shared.placeOf(node) : undefined;
          const entry = (own?.shared && places.get(own.key)) || groups.get(k)!;
          reports.push({ kind: o.read === fn ? 'afterWait' : 'reread', node: at, place: entry.place, before: o.read, boundary: o.boundary, write: entry.write });
        }
        return;
      }
      if (!ts.isCallExpression(node) || reported.has(node) || !operationOf(node)) return;
      for (const t of tests) {
        const o = state.outdated(t.key);
        if (!o || t.node.pos > o.boundary.pos || !testGuards(t.node, node)) continue;
        reported.add(node);
        reports.push({ kind: 'decision', node, place: groups.get(t.key)!.place, before: t.node, boundary: o.boundary, write: groups.get(t.key)!.write });
        return;
      }
    },
  });
  return reports;
}

/** A boundary in the function the read is in, or in one around it: the read runs after it. */
function waitsBefore(boundary: ts.Node, read: ts.Node): boolean {
  const around = enclosingFunction(boundary);
  for (let n: ts.Node | undefined = read; n; n = n.parent) if (n === around) return true;
  return false;
}

/**
 * The call a read is an argument of (`db.delete(currentUser.id)`), the outermost of its statement
 * when calls nest (`notes.save(notes.create({ author: this.reviewer.cn }))`: the save relies on it), or
 * the read's statement.
 */
function operationAround(node: ts.Node, fn: ts.Node): ts.Node {
  let call: ts.CallExpression | undefined;
  for (let n = node.parent; n && n !== fn; n = n.parent) {
    // (not past a callback that holds the call: `ids.map((id) => db.delete({ id, by: this.reviewer.cn }))`)
    if (isFunctionLike(n) && call) break;
    if (ts.isCallExpression(n) && n.arguments.some((a) => within(node, a))) call = n;
    if (n.kind >= ts.SyntaxKind.FirstStatement && n.kind <= ts.SyntaxKind.LastStatement) return call ?? n;
  }
  return call ?? node;
}

/** Not the target of an assignment, nor the name a declaration binds. */
function isRead(node: ts.Node): boolean {
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isPropertyAssignment(p)) && p.name === node) return false;
  return !(p && ts.isBinaryExpression(p) && p.left === node && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment);
}

/** `x`, `x.y`, `this.x.y`, `x[k]`, `await x.get(k)`: a value read as it is. */
function isChain(expr: ts.Expression): boolean {
  let e = skipOuter(expr);
  if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || (ts.isCallExpression(e) && /^(get|getStore)$/.test(calleeChain(e.expression)?.at(-1) ?? ''))) {
    e = skipOuter(e.expression);
    if (ts.isPropertyAccessExpression(e) && ts.isCallExpression(e.parent) && e.parent.expression === e) e = skipOuter(e.expression);
  }
  return ts.isIdentifier(e) || e.kind === ts.SyntaxKind.ThisKeyword;
}

function skipParens(n: ts.Node): ts.Node {
  while (ts.isParenthesizedExpression(n)) n = n.parent;
  return n;
}

/**
 * The shared object a place is a field of (`field:<file>:<class>:operatorCn` → `field:<file>:<class>`,
 * `module:<file>:<decl>.user` → `module:<file>:<decl>`); other places are their own.
 */
function ownerKey(key: string): string {
  if (key.startsWith('field:')) return key.slice(0, key.lastIndexOf(':'));
  if (key.startsWith('module:')) {
    const dot = key.indexOf('.', key.lastIndexOf(':'));
    return dot >= 0 ? key.slice(0, dot) : key;
  }
  return key;
}
