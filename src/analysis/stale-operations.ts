import { ts } from '../ts';
import {
  AFTER_RESPONSE_CALLEES,
  DEFERRED_WORK_TEXT,
  DECORATED_EVENT_MODULES,
  DEFERRING_CALLEES,
  EMIT_METHOD,
  isListenerRegistration,
  isPromiseStep,
  isQueueCall,
  PROMISE_GATHERERS,
} from './vocabulary/deferral';
import { defersCallback, documentOfImportedModel, staleAcrossQueue, staleAfterGuard, staleOperations, type StaleOperation } from './await-order';
import { guardLetsThrough } from './handlers';
import { jobQueues, processorsFor } from './job-queues';
import { callResolver, Decisions, isCallbackArgument, leavesAsRefusal, refusalMappings, type Check } from './decisions';
import type { FileFacts } from './facts/types';
import { declaredType, isFunctionLike, Modules, propertyNameText, returnedExpressions } from './modules';
import { chainNames, operationOf, performedOperation, registersHandler, type CallResolver, type Operation } from './operations';
import type { Project } from './project';
import { perRequestStateAcrossImports, perRequestStateUses, sharedIdentityUses, type SharedIdentityUse } from './shared-identity';
import { registrars, SharedState } from './shared-state';
import { receiverDeclaration } from './request-values';
import { mayHoldOperation } from './vocabulary/operations';
import { isEarlyHook, isNestGuardMethod, isRouteMethod, NEST_GUARD_DECORATORS, ROUTE_METHODS } from './vocabulary/frameworks';
import { skipOuter, topLevelBindings } from './facts/walk';
import { mayRefuseIn, REFUSAL_TEXT, STATUS_PROPERTIES } from './vocabulary/refusals';
import { TRPC_MIDDLEWARE, TRPC_RESOLVERS } from './vocabulary/api-layers';
import { APP_OBJECTS, GLOBAL_OBJECTS } from './vocabulary/containers';

