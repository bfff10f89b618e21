import { ts } from '../ts';
import { isClockValue, isMoment } from './operations';
import { isConversion } from './vocabulary/values';
import { isDeferredCallback } from './await-order';
import { isEqualityOperator, snippet } from './expressions';
import { calleeChain, skipOuter } from './facts/walk';
import { isRequestLike, type CertRead, type HeaderRead } from './identity';
import { jobQueues } from './job-queues';
import { isFunctionLike, propertyNameText } from './modules';
import type { Project } from './project';
import type { Write } from './shared-state';
import type { Leaf } from './values';
import { isCollectionTest } from './vocabulary/authorization';
import {
  AFTER_RESPONSE_CALLEES,
  DEFERRING_CALLEES,
  EMIT_METHOD,
  isAfterResponseEvent,
  isListenerRegistration,
  isQueueCall,
  isTimer,
  JOB_PAYLOAD_FIELD,
  namesQueue,
} from './vocabulary/deferral';
import { isRequestField, isRequestObjectName } from './vocabulary/requests';
import { DI_CRADLE, DI_REGISTER, DI_RESOLVE_METHODS, diValueRegistration } from './vocabulary/di';

/** Identity written where it outlives the request or is shared by concurrent ones. */
export interface KeptIdentity {
  write: Write;
  /** The value written that carries identity. */
  value: ts.Expression;
}

/** The request-bound identity overwritten or merged with a value not taken from the certificate. */
export interface IdentityOverwrite {
  /** The assignment, `Object.assign(…)` or `c.set(…)` call. */
  node: ts.Node;
  /** How the overwritten field is named in messages: `req.user`, `c.get('identity')`. */
  field: string;
  /** The part of the new value that does not come from the client certificate. */
  other: ts.Node;
}

/** Access decided, after the request was answered, from identity captured while it was open. */
export interface DeferredDecision {
  /** The test that decides (an `if` or `?:`, or a comparison put in a queued job's data). */
  test: ts.Node;
  /** The identity it decides from. */
  value: ts.Node;
  /** The call that captured the claims: the timer, the queued job, the emit, `res.on('finish')`. */
  capture: ts.CallExpression;
}

/**
 * What happens to client identity after it was read: kept in shared places (module state, caches,
 * `app.locals`, singleton fields — `shared-state.ts` says where a write lands) or in the session;
 * the request-bound identity (`identity.requestBound()`) overwritten with a value from elsewhere;
 * decisions made later, by timers, after-response listeners, event listeners and job processors,
 * from claims captured while the request was open. A project part (`project.identityWrites`).
 */
export class IdentityWrites {
  private keptCache?: KeptIdentity[];

  constructor(private readonly project: Project) {}

  /** Identity written to a place shared across requests or outliving the request (not while the module loads). */
  kept(): KeptIdentity[] {
    if (this.keptCache) return this.keptCache;
    const out: KeptIdentity[] = [];
    for (const write of this.project.sharedState.writes()) {
      if (!(write.place.shared || write.place.outlives) || isModuleInit(write.node)) continue;
      // assigned to a variable or field (`this.technician = technicianCn`): what carries the identity by
      // value flow; put into a cache or store by a method (`redis.hset(k, 'stoppedBy', by)`), only the
      // identity itself (a record's audit field is data)
      const assigned = ts.isBinaryExpression(write.node);
      if (!assigned && hashOfOtherFields(this.project, write.values)) continue;
      if (!assigned && attributeOfNamedRecord(this.project, write)) continue;
      // (kept under the identity itself, `principals.set(fingerprint, principal)`: what the lookup by it found is who the
      // client is, the cached principal, by value flow too)
      const key = !assigned && ts.isCallExpression(write.node) ? write.node.arguments[0] : undefined;
      const keyedByIdentity = key !== undefined && !write.values.includes(key) && this.project.identity.isIdentity(key) && identityOnly(this.project, key);
      const value = write.values.find((v) => isIdentityValue(this.project, v, 0, assigned || keyedByIdentity) && (assigned || !recordsAnAction(this.project, v)));
      if (value) out.push({ write, value });
    }
    return (this.keptCache = out);
  }

