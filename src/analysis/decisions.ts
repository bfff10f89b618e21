import { ts } from '../ts';
import { ELEMENT_ITERATORS, ENVIRONMENT_OBJECT, SETTING_CONVERSIONS } from './vocabulary/values';
import { isJobProcessor } from './job-processors';
import { AFTER_RESPONSE_CALLEES, DECORATED_EVENT_MODULES, isPromiseStep, PROMISE_GATHERERS, PURE_NAMESPACES, WAITS_NOT_READS } from './vocabulary/deferral';
import { cradleName, instanceOfClass } from './values';
import { calleeChain, skipOuter, topLevelBindings } from './facts/walk';
import { isEqualityOperator, isLiteralAnswer } from './expressions';
import { sqlVerbOf } from './vocabulary/sql';
import { isRequestLike } from './identity';
import { classAlongType, fieldDeclaration, isFunctionLike, type Modules, propertyNameText, returnedExpressions, typeMember } from './modules';
import { references } from './guards';
import {
  chainNames,
  changeOnlyRequest,
  flagEvaluation,
  isClockValue,
  isOutboundRequest,
  namesOperation,
  operationOf,
  performedOperation,
  registersHandler,
  sqlText,
  type CallResolver,
} from './operations';
import { isModuleLevel, type Place, type SharedState } from './shared-state';
import { SIGNATURE_VERIFIERS } from './vocabulary/identity-sources';
import { isHttpClientFactory, isHttpClientModule } from './vocabulary/http-clients';
import { collectionClassOf, EQUALITY_METHODS, isLookupMethod, isMutatingMethod, MEMBERSHIP_TESTS, STORE_MEMBERSHIP_TESTS, VALUE_MEMBERSHIP_TESTS } from './vocabulary/containers';
import {
  CONCURRENCY_FIELDS,
  JOB_REFUSAL_ERRORS,
  INPUT_REJECTION_STATUSES,
  CONFLICT_STATUSES,
  STATUS_NAMES,
  GUARD_METHODS,
  KIND_STATUS,
  STATUS_PROPERTIES,
  isMessageError,
  HIDING_STATUSES,
  isStatusField,
  isTransportFlag,
  limitMessage,
  namedRefusal,
  isPeerWrite,
  refusalMessage,
  refusesUnauthenticated,
  isResultMessageKey,
  statusRefusal,
  type RefusalKind,
} from './vocabulary/refusals';
import {
  DRIVER_RESULT_FIELDS,
  ENTITY_INJECTIONS,
  ENTITY_RELOADS,
  FILTER_KEYS,
  initializesDatabaseHandle,
  isDatabaseType,
  QUERY_BUILDER,
  QUERY_TABLE_CALLS,
  READ_TARGET_KEYS,
  RECORD_ID_KEYS,
  RESULT_COUNT_FIELDS,
} from './vocabulary/data-access';
import { DI_CRADLE } from './vocabulary/di';
import { isServerScriptCall, scriptWrites } from './vocabulary/operations';
import { enclosingFunction, isHandedByName } from './dominance';
import { importedBinding } from './store-sinks';
import { isConnectionName, isPerRequestName, isRequestBoundField, isRequestConnectionField, isRequestField, isRequestInputMethod, isRequestObjectOf } from './vocabulary/requests';

const SK = ts.SyntaxKind;

/**
 * Authorization decisions, found by what the code does: a test that stops the flow — a branch that
 * refuses the request (401/403, an authorization error, `ctx.throw(403)`, 404 when more than
 * existence is tested), or a call of a helper whose body refuses by throwing — whose condition
 * depends, through locals, destructuring and `.then` parameters, on an awaited read of state other
 * requests can change (a database, cache, permission or flag service; module state). A test that
 * stops without a refusal (`if (!m) return;` in a timer) is a *check*: it re-checks, it decides nothing.
 */
export interface Check {
  /** The read the condition rests on: an `await`, the call a `.then` hangs off, a look into shared state, a refusing helper's call. */
  read: ts.Node;
  /** The call that reads: `db.member.findUnique(…)`, `acl.assertCanEdit(…)`. */
  call: ts.CallExpression;
  /** What decides whether the operation runs: the `if` with a stopping branch, or the helper call's statement. */
  test: ts.Node;
  /** How it refuses, when it does: a decision; a check that only stops re-checks. */
  refusal?: RefusalKind;
  /** The refusal throws (it stops a caller too): what makes a helper's call a decision. */
  throws: boolean;
  /** Fields of the record the condition tests (`role`, `locked_by`): a write filtered on one carries the condition. */
  fields: string[];
  /** The shared place a synchronous look reads (`revoked.has(serial)` on a module-level `Set`). */
  shared?: Place;
  /** The helper whose own decision refuses, for a call of one. */
  via?: ts.FunctionLikeDeclaration;
  /** The shared place is another module's, imported: only a model of both files sees it change. */
  imported?: true;
  /** It refuses with an error class of the app whose status its declaration gives (maybe in another module). */
  importedRefusal?: true;
  /** Its read was made by middleware that bound the answer to the request (`req.acl.role`): only a model of the app sees it. */
  bound?: true;
  /**
   * It refuses with a conflict on the mere presence of what it read (`if (holds.length > 0) ctx.status = 409`):
   * no decision by itself — a uniqueness check stops a duplicate of what is written — but a block held in
   * another table than the one the guarded work writes (see `promoteBlocks`).
   */
  blocks?: true;
}

type Behind = Pick<Check, 'read' | 'call' | 'fields' | 'shared' | 'imported' | 'bound'>;

/** Questions only a model of the whole app answers. */
export interface ModelQuestions {
  /** What middleware binds to the request, by field name (`req.acl = { role }`). */
  boundValues(): ReadonlyMap<string, readonly ts.Expression[]>;
  /** What a function's parameter is given at its call sites. */
  argumentsOf(param: ts.ParameterDeclaration): readonly ts.Expression[];
  /** The value comes from the client's identity (the certificate, or what the app derived from it). */
  carriesIdentity?(expr: ts.Expression): boolean;
  /** The client chose the value: request input through any flow (`match[1]` of a pattern run on `req.url`, a resolver argument). */
  chosenByClient?(expr: ts.Expression): boolean;
}

export class Decisions {
  private readonly cache = new WeakMap<ts.Node, Check[]>();
  private readonly errorStatus: ErrorStatus;

  constructor(
    private readonly modules: Modules,
    private readonly shared: SharedState,
    readonly resolve: CallResolver,
    /**
     * Statuses error classes get where the app maps them (`refusalMappings`), for classes that carry
     * none; or how to find them, asked the first time a class of the app without a status is thrown.
     */
    mapped?: ReadonlyMap<ts.ClassLikeDeclaration, number> | (() => ReadonlyMap<ts.ClassLikeDeclaration, number>),
    /** What the app's model answers, when there is one: see `ModelQuestions`. */
    private readonly model?: ModelQuestions,
  ) {
    const declared = errorStatusOf(modules);
    let table = typeof mapped === 'function' ? undefined : mapped;
    this.errorStatus =
      typeof mapped === 'function' || (mapped && mapped.size > 0)
        ? Object.assign(
            (name: ts.Identifier) => {
              const own = declared(name);
              if (own !== undefined) return own;
              const cls = modules.valueOf(name);
              if (!cls || !ts.isClassLike(cls)) return undefined;
              table ??= (mapped as () => ReadonlyMap<ts.ClassLikeDeclaration, number>)();
              return table.get(cls) ?? besideClass(cls, modules);
            },
            { madeBy: declared.madeBy, respondsBy: declared.respondsBy, thrownBy: declared.thrownBy, writesToPeer: declared.writesToPeer },
          )
        : Object.assign(
            (name: ts.Identifier) => {
              const own = declared(name);
              if (own !== undefined) return own;
              const cls = modules.valueOf(name);
              return cls && ts.isClassLike(cls) ? besideClass(cls, modules) : undefined;
            },
            { madeBy: declared.madeBy, respondsBy: declared.respondsBy, thrownBy: declared.thrownBy, writesToPeer: declared.writesToPeer },
          );
  }

  /** What an expression holds, across modules (for constants another module exports). */
  private readonly valueOf = (e: ts.Expression): ts.Node | undefined => this.modules.valueOf(e);

  /**
   * A value the app keeps as a setting: what a read by a fixed key answers (`await properties.getByKey(MAX_DAILY_REQUESTS)`,
   * also through a helper of the app that takes nothing, `await this.getMaxDailyRequests()`) — no value of the request picks
   * it. A limit compared with one is set as a constant is; a counter under a fixed key that the same function also writes
   * (`redis.get('stock:left')` then `redis.decrby('stock:left', n)`) is state, not a setting.
   */
  private readonly storedSetting = (v: ts.Expression, depth = 0): boolean => {
    let x = skipOuter(v);
    for (;;) {
      if (ts.isAwaitExpression(x)) x = skipOuter(x.expression);
      else if (ts.isBinaryExpression(x) && (x.operatorToken.kind === SK.BarBarToken || x.operatorToken.kind === SK.QuestionQuestionToken) && isConstantValue(x.right))
        x = skipOuter(x.left);
      else if (ts.isCallExpression(x) && ts.isIdentifier(x.expression) && SETTING_CONVERSIONS.includes(x.expression.text) && x.arguments.length > 0) x = skipOuter(x.arguments[0]);
      else break;
    }
    if (ts.isIdentifier(x) && depth < 3) {
      let d = this.valueOf(x);
      // (a declaration's name stands for the declaration)
      if (d && ts.isIdentifier(d) && d.parent && ts.isVariableDeclaration(d.parent) && d.parent.name === d) d = d.parent;
      return (
        d !== undefined && ts.isVariableDeclaration(d) && d.initializer !== undefined && (d.parent.flags & ts.NodeFlags.Const) !== 0 && this.storedSetting(d.initializer, depth + 1)
      );
    }
    if (!ts.isCallExpression(x) || operationOf(x, this.resolve)) return false;
    const fn = this.resolve(x);
    if (fn && x.arguments.length === 0)
      return (
        depth < 3 &&
        fn.body !== undefined &&
        fn.parameters.length === 0 &&
        returnedExpressions(fn).length > 0 &&
        returnedExpressions(fn).every((r) => this.storedSetting(r, depth + 1))
      );
    // (a read of a store, or a helper of the app, given a fixed key: literals, the module's settings, a name another module
    // exports — never a value of the request)
    const fixed = (a: ts.Expression): boolean =>
      isConstantValue(a) || (ts.isIdentifier(skipOuter(a)) && importedBinding((skipOuter(a) as ts.Identifier).text, a.getSourceFile()) !== undefined);
    if (x.arguments.length === 0 || !x.arguments.every(fixed)) return false;
    const keys = new Set(x.arguments.map((a) => skipOuter(a).getText()));
    const around = enclosingFunction(x);
    let written = false;
    const visit = (n: ts.Node): void => {
      if (written) return;
      if (ts.isCallExpression(n) && n !== x && n.arguments.some((a) => keys.has(skipOuter(a).getText())) && operationOf(n, this.resolve)) written = true;
      else ts.forEachChild(n, visit);
    };
    if (around?.body) visit(around.body);
    return !written;
  };

  /** The checks made in a function and the callbacks that run in its flow, in source order. */
  checksIn(fn: ts.FunctionLikeDeclaration, depth = 0): Check[] {
    const known = this.cache.get(fn);
    if (known) return known;
    this.cache.set(fn, []);
    const out: Check[] = [];
    const visit = (n: ts.Node): void => {
      // (a listener or timer handed by name, `const onDone = async () => …; bus.on('done', onDone)`, runs in its flow too)
      if (n !== fn && isFunctionLike(n) && !isCallbackArgument(n) && !isHandedByName(n)) return;
      if (ts.isIfStatement(n)) {
        const plain = refusalOf(n.thenStatement) ?? (n.elseStatement ? refusalOf(n.elseStatement) : undefined);
        // an error class of the app that carries its status: only a model that sees the class knows it refuses
        const own = plain?.decides ? undefined : (refusalOf(n.thenStatement, this.errorStatus) ?? (n.elseStatement ? refusalOf(n.elseStatement, this.errorStatus) : undefined));
        // `if (isShotfirer) { await op(); return res.status(204).end(); } return res.status(403)…`: the statement after an
        // `if` whose branch always leaves runs only when the test failed — the `if`'s else
        const after = !n.elseStatement && !plain?.decides && !own?.decides ? statementAfter(n) : undefined;
        const fallThrough = after && lastStatement(n.thenStatement) && stopsAt(lastStatement(n.thenStatement)!) ? refusalOf(after, this.errorStatus) : undefined;
        const returned = own?.decides || plain?.decides || fallThrough?.decides ? undefined : this.returnedStatusRefusal(n.thenStatement, fn);
        // (a job's processor refuses the job by leaving it: `if (payout.status !== 'approved') { log.info(…); return }`)
        const jobExit = own?.decides || plain?.decides || fallThrough?.decides || returned?.decides ? undefined : leavesJob(n);
        const stated = own?.decides ? own : plain?.decides ? plain : fallThrough?.decides ? fallThrough : (returned ?? plain);
        let refusal = stated ?? jobExit;
        // (`if (user == null) ctx.throw(401)`: no account for these credentials — authentication, no decision on a right)
        const refusing = refusal === fallThrough ? after : refusalOf(n.thenStatement, this.errorStatus) ? n.thenStatement : n.elseStatement;
        // (`if (res.status !== 202) throw new Error('statement service refused')`: the request's own failure, not a right)
        if (refusal && !this.transportOutcomeOnly(n.expression)) {
          const found = this.readBehind(n.expression, fn, 0);
          const authenticates =
            found !== undefined && refusal.kind === 'auth' && found.fields.length === 0 && !comparesRecord(n.expression) && refusing !== undefined && authenticatesOnly(refusing);
          const behind = authenticates ? undefined : found;
          // a job left early decides on a state or a value a field is compared with, a flag field, or a helper's or a feature
          // flag's yes or no — not on a record's mere existence (`if (!payout) return`) nor a count against a number (`if (balance <= 0)
          // return`): a job with nothing left to do
          // (so does a job failed for good, `throw new UnrecoverableError(…)`: `if (!line) throw new UnrecoverableError('no
          // settlement')` has nothing to settle, it refuses no right)
          const failsJob = !jobExit && refusal.decides && refusal === plain && refusing !== undefined && failsJobForGood(refusing);
          // (a helper's or a store's answer decides as a yes or no, `redis.sismember(potters, potter)`; a helper that hands back a
          // record or nothing, `if (res.status === 404) return null; return res.json()`, is a lookup whose failure is the record's
          // absence)
          const helper = behind !== undefined ? this.resolve(behind.call) : undefined;
          const decidesAsJob =
            behind !== undefined &&
            (testsState(n.expression) ||
              comparesRecord(n.expression, true, this.valueOf, true) ||
              (behind.fields.length > 0 && !comparesRecord(n.expression)) ||
              (answerItself(n.expression) &&
                ((helper !== undefined && !(failsJob && recordOrNothing(helper))) ||
                  STORE_MEMBERSHIP_TESTS.includes(chainNames(behind.call.expression).at(-1) ?? '') ||
                  flagEvaluation(behind.call, this.resolve) ||
                  this.answersFlag(behind.call))));
          if (jobExit && decidesAsJob) refusal = jobExit;
          else if (failsJob && !decidesAsJob) refusal = { ...refusal, decides: false };
          // a 404 decides when more than existence is tested (else it is no check); a 409 when the
          // record is compared with something (else it only stops: a check); a 423 on any test of the
          // read (a hold exists); neither on a version field guarding a lost update
          const versionOnly = behind !== undefined && behind.fields.some((f) => CONCURRENCY_FIELDS.includes(f));
          // (the comparison may be the answer of a helper of the app: `if (!(await canBookSlot(carrier, week)))` with
          // `return used < carrier.weeklySlotLimit`)
          // (or the read's own filter holds the condition: `findFirst({ where: { pipelineId, state: 'APPROVED' } })`, then
          // `if (!approval) throw new DeployBlocked()`: what was found is a record in that state, which can change)
          const compared =
            comparesRecord(n.expression, true, this.valueOf, false, this.storedSetting) ||
            (behind !== undefined && (this.answersComparison(behind.call) || filterHoldsState(behind.call)));
          const conflictOnly = (refusal.kind === 'conflict' && (!compared || versionOnly)) || (refusal.kind === 'locked' && versionOnly);
          // (or hides a feature a flag keeps off: `if (!(await this.flags.isEnabled('bulk-relist'))) throw new CatalogError(404)`)
          if (
            behind &&
            refusal &&
            (refusal.kind !== 'hiding' ||
              // (a value read alone, `const owner = await redis.hget(zoneKey(zone), 'owner')`, compared with what middleware
              // bound for the caller: `owner !== principal.accountId` tests the zone's owner, as `zone.owner` would)
              // (a 404 hides what is someone else's — the record compared with a value, its owner with the caller — not a
              // record in another state: `survey.status !== 'PENDING_REVIEW'` answers 404 on a state, no right)
              ((this.comparesWithCaller(n.expression, fn) || (behind.fields.length > 0 && comparesWithValue(n.expression))) &&
                comparesRecord(n.expression) &&
                !this.remoteNotFound(n.expression) &&
                !comparesLookupValue(n.expression, behind.call)) ||
              this.scopedByCaller(behind.call, fn) ||
              this.answersFlag(behind.call))
          ) {
            out.push({
              read: behind.read,
              call: behind.call,
              test: n,
              refusal: refusal.decides && !conflictOnly ? refusal.kind : undefined,
              throws: refusal.throws,
              fields: behind.fields,
              shared: behind.shared,
              imported: behind.imported,
              ...(behind.bound ? { bound: true as const } : {}),
              ...(refusal === own ? { importedRefusal: true as const } : {}),
              ...(refusal.decides &&
              refusal.kind === 'conflict' &&
              !compared &&
              behind.fields.length === 0 &&
              testsPresence(n.expression) &&
              this.scopedByCaller(behind.call, fn, false)
                ? { blocks: true as const }
                : {}),
            });
            // one refusal for several answers (`if (!isTargetOwner || pkg.owner !== me) return 403`, `isTargetOwner` kept from
            // `await roleOf(org, me)`): each read behind a part of the test is a decision of its own
            if (refusal.decides && refusal.kind === 'auth' && refusing === n.thenStatement) {
              for (const part of disjuncts(n.expression)) {
                const other = this.readBehind(part, fn, 0);
                if (!other || other.read === behind.read || out.some((c) => c.test === n && c.read === other.read)) continue;
                out.push({
                  read: other.read,
                  call: other.call,
                  test: n,
                  refusal: 'auth',
                  throws: refusal.throws,
                  fields: other.fields,
                  shared: other.shared,
                  imported: other.imported,
                  ...(other.bound ? { bound: true as const } : {}),
                  ...(refusal === own ? { importedRefusal: true as const } : {}),
                });
              }
            }
          }
        }
      } else if (ts.isSwitchStatement(n)) {
        // `switch (member?.role) { case 'owner': break; default: return res.sendStatus(403) }`
        const refusal = n.caseBlock.clauses
          .map((c) => (c.statements.length > 0 ? refusalOf(ts.factory.createBlock([...c.statements]), this.errorStatus) : undefined))
          .find((r) => r?.decides && r.kind === 'auth');
        const behind = refusal ? this.readBehind(n.expression, fn, 0) : undefined;
        if (refusal && behind)
          out.push({
            read: behind.read,
            call: behind.call,
            test: n,
            refusal: refusal.kind,
            throws: refusal.throws,
            fields: behind.fields,
            shared: behind.shared,
            ...(behind.bound ? { bound: true as const } : {}),
          });
      } else if (ts.isExpressionStatement(n) && depth < 2) {
        // (also what it returns kept in a binding declared before: `let job; try { job = await ensureCanDeliver(…) } catch …`)
        const made = assignedValue(n.expression);
        const helper = this.refusingHelper(made, depth) ?? this.assertionOnRead(made, fn);
        if (helper) out.push({ ...helper, test: n });
        // `assertPrescriber(cn).then(() => …)`: a refusing helper at the root of a promise chain decides its `.then` steps
        const root = helper ? undefined : chainRoot(n.expression);
        const chained = root && this.refusingHelper(root, depth);
        if (root && chained) out.push({ ...chained, test: root });
      } else if (ts.isReturnStatement(n) && n.expression && depth < 2) {
        // `return assertSeatAdmin(org, actor).then(() => …)`: the same chain, handed to the caller
        const e = skipOuter(n.expression);
        const root = chainRoot(ts.isAwaitExpression(e) ? e.expression : e);
        const chained = root && this.refusingHelper(root, depth);
        if (root && chained) out.push({ ...chained, test: root });
      } else if (ts.isVariableStatement(n) && depth < 2) {
        // what a refusing helper returns kept (`const campaign = await assertCanWithdraw(id, user)`): it decided
        for (const d of n.declarationList.declarations) {
          const helper = d.initializer && this.refusingHelper(d.initializer, depth);
          if (helper) out.push({ ...helper, test: n });
        }
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    this.cache.set(fn, out);
    return out;
  }

  private readonly mayDecideFollowing = new WeakMap<ts.Node, boolean>();
  private readonly mayDecideHere = new WeakMap<ts.Node, boolean>();
  /**
   * Whether `checksIn` can find a decision in the function (a check that refuses): the same walk without
   * the reads behind the tests, which cost the most and decide nothing when no branch refuses. False means
   * surely none; true, perhaps (`checksIn` answers). Helpers are followed as `checksIn` follows them.
   */
  mayDecide(fn: ts.FunctionLikeDeclaration, depth = 0): boolean {
    const cache = depth < 2 ? this.mayDecideFollowing : this.mayDecideHere;
    const known = cache.get(fn);
    if (known !== undefined) return known;
    cache.set(fn, false);
    const helperDecides = (expr: ts.Expression): boolean => {
      let e = skipOuter(expr);
      if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
      if (!ts.isCallExpression(e)) return false;
      const inner = this.resolve(e);
      if (inner && this.mayDecide(inner, depth + 1)) return true;
      // (`assertionOnRead`: a helper that throws an authorization error itself, or one named for one)
      return this.assertedRefusal(e, inner) !== undefined;
    };
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || (n !== fn && isFunctionLike(n) && !isCallbackArgument(n) && !isHandedByName(n))) return;
      if (ts.isIfStatement(n)) {
        const decides = (r: ReturnType<typeof refusalOf>): boolean => r?.decides === true;
        const after = !n.elseStatement ? statementAfter(n) : undefined;
        const last = lastStatement(n.thenStatement);
        found =
          decides(refusalOf(n.thenStatement)) ||
          decides(n.elseStatement ? refusalOf(n.elseStatement) : undefined) ||
          decides(refusalOf(n.thenStatement, this.errorStatus)) ||
          decides(n.elseStatement ? refusalOf(n.elseStatement, this.errorStatus) : undefined) ||
          (after !== undefined && last !== undefined && stopsAt(last) && decides(refusalOf(after, this.errorStatus))) ||
          decides(this.returnedStatusRefusal(n.thenStatement, fn)) ||
          decides(leavesJob(n));
      } else if (ts.isSwitchStatement(n)) {
        found = n.caseBlock.clauses.some((c) => c.statements.length > 0 && refusalOf(ts.factory.createBlock([...c.statements]), this.errorStatus)?.decides === true);
      } else if (depth < 2 && ts.isExpressionStatement(n)) {
        const root = chainRoot(n.expression);
        found = helperDecides(assignedValue(n.expression)) || (root !== undefined && helperDecides(root));
      } else if (depth < 2 && ts.isReturnStatement(n) && n.expression) {
        const e = skipOuter(n.expression);
        const root = chainRoot(ts.isAwaitExpression(e) ? e.expression : e);
        found = root !== undefined && helperDecides(root);
      } else if (depth < 2 && ts.isVariableStatement(n)) {
        found = n.declarationList.declarations.some((d) => d.initializer !== undefined && helperDecides(d.initializer));
      }
      if (!found) ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    cache.set(fn, found);
    return found;
  }

  /**
   * Whether a function throws an error class of the app declared in another module that answers
   * 401/403 (`throw new PayoutPolicyError(…)` with `status = 403` in `errors.ts`): its refusals are
   * out of sight of a text test of the function.
   */
  throwsImportedRefusal(fn: ts.FunctionLikeDeclaration, imported = true): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isThrowStatement(n) && n.expression && ts.isNewExpression(skipOuter(n.expression))) {
        const made = (skipOuter(n.expression) as ts.NewExpression).expression;
        const decl = ts.isIdentifier(made) ? this.modules.declarationOf(made.text, made) : undefined;
        const kind = decl && (!imported || ts.isImportSpecifier(decl) || ts.isImportClause(decl)) ? statusRefusal(this.errorStatus(made as ts.Identifier) ?? 0) : undefined;
        if (kind === 'auth' || kind === 'conflict' || kind === 'locked') found = true;
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    return found;
  }