const SUSPEND_TEXT = /\bawait\b|\.then\s*\(|\byield\b/;

/**
 * A decision, a boundary and an operation can all be in this text, or a field set from a value a
 * method was given and relied on after a wait (`this.actor = operatorCn; await …; insert({ by:
 * this.actor })`): derived from the tables (a prefilter).
 */
export const mayHoldWindow = (text: string): boolean => suspends(text) && (refuses(text) || FIELD_SET_TEXT.test(text)) && operates(text);

/**
 * Identity a shared object of this text may keep per request and read back after a wait (`this.actingManagerId =
 * managerId` in a singleton's setter, read after `await this.locks.generateCode(…)`): the read itself is the finding,
 * whatever module does the work, so no operation need be in the text (a prefilter).
 */
export const mayKeepRequestState = (text: string): boolean => suspends(text) && SHARED_WRITE_TEXT.test(text) && (refuses(text) || FIELD_SET_TEXT.test(text));

/**
 * The text tests both prefilters ask of a file (its description asks one, its first-phase walk the
 * other), answered once per text: each is a scan of the whole file with many alternatives. Bounded:
 * a long-lived process (an editor) forgets the answers past a few thousand files.
 */
const textAnswers = new Map<string, number>();
const TEXT_CACHE_LIMIT = 5000;
function askOnce(bit: number, test: (text: string) => boolean): (text: string) => boolean {
  return (text) => {
    const known = textAnswers.get(text) ?? 0;
    if (known & (bit << 1)) return (known & bit) !== 0;
    if (textAnswers.size >= TEXT_CACHE_LIMIT && !textAnswers.has(text)) textAnswers.clear();
    const answer = test(text);
    textAnswers.set(text, known | (bit << 1) | (answer ? bit : 0));
    return answer;
  };
}
const suspends = askOnce(1, (t) => SUSPEND_TEXT.test(t));
// (or leaves work that has no response to refuse: a job, a timer, a schedule, a listener)
const refuses = askOnce(4, (t) => REFUSAL_TEXT.test(t) || DEFERRED_WORK_TEXT.test(t));
const operates = askOnce(16, mayHoldOperation);

/** Structural, not vocabulary: a statement setting a field of `this` to a name or a name's field (`this.actor = operator.cn;`). */
const FIELD_SET_TEXT = /\bthis\.[\w$]+\s*=\s*[A-Za-z_$][\w$.]*\s*;/;

/**
 * Identity another module of the file's imports keeps per request, relied on here across a wait
 * (`perRequestStateAcrossImports`): a module variable its setter writes, read back through its getter.
 */
export function perRequestStateOfImports(facts: FileFacts, modules: Modules): SharedIdentityUse[] {
  return perRequestStateAcrossImports(facts.sourceFile, modules);
}

/** Identity a shared object of this file keeps per request (`perRequestStateUses`): the file alone shows it. */
export function perRequestStateInFile(facts: FileFacts, modules?: Modules): SharedIdentityUse[] {
  // a field assigned (`this.x = …`), a module `let`, or a static: somewhere per-request state can be kept
  // (with the modules in view, also a member of an object another module made: see `writesImportedObject`)
  if (!SHARED_WRITE_TEXT.test(facts.text) && !(modules && writesImportedObject(facts))) return [];
  // the assignments the walk recorded (`x = …`, `this.x = …`), in source order
  const assignments = [...facts.assignments.values()]
    .flat()
    .filter(ts.isBinaryExpression)
    .sort((a, b) => a.pos - b.pos);
  return perRequestStateUses(facts.sourceFile, new SharedState(modules ?? new Modules(new Map([[facts.file, facts.sourceFile]]))), assignments);
}

/** A member of a binding the file imports is assigned here: `consoleContext.operator = …` (the walk's assignment keys). */
function writesImportedObject(facts: FileFacts): boolean {
  const roots = [...facts.assignments.keys()].filter((k) => k.includes('.')).map((k) => k.slice(0, k.indexOf('.')));
  if (roots.length === 0) return false;
  const imported = new Set<string>();
  for (const st of facts.sourceFile.statements) {
    const clause = ts.isImportDeclaration(st) ? st.importClause : undefined;
    if (!clause || clause.isTypeOnly) continue;
    if (clause.name) imported.add(clause.name.text);
    if (clause.namedBindings && ts.isNamedImports(clause.namedBindings)) for (const e of clause.namedBindings.elements) if (!e.isTypeOnly) imported.add(e.name.text);
  }
  return roots.some((r) => imported.has(r));
}

/**
 * What the file's own shared objects keep per request that only its imports and importers show to be shared:
 * a class of the file that the container module registers once (awilix `asClass(DirectoryService).singleton()`,
 * inversify `.inSingletonScope()`), or an object another module makes once that this file writes per request
 * (`consoleContext.operator = await resolveConsoleSession(…)`). The uses the file alone shows are `perRequestStateInFile`'s.
 */
export function perRequestStateWithImporters(facts: FileFacts, modules: Modules): SharedIdentityUse[] {
  const registered = SHARED_WRITE_TEXT.test(facts.text) && [...registrars(modules).values()].some((imports) => imports.includes(facts.file));
  // (or a member of an object the file imports is written here: `consoleContext.operator = …`, the object another module's)
  if (!registered && !writesImportedObject(facts)) return [];
  const alone = new Set(perRequestStateInFile(facts).map((u) => u.node));
  return perRequestStateInFile(facts, modules).filter((u) => !alone.has(u.node));
}

/**
 * The stale operations one file shows alone (`await-order.ts`'s `staleOperations` over every
 * function of it that can be suspended), with a model of that file only: its own names, shared
 * state and helpers. Run per file, so a file outside any project model is judged too.
 */
export function staleOperationsInFile(facts: FileFacts): StaleOperation[] {
  const modules = new Modules(new Map([[facts.file, facts.sourceFile]]));
  const decisions = new Decisions(modules, new SharedState(modules), callResolver(modules));
  const out: StaleOperation[] = [];
  // … or throws an error class of the file that carries a refusing status (`class LeaseError extends Error { status = 409 }`)
  const ownErrors = THROW_NEW_TEXT.test(facts.text) && ERROR_STATUS_TEXT.test(facts.text);
  // (a file that holds work with no response to refuse: a job, a timer, a schedule, a listener)
  const leaves = DEFERRED_WORK_TEXT.test(facts.text);
  // a function can only decide when a refusal is written in it or in a helper of this file it calls
  // (an error class of the file that carries its status refuses too, thrown in the helper: `assertConsentCovers(…)`)
  // (answered once per function: asked for the file's named functions and again for each candidate)
  const refusing = new Map<ts.Node, boolean>();
  const refuses = (fn: ts.Node): boolean => {
    let known = refusing.get(fn);
    if (known === undefined)
      refusing.set(
        fn,
        (known =
          mayRefuseIn(facts.text.slice(fn.pos, fn.end)) ||
          // (work with no response to refuse, or a function that hands some to a schedule, a job queue or a decorated listener, refuses by leaving)
          (leaves && (DEFERRED_WORK_TEXT.test(facts.text.slice(fn.pos, fn.end)) || (isFunctionLike(fn) && leavesAsRefusal(fn)))) ||
          (ownErrors && isFunctionLike(fn) && decisions.throwsImportedRefusal(fn, false))),
      );
    return known;
  };
  // only a call named like a function of this file that refuses, or calls one that does, can reach a
  // refusal (no resolving of the rest)
  let local: Set<string> | undefined;
  const localNames = (): Set<string> => {
    if (local) return local;
    const fns = facts.functions.flatMap((n) => {
      const name = n.name ?? (ts.isVariableDeclaration(n.parent) || ts.isPropertyAssignment(n.parent) || ts.isPropertyDeclaration(n.parent) ? n.parent.name : undefined);
      const text = name && propertyNameText(name as ts.PropertyName);
      return text ? [{ name: text, fn: n }] : [];
    });
    const refusing = new Set(fns.filter((f) => refuses(f.fn)).map((f) => f.name));
    const calls = [...refusing].map((r) => textMarks(facts, `${r}(`));
    const callers = fns.filter((f) => calls.some((c) => c.within(f.fn.pos, f.fn.end))).map((f) => f.name);
    return (local = new Set([...refusing, ...callers]));
  };
  const callsRefusing = (fn: ts.Node, depth: number): boolean => {
    for (const name of localNames()) {
      for (const n of facts.callsByName.get(name) ?? []) {
        if (n.pos < fn.pos || n.end > fn.end || !ts.isCallExpression(n) || chainNames(n.expression).at(-1) !== name) continue;
        const target = decisions.resolve(n);
        if (target && target !== fn && (refuses(target) || (depth < 1 && callsRefusing(target, depth + 1)))) return true;
      }
    }
    return false;
  };
  for (const fn of candidateFunctions(facts)) if (refuses(fn) || callsRefusing(fn, 0)) out.push(...staleOperations(fn, decisions));
  // (a decision read through a function another module of the project declares — `await reserveSlot(…)` imported
  // from `../lib/slots` — is judged by the passes that see into it: a read, or a reservation that writes what it tested)
  // (and so is one whose window calls into another module of the project: a re-check may sit there, `await
  // this.access.assertOwner(org, user)` of an injected service)
  return out.filter((s) => !importedRelative(s.decision.call, facts.sourceFile) && !windowCallsElsewhere(s, facts.sourceFile));
}

/**
 * Decisions trusted across an `await` over the project model: what a helper in another file (a
 * refusing check, an operation) adds to what each file showed alone, and identity kept in shared
 * places used across a boundary (`shared-identity.ts`) where no stale operation was found at the
 * same node. A project part (`project.staleOperations`).
 */
export class StaleOperations {
  private answer?: { acrossFiles: StaleOperation[]; sharedIdentity: SharedIdentityUse[] };

  constructor(private readonly project: Project) {}

  /** Stale operations whose decision or operation sits in a helper of another file, or in a guard or middleware before the handler. */
  acrossFiles(): StaleOperation[] {
    return this.find().acrossFiles;
  }

  /** Identity in shared state read or decided on across a boundary, at nodes no stale operation covers. */
  sharedIdentityUses(): SharedIdentityUse[] {
    return this.find().sharedIdentity;
  }

  private find(): NonNullable<StaleOperations['answer']> {
    if (this.answer) return this.answer;
    const project = this.project;
    // with the app's model: clients and services its per-request context hands out
    const resolve = callResolver(
      project.modules,
      (owner, key) => project.apiLayers.contextField(owner, key) ?? [],
      (name) => project.values.diClassByName(name),
      (callee) => project.values.methodOf(callee),
    );
    // error classes the app answers with a refusal where it handles errors (an error middleware, in any of its files)
    const mapped = (): ReadonlyMap<ts.ClassLikeDeclaration, number> => {
      const all = new Map<ts.ClassLikeDeclaration, number>();
      for (const facts of project.facts.values()) for (const [cls, status] of refusalMappings(facts.sourceFile, project.modules)) all.set(cls, status);
      return all;
    };
    const decisions = new Decisions(project.modules, project.sharedState, resolve, mapped, {
      boundValues: () => project.values.requestFieldWrites(),
      carriesIdentity: (e) => project.requestValues.carriesIdentity(e),
      chosenByClient: (e) => project.requestValues.origin(e) !== undefined,
      argumentsOf: (param) => project.values.argumentsFor(param),
    });
    const found = new Set<ts.Node>();
    const acrossFiles: StaleOperation[] = [];
    for (const facts of project.facts.values()) {
      // (a field middleware bound from a read of state, tested here or in a service its value is handed to)
      const bound = decisions.boundFromReads().size > 0;
      if (!bound && !mayCallHelpers(facts)) continue;
      const helper = (call: ts.CallExpression): boolean => {
        // (a look into module state another module keeps, through its getter: `isLoanDeskOpen()`; or what an instance of
        // another module refreshes, kept in a local: `const grant = grantCache.grantFor(id)`)
        if (decisions.looksIntoImported(call) || decisions.readsModuleState(call) || decisions.readsModuleState(call, true) || decisions.answersFlag(call)) return true;
        // (a write on a client the per-request context holds: only the model knows it for one)
        // (or a helper of another module that runs the function it is handed later: `withJsonBody(req, res, async (body) => …)`
        // calling it when the body has arrived — the callback's work comes after a boundary)
        return helperElsewhere(call, facts, decisions) || operationOf(call, resolve)?.elsewhere === true || defersCallback(call, resolve);
      };
      // (a test of a field middleware bound from a read of state, `req.acl.role`: any function of the file may decide on one)
      for (const fn of bound ? candidateFunctions(facts) : candidateFunctions(facts, helper, decisions)) {
        for (const s of staleOperations(fn, decisions)) {
          found.add(s.op.node);
          if (needsModel(s, facts, decisions)) acrossFiles.push(whereDeferred(s, resolve));
        }
      }
    }
    // a decision a guard or middleware made before the handler, trusted across the handler's own awaits
    for (const handler of project.handlers.entries()) {
      const chain = project.handlers.chainBefore(handler);
      const perGuard = chain.map((g) => beforeWrappedCall(g, decisions.guardDecisions(g), handler, project.modules));
      const guardChecks = perGuard.flat();
      // (a later middleware of the chain that waits — `loadManifest(…)` reading S3 — opens the window before the handler)
      const deciding = perGuard.findIndex((checks) => checks.some((c) => c.refusal));
      const waitBefore =
        deciding >= 0
          ? chain
              .slice(deciding + 1)
              .map(firstWait)
              .find((w) => w !== undefined)
          : undefined;
      for (const s of guardChecks.length > 0 ? staleAfterGuard(handler, guardChecks, decisions, waitBefore) : []) {
        if (found.has(s.op.node)) continue;
        found.add(s.op.node);
        acrossFiles.push(s);
      }
    }
    // (a handler's guards decided before it: `schedulingProcedure`'s middleware, then the mutation emits or queues)
    const chainChecks = (fn: ts.FunctionLikeDeclaration): Check[] =>
      project.handlers.isEntry(fn) ? project.handlers.chainBefore(fn).flatMap((g) => beforeWrappedCall(g, decisions.guardDecisions(g), fn, project.modules)) : [];
    // a decision that lets a job be queued, trusted by the worker that runs it
    for (const queue of jobQueues(project)) {
      if (queue.processors.length === 0) continue;
      for (const { call } of queue.adds) {
        for (const s of staleAcrossQueue(call, processorsFor(queue, call), decisions, false, chainChecks)) {
          if (found.has(s.op.node)) continue;
          found.add(s.op.node);
          acrossFiles.push(s);
        }
      }
    }
    // a decision that lets an event be emitted, trusted by a listener of the same emitter that waits before its write
    const wrapped = wrappedEvents(project, resolve);
    const listening = eventListeners(project, wrapped);
    const decorated = decoratedListeners(project);
    if (listening.size > 0 || decorated.size > 0) {
      // (an emit through a method of the emitter's own class, `disputeBus.emitDetermination(e)`, names its event there)
      const wrappedEvent = new Map(wrapped.emits.map((e) => [e.call as ts.Node, e.event]));
      for (const call of [...project.callsNamed(EMIT_METHOD), ...wrappedEvent.keys()]) {
        if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
        const receiver = (skipOuter(call.expression) as ts.PropertyAccessExpression).expression;
        const event = wrappedEvent.has(call) ? undefined : call.arguments[0] && skipOuter(call.arguments[0]);
        const emitter = emitterOf(receiver, project);
        const name = wrappedEvent.get(call) ?? (event && ts.isStringLiteralLike(event) ? event.text : undefined);
        // (the app's one injected emitter of an event module: `this.events.emit(…)` with `events: EventEmitter2`; the event
        // named by a constant, `ProjectArchived.topic`, as its listeners' decorators name it)
        const module = declaredType(receiver) && DECORATED_EVENT_MODULES.find((m) => typeName(declaredType(receiver)!) === m.emitter);
        const fns = module
          ? (event ? project.modules.stringValues(event) : []).flatMap((e) => decorated.get(module.decorator)?.get(e) ?? [])
          : name !== undefined && emitter
            ? listening.get(emitter)?.get(name)
            : undefined;
        for (const s of fns ? staleAcrossQueue(call, fns, decisions, true, chainChecks) : []) {
          if (found.has(s.op.node)) continue;
          found.add(s.op.node);
          acrossFiles.push(s);
        }
      }
    }
    // (a decision on a getter of identity kept in shared state, `if (!keeper()) …`, is that state's finding)
    const uses = sharedIdentityUses(project);
    const sharedAt = new Set(uses.map((u) => u.node));
    const gotten = (s: StaleOperation): boolean => sharedAt.has(s.op.node) && decisions.readsModuleState(s.decision.call);
    for (const s of acrossFiles.filter(gotten)) found.delete(s.op.node);
    const sharedIdentity = uses.filter((use) => !found.has(use.node));
    return (this.answer = { acrossFiles: acrossFiles.filter((s) => !gotten(s)), sharedIdentity });
  }
}

/**
 * The stale operations a file shows with what its imports hold, where no identity model is built:
 * a refusing helper or an operation in another module, a collection another module exports and
 * changes, and the guards and middleware registered before a handler of the file (NestJS
 * `@UseGuards`, earlier arguments of a route registration, Fastify's early hooks), wherever they are
 * written. `modules` loads the files that imports name on demand, so only what the file's calls
 * reach is read. The file is judged by what it reaches; a finding points where the operation is.
 */
export function staleOperationsAcrossImports(facts: FileFacts, modules: Modules): StaleOperation[] {
  const resolve = callResolver(modules);
  // error classes this file maps to a refusal (`if (err instanceof NotCleared) return res.sendStatus(403)`); the module
  // that declares a class answers for it too (Decisions: the error middleware beside the class)
  const mapped = refusalMappings(facts.sourceFile, modules);
  const decisions = new Decisions(modules, new SharedState(modules), resolve, mapped);
  const helper = (call: ts.CallExpression): boolean => {
    // a helper whose promise is waited for (awaited, or chained with `.then`/`.catch`)
    const waited = awaitedOrChained(call);
    // (an operation of another module runs when called for its effect too: `queue.add(…)` in a timer)
    // (only a job added to a queue is an operation of another module: the name is asked first)
    const queued = (waited || ts.isExpressionStatement(call.parent)) && isQueueCall(chainNames(call.expression).at(-1) ?? '');
    if (decisions.looksIntoImported(call) || decisions.readsModuleState(call) || (queued && operationOf(call, resolve)?.elsewhere)) return true;
    // (a document saved of a model another module makes: its schema says whether the save is an optimistic lock)
    if (documentOfImportedModel(call)) return true;
    return helperElsewhere(call, facts, decisions);
  };
  const found = new Set<ts.Node>();
  const out: StaleOperation[] = [];
  for (const fn of candidateFunctions(facts, helper, decisions)) {
    for (const s of staleOperations(fn, decisions)) {
      found.add(s.op.node);
      if (needsModel(s, facts, decisions)) out.push(whereDeferred(s, resolve));
    }
  }
  // the functions of other modules this file calls that throw one of those: decided and written there,
  // which only this file's handling says is a refusal
  for (const fn of mappedThrowers(facts, mapped, resolve)) {
    for (const s of staleOperations(fn, decisions)) {
      if (found.has(s.op.node)) continue;
      found.add(s.op.node);
      out.push(s);
    }
  }
  const chains = GUARDED_ROUTE_TEXT.test(facts.text) ? registeredChains(facts, modules, resolve) : [];
  for (const { handler, before } of chains) {
    const checks = before.flatMap((g) => beforeWrappedCall(g, decisions.guardDecisions(g), handler, modules));
    for (const s of checks.length > 0 ? staleAfterGuard(handler, checks, decisions) : []) {
      if (found.has(s.op.node)) continue;
      found.add(s.op.node);
      out.push(s);
    }
  }
  // an event emitted here on an emitter another module makes and registers listeners on (`auctionEvents.emit('lot:withdraw', …)`
  // with `const auctionEvents = require('../events')`): its listeners run the decision's work later
  for (const call of facts.callsByName.get(EMIT_METHOD) ?? []) {
    if (!ts.isCallExpression(call)) continue;
    const callee = skipOuter(call.expression);
    const event = call.arguments[0] && skipOuter(call.arguments[0]);
    if (!ts.isPropertyAccessExpression(callee) || !event || !ts.isStringLiteralLike(event)) continue;
    const emitter = modules.valueOf(skipOuter(callee.expression));
    if (!emitter || emitter.getSourceFile() === facts.sourceFile) continue;
    for (const s of staleAcrossQueue(call, listenersBeside(emitter, event.text, modules), decisions, true)) {
      if (found.has(s.op.node)) continue;
      found.add(s.op.node);
      out.push(s);
    }
  }
  return out;
}

/** The listeners for an event the module that makes an emitter registers on it: `auctionEvents.on('lot:withdraw', async (…) => …)`. */
function listenersBeside(emitter: ts.Node, event: string, modules: Modules): ts.FunctionLikeDeclaration[] {
  const out: ts.FunctionLikeDeclaration[] = [];
  for (const r of registrationsIn(emitter.getSourceFile())) {
    if (r.event !== event || modules.valueOf(r.receiver) !== emitter) continue;
    const fn = isFunctionLike(r.listener) ? r.listener : modules.valueOf(r.listener);
    if (fn && isFunctionLike(fn)) out.push(fn);
  }
  return out;
}

const registrations = new WeakMap<ts.SourceFile, { receiver: ts.Expression; event: string; listener: ts.Expression }[]>();

/** The listener registrations of a file with a literal event name (`x.on('evt', fn)`): one walk of it. */
function registrationsIn(sf: ts.SourceFile): { receiver: ts.Expression; event: string; listener: ts.Expression }[] {
  let list = registrations.get(sf);
  if (list) return list;
  list = [];
  const out = list;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && n.arguments.length >= 2 && ts.isPropertyAccessExpression(skipOuter(n.expression))) {
      const callee = skipOuter(n.expression) as ts.PropertyAccessExpression;
      const name = skipOuter(n.arguments[0]);
      if (isListenerRegistration(callee.name.text) && ts.isStringLiteralLike(name))
        out.push({ receiver: skipOuter(callee.expression), event: name.text, listener: skipOuter(n.arguments[1]) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  registrations.set(sf, out);
  return out;
}

/** A route registered with more than its handler, or a NestJS guard decorator, can be in this text (derived from the tables). */
// (a route registered with type arguments, Fastify's `app.put<{ Params: { routeId: string } }>(…)`, too)
const GUARDED_ROUTE_TEXT = new RegExp(`@(?:${NEST_GUARD_DECORATORS.join('|')})\\(|\\.(?:${[...ROUTE_METHODS, ...TRPC_RESOLVERS].join('|')})\\s*(?:<[^()]*>)?\\s*\\(`);

/**
 * Handlers of a file and what is registered to run before each where the handler is registered:
 * NestJS guards named by `@UseGuards(…)` on the method or its class (their `canActivate`), the
 * earlier function arguments of a route registration (`router.post(path, requireEditor, handler)`),
 * and Fastify's early hooks in the route's options (`{ preHandler: requireRelation('manager') }`).
 * A call among them stands for the function it returns.
 */
function registeredChains(
  facts: FileFacts,
  modules: Modules,
  resolve: ReturnType<typeof callResolver>,
): { handler: ts.FunctionLikeDeclaration; before: ts.FunctionLikeDeclaration[] }[] {
  const fnOf = (e: ts.Expression, depth = 0): ts.FunctionLikeDeclaration[] => {
    const x = skipOuter(e);
    if (isFunctionLike(x)) return [x];
    if (ts.isArrayLiteralExpression(x)) return x.elements.flatMap((el) => fnOf(el, depth));
    if (ts.isCallExpression(x)) {
      const made = resolve(x);
      // a factory stands for what it returns: `requireRelation(role)` → the middleware it makes
      return made && depth < 2 ? returnedExpressions(made).flatMap((r) => fnOf(r, depth + 1)) : [];
    }
    if (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x)) {
      const v = modules.valueOf(x);
      if (v && isFunctionLike(v)) return [v];
      if (v && ts.isClassLike(v)) return v.members.filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && isNestGuardMethod(propertyNameText(m.name) ?? ''));
    }
    return [];
  };
  const guardsOf = (node: ts.Node): ts.FunctionLikeDeclaration[] =>
    (ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []).flatMap((d) => {
      const call = d.expression;
      return ts.isCallExpression(call) && ts.isIdentifier(call.expression) && NEST_GUARD_DECORATORS.includes(call.expression.text) ? call.arguments.flatMap((a) => fnOf(a)) : [];
    });
  const found: { at: ts.Node; handler: ts.FunctionLikeDeclaration; before: ts.FunctionLikeDeclaration[] }[] = [];
  // the methods a guard decorator stands over: the method it decorates, or every method of its class
  const guarded = new Set<ts.MethodDeclaration>();
  for (const name of NEST_GUARD_DECORATORS) {
    for (const call of facts.callsByName.get(name) ?? []) {
      const target = ts.isDecorator(call.parent) ? call.parent.parent : undefined;
      if (target && ts.isMethodDeclaration(target)) guarded.add(target);
      else if (target && ts.isClassLike(target)) for (const m of target.members) if (ts.isMethodDeclaration(m)) guarded.add(m);
    }
  }
  for (const n of guarded) {
    if (n.body && ts.isClassLike(n.parent)) {
      const cls = n.parent;
      // (a guard that lets this route through unchecked, by the metadata it is or is not marked with, decides nothing here)
      const lets = (g: ts.FunctionLikeDeclaration): boolean => guardLetsThrough(g, n, cls, modules, 'marked') || guardLetsThrough(g, n, cls, modules, 'unmarked');
      const before = [...guardsOf(cls), ...guardsOf(n)].filter((g) => !lets(g));
      if (before.length > 0) found.push({ at: n, handler: n, before });
    }
  }
  for (const method of ROUTE_METHODS) {
    for (const n of facts.callsByName.get(method) ?? []) {
      if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || !isRouteMethod(n.expression.name.text) || n.arguments.length < 2) continue;
      const last = skipOuter(n.arguments[n.arguments.length - 1]);
      if (isFunctionLike(last)) {
        const before: ts.FunctionLikeDeclaration[] = [];
        for (const a of n.arguments.slice(0, -1)) {
          const x = skipOuter(a);
          if (ts.isObjectLiteralExpression(x)) {
            for (const p of x.properties) if (ts.isPropertyAssignment(p) && isEarlyHook(propertyNameText(p.name) ?? '')) before.push(...fnOf(p.initializer));
          } else if (!ts.isStringLiteralLike(x) && !ts.isTemplateExpression(x)) before.push(...fnOf(x));
        }
        if (before.length > 0) found.push({ at: n, handler: last, before: before.filter((b) => b !== last) });
      }
    }
  }
  // a tRPC procedure: the middleware its builder chain runs first, in the chain's order, also along a procedure another
  // module builds (`campaignReviewerProcedure.input(…).mutation(fn)` with `campaignReviewerProcedure = authedProcedure.use(mw)`)
  for (const name of TRPC_RESOLVERS) {
    for (const n of facts.callsByName.get(name) ?? []) {
      if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression) || n.arguments.length !== 1) continue;
      const handler = skipOuter(n.arguments[0]);
      if (!isFunctionLike(handler)) continue;
      const before: ts.FunctionLikeDeclaration[] = [];
      let e: ts.Expression = skipOuter(n.expression.expression);
      for (let depth = 0; depth < 12; depth++) {
        if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
          if (e.expression.name.text === TRPC_MIDDLEWARE && e.arguments[0]) before.unshift(...fnOf(e.arguments[0]));
          e = skipOuter(e.expression.expression);
        } else if (ts.isPropertyAccessExpression(e)) e = skipOuter(e.expression);
        else if (ts.isIdentifier(e)) {
          const v = modules.valueOf(e);
          if (!v || !ts.isExpression(v) || v === e) break;
          e = skipOuter(v);
        } else break;
      }
      if (before.length > 0) found.push({ at: n, handler, before });
    }
  }
  // in source order, as a walk of the file meets them
  return found.sort((a, b) => a.at.pos - b.at.pos).map(({ handler, before }) => ({ handler, before }));
}