  /**
   * The request-bound identity overwritten or merged with another source: `req.user = req.user ??
   * await db.lookup(req.query.user)`, `Object.assign(req.identity, body)`, Hono `c.set('identity',
   * { ...c.get('identity'), cn: onBehalfOf })`. Writes already `kept()` are left out.
   */
  overwrites(): IdentityOverwrite[] {
    const project = this.project;
    const bound = project.identity.requestBound();
    const out: IdentityOverwrite[] = [];
    const sf = (n: ts.Node): ts.SourceFile => n.getSourceFile();
    // the request's own container given the identity again under its name, with another source merged in (awilix-express
    // `req.container.register({ caseworker: asValue({ ...caseworker, staffId: req.get('x-act-as-staff-id') }) })`, after the
    // certificate middleware registered `caseworker` there)
    // (a registration that replaces the one the request has: its function reads that one first, `req.container.resolve('caseworker')`;
    // a route that never had one and registers an identity of its own overwrites nothing)
    const registered = requestContainerValues(project);
    for (const [key, entries] of registered) {
      if (entries.length < 2 || !entries.some((e) => isIdentityValue(project, e.value, 0))) continue;
      for (const e of entries) {
        if (!readsRegistered(e.call, key)) continue;
        const other = foreignPart(project, e.value, 0);
        if (other) out.push({ node: e.call, field: `${snippet(e.container, sf(e.call), 30)}.resolve('${key}')`, other });
      }
    }
    if (bound.size === 0) return out;
    const kept = new Set<ts.Node>(this.kept().map((k) => k.write.node));
    for (const facts of project.facts.values()) {
      for (const [key, nodes] of facts.assignments) {
        const parts = key.split('.');
        const field = parts.at(-1)!;
        // (a field of it too: `req.judge.panelId = req.query.panelId`)
        const ofBound = parts.length >= 3 && bound.has(parts.at(-2)!);
        if (!bound.has(field) && !ofBound) continue;
        for (const node of nodes) {
          if (!ts.isBinaryExpression(node) || kept.has(node)) continue;
          const left = skipOuter(node.left);
          if (!ts.isPropertyAccessExpression(left) && !ts.isElementAccessExpression(left)) continue;
          const owner = skipOuter(left.expression);
          const onRequest = bound.has(field) && isRequestLike(owner);
          const onIdentity = ofBound && ts.isPropertyAccessExpression(owner) && bound.has(owner.name.text) && isRequestLike(skipOuter(owner.expression));
          if (!onRequest && !onIdentity) continue;
          // the only write of a field is what binds it, not an overwrite: `res.locals.assignment = { room:
          // req.params.room, reporter: reporter.cn }` makes a record of its own; an overwrite replaces what another
          // write bound there, or merges into it (`req.user = { ...req.user, cn: actingAs }`)
          if (onRequest && !rebinds(project, field, node)) continue;
          const other = foreignPart(project, node.right, 0);
          if (other) out.push({ node, field: snippet(left, sf(left), 40), other });
        }
      }
    }
    for (const call of project.callsNamed('assign')) {
      if (!ts.isCallExpression(call) || calleeChain(call.expression)?.join('.') !== 'Object.assign') continue;
      const [target, ...rest] = call.arguments;
      const chain = target && calleeChain(target);
      if (!chain || !bound.has(chain[chain.length - 1]) || !isRequestLike(skipOuter((skipOuter(target) as ts.PropertyAccessExpression).expression ?? target))) continue;
      const other = rest.map((r) => foreignPart(project, r, 0)).find((x) => x);
      if (other) out.push({ node: call, field: snippet(target, sf(target), 40), other });
    }
    // Hono `c.set('identity', { ...c.get('identity'), cn: onBehalfOf })`
    for (const call of project.callsNamed('set')) {
      if (!ts.isCallExpression(call) || call.arguments.length !== 2 || !ts.isStringLiteralLike(call.arguments[0]) || !bound.has(call.arguments[0].text)) continue;
      const callee = skipOuter(call.expression);
      if (!ts.isPropertyAccessExpression(callee) || !isRequestLike(callee.expression)) continue;
      const other = foreignPart(project, call.arguments[1], 0);
      if (other) out.push({ node: call, field: `${snippet(callee.expression, sf(call), 20)}.get('${call.arguments[0].text}')`, other });
    }
    return out;
  }

  /**
   * Deferred work that decides access from captured claims: a job queued with a decision already
   * taken from them, an event listener that tests the claims it is sent, a callback run after the
   * response (timer, `res.on('finish')`, queued job) that tests captured identity, a job processor
   * that decides from the identity in its job's data.
   */
  deferredDecisions(): DeferredDecision[] {
    const project = this.project;
    const out: DeferredDecision[] = [];
    const found = (capture: ts.CallExpression, value: ts.Node, test: ts.Node): void => void out.push({ test, value, capture });
    queuedDecisions(project, found);
    for (const name of AFTER_RESPONSE_CALLEES) {
      for (const call of project.callsNamed(name)) {
        if (!ts.isCallExpression(call)) continue;
        for (const arg of call.arguments) {
          let cb: ts.Node | undefined = skipOuter(arg);
          // a callback kept under a name first (`const onWarning = async (evt) => { … }; bus.on('frost', onWarning)`)
          if (ts.isIdentifier(cb)) cb = project.modules.valueOf(cb);
          if (!cb || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) || !runsAfterResponse(cb, call, project)) continue;
          const decision = capturedDecision(project, cb);
          if (!decision) continue;
          found(call, decision.value, decision.test);
          break;
        }
      }
    }
    workerDecisions(project, found);
    return out;
  }

  /** Which identity source the function around `node` reads (a certificate read first, then a header read), if any. */
  sourceRead(node: ts.Node): CertRead | HeaderRead | undefined {
    let fn: ts.Node | undefined;
    for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n)) fn ??= n;
    const inFn = (n: ts.Node): boolean => fn !== undefined && n.getSourceFile() === fn.getSourceFile() && n.pos >= fn.pos && n.end <= fn.end;
    return this.project.identity.certReads().find((r) => inFn(r.call)) ?? this.project.identity.headerReads().find((r) => inFn(r.node));
  }
}

/**
 * Claims handed to work that runs later and decides from them: a job queued with a decision already
 * taken from the claims (`includePii: operator.ou === 'Compliance'`), or an event whose listener
 * tests the claims it receives (`keyEvents.on('rotate', ({ requestedBy }) => { if (requestedBy.ou …) })`).
 */