  /**
   * A client another module's HTTP library made: `const registry = axios.create({ baseURL })` — its
   * `get` goes out to another service, whatever the variable is called.
   */
  madeByHttpClient(receiver: ts.Expression): boolean {
    const made = this.modules.valueOf(skipOuter(receiver));
    if (!made || !ts.isCallExpression(made)) return false;
    const chain = calleeChain(made.expression);
    if (!chain || !isHttpClientFactory(chain.at(-1) ?? '')) return false;
    if (chain[0].startsWith('require:')) return isHttpClientModule(chain[0].slice(8));
    let decl: ts.Node | undefined = this.modules.declarationOf(chain[0], made);
    while (decl && !ts.isImportDeclaration(decl)) decl = decl.parent;
    return decl !== undefined && ts.isStringLiteral(decl.moduleSpecifier) && isHttpClientModule(decl.moduleSpecifier.text);
  }

  /**
   * A read whose answer compares the caller's value with what is kept: a helper of the app that answers
   * with a comparison of two values (`return used < carrier.weeklySlotLimit`), or a store's membership
   * test of a given member (`redis.sismember(keys.banned(), fanId)`).
   */
  private answersComparison(call: ts.CallExpression): boolean {
    if (STORE_MEMBERSHIP_TESTS.includes(chainNames(call.expression).at(-1) ?? '')) return call.arguments.slice(1).some((a) => !isConstantValue(a));
    const fn = this.resolve(call);
    return fn !== undefined && fn.body !== undefined && returnedExpressions(fn).some((r) => comparesRecord(r, true, this.valueOf, false, this.storedSetting));
  }

  /** The refusal a branch ends with, knowing the statuses of the app's error classes (`refusalOf`). */
  refusalOf(branch: ts.Statement): ReturnType<typeof refusalOf> {
    return refusalOf(branch, this.errorStatus);
  }

  /**
   * Whether a function throws an authorization error itself: a call of it given a record read decides (`assertionOnRead`);
   * with the call, also one that hides the record from anyone but the identity it is given there (`hidesFromCaller`).
   */
  asserts(fn: ts.FunctionLikeDeclaration, call?: ts.CallExpression): boolean {
    return this.throwsAuthRefusal(fn) || (call !== undefined && this.hidesFromCaller(fn, call) !== undefined);
  }

  /** Whether a function's own decision refuses by throwing: a call of it decides for its caller. */
  refuses(fn: ts.FunctionLikeDeclaration): boolean {
    return this.checksIn(fn, 1).some((c) => c.refusal !== undefined && c.throws);
  }