/**
 * Where a plain string occurs in a file's text, found once per file: whether a node's text holds it
 * is then a search among the places, not a pass over the node's text.
 */
const marksCache = new WeakMap<FileFacts, Map<string, TextMarks>>();
interface TextMarks {
  within(pos: number, end: number): boolean;
}
function textMarks(facts: FileFacts, needle: string): TextMarks {
  let byNeedle = marksCache.get(facts);
  if (!byNeedle) marksCache.set(facts, (byNeedle = new Map()));
  const known = byNeedle.get(needle);
  if (known) return known;
  const starts: number[] = [];
  for (let at = facts.text.indexOf(needle); at >= 0; at = facts.text.indexOf(needle, at + 1)) starts.push(at);
  const marks: TextMarks = {
    // the first place at or after pos (binary search): inside when it ends by end
    within(pos, end) {
      let lo = 0;
      let hi = starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid] < pos) lo = mid + 1;
        else hi = mid;
      }
      return lo < starts.length && starts[lo] + needle.length <= end;
    },
  };
  byNeedle.set(needle, marks);
  return marks;
}

/** Functions of other modules the file waits for that throw an error class the file maps to a refusal. */
function mappedThrowers(facts: FileFacts, mapped: ReadonlyMap<ts.ClassLikeDeclaration, number>, resolve: ReturnType<typeof callResolver>): ts.FunctionLikeDeclaration[] {
  if (mapped.size === 0) return [];
  const names = [...mapped.keys()].flatMap((c) => (c.name ? [c.name.text] : []));
  const out: ts.FunctionLikeDeclaration[] = [];
  for (const calls of facts.callsByName.values()) {
    for (const call of calls) {
      // waited for, or handed back for the framework to wait for (`return bookings.addCornerUpgrade(…)`)
      if (!ts.isCallExpression(call) || !(awaitedOrChained(call) || ts.isReturnStatement(call.parent) || ts.isArrowFunction(call.parent))) continue;
      const fn = resolve(call);
      if (!fn?.body || !elsewhere(fn, facts) || out.includes(fn)) continue;
      if (SUSPEND_TEXT.test(fn.getText()) && (throwsOneOf(fn, names) || callsThrowerOf(fn, names, resolve))) out.push(fn);
    }
  }
  return out.sort((a, b) => a.getSourceFile().fileName.localeCompare(b.getSourceFile().fileName) || a.pos - b.pos);
}