function queuedDecisions(project: Project, report: (call: ts.CallExpression, value: ts.Node, test: ts.Node) => void): void {
  for (const name of QUEUE_CALLS) {
    for (const call of project.callsNamed(name)) {
      if (!ts.isCallExpression(call) || !namesQueue(calleeChain(call.expression)?.slice(0, -1).join('.') ?? '')) continue;
      args: for (const arg of call.arguments) {
        const obj = skipOuter(arg);
        if (!ts.isObjectLiteralExpression(obj)) continue;
        for (const p of obj.properties) {
          if (!ts.isPropertyAssignment(p)) continue;
          const v = skipOuter(p.initializer);
          const isTest =
            (ts.isBinaryExpression(v) && isEqualityOperator(v.operatorToken.kind)) ||
            (ts.isCallExpression(v) && isCollectionTest(calleeChain(v.expression)?.at(-1) ?? '', 'membership', 'affix'));
          if (!isTest) continue;
          const parts = ts.isBinaryExpression(v) ? [v.left, v.right] : [...v.arguments, (skipOuter(v.expression) as ts.PropertyAccessExpression).expression ?? v];
          const value = parts.find((x) => x && isIdentityValue(project, x, 0));
          if (value) {
            report(call, value, v);
            break args;
          }
        }
      }
    }
  }
  for (const call of project.callsNamed(EMIT_METHOD)) {
    if (!ts.isCallExpression(call) || call.arguments.length < 2 || !ts.isStringLiteralLike(call.arguments[0])) continue;
    const value = call.arguments.slice(1).find((a) => isIdentityValue(project, a, 0));
    if (!value) continue;
    const receiver = calleeChain(call.expression)?.slice(0, -1).join('.');
    const event = call.arguments[0].text;
    for (const name of EVENT_LISTENERS) {
      for (const on of project.callsNamed(name)) {
        if (!ts.isCallExpression(on) || calleeChain(on.expression)?.slice(0, -1).join('.') !== receiver) continue;
        const [ev, cb] = on.arguments;
        if (!ev || !ts.isStringLiteralLike(ev) || ev.text !== event || !cb) continue;
        const fn = skipOuter(cb);
        if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || !fn.body) continue;
        // (a test of what the event carries of the identity: `requestedBy.ou`, not `account.active` of a lookup about
        // someone else the event names; also in a function of the listener's file given the event's declared type, which the
        // listener hands it to later, `runExport(evt: ExportRequested)` testing `evt.scopes`)
        const carried = identityKeys(project, value);
        let test = claimsTest(fn, carried);
        const type = fn.parameters[0]?.type?.getText();
        if (!test && type !== undefined) {
          const visit = (n: ts.Node): void => {
            if (test) return;
            if (isFunctionLike(n) && n !== fn && n.body && n.parameters[0]?.type?.getText() === type) test = claimsTest(n, carried);
            ts.forEachChild(n, visit);
          };
          visit(fn.getSourceFile());
        }
        if (test) report(call, value, test);
      }
    }
  }
}

const QUEUE_CALLS = DEFERRING_CALLEES.filter((d) => isQueueCall(d.name)).map((d) => d.name);
/** `emitter.on('x', …)` and friends (not `prependListener`: it only reorders the same listeners). */
const EVENT_LISTENERS = DEFERRING_CALLEES.filter((d) => isListenerRegistration(d.name) && d.name !== 'prependListener').map((d) => d.name);

/**
 * Claims added to a job queue whose processor decides from them: `drills.add('drill', { roles:
 * operator.roles })`, then `new Worker('drills', async (job) => { if (!job.data.roles.includes(…)) … })`.
 * A queue that only carries identity along as data (the worker sends it on, logs it, checks it is
 * there) decides nothing and is not reported.
 */
function workerDecisions(project: Project, report: (call: ts.CallExpression, value: ts.Node, test: ts.Node) => void): void {
  const queues = jobQueues(project);
  for (const q of queues) {
    if (q.processors.length === 0) continue;
    for (const add of q.adds) {
      const payload = skipOuter(add.payload);
      // the keys of the payload that carry identity; `*` when the payload is the identity itself
      const keys = new Map<string, ts.Node>();
      // of those, the keys whose value is a decision already taken from the claims (`qualifiedPerson: units.includes('QP')`
      // in the middleware that bound the officer): a test of its mere truth decides
      const decided = new Set<string>();
      if (ts.isObjectLiteralExpression(payload)) {
        for (const p of payload.properties) {
          const v = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
          const k = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
          if (v && k !== undefined && isIdentityValue(project, v, 0)) {
            keys.set(k, v);
            if (decidedValue(project, v)) decided.add(k);
          }
        }
      } else if (isIdentityValue(project, payload, 0)) keys.set('*', payload);
      if (keys.size === 0) continue;
      for (const fn of q.processors) {
        const found = jobDecision(project, fn, keys, decided);
        if (found) report(add.call, found.value, found.test);
      }
    }
  }
}