  /**
   * The decisions a guard makes for the handlers it runs before: its refusing checks, and what
   * `canActivate` returns when that rests on an awaited read (`return member?.role === 'owner'`:
   * false refuses the request).
   */
  guardDecisions(fn: ts.FunctionLikeDeclaration): Check[] {
    const out = this.decisionsIn(fn);
    if (!ts.isMethodDeclaration(fn) || !fn.name || !GUARD_METHODS.includes(propertyNameText(fn.name) ?? '')) return out;
    const visit = (n: ts.Node): void => {
      if (n !== fn && isFunctionLike(n) && !isCallbackArgument(n)) return;
      if (ts.isReturnStatement(n) && n.expression && n.expression.kind !== ts.SyntaxKind.TrueKeyword && n.expression.kind !== ts.SyntaxKind.FalseKeyword) {
        const behind = this.readBehind(n.expression, fn, 0);
        if (behind) out.push({ read: behind.read, call: behind.call, test: n, refusal: 'auth', throws: false, fields: behind.fields, shared: behind.shared });
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    return out;
  }

  /**
   * The node runs on a branch that ends by refusing the request (`if (!debited) { await
   * catalog.delete(hold); throw new RedemptionDenied() }`): work on the way out (undoing, recording
   * the refusal) is not what an earlier decision lets run.
   */
  onRefusingBranch(node: ts.Node, fn: ts.FunctionLikeDeclaration): boolean {
    for (let n: ts.Node = node; n.parent && n !== fn; n = n.parent) {
      const p = n.parent;
      if (!ts.isIfStatement(p) || (p.thenStatement !== n && p.elseStatement !== n)) continue;
      // the branch's own last statement refuses (a branch that merely holds a refusal, `if (kind === 'reports') { …403…; return 201 }`, does not)
      const end = lastStatement(n as ts.Statement);
      if (end && refusalOf(end, this.errorStatus)?.decides) return true;
    }
    return false;
  }

  /**
   * Whether a helper does work itself: an operation in it other than a request whose answer its own
   * check tests (`if (!(await allow(partnerId, action))) throw new ScopeDenied()` with `allow` asking a
   * policy service with `POST`: it asks, it does not act). A request refused with a conflict
   * (`if (res.status === 409) throw …` after `POST /holds`) was a write the other service could not
   * make — a slot already held, a limit reached — so it acts; so does a request whose method only
   * changes things (`DELETE`, `PUT`, `PATCH`), whatever its answer is tested for.
   */
  worksItself(fn: ts.FunctionLikeDeclaration): boolean {
    const kind = performedOperation(fn, this.resolve, 1);
    if (kind !== 'http') return kind !== undefined;
    const asked = new Set<ts.Node>(
      this.checksIn(fn, 1)
        .filter((c) => c.refusal !== undefined && c.refusal !== 'conflict' && !(ts.isCallExpression(c.call) && changeOnlyRequest(c.call)))
        .map((c) => c.call),
    );
    let acts = false;
    const visit = (n: ts.Node): void => {
      if (acts || asked.has(n) || (n !== fn && isFunctionLike(n) && !ts.isArrowFunction(n))) return;
      if ((ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) && operationOf(n, this.resolve, 1)) acts = true;
      else ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    return acts;
  }

  /**
   * What middleware bound to this request for its caller, in `fn`: `ctx.state.pharmacy`, `res.locals.member`,
   * `request.partner`, Hono's `c.get('userId')` (not `req.params`, `req.body`), or a local of `fn` made from one.
   */
  private boundToCaller(e: ts.Expression, fn: ts.FunctionLikeDeclaration, depth: number, pickedToo = true): boolean {
    const x = skipOuter(e);
    if (depth > 3) return false;
    if (ts.isPropertyAccessExpression(x)) {
      // (a method of the request, `c.req.param`, `req.get`, reads what the client sent: no field middleware bound)
      if (x.parent && ts.isCallExpression(x.parent) && x.parent.expression === x) return false;
      const holder = skipOuter(x.expression);
      if (ts.isPropertyAccessExpression(holder) && isRequestField(holder.name.text)) return false;
      // `ctx.state.pharmacy`, `res.locals.member`, `request.partner` (not `req.params`, `req.body`)
      if (isRequestBoundField(calleeChain(holder)?.at(-1) ?? '') && isRequestLike(holder)) return true;
      if (isRequestLike(holder) && !isRequestField(x.name.text) && !isRequestConnectionField(x.name.text) && !isRequestBoundField(x.name.text)) return true;
      return this.boundToCaller(holder, fn, depth + 1, pickedToo);
    }
    // Hono's `c.get('userId')`: what middleware set on the context
    if (
      ts.isCallExpression(x) &&
      ts.isPropertyAccessExpression(x.expression) &&
      x.expression.name.text === 'get' &&
      x.arguments.length === 1 &&
      ts.isStringLiteralLike(x.arguments[0])
    ) {
      const holder = skipOuter(x.expression.expression);
      if (ts.isIdentifier(holder) && isRequestObjectOf(holder.text, 'hono', 'context')) return true;
    }
    if (ts.isIdentifier(x)) {
      const decl = this.modules.declarationOf(x.text, x);
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.pos >= fn.pos && decl.end <= fn.end)
        return this.boundToCaller(decl.initializer, fn, depth + 1, pickedToo);
      // a parameter of a service its routes hand the caller's identity to (`requestRefund(ctx.state.agent, …)`): what a call site gives
      if (decl && ts.isParameter(decl) && decl.parent === fn) return this.givenAtCallSite(decl, depth, (arg, caller) => this.boundToCaller(arg, caller, depth + 1, pickedToo));
      // (taken out of it, `const { studentId } = ctx.state.student`, for a lookup about the caller alone; a 404's
      // ownership lookup is asked as it always was)
      const owner = !pickedToo && decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) ? decl.parent.parent : undefined;
      if (owner && ts.isVariableDeclaration(owner) && owner.initializer && owner.pos >= fn.pos && owner.end <= fn.end)
        return this.boundToCaller(owner.initializer, fn, depth + 1, pickedToo);
    }
    return false;
  }

  /**
   * Whether what a parameter is given at one of its call sites (up to eight, where a model of the app
   * knows them) answers `test`, asked in the function that makes the call.
   */
  private givenAtCallSite(param: ts.ParameterDeclaration, depth: number, test: (arg: ts.Expression, caller: ts.FunctionLikeDeclaration) => boolean): boolean {
    if (!this.model || depth > 2) return false;
    for (const arg of this.model.argumentsOf(param).slice(0, 8)) {
      const caller = enclosingFunction(arg);
      if (caller && test(arg, caller)) return true;
    }
    return false;
  }

  /** An equality test one side of which is the caller's bound value (`owner !== principal.accountId`, `principal = res.locals.principal`). */
  private comparesWithCaller(cond: ts.Expression, fn: ts.FunctionLikeDeclaration): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind)) found = this.boundToCaller(n.left, fn, 0) || this.boundToCaller(n.right, fn, 0);
      if (!found) ts.forEachChild(n, visit);
    };
    visit(cond);
    return found;
  }

  /**
   * A lookup the caller's identity scopes (`prescriptions.findAssigned(rxId, pharmacy.ncpdpId)` with
   * `const pharmacy = ctx.state.pharmacy`): what it does not find is not the caller's — a 404 on it
   * refuses as an ownership check would, and the record can change hands meanwhile. Without `pickedToo`,
   * any lookup about the caller (`activeHolds(studentId)` with `const { studentId } = ctx.state.student`).
   */
  scopedByCaller(call: ts.CallExpression, fn: ts.FunctionLikeDeclaration, pickedToo = true): boolean {
    const bound = (e: ts.Expression, depth: number): boolean => this.boundToCaller(e, fn, depth, pickedToo);
    // the client chose the record: `ctx.params.rxId`, `req.body.id` (a lookup of the caller's own record by its identity alone,
    // `Service.findOne({ where: { name: ctx.state.identity.service } })`, finds where it is registered: an existence check)
    const chosen = (e: ts.Expression, depth: number, within = fn): boolean => {
      const x = skipOuter(e);
      if (depth > 3) return false;
      if (ts.isPropertyAccessExpression(x)) {
        const holder = skipOuter(x.expression);
        if (isRequestLike(holder) && isRequestField(x.name.text)) return true;
        if (ts.isPropertyAccessExpression(holder) && isRequestLike(skipOuter(holder.expression)) && isRequestField(holder.name.text)) return true;
        return chosen(holder, depth + 1, within);
      }
      // `c.req.param('instrumentId')`, `req.param('id')`: a method that reads input
      if (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression)) {
        const holder = skipOuter(x.expression.expression);
        const name = x.expression.name.text;
        if (ts.isPropertyAccessExpression(holder) && holder.name.text === 'req' && isRequestLike(skipOuter(holder.expression)) && isRequestInputMethod(name, 'hono-req'))
          return true;
        if (name !== 'get' && isRequestLike(holder) && isRequestInputMethod(name, 'request')) return true;
      }
      if (ts.isIdentifier(x)) {
        const decl = this.modules.declarationOf(x.text, x);
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.pos >= within.pos && decl.end <= within.end) return chosen(decl.initializer, depth + 1, within);
        // (a parameter its routes hand the client's choice to: `requestRefund(agent, ctx.params.bookingId)`)
        if (decl && ts.isParameter(decl) && decl.parent === within) return this.givenAtCallSite(decl, depth, (arg, caller) => chosen(arg, depth + 1, caller));
      }
      // (with the app's model: input by value flow, `match[1]` of `FILE.exec(new URL(req.url, base).pathname)`)
      return depth > 0 && (ts.isIdentifier(x) || ts.isElementAccessExpression(x)) && (this.model?.chosenByClient?.(x) ?? false);
    };
    let scoped = false;
    let picked = false;
    const stateful = this.model?.carriesIdentity !== undefined && filterHoldsState(call);
    const visit = (n: ts.Node): void => {
      if ((scoped && picked) || isFunctionLike(n)) return;
      if (ts.isPropertyAccessExpression(n) || ts.isIdentifier(n)) {
        // (with the app's model: the client's identity by value flow, `contractor.cn` handed down from the route, where the
        // lookup also asks a state of the record — `licenceStatus: 'ACTIVE'` — that other requests change; a record found by
        // its id within the caller's own site is reference data, whose existence decides nothing)
        scoped ||= bound(n, 0) || (stateful && ts.isPropertyAccessExpression(n) && (this.model?.carriesIdentity?.(n) ?? false));
        picked ||= chosen(n, 0);
      }
      // (an input method's call, `c.req.param('fundCode')`, `req.param('id')`)
      if (ts.isCallExpression(n)) picked ||= chosen(n, 0);
      ts.forEachChild(n, visit);
    };
    // (the arguments anywhere along the chain: `db('orders').where({ id, depot_id }).first()`; the object a method is
    // called on is what is asked, not a value that scopes the lookup: `ctx.results.official(args.marketId)` with the
    // results client the GraphQL context holds)
    for (let c: ts.Expression | undefined = call; c && ts.isCallExpression(c);) {
      c.arguments.forEach(visit);
      const callee = skipOuter(c.expression);
      c = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : ts.isCallExpression(callee) ? callee : undefined;
    }
    return scoped && (picked || !pickedToo);
  }

  /**
   * A test of no more than whether a request to another service went through (`!res.ok`, `res.status
   * !== 202`, `res.statusCode >= 200 && res.statusCode < 300` on `const res = await fetch(…)`): the call's own
   * failure, whatever the error thrown on it says — not an answer about rights (`auth.status === 403` is one).
   */
  private transportOutcomeOnly(cond: ts.Expression): boolean {
    let e = skipOuter(cond);
    while (ts.isPrefixUnaryExpression(e)) e = skipOuter(e.operand);
    if (ts.isPropertyAccessExpression(e)) return isTransportFlag(e.name.text) && this.isResponse(e.expression);
    if (!ts.isBinaryExpression(e)) return false;
    if (e.operatorToken.kind === SK.BarBarToken || e.operatorToken.kind === SK.AmpersandAmpersandToken)
      return this.transportOutcomeOnly(e.left) && this.transportOutcomeOnly(e.right);
    const [a, b] = [skipOuter(e.left), skipOuter(e.right)];
    const status = (x: ts.Expression): boolean => this.responseStatus(x);
    const success = (x: ts.Expression): boolean => ts.isNumericLiteral(x) && Number(x.text) >= 200 && Number(x.text) < 400;
    // (`if (response.status === 422) throw new InvalidRulesError(…)`: the other service found the input invalid; `if (res.status
    // === 409) throw new Error('insufficient stock')` on a `POST …/holds`: it could not make the change, its own state in the way)
    const rejected = (x: ts.Expression): boolean => ts.isNumericLiteral(x) && (INPUT_REJECTION_STATUSES.includes(Number(x.text)) || CONFLICT_STATUSES.includes(Number(x.text)));
    const outcome = (x: ts.Expression): boolean => success(x) || rejected(x);
    return (status(a) && outcome(b)) || (status(b) && outcome(a));
  }

  /**
   * The other service answered that what was asked for is not there: `res.status === 404` on the
   * response of a request made here. Passed on as a 404, that is existence, not a right.
   */
  private remoteNotFound(cond: ts.Expression): boolean {
    const e = skipOuter(cond);
    if (!ts.isBinaryExpression(e) || !isEqualityOperator(e.operatorToken.kind)) return false;
    const [a, b] = [skipOuter(e.left), skipOuter(e.right)];
    const notFound = (x: ts.Expression): boolean => ts.isNumericLiteral(x) && HIDING_STATUSES.includes(Number(x.text));
    return (this.responseStatus(a, true) && notFound(b)) || (this.responseStatus(b, true) && notFound(a));
  }

  /** `res.status` of a response to a request made here (`anyMethod`: a read too, not only a write the tables know). */
  private responseStatus(x: ts.Expression, anyMethod = false): boolean {
    return ts.isPropertyAccessExpression(x) && isStatusField(x.name.text) && this.isResponse(x.expression, anyMethod);
  }

  /**
   * A local holding the response of a request made here that changes something (`const res = await
   * fetch(url, { method: 'POST' })`), or, `anyMethod`, of any request (a GET too).
   */
  private isResponse(x: ts.Expression, anyMethod = false): boolean {
    const r = skipOuter(x);
    const decl = ts.isIdentifier(r) ? this.modules.declarationOf(r.text, r) : undefined;
    let init = decl && ts.isVariableDeclaration(decl) && decl.initializer ? skipOuter(decl.initializer) : undefined;
    if (init && ts.isAwaitExpression(init)) init = skipOuter(init.expression);
    return init !== undefined && ts.isCallExpression(init) && ((anyMethod && isOutboundRequest(init)) || operationOf(init, this.resolve)?.kind === 'http');
  }

  /** A feature flag's answer, evaluated here or handed back by a helper of the app (`await this.flags.isEnabled(…)` returning `unleash.isEnabled(…)`). */
  answersFlag(call: ts.CallExpression): boolean {
    if (flagEvaluation(call, this.resolve)) return true;
    const fn = this.resolve(call);
    return fn !== undefined && fn.body !== undefined && returnedExpressions(fn).some((r) => flagAnswer(r, this.resolve));
  }

  /** The decisions of a function: checks that refuse. */
  decisionsIn(fn: ts.FunctionLikeDeclaration): Check[] {
    return this.checksIn(fn).filter((c) => c.refusal !== undefined);
  }

  /**
   * `assertCan(adjuster, 'approve', claim)`, `ForbiddenError.from(ability).throwUnlessCan('update', roster)`:
   * a check that throws an authorization error, given what an awaited read returned — its decision
   * rests on that read although the check itself reads nothing.
   */
  /** The refusal a call asserts: what its helper throws or hides from the caller, or the authorization error its name says. */
  private assertedRefusal(call: ts.CallExpression, helper: ts.FunctionLikeDeclaration | undefined): RefusalKind | undefined {
    if (helper) return this.thrownRefusal(helper) ?? this.hidesFromCaller(helper, call);
    return chainNames(call.expression).some((n) => namedRefusal(n) === 'auth') ? 'auth' : undefined;
  }

  private assertionOnRead(expr: ts.Expression, fn: ts.FunctionLikeDeclaration): Omit<Check, 'test'> | undefined {
    let e = skipOuter(expr);
    if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
    if (!ts.isCallExpression(e)) return undefined;
    const helper = this.resolve(e);
    const refusal = this.assertedRefusal(e, helper);
    if (!refusal) return undefined;
    // a helper that does the work itself is an operation, not a decision
    if (helper && this.worksItself(helper)) return undefined;
    const behind = this.readBehind(e, fn, 0);
    if (!behind) return undefined;
    return { read: behind.read, call: behind.call, refusal, throws: true, fields: behind.fields, shared: behind.shared, ...(helper ? { via: helper } : {}) };
  }

  private readonly refusalThrows = new WeakMap<ts.Node, RefusalKind | null>();
  /**
   * The refusal a function throws itself (not in functions it declares): an authorization error, or a
   * conflict or a lock refused on a test that decides as it would in place (`consent.organs.includes(organ)`
   * compared with a value the helper is given for a 409; any test but a version's for a 423).
   */
  private thrownRefusal(fn: ts.FunctionLikeDeclaration): RefusalKind | undefined {
    const known = this.refusalThrows.get(fn);
    if (known !== undefined) return known ?? undefined;
    let found: RefusalKind | undefined;
    const visit = (n: ts.Node): void => {
      if (found === 'auth' || (n !== fn && isFunctionLike(n))) return;
      if (ts.isThrowStatement(n)) {
        // the block the throw ends, where the error may have been given its status (`err.status = 403; throw err`)
        const r = refusalOf(ts.isBlock(n.parent) && n.parent.statements.at(-1) === n ? n.parent : n, this.errorStatus);
        if (r?.decides && r.kind === 'auth') found = 'auth';
        else if (r?.decides && (r.kind === 'conflict' || r.kind === 'locked')) {
          let test: ts.Node | undefined = n.parent;
          while (test && test !== fn && !ts.isIfStatement(test)) test = test.parent;
          const cond = test && ts.isIfStatement(test) ? test.expression : undefined;
          const decides = cond !== undefined && (r.kind === 'locked' || comparesRecord(cond, true, this.valueOf, false, this.storedSetting));
          if (decides) found ??= r.kind;
        }
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    this.refusalThrows.set(fn, found ?? null);
    return found;
  }

  /**
   * A helper given a record and the caller that hides the record from anyone but its owner: it throws a
   * 404 on a comparison of one parameter's field with another parameter (`if (!doc || doc.memberCode !==
   * member.memberCode) throw new ReportAccessError(404, …)`), and this call hands it the client's identity
   * for that other parameter (`assertReportAccess(report, member)`). The same decision as the comparison
   * made in place; only a model of the app knows what the identity is.
   */
  private hidesFromCaller(fn: ts.FunctionLikeDeclaration, call: ts.CallExpression): RefusalKind | undefined {
    const model = this.model;
    if (!model?.carriesIdentity) return undefined;
    const given = (i: number): boolean => call.arguments[i] !== undefined && (model.carriesIdentity?.(call.arguments[i]) ?? false);
    // one parameter (the record) against another the call gives the identity, either way round
    return this.hidingComparisons(fn).some(([a, b]) => given(a) !== given(b)) ? 'hiding' : undefined;
  }

  private readonly hidingPairs = new WeakMap<ts.Node, [number, number][]>();
  /** The pairs of a function's parameters a 404 of its own is thrown on comparing (`doc.memberCode !== member.memberCode`): found once per function. */
  private hidingComparisons(fn: ts.FunctionLikeDeclaration): [number, number][] {
    const known = this.hidingPairs.get(fn);
    if (known) return known;
    const pairs: [number, number][] = [];
    const index = (n: ts.Node): number => {
      let e: ts.Node = n;
      while (ts.isPropertyAccessExpression(e) || ts.isNonNullExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
      const name = ts.isIdentifier(e) ? e.text : undefined;
      return name === undefined ? -1 : fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);
    };
    const compare = (c: ts.Node): void => {
      if (ts.isBinaryExpression(c) && isEqualityOperator(c.operatorToken.kind)) {
        const [a, b] = [index(c.left), index(c.right)];
        if (a >= 0 && b >= 0 && a !== b) pairs.push([a, b]);
      }
      ts.forEachChild(c, compare);
    };
    const visit = (n: ts.Node): void => {
      if (n !== fn.body && isFunctionLike(n)) return;
      if (ts.isIfStatement(n) && refusalOf(n.thenStatement, this.errorStatus)?.kind === 'hiding') compare(n.expression);
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    this.hidingPairs.set(fn, pairs);
    return pairs;
  }

  /** A function that throws an authorization error itself (not in functions it declares). */
  private throwsAuthRefusal(fn: ts.FunctionLikeDeclaration): boolean {
    return this.thrownRefusal(fn) === 'auth';
  }

  /** `await acl.assertCanEdit(user, doc)`: a call of a function whose own decision throws. */
  private refusingHelper(expr: ts.Expression, depth: number): Omit<Check, 'test'> | undefined {
    let e = skipOuter(expr);
    const awaited = ts.isAwaitExpression(e);
    if (awaited) e = skipOuter((e as ts.AwaitExpression).expression);
    if (!ts.isCallExpression(e)) return undefined;
    const fn = this.resolve(e);
    if (!fn) return undefined;
    const refusing = this.checksIn(fn, depth + 1).filter((c) => c.refusal && c.throws);
    const inner = refusing[0];
    if (!inner) return undefined;
    // (every field its refusals test of the record the first one read: `!lease`, then `lease.suspended`, `lease.ends_on`)
    const fields = [...new Set(refusing.filter((c) => c.read === inner.read).flatMap((c) => c.fields))];
    // a helper that does the work itself (`deleteFeatures(…)` writes, and throws on its own checks) is an operation, not a decision,
    // also when its writes go through a store the tool cannot see into: its name says what it does
    if (this.worksItself(fn) || namesOperation(chainNames(e.expression).at(-1) ?? '')) return undefined;
    return {
      read: awaited ? skipOuter(expr) : e,
      call: e,
      refusal: inner.refusal,
      throws: true,
      fields,
      shared: inner.shared,
      via: fn,
      ...(inner.bound ? { bound: true as const } : {}),
    };
  }

  /**
   * The read a condition depends on: an awaited call in it, or a name it reads that was kept
   * from one (`const m = await …`, `const { rows } = await …`, a `.then` callback's parameter).
   */
  private readBehind(cond: ts.Node, fn: ts.FunctionLikeDeclaration, depth: number): Behind | undefined {
    if (depth > 4) return undefined;
    let found: Behind | undefined;
    const visit = (n: ts.Node): void => {
      // (an array's synchronous callback runs inside the condition: `anyOf.some((r) => roles.has(r))`)
      if (found || (isFunctionLike(n) && depth === 0 && n !== cond && !isElementCallback(n))) return;
      // a feature flag a client keeps in memory, evaluated without a wait: state the next poll or another request turns;
      // a function of the app that hands out a module variable its file changes, asked in the condition itself
      // (`if (!isLoanDeskOpen())`; a copy kept of what such a getter hands out, `const op = currentOperator()`, is the call's own),
      // or that answers from what its instance refreshes or its module refills, also kept in a local first
      // (`const grant = grantCache.grantFor(kiosk)`, then `if (!grant?.canWriteOff)`)
      if (ts.isCallExpression(n) && (flagEvaluation(n, this.resolve) || this.readsModuleState(n, depth > 0))) {
        found = { read: n, call: n, fields: [] };
        return;
      }
      // (a `yield` of a promise in a Koa 1 / co generator waits as `await` does)
      const waited = ts.isAwaitExpression(n) ? n.expression : ts.isYieldExpression(n) && !n.asteriskToken ? n.expression : undefined;
      if (waited) {
        const call = readCall(waited) ?? this.chosenRead(waited, fn);
        // (a reservation, a script that checks and writes, answers for its own write: no read lies behind it)
        if (call && this.reserves(call)) return;
        // (also a helper of the app that hands back a flag's evaluation: `await this.flags.isEnabled('bulk-archive', id)`)
        if (call && (this.isStateRead(call) || this.answersFlag(call))) {
          found = { read: n, call, fields: [] };
          return;
        }
        // (a write's answer is its own outcome — the rows a conditional update changed, `const { count } = await
        // prisma.transfer.updateMany({ where: { …, scheduledFor: { gt: cutoff } } })` — not a read of the values it was given)
        const written = call ? operationOf(call, this.resolve) : undefined;
        if (written && written.kind !== 'http') return;
        // a request to another service whose answer is waited for through its promise chain and tested
        // (`await fetch(pdp, { method: 'POST', body }).then((r) => r.json())`, then `if (!decision.allow)`):
        // asking a permission service is a read, whatever method it is asked with
        const asked = call ?? chainRoot(waited);
        if (asked && (this.isStateRead(asked) || operationOf(asked, this.resolve)?.kind === 'http')) {
          found = { read: n, call: asked, fields: [] };
          return;
        }
      }
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.expression))) {
        const callee = skipOuter(n.expression) as ts.PropertyAccessExpression;
        if (isLookupMethod(callee.name.text)) {
          const place = this.shared.placeOf(callee.expression, true);
          if (place?.shared && place.kind !== 'singleton-field' && place.kind !== 'instance-field' && !this.isModule(callee.expression) && this.changes(place, callee.expression)) {
            found = { read: n, call: n, fields: [], shared: place, ...(this.imports(callee.expression) ? { imported: true as const } : {}) };
            return;
          }
        }
      }
      // a field middleware bound to the request from a read of state (`req.acl = { role }`, `role` read from Redis there),
      // tested here (`req.acl.role !== 'release-manager'`): the decision rests on that read, made before the handler began
      if (this.model && ts.isPropertyAccessExpression(n)) {
        const bound = this.boundRead(n);
        if (bound) {
          found = { read: n, call: bound, fields: [n.name.text], bound: true };
          return;
        }
      }
      if (ts.isIdentifier(n) && isRead(n)) {
        const origin = this.keptFrom(n, fn);
        // one of the calls `Promise.all` waits for: a read like an awaited one
        const gatheredRead = origin && ts.isCallExpression(origin) && origin.parent && ts.isArrayLiteralExpression(origin.parent) ? readCall(origin) : undefined;
        if (gatheredRead && this.isStateRead(gatheredRead)) {
          found = { read: origin!, call: gatheredRead, fields: fieldsOf(cond, n.text) };
          return;
        }
        if (origin) {
          const inner =
            ts.isCallExpression(origin) && isThenCall(origin)
              ? { read: origin, call: this.stepRead((origin.expression as ts.PropertyAccessExpression).expression, boundMember(n, this.modules))!, fields: [] }
              : ts.isCallExpression(origin) &&
                  origin.arguments.length > 0 &&
                  n.pos >= origin.pos &&
                  n.end <= origin.end &&
                  errbackCall(origin.arguments[origin.arguments.length - 1]) === origin
                ? { read: origin, call: origin, fields: [] }
                : this.readBehind(origin, fn, depth + 1);
          if (inner?.call) found = { ...inner, fields: fieldsOf(cond, n.text) };
          return;
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(cond);
    return found;
  }

  /**
   * The read of state behind a field of the request that middleware bound (`req.acl.role`, with
   * `req.acl = { group, role }` and `role = await redis.hget(…)` in the middleware): the awaited read
   * the member tested rests on, also when the value reached the test as an argument.
   */
  private boundRead(access: ts.PropertyAccessExpression): ts.CallExpression | undefined {
    const holder = skipOuter(access.expression);
    // `res.locals.permissions`, `ctx.state.acl`: the field itself, under the request's bag of bound values
    if (isRequestBoundField(calleeChain(holder)?.at(-1) ?? '') && isRequestLike(holder)) return this.boundFromReads().get(access.name.text);
    // `req.acl.role`: a field of what was bound as `req.acl` (the member tested, when an object was bound: `{ role, ou }`)
    if (ts.isPropertyAccessExpression(holder) && isRequestLike(holder.expression)) return this.memberRead(holder.name.text, access.name.text);
    // `req.roles`, `request.isAdmin`: a field bound whole on the request, tested whole or kept in a local first
    if (isRequestLike(holder)) {
      const read = this.boundFromReads().get(access.name.text);
      if (read) return read;
    }
    // `keeper.roles` in `assertCanEdit(keeper, …)`, called with `req.keeper`: a parameter given such a value
    return this.boundThroughParameter(holder, access.name.text, 0);
  }

  /**
   * The read behind one member of what middleware bound under a field: for `req.responder = { ou: cert.subject.OU,
   * region: row.region }` only `region` rests on a read; a value bound whole rests on its read, whichever member is tested.
   */
  private memberRead(field: string, member: string): ts.CallExpression | undefined {
    if (!this.boundFromReads().has(field)) return undefined;
    for (const v of this.model?.boundValues().get(field) ?? []) {
      const x = skipOuter(v);
      let part: ts.Expression = x;
      if (ts.isObjectLiteralExpression(x)) {
        const p = x.properties.find((q) => q.name !== undefined && propertyNameText(q.name) === member);
        if (!p) continue;
        part = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : x;
      }
      const fn = enclosingFunction(v);
      const behind = fn ? this.readBehind(part, fn, 1) : undefined;
      if (behind?.call && !behind.shared) return behind.call;
    }
    return undefined;
  }

  /** The read behind a request-bound value a parameter is given, at any of its call sites, through up to three calls. */
  private boundThroughParameter(e: ts.Expression, member: string, depth: number): ts.CallExpression | undefined {
    const x = skipOuter(e);
    if (depth > 3 || !ts.isIdentifier(x) || !this.model) return undefined;
    const decl = this.modules.declarationOf(x.text, x);
    if (!decl || !ts.isParameter(decl)) return undefined;
    for (const arg of this.model.argumentsOf(decl).slice(0, 8)) {
      const a = skipOuter(arg);
      if (ts.isPropertyAccessExpression(a) && isRequestLike(skipOuter(a.expression))) {
        const read = this.memberRead(a.name.text, member);
        if (read) return read;
      }
      const deeper = this.boundThroughParameter(a, member, depth + 1);
      if (deeper) return deeper;
    }
    return undefined;
  }

  private boundCache?: Map<string, ts.CallExpression>;
  /** The fields middleware binds to the request from a read of state, and the read (`acl` ← `redis.hget(…)`). */
  boundFromReads(): ReadonlyMap<string, ts.CallExpression> {
    if (this.boundCache) return this.boundCache;
    const out = new Map<string, ts.CallExpression>();
    this.boundCache = out;
    for (const [field, values] of this.model?.boundValues() ?? []) {
      if (isRequestField(field) || isRequestConnectionField(field) || isRequestBoundField(field)) continue;
      for (const v of values) {
        const fn = enclosingFunction(v);
        const behind = fn ? this.readBehind(v, fn, 1) : undefined;
        if (behind?.call && !behind.shared) {
          out.set(field, behind.call);
          break;
        }
      }
    }
    return out;
  }

  /**
   * The read one of two ways of asking makes (`await (trx ? query.forShare() : query)`, where `query`
   * is a builder chain kept in a local): the branch that is, or names, a call.
   */
  private chosenRead(expr: ts.Expression, fn: ts.FunctionLikeDeclaration): ts.CallExpression | undefined {
    const e = skipOuter(expr);
    if (!ts.isConditionalExpression(e)) return undefined;
    for (const branch of [e.whenFalse, e.whenTrue]) {
      const b = skipOuter(branch);
      const kept = ts.isIdentifier(b) ? this.keptFrom(b, fn) : undefined;
      const call = readCall(kept && ts.isExpression(kept) ? kept : b);
      if (call) return call;
    }
    return undefined;
  }

  /**
   * A branch that answers with a status a helper returned (`const auth = await authorizeCustodian(…);
   * if (auth.status !== 200) return res.sendStatus(auth.status)`, the helper returning `{ status: 403 }`
   * on one of its ways): a refusal when one of the statuses the helper returns refuses. The status may be handed to any
   * call or error of the branch before it ends (`sendJson(res, denial.status, …); return;`, `throw new DeviceError(access.status,
   * access.reason)`).
   */
  private returnedStatusRefusal(branch: ts.Statement, fn: ts.FunctionLikeDeclaration): ReturnType<typeof refusalOf> {
    const end = lastStatement(branch);
    if (!end || !stopsAt(end)) return undefined;
    let kind: RefusalKind | undefined;
    const visit = (n: ts.Node): void => {
      if (kind === 'auth' || isFunctionLike(n)) return;
      if (ts.isCallExpression(n) || ts.isNewExpression(n))
        for (const a of n.arguments ?? []) {
          const arg = skipOuter(a);
          const holder = ts.isPropertyAccessExpression(arg) && STATUS_PROPERTIES.includes(arg.name.text) ? skipOuter(arg.expression) : undefined;
          const origin = holder && ts.isIdentifier(holder) ? this.keptFrom(holder, fn) : undefined;
          const awaited = origin && ts.isAwaitExpression(origin) ? skipOuter(origin.expression) : origin;
          const helper = awaited && ts.isCallExpression(awaited) ? this.resolve(awaited) : undefined;
          const answers = (e: ts.Expression): ts.Expression[] => {
            const x = skipOuter(e);
            return ts.isConditionalExpression(x) ? [...answers(x.whenTrue), ...answers(x.whenFalse)] : [x];
          };
          for (const r of helper ? returnedExpressions(helper).flatMap(answers) : []) {
            const o = skipOuter(r);
            const status = ts.isObjectLiteralExpression(o)
              ? o.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && STATUS_PROPERTIES.includes(propertyNameText(p.name) ?? ''))
              : undefined;
            const value = status && skipOuter(status.initializer);
            // (the strongest: a right refused, else a state in the way, 409 or 423; a 404 alone only says the record is not there)
            const k = value && ts.isNumericLiteral(value) ? statusRefusal(Number(value.text)) : undefined;
            if (k === 'auth') kind = 'auth';
            else if (k === 'conflict' || k === 'locked') kind ??= k;
          }
        }
      ts.forEachChild(n, visit);
    };
    visit(branch);
    return kind ? { kind, decides: true, throws: ts.isThrowStatement(end) } : undefined;
  }

  /**
   * Where a local name's value comes from: the initializer of its declaration in the function, or
   * for a parameter of a `.then` callback, the call the `.then` hangs off.
   */
  private keptFrom(id: ts.Identifier, fn: ts.FunctionLikeDeclaration): ts.Node | undefined {
    const decl = this.modules.declarationOf(id.text, id);
    if (!decl || decl.pos < fn.pos || decl.end > fn.end) return undefined;
    // the last assignment before the read: `account = await accountOf(cn)` re-reads
    const assigned = this.assignmentsIn(fn)
      .filter((a) => a.name === id.text && a.node.end <= id.pos && this.modules.declarationOf(a.name, a.node) === decl)
      .at(-1);
    if (assigned) return assigned.node.right;
    // the entity re-read in place before the read (`await em.refresh(batch)`, `await lot.reload()`): the re-read is its value
    const reloaded = this.reloadsIn(fn)
      .filter((r) => r.name === id.text && r.node.end <= id.pos && this.modules.declarationOf(r.name, r.node) === decl)
      .at(-1);
    if (reloaded) return reloaded.node;
    let d: ts.Node = decl;
    while (ts.isBindingElement(d) || ts.isObjectBindingPattern(d) || ts.isArrayBindingPattern(d)) d = d.parent;
    // `const [revoked, owns] = await Promise.all([isRevoked(k), owns(v, m)])`: the element it is given
    if (ts.isVariableDeclaration(d) && d.initializer && ts.isBindingElement(decl) && ts.isArrayBindingPattern(decl.parent) && decl.parent.parent === d) {
      const gathered = gatheredCalls(d.initializer);
      const element = gathered?.[decl.parent.elements.indexOf(decl)];
      if (element) return element;
    }
    if (ts.isVariableDeclaration(d)) return d.initializer;
    if (ts.isParameter(d) && isFunctionLike(d.parent) && d.parent.parameters[0] === d) {
      const call = isThenCallback(d.parent);
      if (call && ts.isPropertyAccessExpression(call.expression)) {
        // (what the step before answered: `read().then((m) => …)`, or carried on from a read in an earlier step,
        // `.then((body) => loadMembership(p, u).then((membership) => ({ body, membership }))).then(({ membership }) => …)`)
        const source = this.stepRead(call.expression.expression, ts.isBindingElement(decl) ? boundMember(id, this.modules) : undefined);
        if (source) return call;
      }
    }
    // a result an error-first callback of a read is given (`pool.query(sql, args, (err, rows) => …)`): the read
    if (ts.isParameter(d) && isFunctionLike(d.parent) && d.parent.parameters.indexOf(d) >= 1) {
      const call = errbackCall(d.parent);
      const read = call && readCall(call);
      if (read && this.isStateRead(read)) return call;
    }
    return undefined;
  }

  /**
   * The read of state a promise answers with, followed through the steps of its chain: `read()` itself;
   * `p.then((x) => read2(x))`, what a step returns; and with `member`, the member of the object a step
   * returns (`.then((membership) => ({ body, membership }))`), back to the step or read that answered it.
   */
  private stepRead(promise: ts.Expression, member: string | undefined, depth = 0): ts.CallExpression | undefined {
    const e = skipOuter(promise);
    if (depth > 4 || !ts.isCallExpression(e)) return undefined;
    // (a member of what a read answers is a field of its record: `findOne(…).then(({ role }) => …)`)
    if (!isThenCall(e)) {
      const call = readCall(e);
      return call && this.isStateRead(call) ? call : undefined;
    }
    const cb = e.arguments[0] && skipOuter(e.arguments[0]);
    if (!cb || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))) return undefined;
    for (const r of returnedExpressions(cb)) {
      let v = skipOuter(r);
      let rest = member;
      if (member !== undefined && ts.isObjectLiteralExpression(v)) {
        const p = v.properties.find((q) => q.name !== undefined && propertyNameText(q.name) === member);
        if (!p || !(ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p))) continue;
        v = skipOuter(ts.isPropertyAssignment(p) ? p.initializer : p.name);
        rest = undefined;
      }
      // a name a step was given: what the step before it answered
      if (ts.isIdentifier(v)) {
        const decl = this.modules.declarationOf(v.text, v);
        const step = decl && ts.isParameter(decl) && isFunctionLike(decl.parent) && decl.parent.parameters[0] === decl ? isThenCallback(decl.parent) : undefined;
        const found = step && ts.isPropertyAccessExpression(step.expression) ? this.stepRead(step.expression.expression, undefined, depth + 1) : undefined;
        if (found) return found;
        continue;
      }
      const found = this.stepRead(v, rest, depth + 1);
      if (found) return found;
    }
    return undefined;
  }

  private readonly reloads = new WeakMap<ts.Node, { name: string; node: ts.AwaitExpression }[]>();
  /** Awaited re-reads of entities named by plain names in a function (`ENTITY_RELOADS`), in source order. */
  private reloadsIn(fn: ts.FunctionLikeDeclaration): { name: string; node: ts.AwaitExpression }[] {
    let list = this.reloads.get(fn);
    if (list) return list;
    const out: { name: string; node: ts.AwaitExpression }[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isAwaitExpression(n)) {
        const call = skipOuter(n.expression);
        const callee = ts.isCallExpression(call) ? skipOuter(call.expression) : undefined;
        if (callee && ts.isPropertyAccessExpression(callee) && ts.isCallExpression(call)) {
          const arg = call.arguments[0] && skipOuter(call.arguments[0]);
          const recv = skipOuter(callee.expression);
          if (ENTITY_RELOADS.byArgument.includes(callee.name.text) && arg && ts.isIdentifier(arg)) out.push({ name: arg.text, node: n });
          else if (ENTITY_RELOADS.byReceiver.includes(callee.name.text) && ts.isIdentifier(recv)) out.push({ name: recv.text, node: n });
        }
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    this.reloads.set(fn, (list = out));
    return list;
  }

  private readonly assignments = new WeakMap<ts.Node, { name: string; node: ts.BinaryExpression }[]>();
  /** `x = …` assignments to plain names in a function, in source order. */
  private assignmentsIn(fn: ts.FunctionLikeDeclaration): { name: string; node: ts.BinaryExpression }[] {
    let list = this.assignments.get(fn);
    if (list) return list;
    list = [];
    const out = list;
    const visit = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === SK.EqualsToken && ts.isIdentifier(n.left)) out.push({ name: n.left.text, node: n });
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    this.assignments.set(fn, list);
    return list;
  }

  /** A read of state other requests can change: not the request's own input, not a write (a conditional update's count is the atomic form). */
  private isStateRead(call: ts.CallExpression): boolean {
    const callee = skipOuter(call.expression);
    if (ts.isPropertyAccessExpression(callee) && isRequestLike(callee.expression)) return false;
    const names = chainNames(callee);
    if (names.length === 0 || PURE_NAMESPACES.includes(names[0])) return names[0] === 'Promise' && PROMISE_GATHERERS.includes(names[1]);
    if (WAITS_NOT_READS.includes(names.at(-1)!)) return false;
    // a signature checked over the request's own token: its claims, not state other requests change
    if (SIGNATURE_VERIFIERS.includes(names.at(-1)!)) return false;
    // (so is a helper of the app whose only waits are such checks: `verifyAccessToken(token)` awaiting `jwtVerify(token, jwks)`)
    const helper = this.resolve(call);
    if (helper && onlyVerifiesSignatures(helper)) return false;
    // the request's own body, read by a function handed the request (`await readJson(req)` iterating `req`, a body
    // parser of a package): what the client sent, not state other requests change
    // (a function the tool cannot see is taken for one only when handed the request and settings: `getRawBody(req, { limit: '1mb' })`)
    if (call.arguments[0] && isRequestLike(skipOuter(call.arguments[0])) && (helper ? readsOnlyItsRequest(helper) : call.arguments.slice(1).every((a) => literalOptions(a))))
      return false;
    // a script that checks and writes on the server (`redis.eval(RESERVE, 1, key, limit)` that `INCR`s what it tested),
    // here or in a helper: a reservation, not a read — what it decided on it changed itself
    if (this.reserves(call)) return false;
    const op = operationOf(call);
    // (a name that reads like an operation, `refundLimitCents(…)`, of a helper of the app in sight: its body says whether it is one)
    if (op?.guessed && helper !== undefined) return operationOf(call, this.resolve) === undefined;
    return op === undefined;
  }

  private readonly reserving = new WeakMap<ts.CallExpression, boolean>();
  /** A call that runs a writing script on the store server, or a helper of the app that waits for one (answered once per call). */
  reserves(call: ts.CallExpression): boolean {
    const known = this.reserving.get(call);
    if (known !== undefined) return known;
    const writing = (c: ts.CallExpression): boolean => {
      if (!isServerScriptCall(chainNames(c.expression).at(-1) ?? '')) return false;
      const arg = c.arguments[0] && skipOuter(c.arguments[0]);
      const value = arg && ts.isIdentifier(arg) ? this.modules.valueOf(arg) : arg;
      const text = value && (ts.isStringLiteralLike(value) || ts.isTemplateExpression(value)) ? value.getText() : undefined;
      return text !== undefined && scriptWrites(text);
    };
    const inHelper = (): boolean => {
      const helper = this.resolve(call);
      return helper?.body !== undefined && awaitedReads(helper).some(writing);
    };
    const answer = writing(call) || inHelper();
    this.reserving.set(call, answer);
    return answer;
  }

  private readonly changed = new WeakMap<ts.Node, boolean>();
  /**
   * Whether code changes a shared place, so that other requests can change what a look into it
   * answers: a write the model sees (`shared.writes()`), or in the file that declares it a call
   * that changes it (`revoked.add(s)`, `seen.delete(k)`) or an assignment to it. A set of proxy
   * addresses filled once from the environment is configuration, not state.
   */
  private changes(place: Place, receiver: ts.Expression): boolean {
    if (this.shared.writes().some((w) => placeKey(w.place) === placeKey(place))) return true;
    let root = skipOuter(receiver);
    while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root)) root = skipOuter(root.expression);
    if (!ts.isIdentifier(root)) return true;
    let decl = this.modules.declarationOf(root.text, root);
    // an imported collection: its declaration in the module that exports it
    if (decl && !ts.isVariableDeclaration(decl)) decl = this.modules.valueOf(root)?.parent;
    if (!decl || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name)) return true;
    return this.changedInItsFile(decl);
  }

  /** Code of the declaring file changes the variable: assigns it, or calls a mutating method on it (`revoked.add(s)`). */
  private changedInItsFile(decl: ts.VariableDeclaration): boolean {
    if (!ts.isIdentifier(decl.name)) return false;
    const known = this.changed.get(decl);
    if (known !== undefined) return known;
    const name = decl.name.text;
    const sameBinding = (id: ts.Expression): boolean => ts.isIdentifier(id) && id.text === name && this.modules.declarationOf(name, id) === decl;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && isMutatingMethod(n.expression.name.text)) {
        let r = skipOuter(n.expression.expression);
        while (ts.isPropertyAccessExpression(r) || ts.isElementAccessExpression(r)) r = skipOuter(r.expression);
        if (sameBinding(r)) found = true;
      } else if (ts.isBinaryExpression(n) && n.operatorToken.kind >= SK.FirstAssignment && n.operatorToken.kind <= SK.LastAssignment) {
        let r = skipOuter(n.left);
        while (ts.isPropertyAccessExpression(r) || ts.isElementAccessExpression(r)) r = skipOuter(r.expression);
        if (sameBinding(r)) found = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(decl.getSourceFile());
    this.changed.set(decl, found);
    return found;
  }

  /**
   * A call, asked in a condition, of a function of the app that answers from state that changes under
   * it: a getter (no arguments) of a module-level `let` (or a member of one) its file changes,
   * `isLoanDeskOpen()`; or a method answering from a field its class refreshes, `this.switches.isOn('x')`.
   */
  readsModuleState(call: ts.CallExpression, kept = false): boolean {
    // (asked in a condition, and a getter (no arguments) or a method of an instance: asked first, before the call is resolved)
    // (`kept`: its answer kept in a local the condition tests — a cached grant, `const grant = this.grants.grantFor(id)`;
    // not a getter's copy of a module variable, which is the request's own from then on)
    if (!kept && !inCondition(call)) return false;
    // a function of the app that answers with a flag its client keeps in memory (`return unleash.isEnabled('resubmission', …)`),
    // asked with anything: the next poll can turn it
    // (or with a look into a collection its module keeps and changes, `return suspendedTerminals.has(fp)` with the set
    // refilled by a timer there: the next refill can turn it)
    if (call.arguments.length > 0 && !ts.isPropertyAccessExpression(skipOuter(call.expression))) return this.answersFromFlag(call) || this.answersFromModuleCollection(call);
    const fn = this.resolve(call);
    if (!fn?.body) return false;
    const returned = returnedExpressions(fn);
    if (!isAsync(fn) && returned.length > 0 && returned.every((r) => flagAnswer(r, this.resolve))) return true;
    // a method that answers from what its instance refreshes (`return this.flags.get(name) === true`, with
    // `this.flags = new Map(…)` set after an await or in a timer of the class): the next refresh can turn it
    if (!isAsync(fn) && returned.length > 0 && returned.every((r) => refreshedFieldRead(r, fn))) return true;
    // (a getter of a module variable takes nothing)
    if (call.arguments.length > 0 || kept) return false;
    return (
      returned.length > 0 &&
      returned.every((r) => {
        let e = skipOuter(r);
        while (ts.isPropertyAccessExpression(e)) e = skipOuter(e.expression);
        if (!ts.isIdentifier(e)) return false;
        const decl = this.modules.declarationOf(e.text, e);
        return decl !== undefined && isModuleLevel(decl) && (decl.parent.flags & ts.NodeFlags.Const) === 0 && this.changedInItsFile(decl);
      })
    );
  }

  /** A synchronous function of the app whose every answer is a flag evaluation (`resubmissionAllowed(ods)`). */
  private answersFromFlag(call: ts.CallExpression): boolean {
    const fn = this.resolve(call);
    if (!fn?.body || isAsync(fn)) return false;
    const returned = returnedExpressions(fn);
    return returned.length > 0 && returned.every((r) => flagAnswer(r, this.resolve));
  }

  /**
   * A synchronous function of the app whose every answer looks into a collection its module keeps and changes; or one whose
   * answers, its constant ones aside, rest on a module variable its file changes (`const entry = table[flag]; … return
   * entry.orgs.includes(org)` with `table = JSON.parse(raw)` in a refresh a timer runs).
   */
  private answersFromModuleCollection(call: ts.CallExpression): boolean {
    const fn = this.resolve(call);
    if (!fn?.body || isAsync(fn)) return false;
    const returned = returnedExpressions(fn);
    if (returned.length > 0 && returned.every((r) => this.looksIntoModuleCollection(r))) return true;
    const answers = returned.filter((r) => !isLiteralAnswer(r));
    return answers.length > 0 && answers.some((r) => this.restsOnChangedModuleVariable(r, fn, 0));
  }

  /** A module variable its own file changes is read in the expression, or in the value a local of `fn` it reads was given. */
  private restsOnChangedModuleVariable(e: ts.Node, fn: ts.FunctionLikeDeclaration, depth: number): boolean {
    if (depth > 3) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || (isFunctionLike(n) && n !== fn)) return;
      if (ts.isIdentifier(n) && isRead(n)) {
        const decl = this.modules.declarationOf(n.text, n);
        if (decl && ts.isVariableDeclaration(decl)) {
          if (isModuleLevel(decl) && decl.getSourceFile() === fn.getSourceFile() && this.changedInItsFile(decl)) found = true;
          else if (decl.pos >= fn.pos && decl.end <= fn.end && decl.initializer && this.restsOnChangedModuleVariable(decl.initializer, fn, depth + 1)) found = true;
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(e);
    return found;
  }

  /**
   * `suspended.has(fp)` (maybe negated) on a module-level collection of the function's own file that the file changes;
   * also a look into what such a collection holds, with a literal for a missing entry
   * (`rolesByOperator.get(key)?.has(role) ?? false`).
   */
  private looksIntoModuleCollection(r: ts.Expression): boolean {
    let e = skipOuter(r);
    while (ts.isPrefixUnaryExpression(e) && e.operator === SK.ExclamationToken) e = skipOuter(e.operand);
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === SK.QuestionQuestionToken || e.operatorToken.kind === SK.BarBarToken) && isLiteralAnswer(e.right))
      return this.looksIntoModuleCollection(e.left);
    if (!ts.isCallExpression(e)) return false;
    const callee = skipOuter(e.expression);
    if (!ts.isPropertyAccessExpression(callee) || !isLookupMethod(callee.name.text)) return false;
    let holder = skipOuter(callee.expression);
    // (the entry one lookup found, looked into again: `byKey.get(k)?.has(role)`)
    while (
      ts.isCallExpression(holder) &&
      ts.isPropertyAccessExpression(skipOuter(holder.expression)) &&
      isLookupMethod((skipOuter(holder.expression) as ts.PropertyAccessExpression).name.text)
    )
      holder = skipOuter((skipOuter(holder.expression) as ts.PropertyAccessExpression).expression);
    if (!ts.isIdentifier(holder)) return false;
    const decl = this.modules.declarationOf(holder.text, holder);
    return decl !== undefined && ts.isVariableDeclaration(decl) && isModuleLevel(decl) && decl.getSourceFile() === r.getSourceFile() && this.changedInItsFile(decl);
  }

  /** `suspended.has(serial)` on a collection another module exports: a look only a model of both files can judge. */
  looksIntoImported(call: ts.CallExpression): boolean {
    const callee = skipOuter(call.expression);
    return ts.isPropertyAccessExpression(callee) && isLookupMethod(callee.name.text) && this.imports(callee.expression);
  }

  /** The receiver's root name is imported from another module. */
  private imports(receiver: ts.Expression): boolean {
    let e = skipOuter(receiver);
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = skipOuter(e.expression);
    const decl = ts.isIdentifier(e) ? this.modules.declarationOf(e.text, e) : undefined;
    return decl !== undefined && (ts.isImportSpecifier(decl) || ts.isImportClause(decl));
  }

  /** A module the code imports (`const config = require('./config')`): its members are code and settings, not state. */
  private isModule(receiver: ts.Expression): boolean {
    let e = skipOuter(receiver);
    while (ts.isPropertyAccessExpression(e)) e = skipOuter(e.expression);
    if (!ts.isIdentifier(e)) return false;
    const decl = this.modules.declarationOf(e.text, e);
    if (!decl) return false;
    // a collection another module exports (`export const suspended = new Set()`) is state, where the model sees it
    if (ts.isImportSpecifier(decl) && isCollection(this.modules.valueOf(e))) return false;
    if (ts.isImportClause(decl) || ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl) || ts.isImportEqualsDeclaration(decl)) return true;
    const init = ts.isVariableDeclaration(decl) && decl.initializer ? skipOuter(decl.initializer) : undefined;
    return init !== undefined && ts.isCallExpression(init) && calleeChain(init.expression)?.[0] === 'require';
  }
}