const throwsOneOf = (fn: ts.FunctionLikeDeclaration, names: string[]): boolean => {
  const text = fn.getText();
  return names.some((n) => text.includes(`new ${n}(`));
};

/**
 * A service method that waits for a helper of the app throwing one of the mapped errors (`borrow()`
 * awaiting `this.policy.assertMayBorrow(…)`, which throws `PolicyError`): the decision is the helper's,
 * the window and the write the method's.
 */
function callsThrowerOf(fn: ts.FunctionLikeDeclaration, names: string[], resolve: ReturnType<typeof callResolver>): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn && isFunctionLike(n))) return;
    if (ts.isCallExpression(n) && awaitedOrChained(n)) {
      const inner = resolve(n);
      if (inner?.body && inner !== fn && throwsOneOf(inner, names)) found = true;
    }
    if (!found) ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/** A call whose promise the code waits for: `await f()`, `f().then(…)`, `f().catch(…)`, or one `await Promise.all([f(), g()])` gathers. */
function awaitedOrChained(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const list = n.parent && ts.isArrayLiteralExpression(n.parent) ? n.parent : undefined;
  if (list && list.parent && ts.isCallExpression(list.parent) && list.parent.arguments[0] === list && isGatherCall(list.parent)) return awaitedOrChained(list.parent);
  const p = n.parent;
  return (
    p !== undefined &&
    (ts.isAwaitExpression(p) || (ts.isYieldExpression(p) && !p.asteriskToken) || (ts.isPropertyAccessExpression(p) && p.expression === n && isPromiseStep(p.name.text)))
  );
}