/** A test in a job processor that decides from `job.data.<key>` for a key that carries identity. */
function jobDecision(
  project: Project,
  fn: ts.FunctionLikeDeclaration,
  keys: ReadonlyMap<string, ts.Node>,
  decided: ReadonlySet<string> = new Set(),
): { test: ts.Node; value: ts.Node } | undefined {
  const job = fn.parameters[0];
  if (!job || !fn.body) return undefined;
  // `job.data.roles`, `const { roles } = job.data`, `const data = job.data; data.roles`: the key read, if any
  const keyRead = (n: ts.Node, depth = 0): string | undefined => {
    if (depth > 4) return undefined;
    const e = ts.isExpression(n) ? skipOuter(n) : n;
    if (ts.isIdentifier(e)) {
      const decl = project.modules.declarationOf(e.text, e);
      if (decl === job) return '';
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.pos >= fn.pos && decl.end <= fn.end) return keyRead(decl.initializer, depth + 1);
      if (decl && ts.isBindingElement(decl) && decl.pos >= fn.pos && decl.end <= fn.end) {
        const key = decl.propertyName ?? decl.name;
        const k = ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : undefined;
        const owner = decl.parent.parent;
        const from = ts.isVariableDeclaration(owner) ? owner.initializer : ts.isParameter(owner) && owner === job ? undefined : undefined;
        if (ts.isParameter(owner) && owner === job) return k === JOB_PAYLOAD_FIELD ? JOB_PAYLOAD_FIELD : undefined;
        const base = from ? keyRead(from, depth + 1) : undefined;
        return base === undefined || k === undefined ? undefined : base === '' ? k : base === JOB_PAYLOAD_FIELD ? `${JOB_PAYLOAD_FIELD}.${k}` : base;
      }
      return undefined;
    }
    if (ts.isPropertyAccessExpression(e)) {
      const base = keyRead(e.expression, depth + 1);
      if (base === undefined) return undefined;
      if (base === '') return e.name.text;
      return base === JOB_PAYLOAD_FIELD ? `${JOB_PAYLOAD_FIELD}.${e.name.text}` : base;
    }
    return undefined;
  };
  let matched: ts.Node | undefined;
  const carries = (n: ts.Node): boolean => {
    const k = keyRead(n);
    if (k === undefined || !k.startsWith(`${JOB_PAYLOAD_FIELD}.`)) return (matched = keys.has('*') && k === JOB_PAYLOAD_FIELD ? keys.get('*') : undefined) !== undefined;
    return (matched = keys.get(k.slice(JOB_PAYLOAD_FIELD.length + 1).split('.')[0]) ?? keys.get('*')) !== undefined;
  };
  // a read of a key whose value is itself a decision: its truth is the decision (`if (!qualifiedPerson) throw …`)
  const carriesDecided = (n: ts.Node): boolean => {
    const k = keyRead(n);
    return k !== undefined && k.startsWith(`${JOB_PAYLOAD_FIELD}.`) && decided.has(k.slice(JOB_PAYLOAD_FIELD.length + 1).split('.')[0]) && carries(n);
  };
  let found: { test: ts.Node; value: ts.Node } | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIfStatement(n) || ts.isConditionalExpression(n)) {
      const cond = ts.isIfStatement(n) ? n.expression : n.condition;
      // (or a local the processor keeps a decision in: `const crossTenant = scopes.includes('export:all-tenants')`,
      // then `crossTenant ? allRows : ownRows`)
      const value = decidingRead(cond, carries) ?? keptDecision(project, fn, cond, carries) ?? decidedRead(cond, carriesDecided);
      if (value) {
        found = { test: n, value: matched ?? value };
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return found;
}

/**
 * A local of the processor, read in the condition, whose value was decided from the job's identity data
 * (`const crossTenant = scopes.includes('export:all-tenants')`): the condition decides from it too.
 */
function keptDecision(project: Project, fn: ts.FunctionLikeDeclaration, cond: ts.Expression, isRead: (n: ts.Node) => boolean, depth = 0): ts.Node | undefined {
  if (depth > 3) return undefined;
  let hit: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (hit || isFunctionLike(n)) return;
    if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      const decl = project.modules.declarationOf(n.text, n);
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.pos >= fn.pos && decl.end <= fn.end && decl.end <= n.pos)
        hit = decidingRead(decl.initializer, isRead) ?? keptDecision(project, fn, decl.initializer, isRead, depth + 1);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(cond);
  return hit;
}

/**
 * A read inside a condition that decides something from its value: compared, tested for membership
 * (`roles.includes('x')`) or handed to a call (`canRelease(role)`) — not a mere presence test
 * (`if (!job.data.requestedBy)`), which decides nothing about who may do what.
 */
function decidingRead(cond: ts.Expression, isRead: (n: ts.Node) => boolean): ts.Node | undefined {
  let hit: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (hit || isFunctionLike(n)) return;
    if ((ts.isPropertyAccessExpression(n) || ts.isIdentifier(n)) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) && isRead(n)) {
      // climb through the fields of the value read (`job.data.roles.length`) to what uses it
      let top: ts.Node = n;
      while (ts.isPropertyAccessExpression(top.parent) && top.parent.expression === top) top = top.parent;
      const p = skipParens(top.parent);
      // (a call the worker waits for, given the identity, asks the stores now: `await isActiveCoordinator(cn, id)`
      // is the re-check, not a decision from what the request carried)
      const asksNow = ts.isCallExpression(p) && ts.isAwaitExpression(skipParens(p.parent));
      const decides =
        (ts.isBinaryExpression(p) &&
          p.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken &&
          p.operatorToken.kind !== ts.SyntaxKind.BarBarToken &&
          p.operatorToken.kind !== ts.SyntaxKind.QuestionQuestionToken) ||
        (ts.isCallExpression(p) && !asksNow);
      if (decides) {
        hit = n;
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(cond);
  return hit;
}

/**
 * The value is a decision taken on the claims: it comes from a comparison or a membership test
 * (`qualifiedPerson: units.includes('QP')` where the middleware built the officer, read as
 * `officer.qualifiedPerson`). The test must be the value of the field read, not of a neighbour in the
 * same object (`officer.cn` beside it).
 */
function decidedValue(project: Project, value: ts.Node): boolean {
  const e = ts.isExpression(value) ? skipOuter(value) : value;
  const name = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isIdentifier(e) ? e.text : undefined;
  if (name === undefined) return false;
  const leaf = (n: ts.Node): ts.Node | undefined =>
    (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind)) ||
    (ts.isCallExpression(n) && isCollectionTest(calleeChain(n.expression)?.at(-1) ?? '', 'membership', 'affix'))
      ? n
      : undefined;
  const found = project.values.find(value, leaf);
  if (!found) return false;
  // the field of an object literal the test is the value of, if any
  let at: ts.Node = found;
  while (at.parent && !ts.isPropertyAssignment(at.parent) && !ts.isStatement(at.parent) && !isFunctionLike(at.parent)) at = at.parent;
  const owner = at.parent && ts.isPropertyAssignment(at.parent) ? propertyNameText(at.parent.name) : undefined;
  return owner === undefined ? ts.isVariableDeclaration(at.parent) && ts.isIdentifier(at.parent.name) && at.parent.name.text === name : owner === name;
}