/**
 * Whether a later check asks the decision's question again, so that it re-checks it: the same
 * helper called again, the same shared place looked into, or a read of the same source — the same
 * receiver (`db.member`, `this.assignments`, `redis`) naming the same table or key where a string
 * argument names one (`knex('drivers')`, `… FROM lab_staff …`, `` `flags:${id}` ``). A check of
 * something else after the boundary (a dose limit, a customs status, a recipient that exists)
 * leaves the decision as stale as it was.
 */
export function asksAgain(later: Check, decision: Check, resolve?: CallResolver): boolean {
  // the same helper asked about another record (`getMembership(show, newOwnerId)` after `getMembership(show, me)`):
  // another question, whatever it reads
  // (names compare where both are in sight of one function: the decision's, or a callback of it)
  const helper = later.via ?? resolve?.(later.call);
  const scope = enclosingFunction(decision.call);
  const decisionValues = valuesAsked(decision.call, undefined, decision.call, true);
  if (
    helper &&
    helper === (decision.via ?? resolve?.(decision.call)) &&
    scope !== undefined &&
    later.call.getSourceFile() === scope.getSourceFile() &&
    later.call.pos >= scope.pos &&
    later.call.end <= scope.end &&
    askedOfOther(decisionValues, sameRecordAsked(decision, decisionValues, valuesAsked(later.call, undefined, later.call, true)))
  )
    return false;
  if (later.via && later.via === decision.via) return true;
  // two helpers of the app that read the same thing (`requireGoodStanding(org)` throwing, then
  // `isInGoodStanding(org)` answering): the same question, by what they read
  if (resolve && (later.via || decision.via)) {
    // one helper built on the other (`assertOrgAdmin(org, user)` throwing when `isOrgAdmin(org, user)` says no, then
    // `isOrgAdmin(org, user)` asked in the worker): the same question
    const laterFn = later.via ?? resolve(later.call);
    const decisionFn = decision.via ?? resolve(decision.call);
    if (laterFn && decisionFn && (callsThrough(decisionFn, laterFn, resolve, 0) || callsThrough(laterFn, decisionFn, resolve, 0))) return true;
    // (by what is read, whichever handle reads it: `db('care_team_members')` and, in a transaction, `trx('care_team_members')`)
    const what = (subject: string): string => subject.slice(subject.indexOf('|') + 1) || subject;
    const names = (subject: string): boolean => subject.slice(subject.indexOf('|') + 1) !== '';
    const asked = new Set([...subjectsOf(decision, resolve)].map(what));
    const same = [...subjectsOf(later, resolve)].filter((s) => asked.has(what(s)));
    if (same.some(names)) return true;
    // (the same filter asked by another method, `Shift.findOne({ …, zones: code }).lean()` in the refusing helper and
    // `Shift.exists({ …, zones: code })` in the one that answers)
    const readsOf = (c: Check): ts.CallExpression[] => readsBehind(c, resolve);
    const filters = new Set(readsOf(decision).flatMap(chainFilterTexts));
    if (filters.size > 0 && readsOf(later).some((r) => chainFilterTexts(r).some((f) => filters.has(f)))) return true;
    // (the same table or model named another way: `getRepository(AgentEntitlement).findOne(…)` in the refusing helper,
    // `em.findOne(AgentEntitlement, { …, lock })` in the write's transaction; `RecallOfficer.findOne(…)` in both)
    const tables = new Set(readsOf(decision).flatMap((c) => [...tableKeys(c, resolve)]));
    if (tables.size > 0 && readsOf(later).some((c) => [...tableKeys(c, resolve)].some((t) => tables.has(t))) && answersFields(later, decision, readsOf(later))) return true;
    // (a read through a client that names no table or key, `redis.hGet(rolesKey(c), userId)`: the same question
    // only when asked the same way of the same values — not `hGet(rolesKey(c), targetUserId)` about another member)
    return same.length > 0 && sameReadAsked(decision, later, resolve);
  }
  if (later.via || decision.via) return later.via === decision.via;
  // a helper of the app that answers from its read (`holdsRackLock(rack, cn)` returning `(await redis.get(key)) === cn`),
  // then the same read made in place: the same question
  if (resolve && (resolve(decision.call)?.body || resolve(later.call)?.body)) {
    if (sameReadAsked(decision, later, resolve)) return true;
  }
  if (later.shared || decision.shared) return later.shared !== undefined && decision.shared !== undefined && placeKey(later.shared) === placeKey(decision.shared);
  const asked = readSubject(decision.call);
  // (the decision's own answer tested again, `invoice.total > seat.limit` with `seat` read for the decision, is no new read,
  // unless the later read refreshes it in place: `await lot.reload()`, `await em.refresh(batch)`)
  const kept = keptIn(decision.call);
  const refreshes = kept !== undefined && references(later.call, new Set([kept]));
  const reads = [...new Set([later.call, ...readsBehind(later, resolve), ...gatheredAlongside(later).filter((c) => c !== decision.call || refreshes)])];
  if (reads.some((c) => readSubject(c) === asked)) return true;
  // the same table through the ORM and in SQL (`prisma.orgMember.findFirst(…)`, then in a transaction
  // `` tx.$queryRaw`SELECT role FROM org_members … FOR UPDATE` ``); a decision on what a helper of the app
  // read is asked again by a read of the helper's table (`findActiveRegistration(db, no)` reading
  // `db('dea_registrations')`, then in the write's transaction `trx('dea_registrations')…forShare()`)
  const decisionReads = [...new Set([decision.call, ...readsBehind(decision, resolve)])];
  const tables = new Set(decisionReads.flatMap((c) => [...tableKeys(c, resolve)]));
  if (tables.size > 0 && reads.some((c) => [...tableKeys(c, resolve)].some((t) => tables.has(t))) && answersFields(later, decision, reads)) return true;
  // the same filter asked again through another handle (`this.grants.findOneBy({ operatorCn, rackId, scope })`, then in a
  // transaction `manager.findOne(PowerGrant, { where: { operatorCn, rackId, scope }, lock })`)
  const filters = new Set(decisionReads.flatMap((c) => [...filterTexts(c)]));
  return filters.size > 0 && reads.some((c) => [...filterTexts(c)].some((f) => filters.has(f)));
}

/**
 * A later read of the decision's table asks its question only if it can answer it: the decision tested
 * no field of the record (its presence, a count), or the later check tests one of the fields it tested,
 * or names one in what it reads (a filter `role: 'owner'`, a column of its SQL). A worker that reads the
 * released result's row to find the owner's address (`if (!contact) return`) does not ask again whether
 * the caller was its attending vet (`result.attending_vet_cn !== req.vet.cn`).
 */
function answersFields(later: Check, decision: Check, reads: readonly ts.CallExpression[]): boolean {
  // (a column and the field a mapper names it by are one: `withdrawn_at` in the SQL, `withdrawnAt` on the record)
  const same = (f: string): string => f.replace(/[\W_]/g, '').toLowerCase();
  const fields = new Set(decision.fields.map(same));
  if (decision.fields.length === 0 || later.fields.some((f) => fields.has(same(f)))) return true;
  const named = (text: string): boolean => decision.fields.some((f) => new RegExp(`\\b${f.replace(/\W/g, '').replace(/([a-z0-9])([A-Z])/g, '$1_?$2')}\\b`, 'i').test(text));
  return reads.some((c) => named(c.getText())) || named(later.test.getText());
}

/**
 * The reads a check's call stands for: the call itself, or — when it calls a helper of the app (one
 * that refuses, or one that reads and hands back what it read, awaited or not: `return
 * db('dea_registrations').where(…).first()`) — the helper's reads.
 */
export function readsBehind(check: Check, resolve: CallResolver | undefined): ts.CallExpression[] {
  const fn = check.via ?? resolve?.(check.call);
  if (!fn?.body) return [check.call];
  const out = awaitedReads(fn);
  for (const r of returnedExpressions(fn)) {
    const call = readCall(r);
    if (call && operationOf(call) === undefined && !out.includes(call)) out.push(call);
  }
  return out.length > 0 ? out : [check.call];
}

/** Whether a function of the app calls `target`, itself or through the functions it calls (two deep). */
function callsThrough(fn: ts.FunctionLikeDeclaration, target: ts.FunctionLikeDeclaration, resolve: CallResolver, depth: number): boolean {
  if (depth > 2 || !fn.body) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn.body && isFunctionLike(n))) return;
    if (ts.isCallExpression(n)) {
      const callee = resolve(n);
      if (callee === target || (callee && callee !== fn && callsThrough(callee, target, resolve, depth + 1))) {
        found = true;
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return found;
}

/**
 * The tables a read asks, by name in one spelling: the tables its SQL names, or the model an ORM's
 * delegate names (`prisma.orgMember`, `tx.orgMember`): `orgMember`, `org_members` and `OrgMembers` are one.
 */
function tableKeys(call: ts.CallExpression, resolve?: CallResolver): Set<string> {
  const norm = (t: string): string => t.toLowerCase().replace(/_/g, '').replace(/s$/, '');
  const subject = readSubject(call);
  const [receiver, words] = [subject.slice(0, subject.indexOf('|')), subject.slice(subject.indexOf('|') + 1)];
  const isSql = call.arguments[0] !== undefined && sqlVerbOf(argumentText(call.arguments[0])) !== undefined;
  const sql = isSql ? words.split(',').filter((w) => w.length > 0) : [];
  if (sql.length > 0) return new Set(sql.map((w) => norm(w.split('.').at(-1)!)));
  // a builder chain names its table (`ctx.db.selectFrom('unit_roles').where(…).executeTakeFirst()`), not its handle's
  const named = builderTables(call);
  if (named.length > 0) return new Set(named.map((t) => norm(t.split(/\s/)[0].split('.').at(-1)!)));
  const models = resolve ? modelsNamed(call, resolve) : [];
  if (models.length > 0) return new Set(models.map(norm));
  const parts = receiver.split('.').filter((p) => p !== 'this');
  return parts.length >= 2 ? new Set([norm(parts.at(-1)!)]) : new Set();
}

/**
 * The entity classes and models a read names along its chain: an argument that is a class (TypeORM's
 * `em.findOne(AgentEntitlement, …)`, `dataSource.getRepository(AgentEntitlement)`), or a receiver at its
 * root that is a class or a model a database handle call made (a Sequelize model's `RecallOfficer.findOne(…)`,
 * Mongoose's `const Shift = model('Shift', schema)`).
 */
function modelsNamed(call: ts.CallExpression, resolve: CallResolver): string[] {
  const out: string[] = [];
  const model = (e: ts.Identifier): boolean => {
    const v = resolve.valueOf?.(e);
    if (!v) return false;
    if (ts.isClassLike(v)) return true;
    // (a class imported from a module out of sight: a file judged alone, `import { Dispute } from '../entities'`)
    if (ts.isImportDeclaration(v) && /^[A-Z][a-z]/.test(e.text)) return true;
    const made = ts.isCallExpression(v) ? chainNames(v.expression).at(-1) : undefined;
    return made !== undefined && initializesDatabaseHandle(made);
  };
  let n: ts.Node = call;
  for (; ts.isCallExpression(n);) {
    const first = n.arguments[0] && skipOuter(n.arguments[0]);
    if (first && ts.isIdentifier(first) && model(first)) out.push(first.text);
    let next: ts.Node = skipOuter(n.expression);
    while (ts.isPropertyAccessExpression(next)) next = skipOuter(next.expression);
    n = next;
  }
  if (ts.isIdentifier(n) && n !== call.expression && model(n)) out.push(n.text);
  // (a repository a field of the class holds, injected for an entity: `@InjectRepository(StaffMember) private readonly
  // staff: Repository<StaffMember>`, then `this.staff.findOneBy(…)`)
  const names = chainNames(call.expression);
  if (names[0] === 'this' && names.length >= 3) {
    const entity = injectedEntity(call, names[1]);
    if (entity) out.push(entity);
  }
  return out;
}

/** The entity a field of the class around `at` holds a repository of: its injection's argument, or its type's. */
function injectedEntity(at: ts.Node, field: string): string | undefined {
  let cls: ts.Node | undefined = at.parent;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  if (!cls || !ts.isClassLike(cls)) return undefined;
  const members: ts.Node[] = [...cls.members];
  for (const m of cls.members) if (ts.isConstructorDeclaration(m)) members.push(...m.parameters);
  for (const m of members) {
    if (!(ts.isPropertyDeclaration(m) || ts.isParameter(m)) || !ts.isIdentifier(m.name) || m.name.text !== field) continue;
    for (const d of ts.getDecorators(m) ?? []) {
      const e = d.expression;
      if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || !ENTITY_INJECTIONS.includes(e.expression.text)) continue;
      // (`@InjectModel(Shift.name)`: the class the name is of)
      let arg = e.arguments[0] && skipOuter(e.arguments[0]);
      if (arg && ts.isPropertyAccessExpression(arg) && arg.name.text === 'name') arg = skipOuter(arg.expression);
      if (arg && ts.isIdentifier(arg)) return arg.text;
    }
    const type = m.type;
    if (
      type &&
      ts.isTypeReferenceNode(type) &&
      type.typeArguments?.length === 1 &&
      ts.isTypeReferenceNode(type.typeArguments[0]) &&
      ts.isIdentifier(type.typeArguments[0].typeName)
    ) {
      const holder = ts.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
      if (isDatabaseType(holder)) return type.typeArguments[0].typeName.text;
    }
  }
  return undefined;
}