/**
 * A call of another module's function that decides or does the work: one waited for that refuses
 * or performs an operation, or one called for its effect that throws an authorization error given
 * what it is handed (`assertShelfHolder(shelf, potterId)`).
 */
function helperElsewhere(call: ts.CallExpression, facts: FileFacts, decisions: Decisions): boolean {
  // (a call returned from an async function is waited for by its caller: `return repo.reassign(id, to)`)
  const waited = awaitedOrChained(call) || returned(call);
  if (!waited && !ts.isExpressionStatement(call.parent)) return false;
  const fn = decisions.resolve(call);
  if (fn === undefined || !elsewhere(fn, facts)) return false;
  // (a read through it, or a call in a window, left here by the pass over the file alone)
  if (waited && (importedRelative(call, facts.sourceFile) || declaredElsewhere(call, facts.sourceFile))) return true;
  // (a call not waited for hands on the work the helper defers past the response: `scheduleDisposal(db, lot)` whose timer writes)
  return waited
    ? decisions.refuses(fn) || performedOperation(fn, decisions.resolve, 1) !== undefined
    : decisions.asserts(fn, call) || deferredOperation(fn, decisions.resolve) !== undefined;
}

/**
 * The first operation a helper leaves to run after the response, in a timer, listener or queue of its
 * own (`setTimeout(async () => { await db('lots').update(…) }, grace)`), and the call that defers it:
 * its caller goes on at once, the write comes later.
 */