/** A read in a condition tested for its truth alone (`!qualifiedPerson`, `qualifiedPerson && …`): what `decidingRead` leaves out. */
function decidedRead(cond: ts.Expression, isRead: (n: ts.Node) => boolean): ts.Node | undefined {
  let hit: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (hit || isFunctionLike(n)) return;
    if ((ts.isPropertyAccessExpression(n) || ts.isIdentifier(n)) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) && isRead(n)) {
      hit = n;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(cond);
  return hit;
}

function skipParens(n: ts.Node): ts.Node {
  while (ts.isParenthesizedExpression(n)) n = n.parent;
  return n;
}

/** A callback that runs after the request was answered: a timer, `res.on('finish')`, a queued job. */
function runsAfterResponse(cb: ts.Node, call: ts.CallExpression, project?: Project): boolean {
  const name = calleeChain(call.expression)?.at(-1) ?? '';
  if (name === 'on' || name === 'once') {
    const event = call.arguments[0];
    if (event !== undefined && ts.isStringLiteralLike(event) && isAfterResponseEvent(event.text)) return true;
    // a listener the request adds to an emitter of the module (`frostEvents.on('frost-warning', onWarning)`):
    // it runs whenever other code emits, long after this request or connection decided anything
    const callee = skipOuter(call.expression);
    const receiver = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
    if (!project || !receiver || !ts.isIdentifier(receiver)) return false;
    const decl = project.modules.declarationOf(receiver.text, receiver);
    const moduleLevel =
      decl !== undefined && (ts.isImportSpecifier(decl) || ts.isImportClause(decl) || (ts.isVariableDeclaration(decl) && ts.isSourceFile(decl.parent.parent.parent)));
    return moduleLevel && enclosingFn(call) !== undefined;
  }
  if (isQueueCall(name)) return namesQueue(calleeChain(call.expression)?.slice(0, -1).join('.') ?? '');
  return isDeferredCallback(cb) !== undefined || isTimer(name);
}

/** A test inside the callback that reads identity captured from the enclosing request function. */
function capturedDecision(project: Project, cb: ts.FunctionLikeDeclaration): { test: ts.Node; value: ts.Node } | undefined {
  let found: { test: ts.Node; value: ts.Node } | undefined;
  // a value the callback reads afresh (`const { Item: registration } = await ddb.send(…)`): compared with
  // the captured claim, or given it as a key, it asks the stores now — a re-check, not a decision from the claims
  const fresh = (e: ts.Node): boolean => {
    let root = ts.isExpression(e) ? skipOuter(e) : e;
    while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) root = skipOuter(root.expression);
    if (!ts.isIdentifier(root)) return false;
    let decl: ts.Node | undefined = project.modules.declarationOf(root.text, root);
    if (!decl || decl.pos < cb.pos || decl.end > cb.end) return false;
    while (decl && (ts.isBindingElement(decl) || ts.isObjectBindingPattern(decl) || ts.isArrayBindingPattern(decl))) decl = decl.parent;
    const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
    return init !== undefined && ts.isAwaitExpression(skipOuter(init));
  };
  // a value the callback is given (the event it handles, `evt.vineyardId !== claims.vineyardId`): matching the
  // event to this client routes it, it decides nothing about what the client may do
  const given = (e: ts.Node): boolean => {
    let root = ts.isExpression(e) ? skipOuter(e) : e;
    while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) root = skipOuter(root.expression);
    if (!ts.isIdentifier(root)) return false;
    let decl: ts.Node | undefined = project.modules.declarationOf(root.text, root);
    while (decl && (ts.isBindingElement(decl) || ts.isObjectBindingPattern(decl) || ts.isArrayBindingPattern(decl))) decl = decl.parent;
    return decl !== undefined && ts.isParameter(decl) && decl.parent === cb;
  };
  const captured = (expr: ts.Node): ts.Node | undefined => {
    let hit: ts.Node | undefined;
    const visit = (n: ts.Node): void => {
      if (hit) return;
      if (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind) && (fresh(n.left) || fresh(n.right) || given(n.left) || given(n.right))) return;
      if (ts.isCallExpression(n) && ts.isAwaitExpression(n.parent)) return;
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        const decl = project.modules.declarationOf(n.text, n);
        if (decl && !(decl.pos >= cb.pos && decl.end <= cb.end) && project.identity.isIdentity(n)) hit = n;
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(expr);
    return hit;
  };
  // a test kept in a local first (`const waived = boater.permitClass === 'trade' || …`): the decision is made there
  const isTest = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.ExclamationToken) return isTest(x.operand);
    if (!ts.isBinaryExpression(x)) return false;
    const k = x.operatorToken.kind;
    if (k === ts.SyntaxKind.AmpersandAmpersandToken || k === ts.SyntaxKind.BarBarToken) return isTest(x.left) || isTest(x.right);
    return isEqualityOperator(k);
  };
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIfStatement(n) || ts.isConditionalExpression(n)) {
      const cond = ts.isIfStatement(n) ? n.expression : n.condition;
      const value = captured(cond);
      if (value) {
        found = { test: n, value };
        return;
      }
    }
    if (ts.isVariableDeclaration(n) && n.initializer && isTest(n.initializer)) {
      const value = captured(n.initializer);
      if (value) {
        found = { test: n.parent.parent, value };
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  if (cb.body) visit(cb.body);
  return found;
}

/**
 * Identity, or a parameter (or a field of one) that a caller the tool sees hands identity to:
 * `setClient(identity) { this.client = identity }` called as `ctx.setClient(req.clientIdentity)`.
 */
function isIdentityValue(project: Project, value: ts.Expression, depth: number, byFlow = false): boolean {
  // the identity, or (`byFlow`) a value that carries it (value flow: parameters from their callers, fields, helpers)
  if (project.identity.isIdentity(value) || (byFlow && project.requestValues.carriesIdentity(value))) return true;
  if (depth > 2) return false;
  let root = skipOuter(value);
  while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) root = skipOuter(root.expression);
  if (ts.isObjectLiteralExpression(root)) {
    return root.properties.some(
      (p) =>
        (ts.isPropertyAssignment(p) && isIdentityValue(project, p.initializer, depth + 1)) || (ts.isShorthandPropertyAssignment(p) && isIdentityValue(project, p.name, depth + 1)),
    );
  }
  if (!ts.isIdentifier(root)) return false;
  const decl = project.modules.declarationOf(root.text, root);
  if (!decl || !ts.isParameter(decl) || !isFunctionLike(decl.parent)) return false;
  const fn = decl.parent;
  const index = fn.parameters.indexOf(decl);
  // the calls that may reach this very function (not a method of another class with that name)
  return project.values.possibleCallersOf(fn).some((c) => {
    const arg = c.arguments?.[index];
    return arg !== undefined && isIdentityValue(project, arg, depth + 1);
  });
}