/**
 * The tables a query-builder chain names along it: `selectFrom('unit_roles')`, `from('sheets')`, or the
 * handle called with the table at its root when the chain goes on to filter or write (Knex's
 * `trx('dea_registrations').where(…)`, `this.db('orders').update(…)`).
 */
function builderTables(call: ts.CallExpression, valueOf?: (e: ts.Expression) => ts.Node | undefined): string[] {
  const out: string[] = [];
  let outer: string | undefined;
  // (a table object of the app, Drizzle's `.from(accountFreezes)` with `accountFreezes = pgTable('account_freezes', …)`: the name it was made with)
  const madeAs = (e: ts.Expression): string | undefined => {
    const v = ts.isIdentifier(e) ? valueOf?.(e) : undefined;
    const made = v && ts.isExpression(v) ? skipOuter(v) : undefined;
    const name = made && ts.isCallExpression(made) && made.arguments[0] ? skipOuter(made.arguments[0]) : undefined;
    return name && ts.isStringLiteralLike(name) ? name.text : undefined;
  };
  for (let n: ts.Node = call; ts.isCallExpression(n);) {
    const callee = skipOuter(n.expression);
    const first = n.arguments[0] && skipOuter(n.arguments[0]);
    const table = first && QUERY_TABLE_CALLS.includes(ts.isPropertyAccessExpression(callee) ? callee.name.text : '') && !ts.isStringLiteralLike(first) ? madeAs(first) : undefined;
    if (table !== undefined) out.push(table);
    else if (ts.isPropertyAccessExpression(callee) && QUERY_TABLE_CALLS.includes(callee.name.text) && first && ts.isStringLiteralLike(first)) out.push(first.text);
    else if (first && ts.isStringLiteralLike(first) && outer !== undefined && (QUERY_BUILDER[outer]?.filters || QUERY_BUILDER[outer]?.writes)) {
      const root = ts.isIdentifier(callee) || (ts.isPropertyAccessExpression(callee) && QUERY_BUILDER[callee.name.text] === undefined);
      if (root) out.push(first.text);
    }
    outer = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    let next: ts.Node = callee;
    while (ts.isPropertyAccessExpression(next)) next = skipOuter(next.expression);
    n = next;
  }
  return out;
}

/** The text of a statement argument: a string, a template's head, a tagged template's template. */
function argumentText(a: ts.Expression): string {
  const x = skipOuter(a);
  if (ts.isTaggedTemplateExpression(x)) return ts.isNoSubstitutionTemplateLiteral(x.template) ? x.template.text : x.template.head.text;
  if (ts.isTemplateExpression(x)) return x.head.text;
  return ts.isStringLiteralLike(x) ? x.text : '';
}

/** The filter objects a read is asked with, of two fields or more, as text: its object arguments, or their `where`. */
function filterTexts(call: ts.CallExpression): Set<string> {
  const out = new Set<string>();
  const add = (o: ts.ObjectLiteralExpression): void => {
    const where = o.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'where');
    const filter = where && ts.isObjectLiteralExpression(skipOuter(where.initializer)) ? (skipOuter(where.initializer) as ts.ObjectLiteralExpression) : where ? undefined : o;
    if (filter && filter.properties.length >= 2) out.add(filter.getText().replace(/\s+/g, ' '));
  };
  for (const a of call.arguments) {
    const x = skipOuter(a);
    if (ts.isObjectLiteralExpression(x)) add(x);
  }
  return out;
}

/** The filter texts of every call along a read's chain: `Shift.findOne({ … }).lean()` asks with the `findOne`'s. */
function chainFilterTexts(call: ts.CallExpression): string[] {
  const out: string[] = [];
  for (let n: ts.Node = call; ts.isCallExpression(n);) {
    out.push(...filterTexts(n));
    let next: ts.Node = skipOuter(n.expression);
    while (ts.isPropertyAccessExpression(next)) next = skipOuter(next.expression);
    n = next;
  }
  return out;
}

/** What a check reads: its call's subject, or those of the awaited reads inside the helper it calls. */
/** The tables, collections or indexes a decision reads (in its helper too): `operator_staff`. */
export function decisionTables(check: Check, resolve: CallResolver): Set<string> {
  const out = new Set<string>();
  for (const subject of subjectsOf(check, resolve)) for (const t of tablesIn(subject)) out.add(t);
  return out;
}

/**
 * The tables a decision's SQL reads select from, not those they join for a lookup: `operator_grants` of `SELECT EXISTS (SELECT 1
 * FROM operator_grants g JOIN managed_databases d …)`. Empty when no read behind the decision is SQL.
 */
export function decisionPrimaryTables(check: Check, resolve: CallResolver): Set<string> {
  const out = new Set<string>();
  for (const read of readsBehind(check, resolve)) {
    // (also a statement kept in a constant: `pool.query(GRANT_SQL, …)`)
    const text = (ts.isCallExpression(read) ? sqlText(read.arguments[0]) : undefined) ?? '';
    const from = /\bfrom\s+([\w."]+)/i.exec(text);
    if (from && /^\s*(?:select|with)\b/i.test(text)) out.add(from[1].replace(/"/g, '').toLowerCase());
    // (a query builder's table: `db('duty_roster').where(…)`, `selectFrom('unit_roles')`)
    // (its name without an alias: `db('project_members as pm')`)
    else if (ts.isCallExpression(read)) for (const t of builderTables(read, (e) => resolve.valueOf?.(e))) out.add(t.trim().split(/\s+/)[0].toLowerCase());
  }
  return out;
}

/** The tables a read subject (`readSubject`) names. */
export function tablesIn(subject: string): string[] {
  const words = subject.slice(subject.indexOf('|') + 1);
  return words ? words.split(',').filter((w) => w.length > 0) : [];
}

function subjectsOf(check: Check, resolve: CallResolver): Set<string> {
  // (a helper's reads, also one it hands back unawaited: `findGrant(cn) { return prisma.dispatcherGrant.findFirst(…) }`)
  return new Set(readsBehind(check, resolve).map(readSubject));
}

/**
 * The reads a call makes, as their text (whitespace aside): its own, or the awaited reads of the helper
 * of the app it calls — `redis.get(rackLockKey(rackId))` inside `holdsRackLock(rackId, cn)`.
 */
function readsAsked(call: ts.CallExpression, resolve: CallResolver): { shape: string; values: (string | undefined)[] }[] {
  // the call's shape: its callee, and its arguments' literal text, with names and values a caller chose left out
  // (`redis.sismember('legal-holds', ?)` for a helper's `matterId` and a handler's `ctx.params.matterId` alike)
  // (a name of the module's own or an import is what is asked of, not a value: Drizzle's `.from(permits)` table)
  const fixed = (x: ts.Identifier): boolean => {
    const decl = resolve.declarationOf?.(x);
    return decl !== undefined && (isModuleLevel(decl) || ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl));
  };
  const shape = (e: ts.Node): string => {
    const x = skipOuter(e as ts.Expression);
    if (ts.isStringLiteralLike(x) || ts.isNumericLiteral(x)) return JSON.stringify(x.text);
    if (ts.isTemplateExpression(x)) return JSON.stringify([x.head.text, ...x.templateSpans.map((t) => t.literal.text)].join('?'));
    if (ts.isIdentifier(x) && fixed(x)) return `#${x.text}`;
    if (ts.isCallExpression(x)) {
      const callee = skipOuter(x.expression);
      // (a builder chain: what every step is asked, `db.select(…).from(permits).where(…)`, not only the last)
      if (ts.isPropertyAccessExpression(callee) && ts.isCallExpression(skipOuter(callee.expression)))
        return `${shape(callee.expression)}.${callee.name.text}(${x.arguments.map(shape).join(',')})`;
      return `${chainNames(x.expression).join('.')}(${x.arguments.map(shape).join(',')})`;
    }
    if (ts.isNewExpression(x)) return `new ${chainNames(x.expression).join('.')}(${(x.arguments ?? []).map(shape).join(',')})`;
    if (ts.isObjectLiteralExpression(x))
      return `{${x.properties.map((p) => (p.name ? (propertyNameText(p.name) ?? '?') : '?') + (ts.isPropertyAssignment(p) ? `:${shape(p.initializer)}` : '')).join(',')}}`;
    return '?';
  };
  const fn = resolve(call);
  if (!fn?.body) return [{ shape: shape(call), values: valuesAsked(call, undefined, call) }];
  // (what it asks for is in its arguments: `res.json()` of any response asks nothing in particular)
  return awaitedReads(fn)
    .filter((read) => read.arguments.length > 0)
    .map((read) => ({ shape: shape(read), values: valuesAsked(read, fn, call) }));
}

/**
 * The later check makes one of the decision's reads again: the same call shape, about the same values
 * (`hGet(rolesKey(c), moderatorId)` in the helper the decision called is not asked again by
 * `hGet(rolesKey(c), targetUserId)`, though the shape is the same).
 */
function sameReadAsked(decision: Check, later: Check, resolve: CallResolver): boolean {
  const asked = readsAsked(decision.call, resolve);
  return readsAsked(later.call, resolve).some((r) => asked.some((a) => a.shape === r.shape && !askedOfOther(a.values, r.values)));
}

/**
 * The values a read is asked about, in the order of its `?`s: each a name as the caller wrote it — a
 * parameter of the helper the read is in is the argument the call gave it (`userId` → `moderatorId`),
 * a local copy its initializer (`const id = req.params.id` → `req.params.id`) — or undefined when unknown.
 */
function valuesAsked(
  read: ts.CallExpression,
  fn: ts.FunctionLikeDeclaration | undefined,
  call: ts.CallExpression,
  /** Both calls are in sight of one function: a local computed from a call there stands for itself (`me`, `newOwnerId`). */
  localsNamed = false,
): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  // (`inHelper`: `x` is written in the helper, whose parameters stand for the call's arguments)
  const name = (x: ts.Expression, inHelper: boolean, depth = 0): string | undefined => {
    if (depth > 6) return undefined;
    if (ts.isIdentifier(x) && inHelper && fn) {
      const i = fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === x.text);
      if (i >= 0) return call.arguments[i] ? name(skipOuter(call.arguments[i]), false, depth + 1) : undefined;
    }
    if (ts.isIdentifier(x)) {
      // (a local copy of a value: the value; within one function, a local computed otherwise, `const me = c.get('userId')`,
      // is itself — across functions, names say nothing of values)
      const init = localInitializer(x);
      if (!init) return x.text;
      const named = name(skipOuter(init), inHelper, depth + 1);
      return named ?? (localsNamed ? x.text : undefined);
    }
    if (ts.isPropertyAccessExpression(x)) {
      const owner = name(skipOuter(x.expression), inHelper, depth + 1);
      return owner === undefined ? undefined : `${owner}.${x.name.text}`;
    }
    if (x.kind === ts.SyntaxKind.ThisKeyword) return 'this';
    return undefined;
  };
  const inHelper = fn !== undefined;
  const visit = (e: ts.Node): void => {
    const x = skipOuter(e as ts.Expression);
    if (ts.isStringLiteralLike(x) || ts.isNumericLiteral(x)) return;
    if (ts.isTemplateExpression(x)) x.templateSpans.forEach((t) => out.push(name(skipOuter(t.expression), inHelper)));
    else if (ts.isCallExpression(x)) x.arguments.forEach(visit);
    else if (ts.isNewExpression(x)) (x.arguments ?? []).forEach(visit);
    else if (ts.isObjectLiteralExpression(x)) x.properties.forEach((p) => (ts.isPropertyAssignment(p) ? visit(p.initializer) : undefined));
    else out.push(name(x, inHelper));
  };
  read.arguments.forEach(visit);
  return out;
}

/** The initializer of the `const` a name refers to in its function, if it is one. */
function localInitializer(id: ts.Identifier): ts.Expression | undefined {
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (!ts.isBlock(n)) continue;
    for (const st of n.statements) {
      if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === id.text && d.initializer && d.end <= id.pos) return d.initializer;
    }
  }
  return undefined;
}

/** Two reads of one shape asked about different values: a place where both name a value, and the names differ. */
/**
 * The values a later call asks about, where it names the record the decision found by its id (`alert.id`
 * after `const alert = await authorizeOperator(op, ctx.params.alertId)`), or by the field named as the
 * value asked about was (`story.storyId` after `const story = await assertCanIssueCorrection(me, storyId)`):
 * that is the value the decision asked about in the same place.
 */
function sameRecordAsked(decision: Check, asked: readonly (string | undefined)[], later: readonly (string | undefined)[]): (string | undefined)[] {
  const found = keptIn(decision.call);
  if (found === undefined) return [...later];
  const field = (i: number): string | undefined => asked[i]?.split('.').at(-1);
  return later.map((v, i) => (v !== undefined && (RECORD_ID_KEYS.some((k) => v === `${found}.${k}`) || (field(i) !== undefined && v === `${found}.${field(i)}`)) ? asked[i] : v));
}

/** The local a call's answer is kept in: `agreement` of `const agreement = await RentalAgreement.findOne(…)`. */
export function keptIn(call: ts.CallExpression): string | undefined {
  let e: ts.Node = call;
  while (e.parent && (ts.isAwaitExpression(e.parent) || ts.isParenthesizedExpression(e.parent))) e = e.parent;
  const decl = e.parent;
  return decl && ts.isVariableDeclaration(decl) && decl.initializer === e && ts.isIdentifier(decl.name) ? decl.name.text : undefined;
}

function askedOfOther(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): boolean {
  if (a.length !== b.length) return false;
  return a.some((v, i) => v !== undefined && b[i] !== undefined && v !== b[i]);
}

/** The reads a function waits for in its own body (not in functions it defines). */
function awaitedReads(fn: ts.FunctionLikeDeclaration): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n) && n !== fn) return;
    if (ts.isAwaitExpression(n)) {
      const read = readCall(n.expression);
      if (read) out.push(read);
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return out;
}

/** What a decision's reads ask of, by table when their text names one, else by the receiver they read through (`prisma.dispatcherGrant`). */
export function decisionSources(check: Check, resolve: CallResolver): Set<string> {
  const out = new Set<string>();
  for (const subject of subjectsOf(check, resolve)) for (const t of sourcesIn(subject)) out.add(t);
  return out;
}

/** The tables a read subject names, else the model its receiver reaches through a client (`prisma.dispatcherGrant`, not `catalog`). */
export function sourcesIn(subject: string): string[] {
  const tables = tablesIn(subject);
  const receiver = subject.slice(0, subject.indexOf('|'));
  return tables.length > 0 ? tables : receiver.includes('.') && !receiver.startsWith('this.') ? [receiver] : [];
}

/**
 * The other reads a check's condition tests from the same gathered wait: `const [revokedNow, ownsNow]
 * = await Promise.all([keyIsRevoked(k), vendorOwns(v, m)]); if (revokedNow || !ownsNow) throw 403`
 * asks both questions again, though the check keeps one read.
 */
function gatheredAlongside(check: Check): ts.CallExpression[] {
  return [...gatheredInArray(check), ...readBeforeTest(check)];
}

/** The other awaited reads kept in variables of the test's block that the same test asks about: `const still = await …; if (!rack || !still) throw …`. */
function readBeforeTest(check: Check): ts.CallExpression[] {
  const test = check.test;
  const block = test.parent;
  if (!ts.isIfStatement(test) || !block || !ts.isBlock(block)) return [];
  const out: ts.CallExpression[] = [];
  for (const st of block.statements) {
    if (st === test) break;
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      const e = d.initializer && skipOuter(d.initializer);
      const call = e && ts.isAwaitExpression(e) ? readCall(e) : undefined;
      if (call && call !== check.call && ts.isIdentifier(d.name) && references(test.expression, new Set([d.name.text]))) out.push(call);
    }
  }
  return out;
}

function gatheredInArray(check: Check): ts.CallExpression[] {
  const read = check.read;
  const list = read.parent;
  if (!ts.isCallExpression(read) || !list || !ts.isArrayLiteralExpression(list)) return [];
  let holder: ts.Node | undefined = list.parent;
  while (holder && (ts.isCallExpression(holder) || ts.isAwaitExpression(holder) || ts.isParenthesizedExpression(holder))) holder = holder.parent;
  if (!holder || !ts.isVariableDeclaration(holder) || !ts.isArrayBindingPattern(holder.name)) return [];
  const binding = holder.name;
  const condition = ts.isIfStatement(check.test) ? check.test.expression : check.test;
  const out: ts.CallExpression[] = [];
  list.elements.forEach((el, i) => {
    const b = binding.elements[i];
    const call = readCall(skipOuter(el));
    if (call && b && ts.isBindingElement(b) && ts.isIdentifier(b.name) && references(condition, new Set([b.name.text]))) out.push(call);
  });
  return out;
}

const placeKey = (p: Place): string => (p.shared ? p.key : p.label);

/**
 * What a read asks about: the receiver its chain starts from (`db.member` of
 * `db.member.findUnique(…)`, `Tenant` of `Tenant.findById(…).lean()`, `knex` of `knex('t').first()`),
 * and the tables, index or key its arguments name (`'drivers'`, `… FROM lab_staff …`,
 * `` `flags:${id}` ``, `{ TableName: DOCS }`).
 */