function deferredOperation(fn: ts.FunctionLikeDeclaration, resolve: CallResolver): { op: Operation; boundary: ts.CallExpression } | undefined {
  let found: { op: Operation; boundary: ts.CallExpression } | undefined;
  const inside = (later: ts.FunctionLikeDeclaration): Operation | undefined => {
    let op: Operation | undefined;
    const visit = (n: ts.Node): void => {
      if (op || (n !== later.body && isFunctionLike(n) && !ts.isArrowFunction(n))) return;
      op = ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n) ? (operationOf(n, resolve, 1) ?? undefined) : undefined;
      if (!op) ts.forEachChild(n, visit);
    };
    if (later.body) visit(later.body);
    return op;
  };
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn.body && isFunctionLike(n))) return;
    if (ts.isCallExpression(n) && AFTER_RESPONSE_CALLEES.includes(chainNames(n.expression).at(-1) ?? '')) {
      for (const a of n.arguments) {
        const later = skipOuter(a);
        const op = isFunctionLike(later) ? inside(later) : undefined;
        if (op && !found) found = { op, boundary: n };
      }
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/**
 * An operation a helper of another module defers, its call not waited for: reported where it runs,
 * in the helper's timer (as a job's work is in its worker), after the boundary that defers it.
 */
function whereDeferred(s: StaleOperation, resolve: CallResolver): StaleOperation {
  const via = s.op.via;
  if (!via || !ts.isCallExpression(s.op.node) || awaitedOrChained(s.op.node) || returned(s.op.node)) return s;
  const later = deferredOperation(via, resolve);
  return later ? { ...s, op: later.op, boundary: later.boundary } : s;
}

/** `Promise.all(…)`, `Promise.allSettled(…)`: a wait for every promise of the list it is given. */
function isGatherCall(call: ts.CallExpression): boolean {
  const names = chainNames(call.expression);
  return names.length === 2 && names[0] === 'Promise' && PROMISE_GATHERERS.includes(names[1]);
}

/** The call is what its function returns: `return repo.reassign(…)`, `() => repo.reassign(…)`. */
function returned(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const p = n.parent;
  return p !== undefined && (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === n));
}

/**
 * A decision, a boundary and an operation can meet here with what the file imports: a text test,
 * derived from the tables. The refusal can be in an imported helper when the operation is here, and
 * the operation in an imported repository when the refusal is here (`if (!(await operatesZoneOf(…)))
 * return 403; … await cannons.setMode(…)`).
 */
export const mayHoldCrossFileWindow = (text: string): boolean => (suspends(text) || GUARDED_ROUTE_TEXT.test(text)) && (operates(text) || refuses(text));

/** With helpers in other files, the refusal can be there (answered once per file: files are judged in every app that holds them). */
const helperTexts = new WeakMap<FileFacts, boolean>();
const mayCallHelpers = (facts: FileFacts): boolean => {
  let known = helperTexts.get(facts);
  if (known === undefined) helperTexts.set(facts, (known = mayHoldCrossFileWindow(facts.text)));
  return known;
};
/**
 * A wrapper's own checks that run before it calls the handler it wraps (`handle(fn)` returning
 * `async (req, res) => { const out = await fn(req); if (out === false) return res.status(403) … }`,
 * registered as `handle(async (req) => …)`): a test of what the handler returned is made after the
 * handler's work, not before it. (A guard factory given a policy, `authorize(canEdit)`, calls the
 * policy, not the handler: its checks stay before the handler.)
 */
function beforeWrappedCall(g: ts.FunctionLikeDeclaration, checks: readonly Check[], handler: ts.FunctionLikeDeclaration, modules: Modules): Check[] {
  const wrapped = wrappedHandlerCall(g, handler, modules);
  return wrapped === undefined ? [...checks] : checks.filter((c) => c.test.end <= wrapped);
}

/** Where `g` hands the request on: calls its own callback (`next()`), or the handler its factory was given when `handler` is what the factory was given. */
function wrappedHandlerCall(g: ts.FunctionLikeDeclaration, handler: ts.FunctionLikeDeclaration, modules: Modules): number | undefined {
  let factory: ts.Node | undefined = g.parent;
  while (factory && !isFunctionLike(factory)) factory = factory.parent;
  if (!g.body) return undefined;
  const params = factory && isFunctionLike(factory) ? factory.parameters : ts.factory.createNodeArray<ts.ParameterDeclaration>();
  // the handler handed to this factory: `handle(async (req) => …)` or `handle(publish)`
  const given = (index: number): boolean => {
    const call = handler.parent && ts.isCallExpression(handler.parent) ? handler.parent : undefined;
    const sites = call ? [call] : [];
    const name = ts.isFunctionDeclaration(handler) ? handler.name?.text : undefined;
    if (name) {
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && n.arguments.some((a) => ts.isIdentifier(skipOuter(a)) && (skipOuter(a) as ts.Identifier).text === name)) sites.push(n);
        ts.forEachChild(n, visit);
      };
      visit(handler.getSourceFile());
    }
    return sites.some((c) => modules.valueOf(c.expression) === factory && c.arguments[index] !== undefined && modules.valueOf(c.arguments[index]) === handler);
  };
  let at: number | undefined;
  const visit = (n: ts.Node): void => {
    if (at !== undefined) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression))) {
      const decl = modules.declarationOf((skipOuter(n.expression) as ts.Identifier).text, n);
      // (its own callback, `next()`, hands the request on to the handler too)
      if (decl && ts.isParameter(decl) && g.parameters.includes(decl)) at = n.pos;
      const index = decl && ts.isParameter(decl) ? params.indexOf(decl) : -1;
      if (index >= 0 && given(index)) at = n.pos;
    }
    if (at === undefined) ts.forEachChild(n, visit);
  };
  visit(g.body);
  return at;
}

/** The first `await` a middleware makes in its own body (not in functions it defines), before it hands on. */
function firstWait(fn: ts.FunctionLikeDeclaration): ts.AwaitExpression | undefined {
  let found: ts.AwaitExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn && isFunctionLike(n))) return;
    if (ts.isAwaitExpression(n)) found = n;
    else ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/** What a file alone could not find: a helper, a queue, shared state or an error class of another module takes part. */