/**
 * A key that names the identity and nothing else: the identity itself, or it with constants around it
 * (`fingerprint`, `` `principal:${cn}` ``, `cert.fingerprint256.toLowerCase()`), not a key built from it
 * and other values (`keys.current(caller.org, env)`).
 */
function identityOnly(project: Project, key: ts.Expression): boolean {
  const e = skipOuter(key);
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e)) return true;
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => identityOnly(project, s.expression));
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return identityOnly(project, e.left) && identityOnly(project, e.right);
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return project.identity.isIdentity(e);
  // a method of the identity with constants only (`fp.toLowerCase()`, `dn.split(',')[0]`)
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression))
    return e.arguments.every((a) => ts.isStringLiteralLike(skipOuter(a)) || ts.isNumericLiteral(skipOuter(a))) && identityOnly(project, e.expression.expression);
  return false;
}

/**
 * A record of something the client did, with who did it as one of its fields: `JSON.stringify({
 * reason, by: operator.cn })`, `{ rtu: rtu.rtuId, n: req.body.samples.length }` — it holds what the
 * request sent beside the identity. Put into a store, it is data (like a row's `createdBy`), not
 * claims kept to be trusted later.
 */
function recordsAnAction(project: Project, value: ts.Expression): boolean {
  let e = skipOuter(value);
  // `JSON.stringify(record)`, `String(…)`: the record it is made from
  while (ts.isCallExpression(e) && e.arguments[0] && isConversion(calleeChain(e.expression)?.at(-1) ?? '')) e = skipOuter(e.arguments[0]);
  // a record built elsewhere and handed on (`store.write(id, stamped)` with `stamped = { ...values, updatedBy }`)
  // (a name for the whole record, not a field read off one: `c.get('agent').agentId` is the field)
  if (!ts.isObjectLiteralExpression(e)) {
    if (!ts.isIdentifier(e)) return false;
    const leaf = (n: ts.Node): true | undefined => (ts.isObjectLiteralExpression(n) && literalRecordsAction(project, n) ? true : undefined);
    return project.values.find(e, leaf) === true;
  }
  return literalRecordsAction(project, e);
}

function literalRecordsAction(project: Project, e: ts.ObjectLiteralExpression): boolean {
  // the whole claims object kept in it (`{ claims, orderRef, opened }`) is the identity cached, not
  // who did something: a record of an action names its actor (`by: claims.cn`)
  const whole = (v: ts.Expression): boolean => {
    const leaf: Leaf<true> = (n: ts.Node) =>
      ts.isObjectLiteralExpression(n) && n.properties.filter((q) => ts.isPropertyAssignment(q) && project.identity.isIdentity(q.initializer)).length >= 2 ? true : undefined;
    // (a field read off it, `by: keeper.id`, is a name, not the object)
    leaf.narrow = () => undefined;
    return ts.isIdentifier(skipOuter(v)) && project.identity.isIdentity(v) && project.values.find(v, leaf) === true;
  };
  if (e.properties.some((p) => (ts.isPropertyAssignment(p) ? whole(p.initializer) : ts.isShorthandPropertyAssignment(p) ? whole(p.name) : false))) return false;
  // the claims copied field by field (`{ breakerId, operator: op.cn, region: op.region, roles: op.roles }`): more than who acted
  const claims = e.properties.filter((p) =>
    ts.isPropertyAssignment(p) ? project.identity.isIdentity(p.initializer) : ts.isShorthandPropertyAssignment(p) && project.identity.isIdentity(p.name),
  );
  if (claims.length >= 2) return false;
  // what happened, beside who did it and when (`{ estop: '0', resetBy: name, resetAt: Date.now() }`, `{ cohort,
  // version, requestedBy, at: Date.now() }`), as the field/value form of a hash write says (`hset(key, 'state',
  // 'aborted', 'by', op)`): one field names the actor, one the moment, and the others say what was done
  // (who alone with a moment, `{ user: cn, at: Date.now() }`, is a session kept)
  const fields = e.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? [p.initializer] : ts.isShorthandPropertyAssignment(p) ? [p.name] : []));
  const clock = (v: ts.Expression): boolean => isMoment(v, (x) => project.modules.valueOf(x));
  const actors = fields.filter((v) => project.identity.isIdentity(v));
  if (actors.length === 1 && fields.some(clock) && fields.some((v) => !clock(v) && !project.identity.isIdentity(v))) return true;
  return e.properties.some((p) => {
    // (what the client sent spread into it counts too: `{ ...values, updatedBy: caller.deviceId }`)
    const v = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : ts.isSpreadAssignment(p) ? p.expression : undefined;
    return v !== undefined && !project.identity.isIdentity(v) && project.requestValues.origin(v) !== undefined;
  });
}

/**
 * Field/value pairs written to a hash where some field holds something other than the identity
 * (`redis.hset(key, 'state', 'aborted', 'by', run.operator)`): a record with who did it, not claims.
 */