export function readSubject(call: ts.CallExpression): string {
  const words = new Set<string>();
  const named = (a: ts.Expression): void => {
    if (ts.isStringLiteralLike(a) || ts.isTemplateExpression(a)) {
      const text = ts.isTemplateExpression(a) ? a.head.text : a.text;
      const tables = [...text.matchAll(/\b(?:from|join|update|into)\s+([\w."]+)/gi)].map((m) => m[1].replace(/"/g, '').toLowerCase());
      if (tables.length > 0) for (const t of tables) words.add(t);
      else words.add(/^[\w-]*/.exec(text)![0]);
    } else if (ts.isTaggedTemplateExpression(a)) named(a.template);
    else if (ts.isNewExpression(a) && a.arguments?.[0]) named(skipOuter(a.arguments[0]));
    else if (ts.isObjectLiteralExpression(a))
      for (const p of a.properties) if (ts.isPropertyAssignment(p) && READ_TARGET_KEYS.includes(propertyNameText(p.name) ?? '')) words.add(skipOuter(p.initializer).getText());
  };
  let root: ts.Expression = call;
  for (let n: ts.Node = call; ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n);) {
    root = n;
    const first = ts.isCallExpression(n) ? n.arguments[0] : n.template;
    if (first) named(skipOuter(first));
    let next: ts.Node = skipOuter(ts.isCallExpression(n) ? n.expression : n.tag);
    while (ts.isPropertyAccessExpression(next) || ts.isElementAccessExpression(next)) next = skipOuter(next.expression);
    n = next;
  }
  // the receiver of the innermost call: its callee without the method it calls
  const callee = skipOuter(ts.isCallExpression(root) ? root.expression : (root as ts.TaggedTemplateExpression).tag);
  const names = chainNames(callee);
  const receiver = ts.isPropertyAccessExpression(callee) ? names.slice(0, -1) : names;
  return `${receiver.join('.')}|${[...words].sort().join(',')}`;
}

/** A flag evaluation, maybe negated or compared: `flags.isEnabled('x', ctx)`, `!ld.boolVariation(…)`, `gb.getFeatureValue(…) === 'on'`. */
function flagAnswer(r: ts.Expression, resolve: CallResolver): boolean {
  let e = skipOuter(r);
  while (ts.isPrefixUnaryExpression(e)) e = skipOuter(e.operand);
  if (ts.isBinaryExpression(e)) return flagAnswer(e.left, resolve) || flagAnswer(e.right, resolve);
  return ts.isCallExpression(e) && flagEvaluation(e, resolve);
}

/** The call a promise chain starts from (`helper(x)` of `helper(x).then(a).catch(b)`), when the expression is a chain. */
function chainRoot(expr: ts.Expression): ts.CallExpression | undefined {
  let e = skipOuter(expr);
  let steps = 0;
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && isPromiseStep((skipOuter(e.expression) as ts.PropertyAccessExpression).name.text)) {
    e = skipOuter((skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
    steps++;
  }
  return steps > 0 && ts.isCallExpression(e) ? e : undefined;
}

/** A value made as a collection: `new Set()`, `new Map(…)`, `[]`. */
function isCollection(v: ts.Node | undefined): boolean {
  const e = v && ts.isExpression(v) ? skipOuter(v) : undefined;
  return e !== undefined && ((ts.isNewExpression(e) && ts.isIdentifier(e.expression) && collectionClassOf(e.expression.text) !== undefined) || ts.isArrayLiteralExpression(e));
}

/**
 * The HTTP status an error class of the app answers with, where it says so; and, for `throw
 * denied()`, the error a function of the app makes (`const denied = () => new GraphQLError(…)`).
 */
export type ErrorStatus = ((name: ts.Identifier) => number | undefined) & {
  madeBy?: (call: ts.CallExpression) => ts.Expression | undefined;
  /** The body of a function of the app a call hands the response to (`deny(res, 'not assigned')`): it may answer for the branch. */
  respondsBy?: (call: ts.CallExpression) => ts.Node | undefined;
  /** The error a function of the app (imported too) always ends by throwing: `forbidden('…')` with `throw new GraphQLError(…)`. */
  thrownBy?: (call: ts.CallExpression) => ts.NewExpression | undefined;
  /** A call that writes what it is given to the peer's connection: `socket.write(line)`, or `this.reply(text)` of the app doing so. */
  writesToPeer?: (call: ts.CallExpression) => boolean;
};

/**
 * The status an error class carries: a `status`/`statusCode` field set to a number
 * (`readonly status = 403`, `this.status = 403` in its constructor), or a status passed to the class
 * it extends (`super(403, message)`); through the classes it extends, two deep.
 */
export function errorStatusOf(modules: Modules): ErrorStatus {
  const cache = new Map<ts.Node, number | undefined>();
  const ofClass = (cls: ts.ClassLikeDeclaration, depth: number): number | undefined => {
    if (cache.has(cls)) return cache.get(cls);
    cache.set(cls, undefined);
    let found: number | undefined;
    const visit = (n: ts.Node): void => {
      if (found !== undefined) return;
      // `status = 403`, or a constructor parameter's default (`constructor(msg: string, public statusCode = 403)`):
      // the status of a throw that passes none (one that passes a literal says so at the throw)
      // (a field of any name that holds an error status, `readonly httpStatus = 403`: what an error class carries a number from
      // 400 to 599 for is the status its handler answers with)
      if (
        (ts.isPropertyDeclaration(n) || ts.isParameter(n)) &&
        ts.isIdentifier(n.name) &&
        n.initializer &&
        ts.isNumericLiteral(skipOuter(n.initializer)) &&
        (STATUS_PROPERTIES.includes(n.name.text) || isErrorStatusNumber(skipOuter(n.initializer) as ts.NumericLiteral))
      )
        found = Number((skipOuter(n.initializer) as ts.NumericLiteral).text);
      else if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === SK.EqualsToken &&
        ts.isPropertyAccessExpression(n.left) &&
        ts.isNumericLiteral(skipOuter(n.right)) &&
        (STATUS_PROPERTIES.includes(n.left.name.text) || isErrorStatusNumber(skipOuter(n.right) as ts.NumericLiteral))
      )
        found = Number((skipOuter(n.right) as ts.NumericLiteral).text);
      else if (ts.isCallExpression(n) && n.expression.kind === SK.SuperKeyword) {
        const literal = n.arguments.map((a) => skipOuter(a)).find((a): a is ts.NumericLiteral => ts.isNumericLiteral(a) && Number(a.text) >= 400 && Number(a.text) < 600);
        if (literal) found = Number(literal.text);
      } else if (!isFunctionLike(n) || ts.isConstructorDeclaration(n)) ts.forEachChild(n, visit);
    };
    cls.members.forEach(visit);
    const base = cls.heritageClauses?.find((h) => h.token === SK.ExtendsKeyword)?.types[0]?.expression;
    if (found === undefined && base && ts.isIdentifier(base) && depth < 2) {
      const v = modules.valueOf(base);
      if (v && ts.isClassLike(v)) found = ofClass(v, depth + 1);
    }
    cache.set(cls, found);
    return found;
  };
  const status: ErrorStatus = (name) => {
    const v = modules.valueOf(name);
    return v && ts.isClassLike(v) ? ofClass(v, 0) : undefined;
  };
  status.madeBy = (call) => {
    const fn = modules.valueOf(call.expression);
    if (!fn || !isFunctionLike(fn) || !fn.body) return undefined;
    const made = returnedExpressions(fn)[0];
    return made && ts.isNewExpression(skipOuter(made)) ? skipOuter(made) : undefined;
  };
  status.thrownBy = (call) => {
    const own = thrownByCall(call);
    if (own) return own;
    const callee = skipOuter(call.expression);
    const fn = ts.isIdentifier(callee) ? modules.valueOf(callee) : undefined;
    const made = fn && isFunctionLike(fn) ? endsThrowingNew(fn) : undefined;
    if (made) thrownAcrossModules.set(call, made);
    return made;
  };
  // `socket.write(…)`, `this.socket.end(…)`: sent on the connection itself
  const toPeer = (c: ts.CallExpression): boolean => {
    const names = calleeChain(c.expression) ?? [];
    return names.length >= 2 && isPeerWrite(names[names.length - 1]) && isConnectionName(names[names.length - 2]);
  };
  status.writesToPeer = (call) => {
    if (toPeer(call)) return true;
    // a function of the app, or a method of the class the call is made in, that writes a parameter there (`reply(text) { this.socket.write(`${text}\n`) }`)
    const callee = skipOuter(call.expression);
    let fn: ts.Node | undefined;
    if (ts.isIdentifier(callee)) fn = modules.valueOf(callee);
    else if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword) {
      let cls: ts.Node | undefined = call.parent;
      while (cls && !ts.isClassLike(cls)) cls = cls.parent;
      fn = cls ? fieldDeclaration(cls, callee.name.text) : undefined;
    }
    if (!fn || !isFunctionLike(fn) || !fn.body) return false;
    const params = new Set(fn.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(n) && toPeer(n) && n.arguments.some((a) => references(a, params))) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(fn.body);
    return found;
  };
  status.respondsBy = (call) => {
    // (handed the response, the request or its context: `deny(res, …)`, `forbid(ctx)`, `refuse(reply)`)
    if (!call.arguments.some((a) => ts.isIdentifier(skipOuter(a)) && isPerRequestName((skipOuter(a) as ts.Identifier).text))) return undefined;
    const fn = modules.valueOf(call.expression);
    return fn && isFunctionLike(fn) && fn.body ? fn.body : undefined;
  };
  return status;
}

/**
 * Error classes an app maps to a refusal where it handles them: `if (err instanceof NotCleared)
 * return res.sendStatus(403)`, a `catch` that answers 403 for `LockError`. A layered service throws
 * its own error and the route (or an error middleware) says what it means.
 */
const besideCache = new WeakMap<ts.SourceFile, Map<ts.ClassLikeDeclaration, number>>();
/**
 * The status the module that declares an error class answers it with (an error middleware beside the
 * class: `if (err instanceof CellarAccessError) { ctx.status = 403; … }`), wherever it is thrown.
 */
function besideClass(cls: ts.ClassLikeDeclaration, modules: Modules): number | undefined {
  const sf = cls.getSourceFile();
  let table = besideCache.get(sf);
  if (!table) besideCache.set(sf, (table = refusalMappings(sf, modules)));
  return table.get(cls);
}

export function refusalMappings(sf: ts.SourceFile, modules: Modules): Map<ts.ClassLikeDeclaration, number> {
  const out = new Map<ts.ClassLikeDeclaration, number>();
  if (!sf.text.includes('instanceof')) return out;
  // the classes a test asks about: `err instanceof LockError`, `err instanceof samples.LockError`
  const classesIn = (test: ts.Node): ts.ClassLikeDeclaration[] => {
    const found: ts.ClassLikeDeclaration[] = [];
    const find = (e: ts.Node): void => {
      if (ts.isBinaryExpression(e) && e.operatorToken.kind === SK.InstanceOfKeyword) {
        const right = skipOuter(e.right);
        const cls = ts.isIdentifier(right) || ts.isPropertyAccessExpression(right) ? modules.valueOf(right) : undefined;
        if (cls && ts.isClassLike(cls)) found.push(cls);
      } else ts.forEachChild(e, find);
    };
    find(test);
    return found;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isIfStatement(n)) {
      const asks = n.expression.getText().includes('instanceof');
      const refusal = asks ? refusalOf(n.thenStatement) : undefined;
      // (each kind of refusal: a caller that answers 423 for `LockNotHeld` makes the service's throw a lock's refusal)
      if (refusal?.decides) for (const cls of classesIn(n.expression)) out.set(cls, KIND_STATUS[refusal.kind]);
    } else if (ts.isConditionalExpression(n) && ts.isNumericLiteral(skipOuter(n.whenTrue))) {
      // `res.status(err instanceof LockError ? 409 : 500)`: the status the class is answered with
      const status = Number((skipOuter(n.whenTrue) as ts.NumericLiteral).text);
      if (statusRefusal(status) !== undefined) for (const cls of classesIn(n.condition)) out.set(cls, status);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The call an awaited or chained expression reads: `await db.find(…)`, `await (await fetchRole())`. */
function readCall(expr: ts.Expression): ts.CallExpression | undefined {
  let e = skipOuter(expr);
  if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && isPromiseStep((skipOuter(e.expression) as ts.PropertyAccessExpression).name.text))
    return undefined;
  return ts.isCallExpression(e) ? e : undefined;
}

const COMPARISONS = [
  SK.EqualsEqualsEqualsToken,
  SK.ExclamationEqualsEqualsToken,
  SK.EqualsEqualsToken,
  SK.ExclamationEqualsToken,
  SK.LessThanToken,
  SK.GreaterThanToken,
  SK.LessThanEqualsToken,
  SK.GreaterThanEqualsToken,
];

/**
 * A refusing branch that answers only for want of identity: its statuses are 401 and its errors and
 * codes stand for 401 (`ctx.throw(401, …)`, `throw new UnauthorizedException()`), none for a right.
 */
function authenticatesOnly(branch: ts.Statement): boolean {
  let unauthenticated = false;
  let other = false;
  const visit = (n: ts.Node): void => {
    if (other || isFunctionLike(n)) return;
    if (ts.isNumericLiteral(n) && Number(n.text) >= 400 && Number(n.text) < 600) {
      if (refusesUnauthenticated(Number(n.text))) unauthenticated = true;
      else other = true;
    } else if ((ts.isIdentifier(n) || ts.isStringLiteralLike(n)) && (namedRefusal(n.text) !== undefined || STATUS_NAMES[n.text] !== undefined)) {
      if (refusesUnauthenticated(n.text)) unauthenticated = true;
      else other = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(branch);
  return unauthenticated && !other;
}

/** `null`, `undefined`: a comparison with them tests existence. */
function isNothing(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return x.kind === SK.NullKeyword || (ts.isIdentifier(x) && x.text === 'undefined');
}

/** A literal, `null`/`undefined`, or the clock: no caller's value (`session.gateClosure < new Date()` tests a state against now). */
function isConstantValue(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return (
    isNothing(x) ||
    ts.isLiteralExpression(x) ||
    x.kind === SK.TrueKeyword ||
    x.kind === SK.FalseKeyword ||
    ts.isNoSubstitutionTemplateLiteral(x) ||
    isClockValue(x) ||
    (ts.isIdentifier(x) && configuredConstant(x))
  );
}

/**
 * A module-level `const` the file sets from literals or its environment, a limit or a setting
 * (`const MAX_INPUT_BYTES = 50 * 1024 * 1024`, `const LIMIT = Number(process.env.LIMIT ?? 500)`): no caller's value.
 */
export function configuredConstant(id: ts.Identifier): boolean {
  const sf = id.getSourceFile();
  let consts = moduleConstants.get(sf);
  if (!consts) {
    consts = new Set();
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer && settingOnly(d.initializer)) consts.add(d.name.text);
    }
    moduleConstants.set(sf, consts);
  }
  return consts.has(id.text);
}

const moduleConstants = new WeakMap<ts.SourceFile, Set<string>>();

/** Literals, arithmetic of them, `process.env.X`, and the conversions around them (`Number(…)`, `?? 500`). */
function settingOnly(e: ts.Expression): boolean {
  const x = skipOuter(e);
  if (ts.isLiteralExpression(x) || ts.isNoSubstitutionTemplateLiteral(x) || x.kind === SK.TrueKeyword || x.kind === SK.FalseKeyword) return true;
  if (ts.isPrefixUnaryExpression(x)) return settingOnly(x.operand);
  if (ts.isBinaryExpression(x)) return settingOnly(x.left) && settingOnly(x.right);
  if (ts.isPropertyAccessExpression(x)) return chainNames(x).slice(0, 2).join('.') === ENVIRONMENT_OBJECT.join('.');
  if (ts.isCallExpression(x) && ts.isIdentifier(x.expression) && SETTING_CONVERSIONS.includes(x.expression.text)) return x.arguments.length > 0 && settingOnly(x.arguments[0]);
  return false;
}

/**
 * A read whose filter tests a state, not only a key: a field of its `where` (or of the filter object
 * itself) set to a string or boolean literal (`state: 'APPROVED'`, `active: true`).
 */
function filterHoldsState(call: ts.CallExpression): boolean {
  for (const a of call.arguments) {
    const o = skipOuter(a);
    if (!ts.isObjectLiteralExpression(o)) continue;
    const where = o.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name !== undefined && FILTER_KEYS.includes(propertyNameText(p.name) ?? ''));
    const filter = where ? skipOuter(where.initializer) : o;
    if (ts.isObjectLiteralExpression(filter) && testsStateIn(filter, 0)) return true;
  }
  return false;
}

/** A field of a filter set to a string or boolean literal, also in a relation's filter: `contractor: { licenceStatus: 'ACTIVE' }`. */
function testsStateIn(filter: ts.ObjectLiteralExpression, depth: number): boolean {
  for (const p of filter.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const v = skipOuter(p.initializer);
    if (ts.isStringLiteralLike(v) || v.kind === SK.TrueKeyword || v.kind === SK.FalseKeyword) return true;
    if (depth < 1 && ts.isObjectLiteralExpression(v) && testsStateIn(v, depth + 1)) return true;
  }
  return false;
}

/**
 * A member of an enum or of a constant namespace, by its shape: `ProjectRole.OWNER`, `Status.Active` (a
 * capitalised name and one member). A state tested for equality with one is tested against a constant,
 * as with a literal (`target.role === ProjectRole.OWNER` is `target.role === 'OWNER'`).
 */
function enumMember(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return ts.isPropertyAccessExpression(x) && ts.isIdentifier(x.expression) && /^[A-Z]/.test(x.expression.text) && /^[A-Z]/.test(x.name.text);
}

/**
 * More than existence is tested: a comparison, or a membership test (`writers.includes(cn)`);
 * `withValue`: a comparison of two values, neither a literal (`holder !== workerId`, `mwh > remaining`,
 * not `status !== 'Accepted'`).
 */
function comparesRecord(
  cond: ts.Node,
  withValue = false,
  valueOf?: (e: ts.Expression) => ts.Node | undefined,
  /** A name imported from a module of the app the view does not hold (a file judged alone) is taken for a setting. */
  unseenIsSetting = false,
  /** A value the app keeps as a setting (read by a fixed key): compared, it is a constant. */
  storedSetting?: (v: ts.Expression) => boolean,
): boolean {
  let found = false;
  // (a setting another module exports is a constant too: `info.size > MAX_INPUT_BYTES` with `export const MAX_INPUT_BYTES = 50 * 1024 * 1024`)
  const literal = (e: ts.Expression): boolean => {
    if (isConstantValue(e)) return true;
    const x = skipOuter(e);
    // (arithmetic of settings: `maxDailyRequests * SETUP_FACTOR`)
    if (storedSetting !== undefined && ts.isBinaryExpression(x) && ARITHMETIC.includes(x.operatorToken.kind)) return literal(x.left) && literal(x.right);
    let v = valueOf && ts.isIdentifier(x) ? valueOf(x) : undefined;
    // (an export's name stands for its declaration's initializer)
    if (v && ts.isIdentifier(v) && v.parent && ts.isVariableDeclaration(v.parent) && v.parent.name === v) v = v.parent;
    if (v && ts.isVariableDeclaration(v) && v.initializer && (v.parent.flags & ts.NodeFlags.Const) !== 0) v = v.initializer;
    // (a package's or another workspace module's export the view does not hold is a constant it declares: nothing a request sets)
    if (v && ts.isImportDeclaration(v)) return ts.isStringLiteral(v.moduleSpecifier) && (v.moduleSpecifier.text.startsWith('.') ? unseenIsSetting : storedSetting !== undefined);
    return v !== undefined && v !== x && ts.isExpression(v) && !ts.isIdentifier(v) && (settingOnly(v) || (storedSetting !== undefined && storedSetting(v)));
  };
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isBinaryExpression(n) &&
      COMPARISONS.includes(n.operatorToken.kind) &&
      !isNothing(n.left) &&
      !isNothing(n.right) &&
      !countedNothing(n) &&
      (!withValue || (!literal(n.left) && !literal(n.right) && !(isEqualityOperator(n.operatorToken.kind) && (enumMember(n.left) || enumMember(n.right)))))
    )
      found = true;
    // `doc.owner.equals(user.id)`: a comparison written as a method
    else if (
      ts.isCallExpression(n) &&
      n.arguments.length === 1 &&
      ts.isPropertyAccessExpression(skipOuter(n.expression)) &&
      EQUALITY_METHODS.includes(chainNames(n.expression).at(-1) ?? '') &&
      (!withValue || (!literal((skipOuter(n.expression) as ts.PropertyAccessExpression).expression) && !literal(n.arguments[0])))
    )
      found = true;
    else if (ts.isCallExpression(n) && MEMBERSHIP_TESTS.includes(chainNames(n.expression).at(-1) ?? ''))
      // with a value: a membership of the caller's value (`writers.includes(cn)`), not `some(Boolean)`
      found = !withValue || (VALUE_MEMBERSHIP_TESTS.includes(chainNames(n.expression).at(-1) ?? '') && n.arguments.some((a) => !literal(a)));
    else ts.forEachChild(n, visit);
  };
  visit(cond);
  return found;
}

/** `exists.rowCount === 0`, `rows.length > 0`: what a query found, counted against zero, tests existence only. */
function countedNothing(n: ts.BinaryExpression): boolean {
  const zero = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    return ts.isNumericLiteral(x) && Number(x.text) === 0;
  };
  const counted = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    return ts.isPropertyAccessExpression(x) && RESULT_COUNT_FIELDS.includes(x.name.text);
  };
  return (zero(n.left) && counted(n.right)) || (zero(n.right) && counted(n.left));
}

/**
 * A condition that asks only whether something was found: `!hold`, `holds.length > 0`, `rows.rowCount === 0`
 * (`countedNothing`), `row == null` — not a state compared with a constant (`state !== 'open'`).
 */
function testsPresence(cond: ts.Expression): boolean {
  let e = skipOuter(cond);
  while (ts.isPrefixUnaryExpression(e) && e.operator === SK.ExclamationToken) e = skipOuter(e.operand);
  const reference = (x: ts.Expression): boolean => {
    const y = skipOuter(x);
    return ts.isIdentifier(y) || ts.isPropertyAccessExpression(y) || ts.isElementAccessExpression(y);
  };
  if (reference(e)) return true;
  if (!ts.isBinaryExpression(e)) return false;
  const absent = (x: ts.Expression): boolean => {
    const y = skipOuter(x);
    return y.kind === SK.NullKeyword || (ts.isIdentifier(y) && y.text === 'undefined');
  };
  return countedNothing(e) || (reference(e.left) && absent(e.right)) || (reference(e.right) && absent(e.left));
}

/** The fields a condition reads off a name: `m?.role !== 'owner'` → `role`; `rows[0].role` → `role`. */
function fieldsOf(cond: ts.Node, name: string): string[] {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    // the field tested, not the wrappers on the way to it (`doc.Item.ownerId` → `ownerId`), nor a method
    // called on it (`hk.organizers.includes(me)` → `organizers`)
    const called = (x: ts.Node): boolean => x.parent !== undefined && ts.isCallExpression(x.parent) && x.parent.expression === x;
    const outer =
      n.parent &&
      (ts.isPropertyAccessExpression(n.parent) || ts.isElementAccessExpression(n.parent)) &&
      n.parent.expression === n &&
      !(ts.isPropertyAccessExpression(n.parent) && called(n.parent));
    if (ts.isPropertyAccessExpression(n) && n.name.text !== 'length' && !DRIVER_RESULT_FIELDS.includes(n.name.text) && !outer && !called(n)) {
      let root: ts.Expression = n.expression;
      while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root) || ts.isNonNullExpression(root) || ts.isParenthesizedExpression(root))
        root = (root as ts.PropertyAccessExpression).expression;
      if (ts.isIdentifier(root) && root.text === name) out.add(n.name.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(cond);
  return [...out];
}

/** How a branch that stops the flow refuses: a status, an error, a `false` answer; `decides` when it is a refusal. */
export function refusalOf(branch: ts.Statement, errorStatus?: ErrorStatus): { kind: RefusalKind; decides: boolean; throws: boolean } | undefined {
  const end = lastStatement(branch);
  // (a function of another module that always throws ends the branch too, where a model sees it: `forbidden('…')`)
  const thrownBy = (st: ts.Statement): ts.NewExpression | undefined =>
    ts.isExpressionStatement(st) && ts.isCallExpression(st.expression) ? (thrownByCall(st.expression) ?? errorStatus?.thrownBy?.(st.expression)) : undefined;
  if (!end || !(stopsAt(end) || thrownBy(end) !== undefined)) return undefined;
  let kind: RefusalKind | undefined;
  const throws =
    ts.isThrowStatement(end) ||
    (ts.isExpressionStatement(end) && ts.isCallExpression(end.expression) && (calleeChain(end.expression.expression)?.at(-1) === 'throw' || thrownBy(end) !== undefined));
  const visit = (n: ts.Node, thrown = false): void => {
    if (kind === 'auth' || isFunctionLike(n)) return;
    kind = refusalAt(n, errorStatus, thrown) ?? kind;
    // `throw denied()`: the error the app's function makes is what is thrown
    const call = ts.isThrowStatement(n) && n.expression ? skipOuter(n.expression) : undefined;
    const made = call && ts.isCallExpression(call) ? errorStatus?.madeBy?.(call) : undefined;
    if (made) {
      visit(made, true);
      if (kind !== 'auth' && call && ts.isCallExpression(call)) kind = givenThroughFactory(call, made) ?? kind;
    }
    // `fail('frozen', 'FORBIDDEN')` with `function fail(message, code): never { throw new GraphQLError(message, { extensions: { code } }) }`
    const thrower = ts.isStatement(n) ? thrownBy(n) : undefined;
    if (thrower && ts.isExpressionStatement(n)) {
      visit(thrower, true);
      if (kind !== 'auth') kind = givenThroughFactory(n.expression as ts.CallExpression, thrower) ?? kind;
    }
    // `return deny(res, 'not assigned')`: the status the app's function answers with (`res.writeHead(403)`)
    const answered = ts.isCallExpression(n) && !thrown ? errorStatus?.respondsBy?.(n) : undefined;
    if (answered && kind === undefined) kind = statusAnswered(answered);
    ts.forEachChild(n, (c) => visit(c));
  };
  visit(branch);
  if (!kind && ts.isReturnStatement(end) && end.expression?.kind === SK.FalseKeyword && isGuardMethod(branch)) kind = 'auth';
  return { kind: kind ?? 'auth', decides: kind !== undefined, throws };
}