const needsModel = (s: StaleOperation, facts: FileFacts, decisions: Decisions): boolean =>
  elsewhere(s.decision.via, facts) ||
  // (a call into another module of the project between the decision and the operation: only with it in sight is it no re-check)
  windowCallsElsewhere(s, facts.sourceFile) ||
  // (a decision read through a function of another module: only with it in sight is the call a read of state)
  elsewhere(decisions.resolve(s.decision.call), facts) ||
  elsewhere(s.op.via, facts) ||
  // (an operation the tables know inside a helper of another module; one guessed from a name there is too far to trust)
  (elsewhere(s.op.node, facts) && !s.op.guessed) ||
  s.op.elsewhere === true ||
  s.decision.imported === true ||
  s.decision.importedRefusal === true ||
  // (a field middleware bound to the request from a read of state: only the model sees the read)
  s.decision.bound === true ||
  // (a window that is a helper of another module running the callback it is handed later: only the model sees it defer)
  (ts.isCallExpression(s.boundary) && elsewhere(decisions.resolve(s.boundary), facts)) ||
  // (a document saved of a model another module makes: the file alone left its lock to the model)
  documentOfImportedModel(s.op.node) !== undefined;

const elsewhere = (fn: ts.Node | undefined, facts: FileFacts): boolean => fn !== undefined && fn.getSourceFile().fileName !== facts.file;

/** A function handed to a route or middleware registration: `router.post('/x', async (ctx) => …)`. */
function registeredHandler(fn: ts.Node): boolean {
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isCallExpression(n.parent) && registersHandler(n.parent);
}