function hashOfOtherFields(project: Project, values: readonly ts.Expression[]): boolean {
  if (values.length < 4 || values.length % 2 !== 0) return false;
  if (!values.every((v, i) => i % 2 === 1 || ts.isStringLiteralLike(skipOuter(v)))) return false;
  return values.some((v, i) => i % 2 === 1 && !isIdentityValue(project, v, 0) && !isClockValue(v));
}

/**
 * Named fields written to a record the URL names (`redis.hset('session:' + sessionId, 'stoppedBy',
 * by)` with `sessionId` a route parameter): who acted on that record, not claims kept for a later
 * request to trust. A key the identity or a cookie chooses is the client's own slot, and stays a cache.
 */
function attributeOfNamedRecord(project: Project, write: Write): boolean {
  const values = write.values;
  if (!ts.isCallExpression(write.node) || values.length < 2 || values.length % 2 !== 0) return false;
  if (!values.every((v, i) => i % 2 === 1 || ts.isStringLiteralLike(skipOuter(v)))) return false;
  const key = write.node.arguments[0];
  if (!key || values.includes(key)) return false;
  const parts: ts.Expression[] = [];
  const collect = (e: ts.Expression): void => {
    const x = skipOuter(e);
    if (ts.isTemplateExpression(x)) x.templateSpans.forEach((s) => collect(s.expression));
    else if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) [x.left, x.right].forEach(collect);
    else if (!ts.isStringLiteralLike(x)) parts.push(x);
  };
  collect(key);
  if (parts.length === 0 || parts.some((p) => isIdentityValue(project, p, 0))) return false;
  return parts.some((p) => {
    const read = project.requestValues.origin(p);
    return read !== undefined && isRouteParamRead(read.name);
  });
}

/** A read of a route parameter: `req.params.id`, `ctx.params.id`, `c.req.param('id')`, `@Param('id') id`. */
const isRouteParamRead = (name: string): boolean => /\bparams\b|\bparam\(|@Param\(/.test(name);

/** A write made while the module loads, not during a request. */
function isModuleInit(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n)) return false;
  return true;
}

/** Another write binds `field` on the request, or this write reads the field it replaces. */
function rebinds(project: Project, field: string, write: ts.BinaryExpression): boolean {
  const right = skipOuter(write.right);
  if ((project.values.requestFieldWrites().get(field) ?? []).some((v) => skipOuter(v) !== right)) return true;
  let reads = false;
  const visit = (n: ts.Node): void => {
    if (reads) return;
    if (ts.isPropertyAccessExpression(n) && n.name.text === field) reads = true;
    else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteralLike(n.arguments[0]) && n.arguments[0].text === field) reads = true;
    else ts.forEachChild(n, visit);
  };
  visit(right);
  return reads;
}

/**
 * The part of a value that does not come from the client certificate: a request input, another
 * lookup, a token — `req.user ?? await db.lookup(req.query.user)` → the lookup. Literals, identity
 * values and lookups keyed by identity (`await roles.for(cert.subject.CN)`) are the certificate's.
 */
function foreignPart(project: Project, value: ts.Expression, depth: number): ts.Node | undefined {
  const e = skipOuter(value);
  if (depth > 4) return undefined;
  if (
    ts.isLiteralExpression(e) ||
    e.kind === ts.SyntaxKind.NullKeyword ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    (ts.isIdentifier(e) && e.text === 'undefined')
  )
    return undefined;
  if (ts.isAwaitExpression(e)) return foreignPart(project, e.expression, depth + 1) && e;
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.AmpersandAmpersandToken) {
      return foreignPart(project, e.left, depth + 1) ?? foreignPart(project, e.right, depth + 1);
    }
  }
  if (ts.isConditionalExpression(e)) return foreignPart(project, e.whenTrue, depth + 1) ?? foreignPart(project, e.whenFalse, depth + 1);
  if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      const inner = ts.isPropertyAssignment(p) ? p.initializer : ts.isSpreadAssignment(p) ? p.expression : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
      const hit = inner && foreignPart(project, inner, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  if (project.identity.isIdentity(e)) return undefined;
  // the clock (`at: Date.now()`, `new Date().toISOString()`) says when, not who
  if (isClockValue(e)) return undefined;
  if (ts.isCallExpression(e)) {
    // a lookup keyed by identity stays the certificate's: `await loadRoles(cert.subject.CN)`, unless the client
    // also chose what it picks (`findFirst({ where: { staffNumber: req.header('x-acting-for'), depot: me.depot } })`:
    // another principal's record, only narrowed by the certificate's)
    const chosen = e.arguments.some((a) => project.requestValues.requestReadIn(a, (r) => !project.identity.isIdentity(r.node)) !== undefined);
    if (!chosen && e.arguments.some((a) => project.identity.isIdentity(a))) return undefined;
    return e;
  }
  if (ts.isIdentifier(e)) {
    const decl = project.modules.declarationOf(e.text, e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer) return foreignPart(project, decl.initializer, depth + 1) ? e : undefined;
    // a parameter that is the client's input (`@Args('toOperator') toOperator`, `@Body() dto`), or destructured from one
    // (a tRPC procedure's `({ ctx, input })`)
    if (decl && (ts.isParameter(decl) || ts.isBindingElement(decl)) && project.requestValues.origin(e) !== undefined) return e;
    return undefined; // another parameter or something we cannot see: stay quiet
  }
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    // (what the value flow traces to the request's input: a tRPC procedure's `input.siteId`, a GraphQL resolver's `args.x`)
    if (readsRequestInput(e) || project.requestValues.origin(e) !== undefined) return e;
    // a field of a value that is not the certificate's (`delegated._source` of a lookup by a header); a step down
    // the same expression (`found.hits.hits[0]._source`) is no jump to another value, so it does not count toward the depth
    return foreignPart(project, e.expression, depth) ? e : undefined;
  }
  return undefined;
}