/** The refusal a function's body answers with: a status literal it sends or sets (`res.writeHead(403)`, `res.statusCode = 403`). */
function statusAnswered(body: ts.Node): RefusalKind | undefined {
  let kind: RefusalKind | undefined;
  const visit = (n: ts.Node): void => {
    if (kind === 'auth' || (n !== body && isFunctionLike(n))) return;
    if (ts.isNumericLiteral(n)) kind = refusalAt(n) ?? kind;
    ts.forEachChild(n, visit);
  };
  visit(body);
  return kind;
}

/**
 * The code or status a call hands the function that makes the error (`throw fail('used up',
 * 'FORBIDDEN')` with `fail = (message, code) => new GraphQLError(message, { extensions: { code } })`,
 * `throw httpError(403)` with `(status) => new HttpError(status)`): the parameter's argument says.
 */
function givenThroughFactory(call: ts.CallExpression, made: ts.Expression): RefusalKind | undefined {
  let fn: ts.Node | undefined = made.parent;
  while (fn && !isFunctionLike(fn)) fn = fn.parent;
  if (!fn) return undefined;
  const params = fn.parameters;
  const argumentFor = (name: string): ts.Expression | undefined => {
    const i = params.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);
    return i >= 0 && call.arguments[i] ? skipOuter(call.arguments[i]) : undefined;
  };
  const judge = (name: string, as: 'code' | 'status'): RefusalKind | undefined => {
    const arg = argumentFor(name);
    if (!arg) return undefined;
    if (as === 'code' && ts.isStringLiteralLike(arg)) return namedRefusal(arg.text);
    return ts.isNumericLiteral(arg) ? statusRefusal(Number(arg.text)) : undefined;
  };
  const role = (key: string | undefined): 'code' | 'status' | undefined => (key === 'code' ? 'code' : key !== undefined && STATUS_PROPERTIES.includes(key) ? 'status' : undefined);
  let kind: RefusalKind | undefined;
  const visit = (n: ts.Node): void => {
    if (kind === 'auth' || isFunctionLike(n)) return;
    let found: RefusalKind | undefined;
    if (ts.isShorthandPropertyAssignment(n)) {
      const as = role(n.name.text);
      if (as) found = judge(n.name.text, as);
    } else if (ts.isPropertyAssignment(n) && ts.isIdentifier(skipOuter(n.initializer))) {
      const as = role(propertyNameText(n.name));
      if (as) found = judge((skipOuter(n.initializer) as ts.Identifier).text, as);
    } else if (ts.isIdentifier(n) && n.parent === made && ts.isNewExpression(made) && made.arguments?.includes(n)) found = judge(n.text, 'status');
    kind = found ?? kind;
    ts.forEachChild(n, visit);
  };
  visit(made);
  return kind;
}

/** A refusal marker at a node: a status literal in a call, a named error or status, a plain error saying "forbidden". */
function refusalAt(n: ts.Node, errorStatus?: ErrorStatus, thrown = false): RefusalKind | undefined {
  // (also a status a layered function returns for its route to send: `if (run.lab !== who.lab) return 403;`)
  // (`{ status: 403 as const }` too: the literal's place is that of its outermost assertion or parentheses)
  const place = ts.isNumericLiteral(n) ? outerPlace(n) : undefined;
  if (place && (ts.isCallExpression(place) || ts.isNewExpression(place) || ts.isPropertyAssignment(place) || ts.isReturnStatement(place)))
    return statusRefusal(Number((n as ts.NumericLiteral).text));
  // `return [403, { error }]`: a status and body a layered handler returns for its route to send
  if (place && ts.isArrayLiteralExpression(place) && place.elements[0] && skipOuter(place.elements[0]) === n) {
    const holder = outerPlace(place);
    if (holder && (ts.isReturnStatement(holder) || (ts.isArrowFunction(holder) && holder.body === place))) return statusRefusal(Number((n as ts.NumericLiteral).text));
  }
  // `ctx.status = 403`, `res.statusCode = 403`
  if (ts.isNumericLiteral(n) && n.parent && ts.isBinaryExpression(n.parent) && n.parent.right === n && n.parent.operatorToken.kind === SK.EqualsToken) {
    const left = skipOuter(n.parent.left);
    if (ts.isPropertyAccessExpression(left) && STATUS_PROPERTIES.includes(left.name.text)) return statusRefusal(Number(n.text));
  }
  if (ts.isIdentifier(n)) {
    const k = namedRefusal(n.text);
    if (k) return k;
  }
  if (ts.isStringLiteralLike(n) && n.parent && ts.isPropertyAssignment(n.parent) && propertyNameText(n.parent.name) === 'code') return namedRefusal(n.text);
  // an error of the app made with a code as it is made with a status: `new LoanTermsError('FORBIDDEN', …)` as `new AppError(403, …)`
  if (ts.isStringLiteralLike(n) && /^[A-Z][A-Z_]+$/.test(n.text) && n.parent && ts.isNewExpression(n.parent) && n.parent.arguments?.includes(n)) return namedRefusal(n.text);
  // `return { ok: false, error: 'device revoked' }`: a result a layered function returns for its caller to answer with,
  // whose message says what a plain error's would (a protocol with no status: a TLS socket's reply line)
  if (ts.isStringLiteralLike(n) && n.parent && ts.isPropertyAssignment(n.parent) && isResultMessageKey(propertyNameText(n.parent.name) ?? '') && refusalMessage(n.text)) {
    const holder = outerPlace(n.parent.parent);
    if (holder && (ts.isReturnStatement(holder) || (ts.isArrowFunction(holder) && holder.body === n.parent.parent))) return 'auth';
  }
  // `this.reply('ERR console not permitted to flush')`, `socket.write('ERR denied\n')`: a reply line written to the peer, saying so
  if ((ts.isStringLiteralLike(n) || ts.isTemplateExpression(n)) && n.parent && ts.isCallExpression(n.parent) && n.parent.arguments.includes(n)) {
    const text = ts.isTemplateExpression(n) ? n.head.text + n.templateSpans.map((s) => s.literal.text).join(' ') : n.text;
    if (refusalMessage(text) && errorStatus?.writesToPeer?.(n.parent)) return 'auth';
  }
  // `return 'ERR rotation not permitted'`: a reply line returned for the caller to write to the peer, saying so
  if (ts.isStringLiteralLike(n) && refusalMessage(n.text)) {
    const holder = outerPlace(n);
    if (holder && holder !== n && (ts.isReturnStatement(holder) || (ts.isArrowFunction(holder) && holder.body === n))) return 'auth';
  }
  if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && (thrown || (n.parent && ts.isThrowStatement(n.parent)))) {
    // `throw new CalibrationDenied(…)`, `throw new Error('forbidden')`
    const message = n.arguments?.[0] && skipOuter(n.arguments[0]);
    const text =
      message &&
      (ts.isStringLiteralLike(message) ? message.text : ts.isTemplateExpression(message) ? message.head.text + message.templateSpans.map((s) => s.literal.text).join(' ') : '');
    if (refusalMessage(n.expression.text) || (isMessageError(n.expression.text) && text && refusalMessage(text))) return 'auth';
    // a status the throw passes (`new PolicyError('not found', 404)`) before the class's own
    const given = n.arguments?.map((a) => skipOuter(a)).find((a): a is ts.NumericLiteral => ts.isNumericLiteral(a) && Number(a.text) >= 400 && Number(a.text) < 600);
    if (given) return statusRefusal(Number(given.text));
    // an error class of the app's own that carries its status (`class PolicyError extends Error { status = 403 }`)
    const status = errorStatus?.(n.expression);
    if (status !== undefined) return statusRefusal(status);
    // (a limit reached, said by the class or the message, where the app gives no status of its own: asked
    // only knowing the app's statuses, so that a mapping, `QuotaExceeded` answered with 403, comes first)
    if (errorStatus && (limitMessage(n.expression.text) || (isMessageError(n.expression.text) && text && limitMessage(text)))) return 'conflict';
  }
  return undefined;
}

/** The node an expression sits in, past the assertions and parentheses around it (`403 as const`, `(403)`). */
function outerPlace(n: ts.Node): ts.Node | undefined {
  let p = n.parent;
  while (p && (ts.isAsExpression(p) || ts.isSatisfiesExpression(p) || ts.isParenthesizedExpression(p) || ts.isTypeAssertionExpression(p))) p = p.parent;
  return p;
}

/** A function that answers a record or nothing: some way returns `null`/`undefined` and no way a yes or no (`true`, a comparison, `!x`). */
function recordOrNothing(fn: ts.FunctionLikeDeclaration): boolean {
  const answers = returnedExpressions(fn).map((r) => skipOuter(r));
  const nothing = (e: ts.Expression): boolean => e.kind === SK.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined');
  const yesNo = (e: ts.Expression): boolean =>
    e.kind === SK.TrueKeyword ||
    e.kind === SK.FalseKeyword ||
    (ts.isPrefixUnaryExpression(e) && e.operator === SK.ExclamationToken) ||
    (ts.isBinaryExpression(e) && (isEqualityOperator(e.operatorToken.kind) || RELATIONAL.has(e.operatorToken.kind) || LOGICAL.has(e.operatorToken.kind)));
  return answers.some(nothing) && !answers.some(yesNo);
}
const RELATIONAL = new Set<ts.SyntaxKind>([SK.LessThanToken, SK.LessThanEqualsToken, SK.GreaterThanToken, SK.GreaterThanEqualsToken]);
const LOGICAL = new Set<ts.SyntaxKind>([SK.AmpersandAmpersandToken, SK.BarBarToken]);

/** A branch that ends by failing a job for good (`throw new UnrecoverableError(…)`): the worker's way to refuse it. */
function failsJobForGood(branch: ts.Statement): boolean {
  const end = lastStatement(branch);
  const thrown = end && ts.isThrowStatement(end) && end.expression ? skipOuter(end.expression) : undefined;
  return thrown !== undefined && ts.isNewExpression(thrown) && JOB_REFUSAL_ERRORS.includes(calleeChain(thrown.expression)?.at(-1) ?? '');
}

/**
 * The `if` leaves a job's processor (`return`, or any `throw`): a job has no response to refuse, so
 * leaving it early on a test is how its worker refuses the work (BullMQ's, Bull's, Bee-Queue's); so
 * does work a timer, listener or queue runs after the response.
 */
function leavesJob(n: ts.IfStatement): { kind: RefusalKind; decides: boolean; throws: boolean } | undefined {
  const end = lastStatement(n.thenStatement);
  if (!end || !(ts.isReturnStatement(end) || ts.isThrowStatement(end))) return undefined;
  // (the function it sits in, or one that runs it in place: a transaction's callback inside a listener)
  for (let owner: ts.Node | undefined = n.parent; owner; owner = owner.parent) {
    if (!isFunctionLike(owner)) continue;
    if (leavesAsRefusal(owner)) return { kind: 'auth', decides: true, throws: ts.isThrowStatement(end) };
    if (!isCallbackArgument(owner) || runsAfterResponse(owner)) return undefined;
  }
  return undefined;
}

/** Work with no response to refuse, which refuses by leaving: a job's processor, a timer's, listener's or schedule's work. */
export function leavesAsRefusal(fn: ts.FunctionLikeDeclaration): boolean {
  return isJobProcessor(fn) || runsAfterResponse(fn) || decoratedListener(fn) || calledOnlyLater(fn);
}

/**
 * A function of the file that only work run after the response calls (`cron.schedule('17 * * * *', () => {
 * advanceRollouts() })`, `setInterval(sweep, ms)`): it runs in that work, with no response either.
 */
function calledOnlyLater(fn: ts.FunctionLikeDeclaration): boolean {
  const name = ts.isFunctionDeclaration(fn) ? fn.name?.text : fn.parent && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  const sites = name !== undefined ? callSites(fn.getSourceFile()).get(name) : undefined;
  return sites !== undefined && sites.calls > 0 && sites.later === sites.calls;
}

const sitesByFile = new WeakMap<ts.SourceFile, Map<string, { calls: number; later: number }>>();

/**
 * Where a file calls or hands on each name, counted in one pass: `name(…)`, and `name` handed to a timer,
 * listener or queue (`setInterval(sweep, ms)`); `later` counts the sites inside such work.
 */
function callSites(sf: ts.SourceFile): Map<string, { calls: number; later: number }> {
  let out = sitesByFile.get(sf);
  if (out) return out;
  const sites = new Map<string, { calls: number; later: number }>();
  const visit = (n: ts.Node, inLater: boolean): void => {
    if (ts.isCallExpression(n)) {
      const callee = skipOuter(n.expression);
      const count = (name: string, later: boolean): void => {
        const at = sites.get(name) ?? { calls: 0, later: 0 };
        at.calls++;
        if (later) at.later++;
        sites.set(name, at);
      };
      if (ts.isIdentifier(callee)) count(callee.text, inLater);
      if (AFTER_RESPONSE_CALLEES.includes(chainNames(n.expression).at(-1) ?? ''))
        for (const a of n.arguments) if (ts.isIdentifier(skipOuter(a))) count((skipOuter(a) as ts.Identifier).text, true);
    }
    ts.forEachChild(n, (c) => visit(c, inLater || (isFunctionLike(c) && runsAfterResponse(c))));
  };
  visit(sf, false);
  sitesByFile.set(sf, (out = sites));
  return out;
}

/** A method an event module's decorator makes a listener of (`@OnEvent('loan.shipped')` from `@nestjs/event-emitter`). */
function decoratedListener(fn: ts.FunctionLikeDeclaration): boolean {
  if (!ts.isMethodDeclaration(fn)) return false;
  const bindings = topLevelBindings(fn.getSourceFile());
  return (ts.getDecorators(fn) ?? []).some((d) => {
    const call = d.expression;
    const name = ts.isCallExpression(call) && ts.isIdentifier(call.expression) ? call.expression.text : undefined;
    return name !== undefined && DECORATED_EVENT_MODULES.some((m) => m.decorator === name && bindings.get(name)?.module === m.module);
  });
}

/** Work handed to a timer, listener or queue, run after the response (`setTimeout(async () => …)`): no response to refuse either. */
function runsAfterResponse(fn: ts.FunctionLikeDeclaration): boolean {
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const call = n.parent;
  return (
    call !== undefined && ts.isCallExpression(call) && call.arguments.includes(n as ts.Expression) && AFTER_RESPONSE_CALLEES.includes(chainNames(call.expression).at(-1) ?? '')
  );
}

/** An equality with a state: a string literal or an enum member (`status !== 'active'`, `role === Role.Owner`). */
function testsState(cond: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind)) {
      const state = (e: ts.Expression): boolean => ts.isStringLiteralLike(skipOuter(e)) || enumMember(e);
      if (state(n.left) || state(n.right)) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(cond);
  return found;
}

/** The condition is an answer itself, or its negation: `!allowed`, `!(await canRun(job))`, `stillAllowed === false`. */
function answerItself(cond: ts.Expression): boolean {
  let e = skipOuter(cond);
  while (ts.isPrefixUnaryExpression(e) && e.operator === SK.ExclamationToken) e = skipOuter(e.operand);
  if (ts.isBinaryExpression(e) && isEqualityOperator(e.operatorToken.kind)) {
    const bool = (x: ts.Expression): boolean => skipOuter(x).kind === SK.TrueKeyword || skipOuter(x).kind === SK.FalseKeyword;
    e = bool(e.right) ? skipOuter(e.left) : bool(e.left) ? skipOuter(e.right) : e;
  }
  if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
  return ts.isIdentifier(e) || ts.isCallExpression(e);
}

/** A literal, or an object or array of literals: `{ limit: '1mb', encoding: true }`. */
function literalOptions(e: ts.Expression): boolean {
  const x = skipOuter(e);
  if (ts.isObjectLiteralExpression(x)) return x.properties.every((p) => ts.isPropertyAssignment(p) && literalOptions(p.initializer));
  if (ts.isArrayLiteralExpression(x)) return x.elements.every((el) => literalOptions(el));
  return isConstantValue(x);
}

/** A function whose only waits are on its first parameter, the request: `for await (const chunk of req)`, `await text(req)`. */
function readsOnlyItsRequest(fn: ts.FunctionLikeDeclaration): boolean {
  const param = fn.parameters[0]?.name;
  if (!param || !ts.isIdentifier(param)) return false;
  const isParam = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    return ts.isIdentifier(x) && x.text === param.text;
  };
  // (the request itself, a method of it, `req.text()`, or a function handed the request alone, `rawBody(req)`)
  const onRequest = (e: ts.Expression): boolean => {
    const x = skipOuter(e);
    if (!ts.isCallExpression(x)) return isParam(x);
    const callee = skipOuter(x.expression);
    return (ts.isPropertyAccessExpression(callee) && isParam(callee.expression)) || (x.arguments.length === 1 && isParam(x.arguments[0]));
  };
  // (and hands back no other promise: `return RoleGrant.findOne({ subject: ctx.user })` reads the store; a pure
  // function of what was read, `JSON.parse(text)`, hands back a value)
  const pure = (r: ts.Expression): boolean => {
    const x = skipOuter(r);
    return !ts.isCallExpression(x) || onRequest(x) || PURE_NAMESPACES.includes(chainNames(x.expression)[0] ?? '');
  };
  return waitsOnlyOn(fn, onRequest) && returnedExpressions(fn).every(pure);
}

/** Inside a guard's method (`canActivate`), where `return false` refuses the request. */
function isGuardMethod(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (isFunctionLike(n) && !isCallbackArgument(n)) return ts.isMethodDeclaration(n) && n.name !== undefined && GUARD_METHODS.includes(propertyNameText(n.name) ?? '');
  }
  return false;
}

/**
 * The test compares a field of what was read with the very value it was looked up by
 * (`existing.id === id` after `store.get(id)`): it asks whether the record exists, no more.
 */
function comparesLookupValue(cond: ts.Expression, read: ts.CallExpression): boolean {
  let e = skipOuter(cond);
  while (ts.isPrefixUnaryExpression(e)) e = skipOuter(e.operand);
  if (!ts.isBinaryExpression(e) || !isEqualityOperator(e.operatorToken.kind)) return false;
  const asked = new Set<string>();
  const collect = (n: ts.Node): void => {
    if (ts.isIdentifier(n) || ts.isPropertyAccessExpression(n)) asked.add(n.getText());
    ts.forEachChild(n, collect);
  };
  read.arguments.forEach(collect);
  const [a, b] = [skipOuter(e.left), skipOuter(e.right)];
  const field = (x: ts.Expression): boolean => ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x);
  return (field(a) && asked.has(b.getText())) || (field(b) && asked.has(a.getText()));
}

/** The statement that follows one in its block, if any. */
function statementAfter(st: ts.Statement): ts.Statement | undefined {
  const block = st.parent;
  if (!block || !(ts.isBlock(block) || ts.isSourceFile(block) || ts.isCaseClause(block) || ts.isDefaultClause(block))) return undefined;
  const list: readonly ts.Statement[] = block.statements;
  return list[list.indexOf(st) + 1];
}

function lastStatement(st: ts.Statement): ts.Statement | undefined {
  if (ts.isBlock(st)) return st.statements.length > 0 ? lastStatement(st.statements[st.statements.length - 1]) : undefined;
  return st;
}

/** `return`, `throw`, `ctx.throw(…)`, `process.exit()`: the flow stops here. */
function stopsAt(st: ts.Statement): boolean {
  if (ts.isReturnStatement(st) || ts.isThrowStatement(st) || ts.isContinueStatement(st) || ts.isBreakStatement(st)) return true;
  if (ts.isIfStatement(st))
    return (
      st.elseStatement !== undefined && lastStatement(st.thenStatement) !== undefined && stopsAt(lastStatement(st.thenStatement)!) && stopsAt(lastStatement(st.elseStatement)!)
    );
  if (ts.isExpressionStatement(st) && ts.isCallExpression(st.expression)) {
    const chain = calleeChain(st.expression.expression) ?? [];
    return (chain[0] === 'process' && chain.at(-1) === 'exit') || (chain.length === 2 && chain[1] === 'throw') || thrownByCall(st.expression) !== undefined;
  }
  return false;
}

/**
 * A call of a function its file declares that always ends by throwing (`fail(message, 'FORBIDDEN')` with
 * `function fail(message, code): never { throw new GraphQLError(message, { extensions: { code } }) }`): the error it throws.
 */
export function thrownByCall(call: ts.CallExpression): ts.NewExpression | undefined {
  const callee = skipOuter(call.expression);
  return ts.isIdentifier(callee) ? (alwaysThrowingIn(call.getSourceFile()).get(callee.text) ?? thrownAcrossModules.get(call)) : undefined;
}

/**
 * Calls a model of the app found to end in a function of another module that always throws
 * (`forbidden('…')` imported from `./guards`), with the error thrown: recorded when the model asks
 * (`ErrorStatus.thrownBy`), so that the flow questions asked later of the same call (`stopsAt`, and
 * `stops` in `await-order.ts`) see the branch end there too.
 */
const thrownAcrossModules = new WeakMap<ts.CallExpression, ts.NewExpression>();

const alwaysThrowing = new WeakMap<ts.SourceFile, Map<string, ts.NewExpression>>();

/** The error a function's body ends by throwing: `throw new GraphQLError(message, …)` as its last statement. */
function endsThrowingNew(fn: ts.FunctionLikeDeclaration): ts.NewExpression | undefined {
  const last = fn.body && ts.isBlock(fn.body) ? fn.body.statements.at(-1) : undefined;
  const made = last && ts.isThrowStatement(last) && last.expression ? skipOuter(last.expression) : undefined;
  return made && ts.isNewExpression(made) ? made : undefined;
}

/** The functions a file declares at its top level whose body ends by throwing a new error, by name (found once per file). */
function alwaysThrowingIn(sf: ts.SourceFile): Map<string, ts.NewExpression> {
  let found = alwaysThrowing.get(sf);
  if (found) return found;
  found = new Map();
  const add = (name: string, fn: ts.FunctionLikeDeclaration): void => {
    const made = endsThrowingNew(fn);
    if (made) found.set(name, made);
  };
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name) add(st.name.text, st);
    if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) add(d.name.text, d.initializer);
  }
  alwaysThrowing.set(sf, found);
  return found;
}

/** Not the target of an assignment, nor a name a declaration binds, nor a property name. */
function isRead(node: ts.Identifier): boolean {
  const p = node.parent;
  if (!p) return true;
  if (ts.isPropertyAccessExpression(p) && p.name === node) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isPropertyAssignment(p)) && p.name === node) return false;
  return true;
}

/** An arrow or function expression passed straight to a call. */
export function isCallbackArgument(fn: ts.Node): boolean {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isCallExpression(n.parent) && n.parent.arguments.some((a) => a === n);
}

/**
 * The call an error-first callback is handed to: the callback is the call's last argument, and its
 * first statement tests its first parameter and stops (`(err, rows) => { if (err) return next(err); … }`).
 */