/** The outermost functions of a file that can be suspended and throw an error class another module declares with a 401/403 status. */
function throwingImported(facts: FileFacts, decisions: Decisions): ts.FunctionLikeDeclaration[] {
  if (!THROW_NEW_TEXT.test(facts.text)) return [];
  const out: ts.FunctionLikeDeclaration[] = [];
  const visit = (n: ts.Node): void => {
    // (a handler a route registration is given is a function of its own, `router.post('/x', async (ctx) => …)`)
    if (isFunctionLike(n) && (!isCallbackArgument(n) || registeredHandler(n))) {
      const text = facts.text.slice(n.pos, n.end);
      if (SUSPEND_TEXT.test(text) && THROW_NEW_TEXT.test(text) && decisions.throwsImportedRefusal(n)) out.push(n);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(facts.sourceFile);
  return out;
}

/** A status field set to a number, any field set to an error status (`httpStatus = 403`), or a status passed up to a base class. */
const ERROR_STATUS_TEXT = new RegExp(`\\b(?:${STATUS_PROPERTIES.join('|')})\\s*=\\s*\\d|super\\(\\s*\\d|=\\s*[45]\\d\\d\\b`);

/** Structural, not vocabulary: an assignment to a field of `this` or of a class (`this.x =`, `Cls.x =`), or a module-level `let`. */
const SHARED_WRITE_TEXT = new RegExp(
  String.raw`\bthis\.[\w$]+\s*=(?![=>])|\b[A-Z][\w$]*\.[\w$]+\s*=(?![=>])|^(?:export\s+)?let\s` +
    // (a member of the app, server or global object: `fastify.actingNurse = request.nurse`)
    String.raw`|\b(?:${[...APP_OBJECTS, ...GLOBAL_OBJECTS].join('|')})\.[\w$]+\s*=(?![=>])`,
  'm',
);

/** Structural, not vocabulary: a thrown instance of a named class. */
const THROW_NEW_TEXT = /\bthrow\s+new\s+[A-Za-z_$]/;

/** The outermost functions around the file's calls (those that pass `callTest`; callbacks run in their caller's flow) that can be suspended. */
function candidateFunctions(facts: FileFacts, callTest?: (call: ts.CallExpression) => boolean, decisions?: Decisions): ts.FunctionLikeDeclaration[] {
  const out = new Set<ts.FunctionLikeDeclaration>(decisions ? throwingImported(facts, decisions) : []);
  // the enclosing function first: one that cannot be suspended, or is already in, needs no call tested
  const suspends = new Map<ts.Node, boolean>();
  for (const calls of facts.callsByName.values()) {
    for (const call of calls) {
      let fn: ts.FunctionLikeDeclaration | undefined;
      for (let n = call.parent; n; n = n.parent) {
        if (!isFunctionLike(n)) continue;
        fn = n;
        if (!isCallbackArgument(n)) break;
      }
      if (!fn || out.has(fn)) continue;
      let can = suspends.get(fn);
      if (can === undefined) suspends.set(fn, (can = SUSPEND_TEXT.test(facts.text.slice(fn.pos, fn.end))));
      if (!can) continue;
      if (callTest && !(ts.isCallExpression(call) && callTest(call))) continue;
      out.add(fn);
    }
  }
  return [...out].sort((a, b) => a.pos - b.pos);
}

/** The emitter an expression names: a value of the model, or the field of the instance (`this.events` of a service, shared by its methods). */
function emitterOf(expr: ts.Expression, project: Project, depth = 0): ts.Node | undefined {
  const e = skipOuter(expr);
  const value = project.modules.valueOf(e);
  // a parameter, or a member taken off one: the emitter its callers hand it (`registerGrantWriter(approvalEvents, …)`,
  // `requestRoutes(router, { events: approvalEvents })` for `function requestRoutes(router, { events })`)
  if (value && depth < 3) {
    const given = ts.isParameter(value)
      ? project.values.argumentsFor(value)
      : ts.isBindingElement(value) && ts.isObjectBindingPattern(value.parent) && ts.isParameter(value.parent.parent)
        ? (project.values.membersGiven(value.parent.parent, propertyNameText((value.propertyName ?? value.name) as ts.PropertyName) ?? '') ?? [])
        : [];
    for (const arg of given) {
      const made = ts.isExpression(arg) ? emitterOf(arg, project, depth + 1) : undefined;
      if (made && !ts.isParameter(made) && !ts.isBindingElement(made)) return made;
    }
  }
  if (value) return value;
  return ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword ? receiverDeclaration(e, project) : undefined;
}

/** The last name of a type reference: `EventEmitter2`, `events.EventEmitter2` → `EventEmitter2`. */
function typeName(t: ts.TypeReferenceNode): string {
  return ts.isIdentifier(t.typeName) ? t.typeName.text : t.typeName.right.text;
}

/**
 * Methods an event module's decorator marks as listeners, by decorator and event name, where the
 * decorator is imported from that module: `@OnEvent('loan.shipped')` from `@nestjs/event-emitter`.
 */
function decoratedListeners(project: Project): Map<string, Map<string, ts.FunctionLikeDeclaration[]>> {
  const out = new Map<string, Map<string, ts.FunctionLikeDeclaration[]>>();
  for (const m of DECORATED_EVENT_MODULES) {
    for (const call of project.callsNamed(m.decorator)) {
      if (!ts.isCallExpression(call) || !ts.isDecorator(call.parent) || !ts.isMethodDeclaration(call.parent.parent)) continue;
      const binding = project.facts.get(call.getSourceFile().fileName)?.bindings.get(m.decorator);
      const event = call.arguments[0] && skipOuter(call.arguments[0]);
      if (binding?.module !== m.module || !event) continue;
      const byEvent = out.get(m.decorator) ?? new Map<string, ts.FunctionLikeDeclaration[]>();
      out.set(m.decorator, byEvent);
      for (const name of project.modules.stringValues(event)) byEvent.set(name, [...(byEvent.get(name) ?? []), call.parent.parent]);
    }
  }
  return out;
}

/**
 * Listeners by emitter (the value it is) and event name: `bookingEvents.on('booking.confirmed', handler)`,
 * or a function handed to a method that registers what it is given on its own object
 * (`disputeBus.onDetermination(handler)`, see `wrappedEvents`).
 */
function eventListeners(project: Project, wrapped: WrappedEvents): Map<ts.Node, Map<string, ts.FunctionLikeDeclaration[]>> {
  const out = new Map<ts.Node, Map<string, ts.FunctionLikeDeclaration[]>>();
  const add = (receiver: ts.Expression, event: string, listener: ts.Expression): void => {
    const emitter = emitterOf(receiver, project);
    const fn = project.handlers.functionOf(listener);
    if (!emitter || !fn) return;
    const byEvent = out.get(emitter) ?? new Map<string, ts.FunctionLikeDeclaration[]>();
    out.set(emitter, byEvent);
    byEvent.set(event, [...(byEvent.get(event) ?? []), fn]);
  };
  for (const d of DEFERRING_CALLEES) {
    if (!isListenerRegistration(d.name)) continue;
    for (const call of project.callsNamed(d.name)) {
      if (!ts.isCallExpression(call) || call.arguments.length < 2 || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
      const event = skipOuter(call.arguments[0]);
      const receiver = (skipOuter(call.expression) as ts.PropertyAccessExpression).expression;
      if (ts.isStringLiteralLike(event)) add(receiver, event.text, call.arguments[1]);
    }
  }
  for (const { call, event, index } of wrapped.registrations)
    if (call.arguments[index]) add((skipOuter(call.expression) as ts.PropertyAccessExpression).expression, event, call.arguments[index]);
  return out;
}

interface WrappedEvents {
  /** Calls of a method that emits an event on its own object: `disputeBus.emitDetermination(e)`. */
  emits: { call: ts.CallExpression; event: string }[];
  /** Calls of a method that registers the function it is given (argument `index`) on its own object: `disputeBus.onDetermination(fn)`. */
  registrations: { call: ts.CallExpression; event: string; index: number }[];
}

/**
 * An emitter wrapped in methods of its own class (a typed event bus): `emitDetermination(e) {
 * this.emit('determination.approved', e) }` emits that event on the object it is called on, and
 * `onDetermination(fn) { this.on('determination.approved', fn) }` registers the function it is given
 * there. Their calls are the emit and the registration, on the object they are called on.
 */
function wrappedEvents(project: Project, resolve: CallResolver): WrappedEvents {
  const out: WrappedEvents = { emits: [], registrations: [] };
  // the methods, by what they do on `this`
  const emitting = new Map<ts.FunctionLikeDeclaration, string>();
  const registering = new Map<ts.FunctionLikeDeclaration, { event: string; index: number }>();
  const onThis = (call: ts.Node): { method: ts.FunctionLikeDeclaration; event: string } | undefined => {
    if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) return undefined;
    const callee = skipOuter(call.expression) as ts.PropertyAccessExpression;
    const event = call.arguments[0] && skipOuter(call.arguments[0]);
    let method: ts.Node | undefined = call.parent;
    while (method && !isFunctionLike(method)) method = method.parent;
    if (callee.expression.kind !== ts.SyntaxKind.ThisKeyword || !event || !ts.isStringLiteralLike(event) || !method || !ts.isMethodDeclaration(method)) return undefined;
    return { method, event: event.text };
  };
  for (const call of project.callsNamed(EMIT_METHOD)) {
    const at = onThis(call);
    if (at) emitting.set(at.method, at.event);
  }
  for (const d of DEFERRING_CALLEES) {
    if (!isListenerRegistration(d.name)) continue;
    for (const call of project.callsNamed(d.name)) {
      const at = onThis(call);
      const listener = at && ts.isCallExpression(call) && call.arguments[1] && skipOuter(call.arguments[1]);
      const index = at && listener && ts.isIdentifier(listener) ? at.method.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === listener.text) : -1;
      if (at && index >= 0) registering.set(at.method, { event: at.event, index });
    }
  }
  const callsOf = (method: ts.FunctionLikeDeclaration): ts.CallExpression[] => {
    const name = method.name && propertyNameText(method.name);
    if (!name) return [];
    return project
      .callsNamed(name)
      .filter((c): c is ts.CallExpression => ts.isCallExpression(c) && ts.isPropertyAccessExpression(skipOuter(c.expression)) && resolve(c) === method);
  };
  for (const [method, event] of emitting) for (const call of callsOf(method)) out.emits.push({ call, event });
  for (const [method, r] of registering) for (const call of callsOf(method)) out.registrations.push({ call, ...r });
  return out;
}

/**
 * Between the decision and the operation, the code waits on a function another module of the project
 * declares — imported (`await reserve(…)` from `../lib/slots`) or a method of a field or parameter typed
 * with a class imported from one (`await this.access.assertOwner(org, user)`): the file alone cannot
 * tell whether it asks the decision's question again.
 */
function windowCallsElsewhere(s: StaleOperation, sf: ts.SourceFile): boolean {
  const from = s.decision.test.end;
  const to = s.op.node.pos;
  if (s.op.node.getSourceFile() !== sf || s.decision.test.getSourceFile() !== sf || to <= from) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.end <= from || n.pos >= to) return;
    if (ts.isCallExpression(n) && n.pos >= from && n !== s.op.node && n !== s.decision.call && ts.isAwaitExpression(skipParens(n.parent)) && declaredElsewhere(n, sf)) {
      found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const skipParens = (n: ts.Node): ts.Node => (ts.isParenthesizedExpression(n) ? skipParens(n.parent) : n);

/** The callee is a function of another module of the project: imported from it, or a method of a receiver typed with its class. */
function declaredElsewhere(call: ts.CallExpression, sf: ts.SourceFile): boolean {
  if (importedRelative(call, sf)) return true;
  const callee = skipOuter(call.expression);
  // (a field typed with the class, or a parameter of an enclosing function: `async (acl: AclService) => { await acl.assertCanEdit(…) }`)
  const type = ts.isPropertyAccessExpression(callee) ? declaredType(callee.expression) : undefined;
  if (!type || !ts.isIdentifier(type.typeName)) return false;
  const name = type.typeName.text;
  // (the class may come in by `import type { OrgAccessService } from './org-access.service'`)
  return sf.statements.some(
    (st) =>
      ts.isImportDeclaration(st) &&
      ts.isStringLiteral(st.moduleSpecifier) &&
      st.moduleSpecifier.text.startsWith('.') &&
      st.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(st.importClause.namedBindings) &&
      st.importClause.namedBindings.elements.some((e) => e.name.text === name),
  );
}

/** A call of a function the file imports from a module of the project (`import { reserveSlot } from '../lib/slots'`, or `require`d). */
function importedRelative(call: ts.CallExpression, sf: ts.SourceFile): boolean {
  const callee = skipOuter(call.expression);
  return ts.isIdentifier(callee) && (topLevelBindings(sf).get(callee.text)?.module.startsWith('.') ?? false);
}