/** `req.query.user`, `req.body.id`, `ctx.request.body`, `request.params.x`, `req.headers.authorization`, cookies, session. */
function readsRequestInput(e: ts.Expression): boolean {
  const chain = calleeChain(e);
  if (!chain) return false;
  const at = chain.findIndex(isRequestField);
  return at > 0 && isRequestObjectName(chain[0]);
}

/** The function a node is in, if any. */
function enclosingFn(node: ts.Node): ts.Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/**
 * The keys of an emitted object that carry identity (`{ approverCn: employee.cn, requesterCn: row.requester_cn }` →
 * `approverCn`), for a literal written in the call or kept in a local; `*` when the value is the identity itself.
 */
function identityKeys(project: Project, value: ts.Node): Set<string> | '*' {
  let obj: ts.Node | undefined = ts.isExpression(value) ? skipOuter(value) : value;
  if (obj && ts.isIdentifier(obj)) {
    const decl = project.modules.declarationOf(obj.text, obj);
    obj = decl && ts.isVariableDeclaration(decl) && decl.initializer ? skipOuter(decl.initializer) : undefined;
  }
  if (!obj || !ts.isObjectLiteralExpression(obj)) return '*';
  const keys = new Set<string>();
  for (const p of obj.properties) {
    const v = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
    const k = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
    if (v && k !== undefined && isIdentityValue(project, v, 0)) keys.add(k);
  }
  return keys;
}

/** The first test in `fn` on what its first parameter carries of the identity (`carried`'s keys, or any use when it is the identity). */
function claimsTest(fn: ts.FunctionLikeDeclaration, carried: Set<string> | '*'): ts.Node | undefined {
  if (!fn.body) return undefined;
  const names = new Set<string>();
  const param = fn.parameters[0];
  const whole = param && ts.isIdentifier(param.name) ? param.name.text : undefined;
  if (param && ts.isObjectBindingPattern(param.name))
    for (const el of param.name.elements) {
      const key = el.propertyName ?? el.name;
      if (ts.isIdentifier(el.name) && (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && (carried === '*' || carried.has(key.text))) names.add(el.name.text);
    }
  const usesClaims = (cond: ts.Node): boolean => {
    let hit = false;
    const look = (n: ts.Node): void => {
      if (hit) return;
      if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.Identifier).text === whole)
        hit = carried === '*' || carried.has(n.name.text);
      else if (ts.isIdentifier(n) && (names.has(n.text) || (n.text === whole && carried === '*'))) hit = true;
      else ts.forEachChild(n, look);
    };
    look(cond);
    return hit;
  };
  let test: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (test) return;
    if ((ts.isIfStatement(n) || ts.isConditionalExpression(n)) && usesClaims(ts.isIfStatement(n) ? n.expression : n.condition)) test = n;
    else ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return test;
}

/**
 * What a request's own container is given by name (awilix `req.container.register({ caseworker: asValue(v) })`, or
 * `register('caseworker', asValue(v))`): the registrations per name, a container being one a request holds.
 */
function requestContainerValues(project: Project): Map<string, { call: ts.CallExpression; container: ts.Expression; value: ts.Expression }[]> {
  const out = new Map<string, { call: ts.CallExpression; container: ts.Expression; value: ts.Expression }[]>();
  const add = (key: string, entry: { call: ts.CallExpression; container: ts.Expression; value: ts.Expression }): void => {
    out.set(key, [...(out.get(key) ?? []), entry]);
  };
  const wrapped = (e: ts.Expression): ts.Expression | undefined => {
    const x = skipOuter(e);
    return ts.isCallExpression(x) && diValueRegistration(calleeChain(x.expression)?.at(-1) ?? '')?.form === 'wrapper' && x.arguments[0] ? x.arguments[0] : undefined;
  };
  for (const call of project.callsNamed(DI_REGISTER)) {
    if (!ts.isCallExpression(call)) continue;
    const callee = skipOuter(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const container = skipOuter(callee.expression);
    // (a container the request holds: `req.container`, `ctx.state.container`)
    if (!ts.isPropertyAccessExpression(container) || !isRequestLike(skipOuter(container.expression))) continue;
    const [first, second] = call.arguments.map((a) => skipOuter(a));
    if (first && ts.isObjectLiteralExpression(first))
      for (const p of first.properties) {
        const key = p.name ? (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name) ? p.name.text : undefined) : undefined;
        const value = ts.isPropertyAssignment(p) ? wrapped(p.initializer) : undefined;
        if (key !== undefined && value) add(key, { call, container, value });
      }
    else if (first && ts.isStringLiteralLike(first) && second) {
      const value = wrapped(second);
      if (value) add(first.text, { call, container, value });
    }
  }
  return out;
}

/** The function around a registration reads what the container holds under that name first: `resolve('caseworker')`, `cradle.caseworker`. */
function readsRegistered(registration: ts.CallExpression, key: string): boolean {
  let fn: ts.Node | undefined = registration.parent;
  while (fn && !isFunctionLike(fn)) fn = fn.parent;
  if (!fn) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= registration.pos) return;
    if (ts.isCallExpression(n) && DI_RESOLVE_METHODS.includes(calleeChain(n.expression)?.at(-1) ?? '') && n.arguments[0] && ts.isStringLiteralLike(skipOuter(n.arguments[0])))
      found = (skipOuter(n.arguments[0]) as ts.StringLiteralLike).text === key;
    else if (ts.isPropertyAccessExpression(n) && n.name.text === key && calleeChain(n.expression)?.at(-1) === DI_CRADLE) found = true;
    if (!found) ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}