export function errbackCall(fn: ts.Node | undefined): ts.CallExpression | undefined {
  if (!fn || (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn))) return undefined;
  const first = fn.parameters[0];
  if (!first || !ts.isIdentifier(first.name) || !ts.isBlock(fn.body)) return undefined;
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const call = n.parent;
  if (!call || !ts.isCallExpression(call) || call.arguments.length < 2 || call.arguments[call.arguments.length - 1] !== n) return undefined;
  // (a handler a route or middleware registration is given runs per request, not when I/O completes)
  // (`app.post('/x', …)`, `router.use(…)`; not `redis.get('fleet:7', (err, v) => …)`)
  if (registersHandler(call)) return undefined;
  const opening = fn.body.statements[0];
  // (the test is the error itself, `if (err)`: a handler that tests its request first is no callback of I/O)
  // (also first of an or or an and: `if (err || rows.length === 0) return deny()`, `if (err && err.code === 'NoSuchKey') return …`;
  // or against null: `if (err != null) return done(err)`)
  let tested = opening && ts.isIfStatement(opening) ? skipOuter(opening.expression) : undefined;
  while (tested && ts.isBinaryExpression(tested) && (isLogical(tested.operatorToken.kind) || (isInequality(tested.operatorToken.kind) && isNothing(tested.right))))
    tested = skipOuter(tested.left);
  if (!tested || !ts.isIdentifier(tested) || tested.text !== first.name.text || !stopsIn((opening as ts.IfStatement).thenStatement)) return undefined;
  return call;
}

/** A function declared `async`. */
function isAsync(fn: ts.FunctionLikeDeclaration): boolean {
  return ts.canHaveModifiers(fn) && (ts.getModifiers(fn) ?? []).some((m) => m.kind === SK.AsyncKeyword);
}

/**
 * What a method returns reads a field of its instance (`this.flags.get(name) === true`) that the class
 * sets again after an await or in a deferred callback (a refresh on a timer, a poll, a listener): state
 * that changes while requests run, whoever holds the instance.
 */
function refreshedFieldRead(returned: ts.Expression, fn: ts.FunctionLikeDeclaration): boolean {
  const cls = fn.parent;
  if (!cls || !ts.isClassLike(cls)) return false;
  const fields = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n)) return;
    if (ts.isPropertyAccessExpression(n) && n.expression.kind === SK.ThisKeyword) fields.add(n.name.text);
    ts.forEachChild(n, visit);
  };
  visit(returned);
  return fields.size > 0 && [...fields].some((f) => refreshedField(cls, f));
}

const refreshedCache = new WeakMap<ts.ClassLikeDeclaration, Set<string>>();

/** The fields a class assigns after an await of one of its methods or inside a callback (`this.flags = new Map(…)` in `refresh()`). */
function refreshedField(cls: ts.ClassLikeDeclaration, field: string): boolean {
  let set = refreshedCache.get(cls);
  if (!set) {
    const found = new Set<string>();
    refreshedCache.set(cls, found);
    for (const member of cls.members) {
      if (ts.isConstructorDeclaration(member) || !isFunctionLike(member) || !member.body) continue;
      const walk = (n: ts.Node, deferred: boolean, waited: { seen: boolean }): void => {
        if (n !== member && isFunctionLike(n)) {
          // a callback the method hands on runs later (`setInterval(() => { this.x = … })`, `.then((r) => { this.x = r })`)
          ts.forEachChild(n, (c) => walk(c, true, { seen: false }));
          return;
        }
        if (ts.isAwaitExpression(n)) waited.seen = true;
        if (
          ts.isBinaryExpression(n) &&
          n.operatorToken.kind === SK.EqualsToken &&
          ts.isPropertyAccessExpression(skipOuter(n.left)) &&
          (skipOuter(n.left) as ts.PropertyAccessExpression).expression.kind === SK.ThisKeyword &&
          (deferred ||
            waited.seen ||
            ts.forEachChild(n.right, function awaits(c): boolean | undefined {
              return ts.isAwaitExpression(c) || (!isFunctionLike(c) && ts.forEachChild(c, awaits));
            }) === true)
        )
          found.add((skipOuter(n.left) as ts.PropertyAccessExpression).name.text);
        ts.forEachChild(n, (c) => walk(c, deferred, waited));
      };
      walk(member, false, { seen: false });
    }
    set = found;
  }
  return set.has(field);
}

/** The call is the condition of an `if` or a conditional, or part of one through `!`, `&&`, `||` and parentheses. */
function inCondition(call: ts.Node): boolean {
  let n: ts.Node = call;
  while (
    n.parent &&
    (ts.isParenthesizedExpression(n.parent) || ts.isPrefixUnaryExpression(n.parent) || (ts.isBinaryExpression(n.parent) && isLogical(n.parent.operatorToken.kind)))
  )
    n = n.parent;
  const p = n.parent;
  return p !== undefined && ((ts.isIfStatement(p) && p.expression === n) || (ts.isConditionalExpression(p) && p.condition === n));
}

function isLogical(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.BarBarToken || kind === ts.SyntaxKind.AmpersandAmpersandToken;
}

function isInequality(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.ExclamationEqualsToken || kind === ts.SyntaxKind.ExclamationEqualsEqualsToken;
}

/** The statement, or the last of a block, stops the flow. */
function stopsIn(st: ts.Statement): boolean {
  const last = ts.isBlock(st) ? st.statements[st.statements.length - 1] : st;
  return last !== undefined && stopsAt(last);
}

function isThenCall(call: ts.CallExpression): boolean {
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'then';
}

/** The member a name destructured from a step's parameter takes: `membership` of `({ body, membership }) => …`. */
function boundMember(id: ts.Identifier, modules: Modules): string | undefined {
  const decl = modules.declarationOf(id.text, id);
  if (!decl || !ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent) || !ts.isParameter(decl.parent.parent)) return undefined;
  const name = decl.propertyName ?? decl.name;
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function isThenCallback(fn: ts.Node): ts.CallExpression | undefined {
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const call = n.parent;
  if (!call || !ts.isCallExpression(call) || call.arguments[0] !== n) return undefined;
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'then' ? call : undefined;
}

/**
 * A resolver of calls over what `modules` sees: a function by name (`canDelete(…)`, imported or
 * local), a method of the enclosing class (`this.check(…)`), or a method of a field's class
 * (`this.acl.assertCanEdit(…)` with `acl: AclService` injected, or `new AclService()`).
 */
export function callResolver(
  modules: Modules,
  contextValues?: CallResolver['contextValues'],
  /** The class a container registers under a name, with a model of the app: what awilix's cradle hands out. */
  registered?: (name: string) => ts.ClassLikeDeclaration | undefined,
  /**
   * With a model of the app, the method a call names on a field of the enclosing class whose class value
   * flow knows (`this.switches.isOn(…)` with `this.switches = gaugeSwitches` from awilix's cradle).
   */
  fieldMethod?: (callee: ts.PropertyAccessExpression) => ts.FunctionLikeDeclaration | undefined,
): CallResolver {
  const cache = new WeakMap<ts.CallExpression, ts.FunctionLikeDeclaration | null>();
  const resolve = ((call: ts.CallExpression) => {
    if (cache.has(call)) return cache.get(call) ?? undefined;
    cache.set(call, null);
    const callee = skipOuter(call.expression);
    const recv = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
    const onField = recv !== undefined && ts.isPropertyAccessExpression(recv) && recv.expression.kind === SK.ThisKeyword;
    // (or on a parameter: the instance its callers hand it, `handleForfeit(store, …)` given `new MatchStore(…)` two calls up)
    const onParameter = recv !== undefined && ts.isIdentifier(recv) && isParameterName(recv, modules);
    const fn =
      resolveCall(call, modules) ??
      (contextValues ? contextMethod(call, modules, contextValues) : undefined) ??
      (registered ? cradleMethod(call, modules, registered) : undefined) ??
      (fieldMethod && (onField || onParameter) && ts.isPropertyAccessExpression(callee) ? fieldMethod(callee) : undefined);
    cache.set(call, fn ?? null);
    return fn;
  }) as CallResolver;
  resolve.valueOf = (expr) => modules.valueOf(expr);
  resolve.declarationOf = (name) => modules.declarationOf(name.text, name);
  if (contextValues) resolve.contextValues = contextValues;
  return resolve;
}

/**
 * A method of what awilix's cradle hands out by name: `const { loanStore } = req.container.cradle;
 * loanStore.markDispatched(…)`, or `scope.cradle.loanStore.markDispatched(…)`.
 */
function cradleMethod(call: ts.CallExpression, modules: Modules, registered: (name: string) => ts.ClassLikeDeclaration | undefined): ts.FunctionLikeDeclaration | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const recv = skipOuter(callee.expression);
  let name: string | undefined;
  if (ts.isPropertyAccessExpression(recv) && calleeChain(recv.expression)?.at(-1) === DI_CRADLE) name = recv.name.text;
  else if (ts.isIdentifier(recv)) {
    const decl = modules.declarationOf(recv.text, recv);
    const holder = decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) ? decl.parent.parent : undefined;
    const init = holder && ts.isVariableDeclaration(holder) && holder.initializer ? skipOuter(holder.initializer) : undefined;
    const key = decl && ts.isBindingElement(decl) ? (decl.propertyName ?? decl.name) : undefined;
    if (init && key && ts.isIdentifier(key) && calleeChain(init)?.at(-1) === DI_CRADLE) name = key.text;
    // the cradle awilix hands a constructor: `constructor({ flags })`
    else name = cradleName(decl, recv);
  }
  const cls = name !== undefined ? registered(name) : undefined;
  return cls ? methodOf(cls, callee.name.text) : undefined;
}

/**
 * A method of a service the per-request context hands out (`return { operator, passes }` with
 * `passes = new PassService(…)`), called as `ctx.passes.assignAntenna(…)` or after `const { passes } = ctx`.
 */
function contextMethod(call: ts.CallExpression, modules: Modules, contextValues: NonNullable<CallResolver['contextValues']>): ts.FunctionLikeDeclaration | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const recv = skipOuter(callee.expression);
  let owner: ts.Expression | undefined;
  let key: string | undefined;
  if (ts.isPropertyAccessExpression(recv)) [owner, key] = [recv.expression, recv.name.text];
  else if (ts.isIdentifier(recv)) {
    const decl = modules.declarationOf(recv.text, recv);
    const holder = decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) ? decl.parent.parent : undefined;
    const name = decl && ts.isBindingElement(decl) ? (decl.propertyName ?? decl.name) : undefined;
    if (holder && ts.isVariableDeclaration(holder) && holder.initializer && name && ts.isIdentifier(name)) [owner, key] = [holder.initializer, name.text];
  }
  if (!owner || key === undefined) return undefined;
  for (const v of contextValues(owner, key)) {
    const made = ts.isExpression(v) ? modules.valueOf(v) : undefined;
    const cls = made && ts.isExpression(made) ? instanceOfClass(made, modules) : undefined;
    const m = cls ? methodOf(cls, callee.name.text) : undefined;
    if (m) return m;
  }
  return undefined;
}

function resolveCall(call: ts.CallExpression, modules: Modules): ts.FunctionLikeDeclaration | undefined {
  const callee = skipOuter(call.expression);
  if (ts.isIdentifier(callee)) {
    const v = modules.valueOf(callee);
    return v && isFunctionLike(v) ? v : undefined;
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const method = callee.name.text;
  const recv = skipOuter(callee.expression);
  if (recv.kind === SK.ThisKeyword) return methodOf(classAround(callee), method);
  let cls: ts.ClassLikeDeclaration | undefined;
  if (ts.isPropertyAccessExpression(recv) && recv.expression.kind === SK.ThisKeyword) {
    const owner = classAround(recv);
    const name = recv.name.text;
    const field = fieldDeclaration(owner, name);
    cls = field ? classOfDeclaration(field, modules) : undefined;
  } else if (
    ts.isPropertyAccessExpression(recv) &&
    ts.isPropertyAccessExpression(skipOuter(recv.expression)) &&
    (skipOuter(recv.expression) as ts.PropertyAccessExpression).expression.kind === SK.ThisKeyword
  ) {
    // a member of an object of dependencies a field holds (awilix's cradle, `this.deps.allocationRepository.setSuspended(…)`
    // with `deps: { allocationRepository: AllocationRepository }`): the class its type names
    const holder = skipOuter(recv.expression) as ts.PropertyAccessExpression;
    const field = fieldDeclaration(classAround(holder), holder.name.text);
    const member = field && memberType(field, recv.name.text, modules);
    if (member && ts.isTypeReferenceNode(member) && ts.isIdentifier(member.typeName)) {
      const v = modules.typeValueOf(member.typeName);
      if (v && ts.isClassLike(v)) cls = v;
    }
  } else {
    const v = modules.valueOf(recv);
    if (v && ts.isExpression(v) && instanceOfClass(v, modules)) cls = instanceOfClass(v, modules);
    else if (v && ts.isObjectLiteralExpression(v)) {
      const m = modules.memberOf(v, method, 0);
      return m && isFunctionLike(m) ? m : undefined;
    } else if (v && (ts.isParameter(v) || ts.isVariableDeclaration(v))) cls = classOfDeclaration(v, modules);
    // taken out of a typed parameter (`{ opa, signatures }: Deps` of a plugin, with `interface Deps { signatures: SignatureRepo }`):
    // the class the type gives that member
    else if (v && ts.isBindingElement(v) && ts.isObjectBindingPattern(v.parent) && ts.isParameter(v.parent.parent) && v.parent.parent.type) {
      const key = v.propertyName ? propertyNameText(v.propertyName) : ts.isIdentifier(v.name) ? v.name.text : undefined;
      const member = key !== undefined ? typeMember(v.parent.parent.type, key, (t) => modules.typeDeclarationOf(t)) : undefined;
      const t = member && ts.isTypeReferenceNode(member) && ts.isIdentifier(member.typeName) ? modules.typeValueOf(member.typeName) : undefined;
      if (t && ts.isClassLike(t)) cls = t;
    }
    // taken out of an object of dependencies a field holds: `const { grantsRepository: repo } = this.deps`
    else if (!v && ts.isIdentifier(recv)) {
      const b = modules.declarationOf(recv.text, recv);
      if (!b || !ts.isBindingElement(b) || !ts.isObjectBindingPattern(b.parent) || !ts.isVariableDeclaration(b.parent.parent) || !b.parent.parent.initializer) return undefined;
      const from = skipOuter(b.parent.parent.initializer);
      const key = b.propertyName ? propertyNameText(b.propertyName) : ts.isIdentifier(b.name) ? b.name.text : undefined;
      if (key && ts.isPropertyAccessExpression(from) && from.expression.kind === SK.ThisKeyword) {
        const field = fieldDeclaration(classAround(from), from.name.text);
        const member = field && memberType(field, key, modules);
        if (member && ts.isTypeReferenceNode(member) && ts.isIdentifier(member.typeName)) {
          const t = modules.typeValueOf(member.typeName);
          if (t && ts.isClassLike(t)) cls = t;
        }
      }
    }
    // a function of a module imported whole (`import * as cannons from './cannonRepo'`; `cannons.setMode(…)`)
    else if (v && ts.isSourceFile(v)) {
      const m = modules.valueOf(callee);
      return m && isFunctionLike(m) ? m : undefined;
    }
    // what a factory of the app made: `const deviceRepo = createDeviceRepo(redis)`, the factory returning
    // `{ async pushFirmware(…) {…} }` (or an instance of a class)
    else if (v && ts.isCallExpression(v) && ts.isIdentifier(skipOuter(v.expression))) {
      const factory = modules.valueOf(skipOuter(v.expression));
      for (const r of factory && isFunctionLike(factory) ? returnedExpressions(factory) : []) {
        const made = modules.valueOf(r);
        if (made && ts.isObjectLiteralExpression(made)) {
          const m = modules.memberOf(made, method, 0);
          if (m && isFunctionLike(m)) return m;
        } else {
          const cls = made && ts.isExpression(made) ? instanceOfClass(made, modules) : undefined;
          if (cls) return methodOf(cls, method);
        }
      }
    }
  }
  // a service along a typed parameter's members (`ctx.services.boarding.reassign(…)` with `ctx: PortContext`,
  // `interface PortContext { services: { boarding: BoardingService } }`)
  if (!cls) cls = classAlongType(recv, modules);
  if (cls) return methodOf(cls, method);
  // a member of what a parameter is handed or decorated with: a Fastify plugin's instance, `app.assertWarehouseGrant(…)`
  // after `app.decorate('assertWarehouseGrant', async (…) => …)`, or a member of the options it is registered with
  const v = ts.isIdentifier(recv) ? modules.declarationOf(recv.text, recv) : undefined;
  if (v && ts.isParameter(v)) {
    const m = modules.valueOf(callee);
    return m && isFunctionLike(m) ? m : undefined;
  }
  return undefined;
}

/** The type a type gives one of its members: a type literal's, or an interface's or type alias's named by a reference. */

/** The class a node is written in. */
export function classAround(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return n;
  return undefined;
}

function methodOf(cls: ts.ClassLikeDeclaration | undefined, name: string): ts.FunctionLikeDeclaration | undefined {
  const m = cls?.members.find((x) => x.name && propertyNameText(x.name) === name);
  if (!m) return undefined;
  if (isFunctionLike(m)) return m;
  if (ts.isPropertyDeclaration(m) && m.initializer && isFunctionLike(skipOuter(m.initializer))) return skipOuter(m.initializer) as ts.FunctionLikeDeclaration;
  return undefined;
}

/** The type a typed field or parameter gives one of its members: `deps: { repo: Repo }`, or `deps: Deps` with `interface Deps { repo: Repo }`. */
function memberType(decl: ts.Node, name: string, modules: Modules): ts.TypeNode | undefined {
  const typed = decl as ts.PropertyDeclaration | ts.ParameterDeclaration;
  return typed.type ? typeMember(typed.type, name, (t) => modules.typeDeclarationOf(t)) : undefined;
}

/** The class of a typed field or parameter (`acl: AclService`), or of the `new` it is initialised with. */
function classOfDeclaration(decl: ts.Node, modules: Modules): ts.ClassLikeDeclaration | undefined {
  const typed = decl as ts.PropertyDeclaration | ts.ParameterDeclaration;
  if (typed.type && ts.isTypeReferenceNode(typed.type) && ts.isIdentifier(typed.type.typeName)) {
    // (through `import type { BedRepository }` too: the field holds an instance of that class)
    const v = modules.typeValueOf(typed.type.typeName);
    if (v && ts.isClassLike(v)) return v;
  }
  return typed.initializer ? instanceOfClass(typed.initializer, modules) : undefined;
}

/** The calls `Promise.all([...])` (or `allSettled`) is given, awaited or not: `await Promise.all([a(), b()])` → `[a(), b()]`. */
function gatheredCalls(init: ts.Expression): (ts.Expression | undefined)[] | undefined {
  let e = skipOuter(init);
  if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
  if (!ts.isCallExpression(e) || !/^Promise\.(all|allSettled)$/.test(calleeChain(e.expression)?.join('.') ?? '')) return undefined;
  const list = e.arguments[0] && skipOuter(e.arguments[0]);
  return list && ts.isArrayLiteralExpression(list) ? list.elements.map((x) => (ts.isSpreadElement(x) ? undefined : skipOuter(x))) : undefined;
}

/** A function whose every wait is a signature check over what it was given (`await jwtVerify(token, jwks, …)`): it reads no state. */
function onlyVerifiesSignatures(fn: ts.FunctionLikeDeclaration): boolean {
  return waitsOnlyOn(fn, (e) => ts.isCallExpression(e) && SIGNATURE_VERIFIERS.includes(chainNames(e.expression).at(-1) ?? ''));
}

/** A function that waits, and only on what `accepts` takes: each `await`'s operand, and what a `for await` walks. */
function waitsOnlyOn(fn: ts.FunctionLikeDeclaration, accepts: (awaited: ts.Expression) => boolean): boolean {
  if (!fn.body) return false;
  let waits = false;
  let other = false;
  const visit = (n: ts.Node): void => {
    if (other || (n !== fn.body && isFunctionLike(n))) return;
    const awaited = ts.isAwaitExpression(n) ? n.expression : ts.isForOfStatement(n) && n.awaitModifier ? n.expression : undefined;
    if (awaited) {
      if (accepts(skipOuter(awaited))) waits = true;
      else other = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return waits && !other;
}

/** A function an array method calls for each element while the expression around it is evaluated: `ids.some((id) => …)`. */
function isElementCallback(fn: ts.Node): boolean {
  const call = fn.parent;
  if (!isFunctionLike(fn) || isAsync(fn) || !call || !ts.isCallExpression(call) || !call.arguments.includes(fn as ts.Expression)) return false;
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && ELEMENT_ITERATORS.includes(callee.name.text);
}

/** The name is a parameter of a function: `store` of `async function handleForfeit(store, …)`. */
function isParameterName(id: ts.Identifier, modules: Modules): boolean {
  const decl = modules.declarationOf(id.text, id);
  return decl !== undefined && ts.isParameter(decl);
}

/** A literal in the range of HTTP error statuses: `403`, `409`. */
function isErrorStatusNumber(n: ts.NumericLiteral): boolean {
  const v = Number(n.text);
  return Number.isInteger(v) && v >= 400 && v < 600;
}

/** The parts of an `a || b || c` test, each of which refuses alone (one part for any other test). */
function disjuncts(e: ts.Expression): ts.Expression[] {
  const x = skipOuter(e);
  if (ts.isBinaryExpression(x) && x.operatorToken.kind === SK.BarBarToken) return [...disjuncts(x.left), ...disjuncts(x.right)];
  return [x];
}

/** The value an assignment gives (`job = await ensureCanDeliver(…)` → the call), or the expression itself. */
function assignedValue(expr: ts.Expression): ts.Expression {
  const e = skipOuter(expr);
  return ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken ? e.right : expr;
}

/**
 * A test compares something with a value, not only with constants: `doc.owner?.equals(callerId)`, `row.org !== org`;
 * not `survey.status !== 'PENDING_REVIEW'`, `count > 0`, nor a field's truth (`!doc.published`).
 */
function comparesWithValue(e: ts.Expression): boolean {
  const constant = (x: ts.Expression): boolean => {
    const y = skipOuter(x);
    return isLiteralAnswer(y) || ts.isNoSubstitutionTemplateLiteral(y) || isNothing(y) || (ts.isIdentifier(y) && configuredConstant(y));
  };
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind) && !constant(n.left) && !constant(n.right)) found = true;
    // `a.equals(b)`, `ids.includes(me)`: a method asked about a value it is given
    else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(skipOuter(n.expression)) && n.arguments.some((a) => !constant(a))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(e);
  return found;
}

const ARITHMETIC: readonly ts.SyntaxKind[] = [SK.AsteriskToken, SK.PlusToken, SK.MinusToken, SK.SlashToken];
