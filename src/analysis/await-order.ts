import { ts } from '../ts';
import { startsSubquery } from './expressions';
import { checkInFunction, enclosingFunction, handedByName, type CheckSpec } from './dominance';
import { calleeChain, skipOuter, topLevelBindings } from './facts/walk';
import {
  asksAgain,
  keptIn,
  thrownByCall,
  classAround,
  configuredConstant,
  decisionSources,
  decisionPrimaryTables,
  decisionTables,
  errbackCall,
  isCallbackArgument,
  readSubject,
  readsBehind,
  sourcesIn,
  tablesIn,
  type Check,
  type Decisions,
} from './decisions';
import { CONCURRENCY_FIELDS, type RefusalKind } from './vocabulary/refusals';
import { isObservableAwaiter, isPromiseStep, isQueueCall, isTimer, JOB_NAME_FIELD, jobQueueLibrary } from './vocabulary/deferral';
import { isFunctionLike, member, propertyNameText, returnedExpressions, typeOnlyImport } from './modules';
import { collectNames, references } from './guards';
import { CLIENT_HOLDER_ROOTS, FILTER_KEYS, isFieldFilterOperator, namesDatabase, OPERATOR_SYMBOLS, RECORD_ID_KEYS, recordMethodOf, writeSelection } from './vocabulary/data-access';
import { appendsRecord, chainNames, commandMade, operationOf, sqlText, type CallResolver, type Operation } from './operations';
import { dispatchedJobHandlers, jobNamesOf } from './job-queues';
import {
  CONDITION_KEYS,
  DEFERRING_CALLEES,
  HTTP_CLIENT_RECEIVERS,
  HTTP_FUNCTIONS,
  isReadVerb,
  isStoreWrite,
  isTrailAppend,
  READ_VERSION_KEYS,
  SCRIPT_KEYS,
  SCRIPT_SOURCE_KEY,
  TABLE_NAME_KEY,
  TRANSACTION_CHECK_KEY,
} from './vocabulary/operations';
import {
  isFilterOption,
  isOptimisticLockMode,
  isTransactionCallee,
  isTransactionHandle,
  LOCK_OPTION,
  locksByCall,
  OPTIMISTIC_DOCUMENTS,
  opensTransaction,
  QUERY_DSL_KEYS,
  WATCHED_TRANSACTION,
} from './vocabulary/atomic';
import { startsTransactionSql } from './vocabulary/sql';
import { isPerRequestName } from './vocabulary/requests';
import { splitSql, statementText } from './sql';
import { isMessageCommand } from './vocabulary/stores';
import { validatesSchema } from './vocabulary/values';

const SK = ts.SyntaxKind;

/**
 * Await order: which reads of a function happen before and after each point where other requests
 * can run — an `await`, a `yield`, `for await`, the start of a `.then` callback, a timer or an
 * emitter callback — across branches, loops and `try/finally`.
 *
 * The model is the one ESLint's `require-atomic-updates` keeps per code-path segment, applied to
 * the AST in evaluation order instead of a code-path graph: a read makes its key *fresh*; passing a
 * boundary turns every fresh key *outdated* (remembering the read and the boundary); reading the
 * key again makes it fresh; where two ways join, both sets are united, so "outdated" means
 * "outdated on some way here". What a key is — a decision, a place of shared state — is the
 * caller's choice.
 */

export interface Outdated<K> {
  key: K;
  /** The last read of the key before the boundary. */
  read: ts.Node;
  /** The first boundary passed since that read: an `await`, a `yield`, or a deferred callback. */
  boundary: ts.Node;
}

export interface OrderState<K> {
  /** Whether `key` is outdated on some way to the current node. */
  outdated(key: K): Outdated<K> | undefined;
  /** Every key outdated on some way here. */
  allOutdated(): Iterable<Outdated<K>>;
  /** The read that made `key` fresh, if it is fresh on some way here. */
  fresh(key: K): ts.Node | undefined;
  /** Every key fresh on some way here, with the read that made it so. */
  allFresh(): Iterable<[K, ts.Node]>;
}

export interface OrderVisitor<K> {
  /** Keys a node reads, made fresh once its evaluation ends (for `await x`, after the await). */
  reads?(node: ts.Node): readonly K[] | undefined;
  /** Called at the end of each node's evaluation, before the node's own reads. */
  visit?(node: ts.Node, state: OrderState<K>): void;
  /** Whether an `await`/`yield` lets other requests in (default: every one does). */
  boundary?(node: ts.Node): boolean;
  /** Keys fresh on entry of a deferred callback (`lookup().then((allowed) => …)`), after the boundary. */
  callbackReads?(fn: ts.FunctionLikeDeclaration, call: ts.CallExpression): readonly K[] | undefined;
  /** Keys already read when the function starts (read at the function itself): what a caller set up before calling it. */
  entryReads?(fn: ts.FunctionLikeDeclaration): readonly K[] | undefined;
  /** The function a call reaches, to tell a helper that defers its callback (`runLater(…, cb)` of another module). */
  resolve?: CallResolver;
}

class State<K> implements OrderState<K> {
  constructor(
    readonly freshMap = new Map<K, ts.Node>(),
    readonly outdatedMap = new Map<K, Outdated<K>>(),
  ) {}
  clone(): State<K> {
    return new State(new Map(this.freshMap), new Map(this.outdatedMap));
  }
  outdated(key: K): Outdated<K> | undefined {
    return this.outdatedMap.get(key);
  }
  allOutdated(): Iterable<Outdated<K>> {
    return this.outdatedMap.values();
  }
  fresh(key: K): ts.Node | undefined {
    return this.freshMap.get(key);
  }
  allFresh(): Iterable<[K, ts.Node]> {
    return this.freshMap.entries();
  }
  read(key: K, node: ts.Node): void {
    this.freshMap.set(key, node);
    this.outdatedMap.delete(key);
  }
  /** Past a boundary: every fresh read is outdated, but those the boundary itself waits for (`keep`). */
  cross(boundary: ts.Node, keep?: (read: ts.Node) => boolean): void {
    for (const [key, read] of [...this.freshMap]) {
      if (keep?.(read)) continue;
      // (outdated already on another way through, by an earlier boundary since the same read — `if (k) { await revoke(k) }`,
      // then a re-check's own `await`: the first boundary passed since the read is the window, not the re-check)
      const known = this.outdatedMap.get(key);
      if (!known || known.read !== read) this.outdatedMap.set(key, { key, read, boundary });
      this.freshMap.delete(key);
    }
  }
}

type Maybe<K> = State<K> | undefined; // undefined: no way reaches here

function join<K>(...states: Maybe<K>[]): Maybe<K> {
  let out: State<K> | undefined;
  for (const s of states) {
    if (!s) continue;
    if (!out) {
      out = s.clone();
      continue;
    }
    for (const [k, v] of s.freshMap) if (!out.freshMap.has(k)) out.freshMap.set(k, v);
    for (const [k, v] of s.outdatedMap) if (!out.outdatedMap.has(k)) out.outdatedMap.set(k, v);
  }
  return out;
}

interface Frame<K> {
  kind: 'loop' | 'switch' | 'try' | 'function';
  breaks: Maybe<K>[];
  continues: Maybe<K>[];
  /** `return`/`throw` inside a `try` (they run its `finally`), or a callback's returns. */
  abrupt: Maybe<K>[];
  /** A deferred callback of a promise chain: a chain it returns settles its step (the next `.then` waits for it). */
  settles?: boolean;
}

/** Callees whose callback runs later, after the caller went on: other requests can run first. */
const DEFERRING = new Set(DEFERRING_CALLEES);

/**
 * Whether a function passed to `call` runs after the caller went on (a promise callback, timer, listener).
 * With `resolve`, a helper of another module that calls it only from a deferred callback of its own
 * (`runLater(key, ms, async () => …)` imported from `../lib/deferred`) defers it too.
 */
export function isDeferredCallback(fn: ts.Node, resolve?: CallResolver): ts.CallExpression | undefined {
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const call = n.parent;
  if (call && ts.isVariableDeclaration(call) && call.initializer === n) return handedByName(call);
  if (!call || !ts.isCallExpression(call) || !call.arguments.some((a) => a === n)) return undefined;
  const name = lastName(call.expression);
  if (name !== undefined && DEFERRING.has(name)) return call;
  // a function handed to a work queue of the process (`housekeeping.add(async () => …)` on a p-queue): it runs when
  // the queue gets to it, after the caller went on (a job library's `add(name, data)` takes no function)
  if (name !== undefined && isQueueCall(name) && ts.isPropertyAccessExpression(skipOuter(call.expression))) return call;
  // an error-first callback of I/O (`pool.query(sql, args, (err, rows) => { if (err) return next(err); … })`):
  // it runs when the I/O completes, after other requests had their turn
  if (errbackCall(fn) === call) return call;
  // a callback handed to a function of this file that calls it only from a deferred callback of its own
  // (`collectUpload(req, async (log) => …)` where `bb.on('close', () => onDone(buf))`)
  const callee = skipOuter(call.expression);
  const helper = (ts.isIdentifier(callee) ? localFunction(callee) : undefined) ?? resolve?.(call);
  const index = call.arguments.indexOf(n as ts.Expression);
  return helper && callsParameterLater(helper, index) ? call : undefined;
}

/** The call a function around `node` (inside `fn`) is handed to by name, as a listener or timer. */
function handedTo(node: ts.Node, fn: ts.Node): ts.CallExpression | undefined {
  for (let n: ts.Node | undefined = node.parent; n && n !== fn; n = n.parent) {
    if (!isFunctionLike(n)) continue;
    let m: ts.Node = n;
    while (m.parent && ts.isParenthesizedExpression(m.parent)) m = m.parent;
    if (m.parent && ts.isVariableDeclaration(m.parent) && m.parent.initializer === m) return handedByName(m.parent);
  }
  return undefined;
}

/** A function `fn` declares by this name (`const onDone = async (e) => { … }`, `function onDone() {}`), not in a nested function. */
function declaredCallback(name: ts.Identifier, fn: ts.FunctionLikeDeclaration): ts.FunctionLikeDeclaration | undefined {
  let found: ts.FunctionLikeDeclaration | undefined;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn.body && isFunctionLike(n))) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name.text && n.initializer) {
      const init = skipOuter(n.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) found = init;
    } else if (ts.isFunctionDeclaration(n) && n.name?.text === name.text && n.body) found = n;
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/** A function declared at the top of the file by this name: `function collectUpload(…) {}`, `const collectUpload = (…) => {}`. */
function localFunction(name: ts.Identifier): ts.FunctionLikeDeclaration | undefined {
  const sf = name.getSourceFile();
  let table = localFunctions.get(sf);
  if (!table) {
    table = new Map();
    for (const st of sf.statements) {
      if (ts.isFunctionDeclaration(st) && st.name && st.body) table.set(st.name.text, st);
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations) {
          const init = d.initializer && skipOuter(d.initializer);
          if (ts.isIdentifier(d.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) table.set(d.name.text, init);
        }
    }
    localFunctions.set(sf, table);
  }
  return table.get(name.text);
}

const localFunctions = new WeakMap<ts.SourceFile, Map<string, ts.FunctionLikeDeclaration>>();

const laterCache = new WeakMap<ts.Node, Map<number, boolean>>();

/** Every call of the function's `index`th parameter is inside a deferred callback of its own (a listener, a timer, a `.then`). */
function callsParameterLater(fn: ts.FunctionLikeDeclaration, index: number): boolean {
  let byIndex = laterCache.get(fn);
  if (!byIndex) laterCache.set(fn, (byIndex = new Map()));
  const known = byIndex.get(index);
  if (known !== undefined) return known;
  byIndex.set(index, false);
  const param = fn.parameters[index];
  let calls = 0;
  let later = 0;
  if (param && ts.isIdentifier(param.name) && fn.body) {
    const name = param.name.text;
    const visit = (n: ts.Node, deferred: boolean): void => {
      if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.Identifier).text === name) {
        calls++;
        if (deferred) later++;
      }
      ts.forEachChild(n, (c) => visit(c, deferred || (isFunctionLike(c) && isDeferredCallback(c) !== undefined)));
    };
    visit(fn.body, false);
  }
  const result = calls > 0 && later === calls;
  byIndex.set(index, result);
  return result;
}

/** A call of a helper of another module that runs a function it is handed later (`runLater(key, ms, async () => …)`). */
export function defersCallback(call: ts.CallExpression, resolve: CallResolver): boolean {
  const callee = skipOuter(call.expression);
  if (ts.isIdentifier(callee) && localFunction(callee)) return false;
  const index = call.arguments.findIndex((a) => ts.isArrowFunction(skipOuter(a)) || ts.isFunctionExpression(skipOuter(a)));
  const helper = index >= 0 ? resolve(call) : undefined;
  return helper !== undefined && callsParameterLater(helper, index);
}

/** The name a callee ends with, whatever it hangs off: `lookup().then` → `then`. */
function lastName(callee: ts.Expression): string | undefined {
  const e = skipOuter(callee);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/**
 * Walk one function in evaluation order, calling the visitor at each node with what is fresh and
 * outdated there. Nested functions are followed where they run in the flow: callbacks passed to a
 * call run in place (`items.map(…)`, `$transaction(async (tx) => …)`), deferred ones (`.then`,
 * timers, listeners) run after a boundary; functions only declared or stored are not entered.
 */
/** The promise a `.then`/`.catch`/`.finally` call continues: the call before it in the chain (`a` of `a.then(cb)`). */
function chainReceiver(call: ts.CallExpression): ts.Node | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !isPromiseStep(callee.name.text)) return undefined;
  return skipOuter(callee.expression);
}

/** A call whose promise `wait` gathers: an element of the array handed to the awaited `Promise.all`/`allSettled`. */
function gatheredBy(read: ts.Node, wait: ts.Node): boolean {
  if (!ts.isAwaitExpression(wait) || !ts.isCallExpression(read)) return false;
  const list = read.parent;
  const gather = list && ts.isArrayLiteralExpression(list) ? list.parent : undefined;
  return gather !== undefined && ts.isCallExpression(gather) && gather.arguments[0] === list && skipOuter(wait.expression) === gather;
}

export function walkInOrder<K>(fn: ts.FunctionLikeDeclaration, visitor: OrderVisitor<K>): void {
  if (!fn.body) return;
  const frames: Frame<K>[] = [];

  const finish = (node: ts.Node, s: Maybe<K>): Maybe<K> => {
    if (!s) return s;
    visitor.visit?.(node, s);
    const keys = visitor.reads?.(node);
    if (keys) for (const k of keys) s.read(k, node);
    return s;
  };

  const innermost = (kinds: Frame<K>['kind'][]): Frame<K> | undefined => {
    for (let i = frames.length - 1; i >= 0; i--) if (kinds.includes(frames[i].kind)) return frames[i];
    return undefined;
  };

  const expr = (node: ts.Node | undefined, s: Maybe<K>): Maybe<K> => {
    if (!node || !s) return s;
    switch (node.kind) {
      case SK.AwaitExpression:
      case SK.YieldExpression: {
        s = expr((node as ts.AwaitExpression).expression, s);
        // reads the wait gathers (`await Promise.all([holderOf(t), isBanned(u)])`) answer when it ends:
        // fresh after it, not outdated by it (a value read to build the call, `find({ org: current.org })`, is)
        if (s && (visitor.boundary?.(node) ?? true)) s.cross(node, (read) => gatheredBy(read, node));
        return finish(node, s);
      }
      case SK.BinaryExpression: {
        const b = node as ts.BinaryExpression;
        const op = b.operatorToken.kind;
        if (op === SK.AmpersandAmpersandToken || op === SK.BarBarToken || op === SK.QuestionQuestionToken) {
          s = expr(b.left, s);
          const right = expr(b.right, s?.clone());
          return finish(node, join(s, right));
        }
        if (op >= SK.FirstAssignment && op <= SK.LastAssignment) {
          s = expr(b.right, s);
          if (!ts.isIdentifier(b.left)) s = expr(b.left, s);
          return finish(node, s);
        }
        break;
      }
      case SK.ConditionalExpression: {
        const c = node as ts.ConditionalExpression;
        s = expr(c.condition, s);
        return finish(node, join(expr(c.whenTrue, s?.clone()), expr(c.whenFalse, s?.clone())));
      }
      case SK.CallExpression:
      case SK.NewExpression: {
        const call = node as ts.CallExpression;
        s = expr(call.expression, s);
        for (const arg of call.arguments ?? []) {
          const a = skipOuter(arg);
          if (isFunctionLike(a) && (ts.isArrowFunction(a) || ts.isFunctionExpression(a))) s = callback(a, call, s);
          else {
            s = expr(arg, s);
            // a listener or timer given by the name of a function this one declares (`const onDone = async (e) =>
            // { … }; bus.on('done', onDone)`): its body runs later, as an inline callback's would
            const named = ts.isIdentifier(a) && DEFERRING.has(lastName(call.expression) ?? '') ? declaredCallback(a, fn) : undefined;
            if (named) s = callback(named, call, s, true);
          }
        }
        return finish(node, s);
      }
      case SK.ArrowFunction:
      case SK.FunctionExpression:
      case SK.FunctionDeclaration:
      case SK.ClassDeclaration:
      case SK.ClassExpression:
      case SK.MethodDeclaration:
        return s; // only declared here: it runs when someone calls it
    }
    ts.forEachChild(node, (child) => {
      s = expr(child, s);
    });
    return finish(node, s);
  };

  /** Where each promise chain's callbacks end: the next `.then` of the chain starts there. */
  const chainEnds = new Map<ts.Node, Maybe<K>>();
  /** In a step of a promise chain, the end of a chain the step returns. */
  const settledBy = (e: ts.Expression | undefined): Maybe<K> | undefined => {
    if (!e || !innermost(['function'])?.settles) return undefined;
    const x = skipOuter(e);
    return chainEnds.has(x) ? chainEnds.get(x)?.clone() : undefined;
  };
  /** A function passed to a call: deferred ones after a boundary, others in place. */
  const callback = (cb: ts.FunctionLikeDeclaration, call: ts.CallExpression, s: Maybe<K>, byName = false): Maybe<K> => {
    if (!s || !cb.body) return s;
    const deferred = byName || isDeferredCallback(cb, visitor.resolve) !== undefined;
    // `p.then(a).then(b)`: b runs after a has finished, with what a decided
    const before = deferred ? chainEnds.get(chainReceiver(call) ?? call) : undefined;
    const inner = (before ?? s).clone();
    if (deferred) {
      inner.cross(call);
      for (const k of visitor.callbackReads?.(cb, call) ?? []) inner.read(k, call);
    }
    frames.push({ kind: 'function', breaks: [], continues: [], abrupt: [], settles: deferred && chainReceiver(call) !== undefined });
    let end: Maybe<K> = ts.isBlock(cb.body) ? stmt(cb.body, inner) : expr(cb.body, inner);
    if (!ts.isBlock(cb.body)) end = settledBy(cb.body) ?? end;
    const frame = frames.pop()!;
    end = join(end, ...frame.abrupt);
    if (deferred && chainReceiver(call) !== undefined) chainEnds.set(call, end);
    // the caller goes on at once after a deferred callback; after an in-place one, with what it did
    return deferred || !end ? s : join(s, end);
  };

  const loop = (node: ts.IterationStatement, s: Maybe<K>, head: (s: Maybe<K>) => Maybe<K>, body: ts.Statement, after?: ts.Node): Maybe<K> => {
    let entry = s;
    let exit: Maybe<K>;
    let breaks: Maybe<K>[] = [];
    // twice: what the second round reads reaches the first round's end through the back edge
    for (let round = 0; round < 2; round++) {
      const frame: Frame<K> = { kind: 'loop', breaks: [], continues: [], abrupt: [] };
      frames.push(frame);
      const h = head(entry?.clone());
      if (ts.isForOfStatement(node) && node.awaitModifier && h) h.cross(node);
      const bodyEnd = stmt(body, h?.clone());
      let next = join(bodyEnd, ...frame.continues);
      if (after) next = expr(after, next);
      frames.pop();
      breaks = frame.breaks;
      exit = join(h, ...breaks);
      entry = join(s, next);
    }
    return join(exit, ...breaks);
  };

  const stmt = (node: ts.Node | undefined, s: Maybe<K>): Maybe<K> => {
    if (!node || !s) return s;
    switch (node.kind) {
      case SK.Block:
      case SK.CaseClause:
      case SK.DefaultClause:
        for (const st of (node as ts.Block).statements) s = stmt(st, s);
        return s;
      case SK.IfStatement: {
        const n = node as ts.IfStatement;
        s = expr(n.expression, s);
        return join(stmt(n.thenStatement, s?.clone()), n.elseStatement ? stmt(n.elseStatement, s?.clone()) : s);
      }
      case SK.ReturnStatement:
      case SK.ThrowStatement: {
        s = expr((node as ts.ReturnStatement).expression, s);
        // `.then((s) => { return find(…).then((m) => { if (!m) throw 403; return s; }) })`: the step ends
        // when the chain it returns does, with what that chain decided
        if (ts.isReturnStatement(node)) s = settledBy(node.expression) ?? s;
        s = finish(node, s);
        innermost(['try', 'function'])?.abrupt.push(s);
        return undefined;
      }
      case SK.BreakStatement:
        innermost(['loop', 'switch'])?.breaks.push(s);
        return undefined;
      case SK.ContinueStatement:
        innermost(['loop'])?.continues.push(s);
        return undefined;
      case SK.WhileStatement: {
        const n = node as ts.WhileStatement;
        return loop(n, s, (e) => expr(n.expression, e), n.statement);
      }
      case SK.DoStatement: {
        const n = node as ts.DoStatement;
        // the body runs once before the condition: model it as one round, then the loop
        const first = stmt(n.statement, s.clone());
        return loop(n, join(s, first), (e) => expr(n.expression, e), n.statement);
      }
      case SK.ForStatement: {
        const n = node as ts.ForStatement;
        s = n.initializer ? expr(n.initializer, s) : s;
        return loop(n, s, (e) => expr(n.condition, e), n.statement, n.incrementor);
      }
      case SK.ForOfStatement:
      case SK.ForInStatement: {
        const n = node as ts.ForOfStatement;
        s = expr(n.expression, s);
        return loop(n, s, (e) => e, n.statement);
      }
      case SK.SwitchStatement: {
        const n = node as ts.SwitchStatement;
        s = expr(n.expression, s);
        const frame: Frame<K> = { kind: 'switch', breaks: [], continues: [], abrupt: [] };
        frames.push(frame);
        let fall: Maybe<K>;
        let hasDefault = false;
        for (const clause of n.caseBlock.clauses) {
          if (ts.isDefaultClause(clause)) hasDefault = true;
          let entry = join(s, fall);
          if (ts.isCaseClause(clause)) entry = expr(clause.expression, entry);
          fall = stmt(clause, entry);
        }
        frames.pop();
        return join(fall, ...frame.breaks, hasDefault ? undefined : s);
      }
      case SK.TryStatement: {
        const n = node as ts.TryStatement;
        const frame: Frame<K> = { kind: 'try', breaks: [], continues: [], abrupt: [] };
        frames.push(frame);
        const start = s.clone();
        const tryEnd = stmt(n.tryBlock, s.clone());
        frames.pop();
        // a throw can leave the try block anywhere: the catch starts from any state seen there
        const catchEnd = n.catchClause ? stmt(n.catchClause.block, join(start, tryEnd, ...frame.abrupt)) : undefined;
        const normal = join(tryEnd, catchEnd);
        if (!n.finallyBlock) {
          if (!n.catchClause) innermost(['try', 'function'])?.abrupt.push(...frame.abrupt);
          return normal;
        }
        // the finally block runs on every way out: normal ends, and returns and throws
        const abruptEnd = frame.abrupt.length > 0 ? stmt(n.finallyBlock, join(...frame.abrupt)) : undefined;
        if (abruptEnd) innermost(['try', 'function'])?.abrupt.push(abruptEnd);
        return normal ? stmt(n.finallyBlock, normal) : undefined;
      }
      case SK.LabeledStatement:
        return stmt((node as ts.LabeledStatement).statement, s);
      case SK.FunctionDeclaration:
      case SK.ClassDeclaration:
      case SK.InterfaceDeclaration:
      case SK.TypeAliasDeclaration:
        return s;
      default:
        return expr(node, s);
    }
  };

  frames.push({ kind: 'function', breaks: [], continues: [], abrupt: [] });
  const start = new State<K>();
  for (const k of visitor.entryReads?.(fn) ?? []) start.read(k, fn);
  if (ts.isBlock(fn.body)) stmt(fn.body, start);
  else expr(fn.body, start);
  frames.pop();
}

/** Whether a function can be suspended: `async`, a generator, or one that chains `.then`. */
export function canSuspend(fn: ts.FunctionLikeDeclaration): boolean {
  if (fn.asteriskToken) return true;
  return (ts.getModifiers(fn) ?? []).some((m) => m.kind === SK.AsyncKeyword);
}

/** The boundaries in a function, in source order: `await`s, `yield`s and deferred callbacks, not in nested functions. */
export function boundariesIn(fn: ts.FunctionLikeDeclaration): ts.Node[] {
  const out: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if (n !== fn && isFunctionLike(n)) {
      const call = isDeferredCallback(n);
      if (call) out.push(call);
      return;
    }
    if (ts.isAwaitExpression(n) || ts.isYieldExpression(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out.sort((a, b) => a.pos - b.pos);
}

// ---------------------------------------------------------------------------------------------
// Atomic forms: check and use in one operation, where no other request can come in between.

/**
 * Where a write is reported: the batch that runs it when it is one of the writes handed to a
 * transaction as a list (`await prisma.$transaction([a.update(…), b.create(…)])`), the call the code waits for.
 */
export function reportedAt(node: ts.Node): ts.Node {
  let n: ts.Node = node;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  // a request made as an Observable and awaited through rxjs: the statement that waits for it
  const awaiter = n.parent;
  if (awaiter && ts.isCallExpression(awaiter) && awaiter.arguments[0] === n && ts.isIdentifier(awaiter.expression) && isObservableAwaiter(awaiter.expression.text)) return awaiter;
  const list = n.parent;
  const call = list && ts.isArrayLiteralExpression(list) ? list.parent : undefined;
  if (!call || !ts.isCallExpression(call) || !call.arguments.includes(list as ts.Expression)) return node;
  const callee = skipOuter(call.expression);
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
  return name !== undefined && isTransactionCallee(name) ? call : node;
}

/**
 * The transaction callback a node runs in: `prisma.$transaction(async (tx) => …)`,
 * `sequelize.transaction(async (t) => …)`, `knex.transaction(async (trx) => …)`,
 * `dataSource.transaction(async (manager) => …)`, `session.withTransaction(async () => …)`.
 */
export function transactionOf(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (!isFunctionLike(n)) continue;
    let holder: ts.Node = n;
    while (holder.parent && ts.isParenthesizedExpression(holder.parent)) holder = holder.parent;
    const call = holder.parent;
    if (call && ts.isCallExpression(call) && call.arguments.some((a) => a === holder)) {
      // (the method's own name, also off a call: `this.em.fork().transactional(async (em) => …)`)
      const callee = skipOuter(call.expression);
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
      if (name !== undefined && isTransactionCallee(name)) return n;
    }
  }
  return undefined;
}

/**
 * A call that runs inside a transaction handed to it: an option `{ transaction: t }`,
 * `{ session }`, `.transacting(trx)`, or a receiver that is the transaction (`tx.user.update`,
 * `trx('accounts')`, `manager.save`, `queryRunner.manager`).
 */
export function runsInTransaction(call: ts.CallExpression): boolean {
  const chain = calleeChain(call.expression) ?? [];
  if (chain.length > 0 && isTransactionHandle(chain[0]) && transactionOf(call) !== undefined) return true;
  if (chain.some((c) => c === 'transacting' || c === 'forUpdate' || c === 'forShare')) return true;
  for (const arg of call.arguments) {
    const a = skipOuter(arg);
    if (!ts.isObjectLiteralExpression(a)) continue;
    for (const p of a.properties) {
      const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
      if (name === 'transaction' || name === 'session' || name === 'lock') return true;
    }
  }
  return false;
}

/** A read that locks what it read until the transaction ends: `SELECT … FOR UPDATE`, `lock: …`, `.forUpdate()`. */
export function locksRows(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) && /\bfor\s+(?:update|share|no\s+key\s+update)\b/i.test(n.text))
      found = true;
    else if (ts.isPropertyAccessExpression(n) && locksByCall(n.name.text)) found = true;
    // (TypeORM's `lock: { mode: 'optimistic', version }` checks a version as it reads and locks nothing)
    else if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === LOCK_OPTION && !optimisticMode(n.initializer)) found = true;
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** An options object that names its filter: `{ where: … }`. */
const namesWhere = (e: ts.Node): boolean => ts.isObjectLiteralExpression(e) && e.properties.some((p) => p.name !== undefined && propertyNameText(p.name) === 'where');

/** The body of a common table expression that writes, `WITH d AS (UPDATE … )` or `( DELETE … )`, without its parentheses. */
function writingCte(text: string): string | undefined {
  const start = /^[\s`'"]*with\b[\s\S]*?\bas\s*\(\s*(?=update\b|delete\b)/i.exec(text);
  if (!start) return undefined;
  let depth = 1;
  for (let i = start.index + start[0].length; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(start.index + start[0].length, i);
  }
  return undefined;
}

/** Where a statement's own `WHERE` starts: the first one outside parentheses (-1 when it has none). */
function outerWhere(text: string): number {
  let depth = 0;
  for (const m of text.matchAll(/[()]|\bwhere\b/gi)) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) return m.index;
  }
  return -1;
}

/**
 * The decision's condition travels inside the write: its filter names a field the decision tested
 * (`where: { id, locked_by: me }`, `UPDATE … AND locked_by = ?`, `findOneAndUpdate({ _id, lienHolder })`);
 * for a decision whose fields are out of sight (a helper, a flag), a relation filter or a
 * sub-query does; a DynamoDB `ConditionExpression` always does.
 */
export function conditionInQuery(
  op: Operation,
  check: Pick<Check, 'fields' | 'call'> & Partial<Pick<Check, 'test'>>,
  renamed?: ReadonlyMap<string, string>,
  valueOf?: (e: ts.Expression) => ts.Node | undefined,
  /**
   * The decision asked another service: only a condition that asks the app's own state again inside the
   * write (a sub-query, a relation filter, a join) can stand for it, not one that binds the same values.
   */
  askedElsewhere = false,
  /**
   * The tables the decision's SQL reads select from (`decisionPrimaryTables`): a join or sub-query of the write asks the
   * decision again only when it consults each of them (`… FROM managed_databases d WHERE …` does not ask `operator_grants`
   * again, which the decision selected from and joined `managed_databases` to).
   */
  readTables?: ReadonlySet<string>,
): boolean {
  const words = new Set<string>();
  // (a helper's parameters stand for what its caller passed: `fromMemberId` for `memberId`)
  const values = new Set<string>();
  const value = (text: string): void => void values.add(renamed?.get(text) ?? text);
  let nested = false;
  let conditional = false;
  const norm = (w: string): string => w.toLowerCase().replace(/[_$-]/g, '');
  const inlined = new Set<ts.Node>();
  const keysOf = (o: ts.Node, depth: number): void => {
    const e = skipOuter(o as ts.Expression);
    if (!ts.isObjectLiteralExpression(e)) {
      ts.forEachChild(e, (c) => keysOf(c, depth));
      if (ts.isIdentifier(e)) words.add(norm(e.text));
      // (a sub-query kept in a local, `const adminOf = db.select(…).from(memberships).where(…)`, then `inArray(t.id, adminOf)`:
      // the query it holds is the write's condition)
      const held = ts.isIdentifier(e) && e.parent && !ts.isPropertyAccessExpression(e.parent) ? valueOf?.(e) : undefined;
      if (held && ts.isCallExpression(held) && !inlined.has(held) && sameClient(held, op.node)) {
        inlined.add(held);
        nested = true;
        keysOf(held, depth);
      }
      if (ts.isPropertyAccessExpression(e)) words.add(norm(e.name.text));
      // (the text of raw SQL in the filter too, a template's parts as well: `sequelize.literal(`EXISTS (SELECT … AND ws.role = 'supervisor')`)`;
      // a sub-query there asks the decision's lookup again inside the write)
      if (ts.isStringLiteralLike(e) || ts.isTemplateHead(e) || ts.isTemplateMiddle(e) || ts.isTemplateTail(e)) {
        for (const w of e.text.split(/\W+/)) words.add(norm(w));
        if (/\b(exists|select)\b/i.test(e.text)) nested = true;
      }
      return;
    }
    // (an object of a field's operators, `{ lt: cutoff }`, `{ $in: ids }`, `{ [Op.lt]: cutoff }`, compares that field: no nesting)
    if (depth >= 2 && !comparesField(e)) nested = true;
    for (const p of e.properties) {
      // (a part of the filter spread in, also from a local: `{ _id, ...ownership }` with `const ownership = isSupervisor ? {} :
      // { $or: [{ verifiedBy: { $exists: false } }, { verifiedBy: me }] }`)
      if (ts.isSpreadAssignment(p)) {
        const spread = skipOuter(p.expression);
        const held = ts.isIdentifier(spread) ? valueOf?.(spread) : spread;
        if (held && ts.isExpression(held) && !inlined.has(held)) {
          inlined.add(held);
          keysOf(held, depth);
        }
        continue;
      }
      const name = p.name ? (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name) ? p.name.text : undefined) : undefined;
      // what a write stores (`updateMany({ where, data })`) does not narrow the rows it writes
      if (name !== undefined && depth === 0 && writeSelection('payload', name)) continue;
      if (name) words.add(norm(name));
      // (a document path names each field along it: `'truckBookings.bookingRef': ref`)
      if (name?.includes('.')) for (const part of name.split('.')) words.add(norm(part));
      if (ts.isShorthandPropertyAssignment(p)) value(p.name.text);
      if (ts.isPropertyAssignment(p)) {
        value(skipOuter(p.initializer).getText());
        keysOf(p.initializer, depth + 1);
      }
    }
  };
  const deep = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n) && CONDITION_KEYS.includes(propertyNameText(n.name) ?? '')) {
      condition(n.initializer);
      if (ts.isObjectLiteralExpression(n.parent)) bindsDecision(n.parent);
    }
    // the version of the document the decision read: the write fails when it changed since
    // (the version of another document, `if_seq_no: policy._seq_no` after a decision on a grant, guards that one only)
    else if (ts.isPropertyAssignment(n) && READ_VERSION_KEYS.includes(propertyNameText(n.name) ?? '')) {
      const kept = ts.isCallExpression(check.call) ? keptIn(check.call) : undefined;
      if (kept === undefined || references(n.initializer, new Set([kept]))) conditional = true;
    }
    // a script the store runs on the record as it writes it (`script: { source: 'if (ctx._source.maintainers.contains(…))' }`)
    else if (ts.isPropertyAssignment(n) && SCRIPT_KEYS.includes(propertyNameText(n.name) ?? '')) {
      const script = skipOuter(n.initializer);
      const field = ts.isObjectLiteralExpression(script)
        ? script.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyNameText(p.name) === SCRIPT_SOURCE_KEY)
        : undefined;
      const source = ts.isObjectLiteralExpression(script) ? field?.initializer : script;
      if (source) condition(source);
    } else ts.forEachChild(n, deep);
  };
  // the tables and columns another table of the write brings in (a join, `UPDATE … FROM`, `INSERT … SELECT … FROM`, `DELETE … USING`)
  const joinWords = new Set<string>();
  let joinNested = false;
  const joined = (part: string): void => {
    joinNested = true;
    for (const w of part.split(/\W+/)) {
      words.add(norm(w));
      joinWords.add(norm(w));
    }
  };
  const sql = (text: string): void => {
    // a join in the write (`UPDATE bikes b JOIN fleet_managers m ON m.depot_id = b.depot_id AND
    // m.manager_cn = ? …`): another table's rows decide which rows are written, like a sub-query
    const join = /\bjoin\b([\s\S]*?)\bon\b([\s\S]*?)(?=\bset\b|\bwhere\b|$)/i.exec(text);
    if (join) joined(`${join[1]} ${join[2]}`);
    // Postgres's join in a write (`UPDATE inverters i SET … FROM site_operators o WHERE o.site_id = i.site_id
    // AND o.operator_cn = $3 …`): the same
    const from = /\bupdate\b[\s\S]*?\bset\b[\s\S]*?\bfrom\b([\s\S]*?)(?=\bwhere\b|$)/i.exec(text);
    if (from) joined(from[1]);
    // … and in an insert of what a select finds (`INSERT INTO deck_assignments (…) SELECT p.lane_code, $3 FROM
    // lane_permits p WHERE p.operator_id = $1 AND p.revoked_at IS NULL`): no row is written unless the other table has one
    const selected = /^[\s`'"]*insert\b[^(]*?\binto\b[\s\S]*?\bselect\b[\s\S]*?\bfrom\b([\s\S]*?)(?=\bwhere\b|$)/i.exec(text);
    if (selected) joined(selected[1]);
    // … and in a delete (`DELETE FROM runner_grants g USING pool_members m WHERE … AND m.role = 'admin'`)
    const using = /\bdelete\s+from\b[\s\S]*?\busing\b([\s\S]*?)(?=\bwhere\b|$)/i.exec(text);
    if (using) joined(using[1]);
    // a write inside a common table expression (`WITH debited AS (UPDATE wallets SET … WHERE id = ? AND balance >= ?
    // RETURNING id) INSERT … SELECT … FROM debited`): its own WHERE filters the rows written
    const cte = writingCte(text);
    if (cte !== undefined) {
      const inner = outerWhere(cte);
      if (inner >= 0) for (const w of cte.slice(inner).split(/\W+/)) words.add(norm(w));
    }
    // the statement's own WHERE, not one of a sub-select that computes a value it stores
    // (`SET account_id = (SELECT id FROM accounts WHERE org_id = $2)`)
    const at = outerWhere(text);
    if (at < 0) return;
    const tail = text.slice(at);
    if (/\b(exists|select)\b/i.test(tail)) nested = true;
    for (const w of tail.split(/\W+/)) words.add(norm(w));
  };
  // a DynamoDB ConditionExpression: the decision's condition when it names a field the decision
  // tested (or the decision's fields are out of sight); `attribute_not_exists(id)` only keeps the write unique
  const condition = (e: ts.Expression): void => {
    const x = skipOuter(e);
    const text = ts.isStringLiteralLike(x) ? x.text : ts.isTemplateExpression(x) ? x.getText() : undefined;
    // `#s = :pending` names its fields elsewhere (ExpressionAttributeNames): taken as the condition
    if (text === undefined || /#\w/.test(text)) {
      conditional = true;
      return;
    }
    if (check.fields.length === 0) return;
    const named = new Set(text.split(/[^\w#:]+/).map((w) => norm(w.replace(/^[#:]/, ''))));
    if (check.fields.some((f) => named.has(norm(f)))) conditional = true;
  };
  // an options object: the filter it names (`where`, `Key`), a condition it carries
  const bindsDecision = (a: ts.ObjectLiteralExpression): void => {
    if (conditionBindsDecision(a, check)) conditional = true;
  };
  const options = (a: ts.ObjectLiteralExpression): void => {
    bindsDecision(a);
    for (const p of a.properties) {
      const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : '';
      if (CONDITION_KEYS.includes(key) && ts.isPropertyAssignment(p)) condition(p.initializer);
      // (a query language's nesting is its syntax, not a relation: it never makes the filter nested)
      if (isFilterOption(key) && ts.isPropertyAssignment(p)) keysOf(p.initializer, QUERY_DSL_KEYS.includes(key) ? Number.NEGATIVE_INFINITY : 0);
      else if (ts.isPropertyAssignment(p) && !writeSelection('payload', key) && ts.isNewExpression(skipOuter(p.initializer))) keysOf(p.initializer, 0);
    }
  };
  // the calls of the chain, from the op down to its root: `knex('t').where(…).update(…)`
  for (let n: ts.Node = op.node; ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n);) {
    if (ts.isTaggedTemplateExpression(n)) {
      sql(n.template.getText());
      n = skipOuter(n.tag);
    } else {
      const name = chainNames(n.expression).at(-1) ?? '';
      const args = n.arguments;
      const filterAt = writeSelection('entityFirst', name) && args.length >= 2 && ts.isIdentifier(skipOuter(args[0])) ? 1 : 0;
      args.forEach((arg, i) => {
        const a = skipOuter(arg);
        deep(a);
        // (a statement written with a tag and handed to a runner, Drizzle's `db.execute(sql`INSERT … WHERE NOT EXISTS (…)`)`)
        if (ts.isTaggedTemplateExpression(a)) sql(a.template.getText());
        else if (ts.isStringLiteralLike(a) || ts.isTemplateExpression(a)) {
          if (writeSelection('conditions', name)) {
            keysOf(a, 0);
            // a sub-query in a builder's condition (`.andWhere('cost_center IN (SELECT … FROM approval_grants …)')`)
            if (/\bselect\b/i.test(a.getText())) nested = true;
          } else sql(a.getText());
        } else if (writeSelection('subqueryConditions', name) && (isFunctionLike(a) || (ts.isCallExpression(a) && (sameClient(a, op.node) || builtQuery(a, op.node, valueOf))))) {
          // (a query of the same client, `knex('desk_editors').where(…)`; a list the code made, `ids.map((a) => a.id)`, is values;
          // a function of the app that builds one, `whereExists(signingOfficerSubquery(cn, id))`, returning `db('duty_roster').where(…)`)
          // a sub-query in the filter: the decision's lookup asked again inside the write
          nested = true;
          keysOf((ts.isCallExpression(a) && builtQuery(a, op.node, valueOf)) || a, 0);
        } else if (writeSelection('conditions', name) || (i === filterAt && writeSelection('filterFirst', name))) {
          // (an expression builder's condition that starts a query of its own, Kysely's `.where(({ not, exists, selectFrom }) =>
          // not(exists(selectFrom('fraud_holds')…)))`: a sub-query in the filter, as `whereExists` takes one)
          if (isFunctionLike(a) && startsSubquery(a)) nested = true;
          keysOf(a, 0);
        }
        // TypeORM's criteria first (`repo.update({ id, holderId }, partial)`, `repo.delete({ id, ownerId })`),
        // not an options object (`{ where }`), Sequelize's values before its `{ where }`, nor the values
        // of a record's own `update(values)`
        else if (
          i === 0 &&
          writeSelection('criteriaFirst', name) &&
          (name !== 'update' || args.length >= 2) &&
          ts.isObjectLiteralExpression(a) &&
          !namesWhere(a) &&
          !(args[1] && namesWhere(skipOuter(args[1])))
        )
          keysOf(a, 0);
        else if (ts.isObjectLiteralExpression(a)) options(a);
        // a command object (`send(new PutCommand({ TableName, Item, ConditionExpression }))`), also one a
        // function of the app builds (`send(setOpening(gate, pct))`): its filter keys, not its payload
        else if (ts.isNewExpression(a) || (name === 'send' && commandMade(a, valueOf)))
          for (const c of (ts.isNewExpression(a) ? a : commandMade(a, valueOf))?.arguments ?? []) {
            const x = skipOuter(c);
            if (ts.isObjectLiteralExpression(x)) options(x);
            else keysOf(c, 0);
          }
      });
      let next: ts.Node = skipOuter(n.expression);
      while (ts.isPropertyAccessExpression(next) || ts.isElementAccessExpression(next)) next = skipOuter(next.expression);
      n = next;
    }
  }
  // (a decision another service made is asked again by a join only when the joined table is about what it was asked:
  // `JOIN technician_ratings r ON r.license_no = ? AND r.airframe_model = …` after `isCertified(licenseNo, airframeModel)`;
  // a join that only finds the rows to write, `JOIN work_orders w ON w.drone_id = d.id`, asks nothing)
  if (askedElsewhere) return nested || (joinNested && [...askedWords(check.call, norm)].some((w) => joinWords.has(w)));
  nested ||= joinNested;
  if (conditional) return true;
  if (check.fields.length === 0) {
    // the filter scopes by what the decision was asked about (`acl.can(user, id)` → `where: { id, ownerId: user }`)
    // (a lookup of the same collection asked with a filter, `Zone.exists({ _id, growers: cn })`, asked its values:
    // the write filtered on them again, `Zone.updateOne({ _id, growers: cn }, …)`, only finds the row while they hold)
    const same = sameCollection(check.call, op.node) && existenceOnly(check);
    // (the arguments along a builder chain too: `knex('claims').where({ id, adjuster }).first()`)
    const asked = chainArguments(check.call).flatMap((a) =>
      same && ts.isObjectLiteralExpression(skipOuter(a)) ? filterValues(skipOuter(a) as ts.ObjectLiteralExpression) : [skipOuter(a).getText()],
    );
    // (the record the lookup found, named by its id in the write's filter — `{ _id: agreement._id, branchId }` after
    // `findOne({ agreementNumber, branchId })` — is the lookup's own selection asked again)
    const found = same ? keptIn(check.call) : undefined;
    const sameRecord = found !== undefined && RECORD_ID_KEYS.some((k) => values.has(`${found}.${k}`));
    // (or with another claim of the object that scoped the lookup — `{ id: rx.id, prescriberCn: clinician.cn }` after
    // `findFirst({ where: { id, clinicId: clinician.clinicId } })`: the write finds the record only while it is still tied
    // to that caller; a request's own object, `req.params`, scopes nothing)
    const root = (text: string): string => text.split(/[.[?!(]/)[0];
    const scopes = new Set(asked.map(root).filter((r) => r !== '' && r !== found && !isPerRequestName(r)));
    const stillTheCallers = sameRecord && [...values].some((v) => !v.startsWith(`${found}.`) && scopes.has(root(v)));
    // (the table the write changes is consulted too: `UPDATE cannons c … WHERE … EXISTS (SELECT 1 FROM zone_operators …)`)
    const own = ts.isCallExpression(op.node) ? tablesIn(readSubject(op.node)).map((t) => norm(t.split('.').at(-1)!)) : [];
    const asksTables = readTables === undefined || [...readTables].every((t) => words.has(norm(t.split('.').at(-1)!)) || own.includes(norm(t.split('.').at(-1)!)));
    // (raw SQL on both sides, `SELECT … WHERE sample_ref = ? AND member_no = ?` then `UPDATE … WHERE id = ? AND member_no = ?`
    // with the found record's id and the same caller's value bound again: the same)
    const rawStill = ts.isCallExpression(check.call) && ts.isCallExpression(op.node) && sqlStillTheCallers(check.call, op.node, valueOf);
    return (nested && asksTables) || stillTheCallers || rawStill || asked.filter((a) => values.has(a)).length + (sameRecord ? 1 : 0) >= 2;
  }
  // (a field of the same name in another table's filter — `status: 'offered'` on jobs after `profile.status !== 'active'`
  // on linguists — is not the decision's; a join or sub-query could bring the decision's table in)
  if (!nested && ts.isCallExpression(op.node) && otherCollection(check.call, op.node)) return false;
  // (a field the decision's SQL renamed, `c.trading_suspended AS suspended`, is that column in the write's filter)
  const columns = ts.isCallExpression(check.call) ? selectedAs(check.call) : new Map<string, string>();
  return check.fields.some((f) => {
    const column = columns.get(f.toLowerCase());
    return words.has(norm(f)) || (column !== undefined && words.has(norm(column)));
  });
}

/**
 * Raw SQL read and write whose selections tie the write to what the read found: the write binds a value of the record the
 * read found (`sample.id`, with `sample = rows[0]` of the read) and a value the read was scoped by that is not the request's
 * own input (`member.memberNo`, not `req.params.sampleRef`) in its `WHERE`.
 */
function sqlStillTheCallers(read: ts.CallExpression, write: ts.CallExpression, valueOf?: (e: ts.Expression) => ts.Node | undefined): boolean {
  const resolve = (e: ts.Expression): ts.Node | undefined => valueOf?.(e);
  // (a statement each: a `SELECT` read, an `UPDATE` or `DELETE` write)
  const statement = (c: ts.CallExpression, verb: RegExp): boolean => c.arguments[0] !== undefined && verb.test(statementText(c.arguments[0], resolve) ?? '');
  if (!statement(read, /^\s*select\b/i) || !statement(write, /^\s*(?:update|delete)\b/i)) return false;
  // (both in one function: the values bound are the same names of one scope)
  const fn = enclosingFunction(write);
  if (fn === undefined || enclosingFunction(read) !== fn) return false;
  const r = splitSql(read.arguments[0], read.arguments.slice(1), resolve);
  const w = splitSql(write.arguments[0], write.arguments.slice(1), resolve);
  if (!r || !w || r.creates || w.creates) return false;
  // (one table: the record the read found is the one the write changes)
  const table = (c: ts.CallExpression): string[] => tablesIn(readSubject(c)).map((t) => t.split('.').at(-1)!.toLowerCase());
  const tables = table(read);
  if (tables.length === 0 || !table(write).some((t) => tables.includes(t))) return false;
  const text = (n: ts.Node): string => n.getText();
  const root = (t: string): string => t.split(/[.[?!(]/)[0];
  const scope = r.selectors.map(text).filter((t) => root(t) !== '' && !isPerRequestName(root(t)));
  // (what the read found: a field of a local declared from the read's answer, through an element of it, `sample.id` with
  // `const [rows] = await pool.execute(…)` and `const sample = rows[0]`)
  const declared = (name: string): ts.Expression | undefined => {
    let init: ts.Expression | undefined;
    const visit = (n: ts.Node): void => {
      if (init) return;
      if (ts.isVariableDeclaration(n) && n.initializer && n.pos < write.pos) {
        const names = new Set<string>();
        collectNames(n.name, names);
        if (names.has(name)) init = n.initializer;
      }
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    return init;
  };
  const found = (n: ts.Node, depth = 0): boolean => {
    let e = skipOuter(n as ts.Expression);
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isAwaitExpression(e)) e = skipOuter(e.expression);
    if (e === read || within(read, e)) return true;
    if (!ts.isIdentifier(e) || depth > 3) return false;
    const init = declared(e.text);
    return init !== undefined && (within(read, init) || found(init, depth + 1));
  };
  return w.selectors.some((v) => scope.includes(text(v))) && w.selectors.some((v) => !scope.includes(text(v)) && found(v));
}

/** The columns a read's SQL selects under another name, by that name: `c.trading_suspended AS suspended` → `suspended` → `trading_suspended`. */
function selectedAs(call: ts.CallExpression): Map<string, string> {
  const out = new Map<string, string>();
  const text = sqlText(call.arguments[0]);
  if (!text) return out;
  for (const m of text.matchAll(/([\w.]+)\s+as\s+"?(\w+)"?/gi)) out.set(m[2].toLowerCase(), m[1].split('.').at(-1)!);
  return out;
}

/**
 * The write is on another table or model than the decision's read, as far as both name theirs: tables
 * named in the calls (`db('jobs')`, `FROM linguists`) that share none, or two model classes (`Job`,
 * `Linguist`) or two models of one client (`prisma.job`, `prisma.linguist`). Unknown when either is
 * a helper of the app or names nothing.
 */
function otherCollection(read: ts.CallExpression, write: ts.CallExpression): boolean {
  const [r, w] = [readSubject(read), readSubject(write)];
  const [rt, wt] = [tablesIn(r), tablesIn(w)];
  if (rt.length > 0 && wt.length > 0) return !rt.some((t) => wt.includes(t));
  if (rt.length > 0 || wt.length > 0) return false;
  const receiver = (subject: string): string[] =>
    subject
      .slice(0, subject.indexOf('|'))
      .split('.')
      .filter((p) => p.length > 0);
  const [a, b] = [receiver(r), receiver(w)];
  const model = (parts: string[]): boolean => parts.length === 1 && /^[A-Z]/.test(parts[0]);
  if (model(a) && model(b)) return a[0] !== b[0];
  return a.length === 2 && b.length === 2 && a[0] === b[0] && a[0] !== 'this' && a[1] !== b[1];
}

/** An object whose every key is an operator of a field's filter: `{ lt: cutoff }`, `{ $gte: n }`, `{ [Op.in]: ids }`. */
function comparesField(o: ts.ObjectLiteralExpression): boolean {
  return (
    o.properties.length > 0 &&
    o.properties.every((p) => {
      if (!p.name) return false;
      if (ts.isComputedPropertyName(p.name)) {
        const k = skipOuter(p.name.expression);
        return ts.isPropertyAccessExpression(k) && calleeChain(k.expression)?.at(-1) === OPERATOR_SYMBOLS;
      }
      const key = propertyNameText(p.name);
      return key !== undefined && isFieldFilterOperator(key);
    })
  );
}

/** The arguments of every call along a chain, the last call's first: `knex('t').where({ id }).first()` → `{ id }`, `'t'`. */
function chainArguments(call: ts.CallExpression): ts.Expression[] {
  const out: ts.Expression[] = [];
  let n: ts.Expression = call;
  for (;;) {
    n = skipOuter(n);
    if (ts.isCallExpression(n)) {
      out.push(...n.arguments);
      n = n.expression;
    } else if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = n.expression;
    else return out;
  }
}

/** The names a decision's call asks with, normalised: its method, the leaves of its arguments, the words of its literals (not the generic `id`). */
function askedWords(call: ts.CallExpression, norm: (w: string) => string): Set<string> {
  const out = new Set<string>();
  const add = (w: string): void => {
    const n = norm(w);
    if (n.length > 2 && n !== 'this') out.add(n);
  };
  const callee = skipOuter(call.expression);
  if (ts.isPropertyAccessExpression(callee)) add(callee.name.text);
  else if (ts.isIdentifier(callee)) add(callee.text);
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n)) return;
    if (ts.isPropertyAccessExpression(n)) add(n.name.text);
    else if (ts.isIdentifier(n) && !(n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n)) add(n.text);
    else if (ts.isStringLiteralLike(n)) for (const w of n.text.split(/\W+/)) add(w);
    ts.forEachChild(n, visit);
  };
  for (const a of call.arguments) visit(a);
  return out;
}

/** The values a filter object asks for, nested filters (`where`) too: `{ _id: id, growers: cn }` → `id`, `cn`. */
function filterValues(o: ts.ObjectLiteralExpression): string[] {
  return o.properties.flatMap((p) => {
    if (ts.isShorthandPropertyAssignment(p)) return [p.name.text];
    if (!ts.isPropertyAssignment(p)) return [];
    const v = skipOuter(p.initializer);
    return ts.isObjectLiteralExpression(v) ? filterValues(v) : [v.getText()];
  });
}

/** The decision only asks whether the lookup found something: `const assigned = await Zone.exists(…); if (!assigned) …`. */
function existenceOnly(check: Pick<Check, 'call'> & Partial<Pick<Check, 'test'>>): boolean {
  if (!check.test || !ts.isIfStatement(check.test)) return false;
  const name = keptIn(check.call);
  if (name === undefined) return false;
  let cond = skipOuter(check.test.expression);
  while (ts.isPrefixUnaryExpression(cond) && cond.operator === ts.SyntaxKind.ExclamationToken) cond = skipOuter(cond.operand);
  return ts.isIdentifier(cond) && cond.text === name;
}

/** A read and a write on one collection: the same receiver before the method (`Zone.exists` / `Zone.updateOne`, `prisma.zone.findFirst` / `prisma.zone.updateMany`). */
function sameCollection(read: ts.CallExpression, write: ts.Node): boolean {
  if (!ts.isCallExpression(write)) return false;
  // (the names before the record method: a finisher after it, `.lean()`, `.exec()`, is not part of the collection)
  const collection = (call: ts.CallExpression): string => {
    const names = chainNames(call.expression);
    const at = names.findIndex((n, i) => i > 0 && recordMethodOf(n) !== undefined);
    return (at > 0 ? names.slice(0, at) : names.slice(0, -1)).join('.');
  };
  const a = collection(read);
  return a.length > 0 && a === collection(write);
}

/** An operation that runs on a decision made before a boundary, with no re-check after it. */
export interface StaleOperation {
  op: Operation;
  decision: Check;
  /** The last read of the decision: the `await`, the `.then` call, the look into shared state. */
  read: ts.Node;
  /** The first boundary passed since: an `await`, a `yield`, a deferred callback. */
  boundary: ts.Node;
}

/**
 * Operations guarded by a decision that is outdated when they run: an `await` (or `yield`, or
 * deferred callback) lies between the decision's read and the operation on some way, with no
 * check made after that boundary guarding it, and no atomic form (both in one transaction, a
 * locking read, the condition in the write's filter). Per decision: the first store or file
 * operation (else the first outbound request), and the first exposed write to each other store.
 */
export function staleOperations(fn: ts.FunctionLikeDeclaration, decisions: Decisions): StaleOperation[] {
  // (no branch of it or of its helpers refuses: no decision, whatever its tests read)
  if (!decisions.mayDecide(fn)) return [];
  const checks = promoteBlocks(decisions.checksIn(fn), fn, decisions);
  if (!checks.some((c) => c.refusal)) return [];
  const byRead = new Map<ts.Node, Check[]>();
  for (const c of checks) byRead.set(c.read, [...(byRead.get(c.read) ?? []), c]);
  const found = new Map<Check, StaleOperation[]>();
  const seen = new Set<ts.Node>();
  walkInOrder<Check>(fn, {
    resolve: decisions.resolve,
    reads: (node) => {
      const list = byRead.get(node);
      // a `.then` call's result is read in its callback (see callbackReads), not after it
      return list && !(ts.isCallExpression(node) && list.some((c) => c.call !== node)) ? list : undefined;
    },
    callbackReads: (_cb, call) => byRead.get(call),
    visit(node, state) {
      if (seen.has(node) || !(ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node))) return;
      // (a helper that only schedules its callback, `runLater(key, ms, async () => …)`, is a boundary: the work is in the callback)
      if (ts.isCallExpression(node) && defersCallback(node, decisions.resolve)) return;
      const op = operationOf(node, decisions.resolve);
      // (a request whose answer a check here tests asks, it does not act: `if (!(await ask(pdp, …)).allow)`)
      if (!op || decisions.onRefusingBranch(node, fn) || (op.kind === 'http' && checks.some((c) => c.refusal !== undefined && c.call === node))) return;
      let stale: Outdated<Check> | undefined;
      for (const o of state.allOutdated()) {
        if (!o.key.refusal || !decidesOnItsWay(o.key.test, node) || atomic(o.key, op, decisions)) continue;
        if (!stale || o.read.pos > stale.read.pos) stale = o;
      }
      if (!stale) {
        // a fresh decision that lets a helper run which waits before its own operation
        if (!op.via) return;
        for (const [check] of state.allFresh()) {
          if (!check.refusal || !testGuards(check.test, node) || atomic(check, op, decisions)) continue;
          const inner = staleInside(op, check, decisions);
          if (inner && !seen.has(inner.op.node)) {
            seen.add(node);
            found.set(check, [...(found.get(check) ?? []), inner]);
            return;
          }
        }
        return;
      }
      // (after the boundary: later in the text, or inside a function handed to it by name, declared before it)
      const past = (read: ts.Node): boolean => read.pos > stale.boundary.pos || (ts.isCallExpression(stale.boundary) && handedTo(read, fn) === stale.boundary);
      // (a refusing helper asked again, `await assertAssigned(…)`, decides when it returns: its own wait may be the boundary)
      const again = (check: Check, read: ts.Node): boolean => past(read) || (check.via !== undefined && read === stale.boundary);
      for (const [check, read] of state.allFresh()) if (again(check, read) && testGuards(check.test, node) && asksAgain(check, stale.key, decisions.resolve)) return;
      // (a re-check after the boundary that holds across later waits itself: read with a lock in the write's transaction)
      for (const o of state.allOutdated())
        if (past(o.read) && testGuards(o.key.test, node) && asksAgain(o.key, stale.key, decisions.resolve) && atomic(o.key, op, decisions)) return;
      // a helper that asks the decision's question again itself before its write (`finaliseUnderLock()`
      // re-reading the care team in its transaction): the re-check is the helper's
      if (op.via && decisions.checksIn(op.via).some((c) => c.refusal && asksAgain(c, stale.key, decisions.resolve))) return;
      // a write in between that asks the question again itself and refuses on its outcome: the operation runs on that answer
      if (redecidedBefore(fn, stale.key, op, decisions)) return;
      // writes to the same store in a row are one piece of work: the window is another boundary
      // (a `.then` read holds its callback: the window opens at the test inside it)
      // (a helper's decision is made when the helper returns: its own waits are not the window)
      // (an error-first callback's read is answered in the callback: the window opens at the test there)
      // (a `.then` step's answer kept in a variable and tested in a later step: the window opens where the answer arrived)
      const carried =
        ts.isCallExpression(stale.read) && isThenStep(stale.read) && stale.key.test.getSourceFile() === stale.read.getSourceFile() && !within(stale.key.test, stale.read);
      const from =
        !carried &&
        ts.isCallExpression(stale.read) &&
        (stale.read !== stale.key.call || (stale.key.test.getSourceFile() === stale.read.getSourceFile() && within(stale.key.test, stale.read)))
          ? stale.key.test.pos
          : stale.key.via
            ? Math.max(stale.read.end, stale.key.test.end)
            : stale.read.end;
      // (a wait inside the decision's own condition is part of it: `if (!current || current.status !== 'BOARDING' ||
      // !(await isAttending(current, staffId))) return` decides when the whole condition is answered)
      const test = stale.key.test;
      const first = otherBoundary(fn, from, op, decisions, stale.read);
      const inCondition = first !== undefined && ts.isIfStatement(test) && within(first, test.expression) && op.node.pos > test.expression.end;
      const start = inCondition ? test.expression.end : from;
      const boundary = inCondition ? otherBoundary(fn, start, op, decisions, stale.read) : first;
      if (!boundary) return;
      // a decision a refusing helper makes (`await this.stopWhenLocked(…)`) holds across the other guards that follow it
      // (`await this.stopWhenNoQuota(…)`): checks in a row are one guard; any other wait is a window
      if (!windowPastGuards(fn, start, op, decisions, stale.read, stale.key)) return;
      if (completesCreated(fn, start, op, stale.key, decisions)) return;
      seen.add(node);
      const list = found.get(stale.key) ?? [];
      list.push({ op, decision: stale.key, read: stale.read, boundary });
      found.set(stale.key, list);
    },
  });
  // one report per operation: two stale decisions before it make one finding, on the first
  const byOp = new Map<ts.Node, StaleOperation>();
  for (const list of found.values()) for (const x of reportedOf(list)) if (!byOp.has(x.op.node)) byOp.set(x.op.node, x);
  return [...byOp.values()];
}

/**
 * A conflict refused on the mere presence of a record (`if (holds.length > 0) return 409` after reading
 * `registration_holds`) decides when the function's writes are all to other tables than the one it read
 * (`UPDATE section_enrolments …`): a hold, a suspension, a block that can be placed meanwhile — not a
 * uniqueness check, which reads the table it then writes (`if (existing) 409; insert into users`).
 */
function promoteBlocks(checks: readonly Check[], fn: ts.FunctionLikeDeclaration, decisions: Decisions): Check[] {
  if (!checks.some((c) => c.blocks)) return [...checks];
  const written = writesIn(fn, decisions).flatMap((o) => (ts.isCallExpression(o.node) ? sourcesIn(readSubject(o.node)) : []));
  // (records the app's own stores hold: not another service's answer, `const { eligible } = await fetchEligibility(…)`,
  // nor a write's own answer, `if (!(await quotas.tryConsumeSlot(t))) 429` with an `increment` inside)
  const storeRead = (c: Check): boolean => !operationOf(c.call, decisions.resolve) && !(c.via && decisions.worksItself(c.via)) && !asksService(c.call, decisions, 0);
  return checks.map((c) => {
    if (!c.blocks || written.length === 0 || !storeRead(c)) return c;
    const read = decisionSources(c, decisions.resolve);
    return read.size > 0 && !written.some((t) => read.has(t)) ? { ...c, refusal: 'conflict' } : c;
  });
}

/**
 * What one decision's stale operations are reported at: the first operation (a write the tables know
 * before one guessed from a method's name; a store or file write before a job queued or a request),
 * and the first exposed write to each other store (the object in S3, then the record in the
 * database): each is what the decision was trusted for.
 */
function reportedOf(list: readonly StaleOperation[]): StaleOperation[] {
  const s =
    list.find((x) => !x.op.guessed && x.op.kind !== 'http' && !queuedJob(x.op)) ??
    list.find((x) => !x.op.guessed && x.op.kind !== 'http') ??
    list.find((x) => !x.op.guessed) ??
    list.find((x) => x.op.kind !== 'http') ??
    list[0];
  if (!s) return [];
  // (an entry appended to a trail, `redis.xadd('audit:…', …)`, then a change to what exists in the same store: the change
  // is reported too, the write the decision guards)
  const change =
    ts.isCallExpression(s.op.node) && isTrailAppend(chainNames(s.op.node.expression).at(-1) ?? '')
      ? list.find((x) => x !== s && !x.op.guessed && !x.op.via && storeOf(x.op.node) === storeOf(s.op.node) && !appendsRecord(x.op.node))
      : undefined;
  const out = change ? [s, change] : [s];
  const stores = new Set([storeOf(s.op.node)]);
  for (const x of list) {
    if (x === s || x.op.guessed || x.op.kind === 'http' || queuedJob(x.op) || x.op.via || stores.has(storeOf(x.op.node))) continue;
    stores.add(storeOf(x.op.node));
    out.push(x);
  }
  return out;
}

/**
 * A decision that lets a job be queued (`if (!ok) return 403; await queue.add('felling', data)`),
 * trusted by the processor that runs the job later (a BullMQ `Worker` of the same queue, in any
 * file): the job's first operation — on the branch for the job's name, in the processor or a helper
 * of its module — runs after the queue boundary, unless the processor asks the decision's question
 * again first. Also an event's listeners (`emit` after the decision), with `ownWait`.
 */
export function staleAcrossQueue(
  add: ts.CallExpression,
  processors: readonly ts.FunctionLikeDeclaration[],
  decisions: Decisions,
  /** An event's listener runs at once, up to its first wait: only an operation after one is exposed. */
  ownWait = false,
  /** What the guards and middleware of the route's chain decided before the handler that queues or emits, when it decides nothing itself. */
  chainChecks: (handler: ts.FunctionLikeDeclaration) => readonly Check[] = () => [],
): StaleOperation[] {
  let fn = enclosingFunction(add);
  // (a `.then` callback is the rest of its caller; a route handler at module level is its own function)
  while (fn && isCallbackArgument(fn) && enclosingFunction(fn)) fn = enclosingFunction(fn);
  if (!fn) return [];
  const guarding = decisions.checksIn(fn).filter((c) => c.refusal && testGuards(c.test, add) && !decisions.onRefusingBranch(add, fn));
  const check = guarding.sort((a, b) => b.test.pos - a.test.pos)[0] ?? chainChecks(fn).find((c) => c.refusal);
  if (!check) return [];
  // an event emitted from a callback deferred after the decision (`setTimeout(() => events.emit('rotate', …), 30_000)`):
  // the listener runs after that boundary already, its first operation is exposed without a wait of its own
  if (ownWait) for (let n: ts.Node | undefined = enclosingFunction(add); n && n !== fn; n = enclosingFunction(n)) if (isDeferredCallback(n)) ownWait = false;
  const out: StaleOperation[] = [];
  const first = add.arguments[0] && skipOuter(add.arguments[0]);
  const jobName = add.arguments.length >= 2 && first ? jobNamesOf(first) : undefined;
  for (const processor of processors) {
    for (const op of firstOperation(processor, check, decisions, 0, jobName)) {
      if (ownWait) {
        const at = enclosingFunction(op.node);
        const waited = (f: ts.FunctionLikeDeclaration | undefined): boolean => f !== undefined && windowBoundaries(f).some((b) => b.pos < op.node.pos && b.end <= op.node.pos);
        if (!waited(at) && !(at !== processor && windowBoundaries(processor).length > 0)) continue;
      }
      if (!atomic(check, op, decisions)) out.push({ op, decision: check, read: check.read, boundary: add });
    }
  }
  return out;
}

/**
 * The first operation a function performs, looking into the helpers it calls (where the write is
 * reported), unless the worker asks the decision's question again on the way to it (a worker drops
 * a job rather than refusing a request: any early exit on the fresh answer counts).
 */
function firstOperation(fn: ts.FunctionLikeDeclaration, decision: Check, decisions: Decisions, depth: number, jobName?: readonly string[]): Operation[] {
  if (!fn.body) return [];
  // a branch for jobs of another name (`if (job.name === 'broadcast-v2') { … }` for a 'broadcast' job) does not run
  const otherJob = (cond: ts.Expression): boolean | undefined => {
    const c = skipOuter(cond);
    if (jobName === undefined || !ts.isBinaryExpression(c)) return undefined;
    const op = c.operatorToken.kind;
    const equal = op === SK.EqualsEqualsEqualsToken || op === SK.EqualsEqualsToken;
    if (!equal && op !== SK.ExclamationEqualsEqualsToken && op !== SK.ExclamationEqualsToken) return undefined;
    const [name, lit] = ts.isStringLiteralLike(skipOuter(c.right)) ? [skipOuter(c.left), skipOuter(c.right)] : [skipOuter(c.right), skipOuter(c.left)];
    if (!ts.isStringLiteralLike(lit) || !ts.isPropertyAccessExpression(name) || name.name.text !== JOB_NAME_FIELD) return undefined;
    return equal ? !jobName.includes(lit.text) : jobName.length === 1 && lit.text === jobName[0];
  };
  const checks = decisions.checksIn(fn).filter((c) => asksAgain(c, decision, decisions.resolve));
  const found: Operation[] = [];
  // where in this function each operation runs: itself, or the call of the helper it is inside
  const at = new Map<Operation, ts.Node>();
  let stop = false;
  const visit = (n: ts.Node): void => {
    if (stop || (n !== fn && isFunctionLike(n) && !ts.isArrowFunction(n) && !ts.isFunctionExpression(n))) return;
    if (ts.isIfStatement(n) && otherJob(n.expression) !== undefined) {
      visit(n.expression);
      if (otherJob(n.expression) === false) visit(n.thenStatement);
      else if (n.elseStatement) visit(n.elseStatement);
      return;
    }
    // `handlers[job.name](job)`: the handler a table of the worker's keeps for the job's name
    const table =
      ts.isCallExpression(n) && depth < 2 && decisions.resolve.valueOf
        ? dispatchedJobHandlers(n, (e) => decisions.resolve.valueOf?.(e))
            .filter((h) => jobName === undefined || jobName.includes(h.name))
            .map((h) => h.fn)
        : [];
    if (table.length > 0) {
      if (checks.some((c) => testGuards(c.test, n))) stop = true;
      else
        for (const handler of table) {
          const inner = firstOperation(handler, decision, decisions, depth + 1, jobName)[0];
          if (inner) {
            found.push(inner);
            at.set(inner, n);
          }
        }
      return;
    }
    if (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) {
      const op = ts.isCallExpression(n) && onRunningJob(n, fn, depth, decisions) ? undefined : operationOf(n, decisions.resolve);
      if (op) {
        if (checks.some((c) => testGuards(c.test, n))) stop = true;
        // (a helper of the worker's own module is the worker's code: the write inside it is reported;
        // one of another module, like a repository, is reported where the worker calls it)
        else if (op.via && depth < 2 && op.via.getSourceFile() === fn.getSourceFile()) {
          const inner = firstOperation(op.via, decision, decisions, depth + 1, jobName)[0];
          if (inner) {
            found.push(inner);
            at.set(inner, n);
          } else stop = true;
        } else if (op.via && decisions.checksIn(op.via).some((c) => asksAgain(c, decision, decisions.resolve))) stop = true;
        else found.push(op);
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  // of the operations the job runs, a record write before a request or a job queued (as for a decision in one
  // function) — one later in the job's run (here or in a helper called later), with no check of the job's in between
  const first = found[0];
  const tests = decisions.checksIn(fn);
  const where = (op: Operation): ts.Node => at.get(op) ?? op.node;
  const unchecked = (op: Operation): boolean => !tests.some((c) => c.test.pos > where(first).pos && c.test.pos < where(op).pos);
  const preferred = (ops: Operation[]): Operation | undefined => ops.find((op) => !op.guessed && op.kind !== 'http' && !queuedJob(op) && unchecked(op)) ?? ops[0];
  const chosen = preferred(found);
  if (!chosen) return [];
  // a branch of the job that ends after its operation (`if (log.excursions > 0) { await hold(); return }`) is
  // one way through it: the way past the branch has a first operation of its own
  const past = found.filter((op) => where(op).pos > where(chosen).pos && onEndingBranch(where(chosen), where(op), fn));
  const next = preferred(past);
  return next && !tests.some((c) => c.test.pos > where(chosen).pos && c.test.pos < where(next).pos && asksAgain(c, decision, decisions.resolve)) ? [chosen, next] : [chosen];
}

/**
 * A call on the job the worker runs (`job.updateProgress(50)`, `job.log(…)`): the processor's first
 * parameter, or a parameter declared with a job library's type (`job: Job<ReleaseJob>` from `bullmq`).
 * It reports on the run itself, to the queue that handed the job out: not the work the decision let in.
 */
function onRunningJob(call: ts.CallExpression, fn: ts.FunctionLikeDeclaration, depth: number, decisions: Decisions): boolean {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const recv = skipOuter(callee.expression);
  if (!ts.isIdentifier(recv)) return false;
  const decl = decisions.resolve.declarationOf?.(recv);
  if (!decl || !ts.isParameter(decl)) return false;
  if (depth === 0 && decl === fn.parameters[0]) return true;
  const type = decl.type;
  if (!type || !ts.isTypeReferenceNode(type)) return false;
  let root: ts.EntityName = type.typeName;
  while (ts.isQualifiedName(root)) root = root.left;
  const imported = decisions.resolve.declarationOf?.(root) ?? typeOnlyImport(root);
  let spec: ts.Node | undefined = imported;
  while (spec && !ts.isImportDeclaration(spec)) spec = spec.parent;
  return spec !== undefined && ts.isStringLiteral(spec.moduleSpecifier) && jobQueueLibrary(spec.moduleSpecifier.text) !== undefined;
}

/** An operation that adds a job to a queue: `labels.add('print', …)`. */
function queuedJob(op: Operation): boolean {
  return ts.isCallExpression(op.node) && isQueueCall(chainNames(op.node.expression).at(-1) ?? '');
}

/**
 * Operations of a handler that run on a decision a guard made before it (a NestJS guard, a
 * middleware or hook that refuses on an awaited read): the handler awaits something else before the
 * first operation, and makes no refusing check of its own after that boundary. Reported as `reportedOf` chooses.
 */
/**
 * `waitBefore`: a wait in middleware that runs after the guard and before the handler (`loadManifest(…)`
 * reading S3 between `requireProjectRole('maintainer')` and the handler): the window is open when the
 * handler begins.
 */
export function staleAfterGuard(handler: ts.FunctionLikeDeclaration, guardChecks: readonly Check[], decisions: Decisions, waitBefore?: ts.Node): StaleOperation[] {
  const check = guardChecks.find((c) => c.refusal);
  if (!check || !handler.body) return [];
  const own = decisions.checksIn(handler);
  const found: StaleOperation[] = [];
  const visit = (n: ts.Node): void => {
    if (n !== handler && isFunctionLike(n) && !isDeferredCallback(n) && !ts.isArrowFunction(n) && !ts.isFunctionExpression(n)) return;
    if (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) {
      const op = operationOf(n, decisions.resolve);
      if (op && !atomic(check, op, decisions)) {
        const boundary = otherBoundary(handler, handler.body!.pos, op, decisions);
        // the await of the operation itself is no window; a re-check after the boundary holds
        const own_ = boundary !== undefined && ts.isAwaitExpression(boundary) && within(n, boundary);
        if (boundary && !own_ && !own.some((c) => c.test.pos > boundary.pos && c.test.pos < n.pos && guardChecks.some((g) => asksAgain(c, g, decisions.resolve))))
          found.push({ op, decision: check, read: check.read, boundary });
        else if (waitBefore && !own.some((c) => c.test.pos < n.pos && guardChecks.some((g) => asksAgain(c, g, decisions.resolve))))
          found.push({ op, decision: check, read: check.read, boundary: waitBefore });
        else if (!boundary) {
          // no boundary in the handler: the service it calls may wait before it writes
          const inner = staleInside(op, check, decisions);
          if (inner) found.push(inner);
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(handler.body);
  return reportedOf(found);
}

/**
 * Whether a boundary lets the outside in for long: a timer, a callback, a `yield`, or an await of
 * anything but a short read of the app's own data — a store or record read, a `SELECT`, a validation
 * (the read verbs of the table), `Promise.all` of such reads, or a helper that only makes them (two
 * deep). A mail sent, a request to another service, a write elsewhere, a call the tool cannot see into: all go out.
 */
export function reachesOut(boundary: ts.Node, decisions: Decisions): boolean {
  if (!ts.isAwaitExpression(boundary)) return true;
  return !shortRead(skipOuter(boundary.expression), decisions, 0);
}

function shortRead(e: ts.Node, decisions: Decisions, depth: number): boolean {
  if (ts.isAwaitExpression(e)) return shortRead(skipOuter(e.expression), decisions, depth);
  if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => shortRead(skipOuter(x), decisions, depth));
  if (ts.isTaggedTemplateExpression(e)) return !operationOf(e, decisions.resolve) && /^\s*select\b/i.test(e.template.getText().replace(/^`/, ''));
  if (!ts.isCallExpression(e)) return !isFunctionLike(e);
  if (operationOf(e, decisions.resolve)) return false;
  const names = chainNames(e.expression);
  const last = names.at(-1) ?? '';
  if (goesOverHttp(e, decisions)) return false;
  // a call on the app's store, repository or read model that writes nothing (`this.featuresReadModel.featureExists(p)`)
  if (names.slice(0, -1).some((n) => n !== 'this' && namesDatabase(n))) return true;
  const sql = e.arguments[0] && skipOuter(e.arguments[0]);
  if (sql && (ts.isStringLiteralLike(sql) || ts.isTemplateExpression(sql)) && /^\s*select\b/i.test(ts.isTemplateExpression(sql) ? sql.head.text : sql.text)) return true;
  const fn = depth < 2 ? decisions.resolve(e) : undefined;
  if (!fn) {
    // `Promise.all([...])`, `firstValueFrom(this.http.get(…))`: what they wait for
    const waited = e.arguments.map((a) => skipOuter(a)).filter((a) => ts.isCallExpression(a) || ts.isArrayLiteralExpression(a) || ts.isAwaitExpression(a));
    if (names[0] === 'Promise' || (names.length === 1 && waited.length > 0)) return waited.length > 0 && waited.every((a) => shortRead(a, decisions, depth));
  }
  if (fn?.body) {
    // a helper of the app: short when every call it waits for is, and it sets no timer (`sleep(ms)` waits on purpose)
    let short = true;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && isTimer(calleeChain(n.expression)?.at(-1) ?? '')) short = false;
      // (a promise's executor runs at once: `new Promise((r) => setTimeout(r, ms))`)
      if (!short || (n !== fn && isFunctionLike(n) && !isCallbackArgument(n) && !(n.parent && ts.isNewExpression(n.parent)))) return;
      if (ts.isAwaitExpression(n) && !shortRead(skipOuter(n.expression), decisions, depth + 1)) short = false;
      else if (ts.isReturnStatement(n) && n.expression && ts.isCallExpression(skipOuter(n.expression)) && !shortRead(skipOuter(n.expression), decisions, depth + 1)) short = false;
      else ts.forEachChild(n, visit);
    };
    // an arrow that returns its call (`(id) => json(`/shafts/${id}`)`): what it returns is waited for
    if (!ts.isBlock(fn.body) && ts.isCallExpression(skipOuter(fn.body)) && !shortRead(skipOuter(fn.body), decisions, depth + 1)) return false;
    visit(fn.body);
    return short;
  }
  return isReadVerb(last);
}

/** Some boundary between `from` and the operation is more than another guard: a call of a helper that only checks and refuses. */
function windowPastGuards(fn: ts.FunctionLikeDeclaration, from: number, op: Operation, decisions: Decisions, answered?: ts.Node, decision?: Check): boolean {
  // (what the decision asked about: the arguments its read was given, `contact.id`)
  const asked = new Set(decision ? chainArguments(decision.call).map((a) => skipOuter(a).getText()) : []);
  // (a guard that goes out to another service while it checks, `await confirmPlate(lane, plate)` asking a camera's
  // API, is a wait like any other: the other guards' answers can change meanwhile)
  const guard = (b: ts.Node): boolean => {
    const call = ts.isAwaitExpression(b) ? skipOuter(b.expression) : undefined;
    const helper = call && ts.isCallExpression(call) ? decisions.resolve(call) : undefined;
    if (helper !== undefined && decisions.refuses(helper) && !decisions.worksItself(helper) && !asksService(call as ts.CallExpression, decisions, 0)) return true;
    // (so is a read of the app's own state about what the decision asked about, in the operation's own condition,
    // `if (await repo.hasTerminatedContract(id)) { await repo.terminate(id) }` after a refusal on the same contact: the checks
    // before the write, in a row, are one guard; a read about something else, `if (await objectExists(upload.key))`, is a wait)
    return (
      decision !== undefined &&
      call !== undefined &&
      ts.isCallExpression(call) &&
      gatesOperation(b, op.node) &&
      !operationOf(call, decisions.resolve) &&
      !asksService(call, decisions, 0) &&
      chainArguments(call).some((a) => asked.has(skipOuter(a).getText()))
    );
  };
  // (a step of a promise chain starts where the chain does: it is passed where its `.then` is)
  const at = (b: ts.Node): number => (ts.isCallExpression(b) && ts.isPropertyAccessExpression(b.expression) ? b.expression.name.pos : b.pos);
  const handed = handedTo(op.node, fn);
  return windowBoundaries(fn, decisions.resolve).some(
    (b) =>
      at(b) >= from && (at(b) < op.node.pos || b === handed) && (!within(op.node, b) || ts.isCallExpression(b) || ts.isForOfStatement(b)) && !guard(b) && !answers(b, answered),
  );
}

/**
 * The first wait after the decision is a create it let run whose answer is kept (`const created = await
 * store.create(projectId, data)` right after a limit's check), with nothing but the app's own stores waited for since,
 * and the operation works on the record made — on what that create was given or answered, naming nothing the decision
 * asked about (`addLinksFromTemplates(projectId, featureName)` with `featureName = data.name`): the decision held for the
 * create; the operation completes the record it made. An account the decision read and a ledger entry then created for it (`insert({ accountId })`, `accounts.update(accountId)`)
 * is the decided record changed after a wait: still a window.
 */
function completesCreated(fn: ts.FunctionLikeDeclaration, from: number, op: Operation, decision: Check, decisions: Decisions): boolean {
  const first = windowBoundaries(fn, decisions.resolve).find((b) => {
    if (b.pos < from || b.pos >= op.node.pos || within(op.node, b)) return false;
    return !(ts.isAwaitExpression(b) && validatesValue(skipOuter(b.expression)));
  });
  const awaited = first && ts.isAwaitExpression(first) ? skipOuter(first.expression) : undefined;
  if (!first || !awaited || !ts.isCallExpression(awaited) || !ts.isCallExpression(op.node) || enclosingFunction(first) !== fn) return false;
  const made = operationOf(awaited, decisions.resolve);
  if (!made || made.kind === 'http' || !(appendsRecord(awaited) || (made.via !== undefined && writesIn(made.via, decisions).some((w) => appendsRecord(w.node))))) return false;
  // (only the app's own stores waited for since: a timer, a callback run later or another service's answer is a window of its own)
  const ownStore = (b: ts.Node): boolean => {
    const call = ts.isAwaitExpression(b) ? skipOuter(b.expression) : undefined;
    return call !== undefined && ts.isCallExpression(call) && operationOf(call, decisions.resolve)?.kind !== 'http' && !asksService(call, decisions, 0);
  };
  if (!windowBoundaries(fn, decisions.resolve).every((b) => b.pos <= first.pos || b.pos >= op.node.pos || within(b, first) || ownStore(b))) return false;
  // (what the decision asked about, and the record it got: `const container = await requireCarrierContainer(carrier, no)`)
  const decided = namesIn(chainArguments(decision.call), decisions.resolve);
  const answer = keptAnswer(decision.read) ?? (decision.read.parent ? keptAnswer(decision.read.parent) : undefined);
  if (answer) decided.add(answer);
  const given = namesIn(awaited.arguments, decisions.resolve);
  // (a record the request keeps, `const created = await store.create(…)`: an entry appended to a trail is dropped once written)
  const kept = keptAnswer(first);
  if (!kept) return false;
  given.add(kept);
  for (const x of decided) given.delete(x);
  // (a write that names what the decision asked about changes the record decided on, `project.update({ where: { id: projectId } })`)
  if ([...namesIn(op.node.arguments, decisions.resolve, false)].some((x) => decided.has(x))) return false;
  return [...namesIn(op.node.arguments, decisions.resolve)].some((x) => given.has(x));
}

/** The names some expressions use, and the names a constant among them is made of (`featureName` of `const featureName = data.name`: `data`). */
function namesIn(exprs: readonly ts.Expression[], resolve: CallResolver, deep = true): Set<string> {
  const out = new Set<string>();
  const collect = (n: ts.Node, deep: boolean): void => {
    // (a setting the module fixes, `const BERTH = 'N4'`, names no record)
    if (ts.isIdentifier(n) && !out.has(n.text) && !configuredConstant(n)) {
      out.add(n.text);
      const v = deep ? resolve.valueOf?.(n) : undefined;
      const decl = v && ts.isIdentifier(v) && v.parent && ts.isVariableDeclaration(v.parent) ? v.parent : v;
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && (decl.parent.flags & ts.NodeFlags.Const) !== 0) collect(decl.initializer, false);
      else if (v && ts.isExpression(v) && !ts.isIdentifier(v)) collect(v, false);
    }
    // (a property's name is not a value the expression uses: `data.name` uses `data`, `{ flagId: flag.id }` uses `flag`; nor is
    // the function a call runs)
    if (ts.isPropertyAccessExpression(n)) collect(n.expression, deep);
    else if (ts.isPropertyAssignment(n)) collect(n.initializer, deep);
    else if (ts.isCallExpression(n)) for (const a of n.arguments) collect(a, deep);
    else ts.forEachChild(n, (c) => collect(c, deep));
  };
  for (const e of exprs) collect(e, deep);
  return out;
}

/** A schema's validation of a value (`featureSchema.validateAsync(input)`): it settles without I/O, so no other request runs. */
function validatesValue(awaited: ts.Expression): boolean {
  return ts.isCallExpression(awaited) && ts.isPropertyAccessExpression(skipOuter(awaited.expression)) && validatesSchema(chainNames(awaited.expression).at(-1) ?? '');
}

/** A wait inside the condition of an `if` whose then-branch holds the operation: the operation runs only on that answer. */
function gatesOperation(wait: ts.Node, op: ts.Node): boolean {
  for (let n: ts.Node | undefined = wait.parent; n && !isFunctionLike(n); n = n.parent) {
    if (ts.isIfStatement(n)) return within(wait, n.expression) && within(op, n.thenStatement);
    if (ts.isStatement(n) || ts.isBlock(n)) return false;
  }
  return false;
}

/**
 * A helper the decision lets run (`return this.payroll.createPayrun(…)` after a guard or a check)
 * that itself waits before its operation, with no check of its own after the wait that asks the
 * decision again: the operation inside it runs on the decision, stale (two helpers deep at most).
 */
export function staleInside(op: Operation, decision: Check, decisions: Decisions, depth = 0): StaleOperation | undefined {
  const fn = op.via;
  if (!fn?.body || depth > 1) return undefined;
  const own = decisions.checksIn(fn);
  let found: StaleOperation | undefined;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn && isFunctionLike(n) && !isDeferredCallback(n) && !ts.isArrowFunction(n) && !ts.isFunctionExpression(n))) return;
    if (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) {
      const inner = operationOf(n, decisions.resolve);
      if (inner && !atomic(decision, inner, decisions)) {
        // (past the helper's short reads of its own data: the first wait before the operation that goes out)
        let boundary = otherBoundary(fn, fn.body!.pos, inner, decisions);
        // (a service of another module the tool cannot see into, `this.toggles.updateStrategy(…)`, may be the same work: only one
        // that is known to go out moves the window past the reads)
        for (let later = boundary; later && !reachesOut(later, decisions) && !within(n, later);) {
          later = otherBoundary(fn, later.end, inner, decisions);
          if (later && !unseenService(later, decisions)) boundary = later;
        }
        const itsOwn = boundary !== undefined && ts.isAwaitExpression(boundary) && within(n, boundary);
        // (the helper's earlier writes to the app's stores are the same piece of work the decision let run, not a
        // window before this one; a request to another service is)
        const earlier = boundary !== undefined && ts.isAwaitExpression(boundary) ? operationOf(skipOuter(boundary.expression), decisions.resolve) : undefined;
        const earlierWrite = earlier !== undefined && earlier.kind !== 'http';
        // inside a helper, far from the decision: only a wait that goes out counts
        if (
          boundary &&
          !itsOwn &&
          !earlierWrite &&
          reachesOut(boundary, decisions) &&
          !own.some((c) => c.test.pos > boundary.pos && c.test.pos < n.pos && asksAgain(c, decision, decisions.resolve))
        )
          found = { op: inner, decision, read: decision.read, boundary };
        else if (!boundary) found = staleInside(inner, decision, decisions, depth + 1);
        if (found) return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return found;
}

/**
 * A wait for a method of a service a field holds that the tool cannot resolve (`await
 * this.toggles.updateStrategy(…)`, its class in a module a file alone does not see): what it does —
 * a write, a read, a request — is unknown.
 */
function unseenService(boundary: ts.Node, decisions: Decisions): boolean {
  const awaited = ts.isAwaitExpression(boundary) ? skipOuter(boundary.expression) : undefined;
  if (!awaited || !ts.isCallExpression(awaited) || decisions.resolve(awaited)) return false;
  const callee = skipOuter(awaited.expression);
  const names = chainNames(awaited.expression);
  if (names[0] !== 'this' || names.length < 3 || names.slice(0, -1).some((x) => HTTP_CLIENT_RECEIVERS.includes(x))) return false;
  return !(ts.isPropertyAccessExpression(callee) && decisions.madeByHttpClient(callee.expression));
}

/**
 * The step of a chain that takes a decision's answer (`assertCustodian(…).then(() => op())`): how the
 * answer arrives, like the `await` of the call, not a wait after it.
 */
function answers(b: ts.Node, read: ts.Node | undefined): boolean {
  // (a read made in a `.then` callback, `lookup().then((ok) => …)`, is answered in it: the next step waits for what it returns)
  return read !== undefined && ts.isCallExpression(read) && chainReceiver(read) === undefined && ts.isCallExpression(b) && chainReceiver(b) === read;
}

function isThenStep(call: ts.CallExpression): boolean {
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'then';
}

/** The first boundary between a read and an operation that is not an earlier write to the operation's own store (`db.a.create` before `db.b.update`). */
function otherBoundary(fn: ts.FunctionLikeDeclaration, from: number, op: Operation, decisions: Decisions, answered?: ts.Node): ts.Node | undefined {
  const store = storeOf(op.node);
  // (a wait of another kind names the window better than an entry appended to a trail)
  let appended: ts.Node | undefined;
  const other = windowBoundaries(fn, decisions.resolve).find((b) => {
    // a deferred callback that holds the operation, passed after the decision (in a promise chain the
    // call starts before it: `read().then(decide).then(() => op())`)
    if (ts.isCallExpression(b))
      return (
        (b.end >= op.node.end && b.arguments.some((a) => within(op.node, a) && a.pos >= from) && b.pos < op.node.pos && !answers(b, answered)) ||
        // (or handed to it by name after the decision: `const onDone = async () => { op() }; … bus.on('done', onDone)`)
        (b.pos >= from && handedTo(op.node, fn) === b)
      );
    if (b.pos < from || b.pos >= op.node.pos) return false;
    // a wait on a branch that ends (`if (revoked) { await redis.unwatch(); return 402 }`) is not on the way to the operation
    if (onEndingBranch(b, op.node, fn)) return false;
    const awaited = ts.isAwaitExpression(b) ? skipOuter(b.expression) : undefined;
    if (!awaited || !(ts.isCallExpression(awaited) || ts.isTaggedTemplateExpression(awaited))) return true;
    // (a schema validating a value, `await featureSchema.validateAsync(input)`, settles without I/O: no other request runs)
    if (validatesValue(awaited)) return false;
    // (a message sent through the same store, `redis.publish(…)`, keeps nothing: a wait like any other)
    if (ts.isCallExpression(awaited) && isMessageCommand(chainNames(awaited.expression).at(-1) ?? '')) return true;
    const earlier = storeOf(awaited) === store ? operationOf(awaited, decisions.resolve) : undefined;
    if (!earlier) return true;
    // (two services one holder hands out, `this.deps.councilClient.notify(…)` then `this.deps.allocationRepository.setSuspended(…)`:
    // methods of different classes are different stores)
    if (earlier.via && op.via && classAround(earlier.via) !== classAround(op.via)) return true;
    // (a write whose answer the operation is handed, `const photoKey = … await store.uploadPhoto(…)` then
    // `store.setGrade(…, photoKey)`, prepares it: the operation waited for it, as for any other step)
    const kept = keptAnswer(b);
    if (kept !== undefined && references(op.node, new Set([kept]))) return true;
    // (an entry appended to a trail or log, then a change to what exists: the change waited for the append)
    if (appendsRecord(awaited) && !appendsRecord(op.node)) appended ??= b;
    return false;
  });
  return other ?? appended;
}

const windowCache = new WeakMap<ts.Node, ts.Node[]>();
/** With a resolver, per resolver: which helpers defer their callback depends on what the model resolves. */
const resolvedWindowCache = new WeakMap<CallResolver, WeakMap<ts.Node, ts.Node[]>>();

/** The boundaries in a function and the callbacks passed in its flow, in source order: awaits, yields, deferred callbacks. */
function windowBoundaries(fn: ts.FunctionLikeDeclaration, resolve?: CallResolver): ts.Node[] {
  let cache = windowCache;
  if (resolve) {
    cache = resolvedWindowCache.get(resolve) ?? new WeakMap();
    resolvedWindowCache.set(resolve, cache);
  }
  let out = cache.get(fn);
  if (out) return out;
  const list: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if (n !== fn && isFunctionLike(n)) {
      const call = isDeferredCallback(n, resolve);
      if (call) list.push(call);
      if (!ts.isArrowFunction(n) && !ts.isFunctionExpression(n)) return;
    }
    if (ts.isAwaitExpression(n) || ts.isYieldExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) list.push(n);
    ts.forEachChild(n, visit);
  };
  visit(fn);
  cache.set(fn, (out = list.sort((a, b) => a.pos - b.pos)));
  return out;
}

/** The local a wait's answer is kept in, also through a conditional: `const photoKey = photo ? await upload(…) : undefined`. */
function keptAnswer(wait: ts.Node): string | undefined {
  let n: ts.Node = wait;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isConditionalExpression(n.parent) || ts.isAsExpression(n.parent))) n = n.parent;
  return n.parent && ts.isVariableDeclaration(n.parent) && n.parent.initializer === n && ts.isIdentifier(n.parent.name) ? n.parent.name.text : undefined;
}

/** The store an operation talks to, by its receiver: `db` of `db.a.update`, `this.repo` of `this.repo.save`, `this` of `this.archive`. */
function storeOf(node: ts.Node): string {
  const names = chainNames(ts.isCallExpression(node) ? node.expression : (node as ts.TaggedTemplateExpression).tag);
  return CLIENT_HOLDER_ROOTS.includes(names[0] ?? '') && names.length > 2 ? `${names[0]}.${names[1]}` : (names[0] ?? '');
}

/**
 * An optimistic lock by structure: the write filters on a field of the record as it was read and moves
 * that field on (`where: { id, version: shift.version }, data: { version: { increment: 1 } }`, or
 * `version: shift.version + 1`): it writes nothing if anyone changed the record since.
 */
/**
 * `doc.save()` of a document the decision tested, read from a model whose schema turns on optimistic
 * concurrency (`new Schema({…}, { optimisticConcurrency: true })`): the save fails when the document
 * changed since it was read, so the decision's condition on it still holds when it is written.
 */
function optimisticDocument(op: Operation, check: Check, decisions: Decisions): boolean {
  if (!ts.isCallExpression(op.node)) return false;
  const callee = skipOuter(op.node.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== OPTIMISTIC_DOCUMENTS.save || !ts.isIdentifier(skipOuter(callee.expression))) return false;
  const doc = skipOuter(callee.expression) as ts.Identifier;
  // the document is one the decision's test asks about
  const condition = ts.isIfStatement(check.test) ? check.test.expression : check.test;
  if (!references(condition, new Set([doc.text]))) return false;
  const resolve = decisions.resolve;
  if (!resolve.valueOf) return false;
  const valueOf = (e: ts.Expression): ts.Node | undefined => resolve.valueOf?.(e);
  // what a name holds: a declaration's initializer, or the value itself
  const held = (name: ts.Identifier): ts.Expression | undefined => {
    const v = valueOf(name);
    if (!v) return undefined;
    if (ts.isVariableDeclaration(v)) return v.initializer && skipOuter(v.initializer);
    if (v.parent && ts.isVariableDeclaration(v.parent) && v.parent.name === v) return v.parent.initializer && skipOuter(v.parent.initializer);
    return ts.isExpression(v) ? skipOuter(v) : undefined;
  };
  // `const artefact = await Artefact.findById(id)`: the model it was read from
  let read = held(doc);
  if (read && ts.isAwaitExpression(read)) read = skipOuter(read.expression);
  const model = read && ts.isCallExpression(read) ? rootName(read) : undefined;
  if (!model) return false;
  // `mongoose.model('Artefact', artefactSchema)` → the schema's options
  const made = held(model);
  // (a model another module of the project makes: only the passes that load it see its schema; the file alone leaves it to them)
  const unseen = (v: ts.Node | undefined): boolean =>
    v === undefined || ts.isImportSpecifier(v) || ts.isImportClause(v) || ts.isNamespaceImport(v) || ts.isImportDeclaration(v) || ts.isBindingElement(v);
  if (!made && unseen(valueOf(model)) && documentOfImportedModel(op.node)) return true;
  if (!made || !ts.isCallExpression(made)) return false;
  return made.arguments.some((a) => {
    const arg = skipOuter(a);
    const schema = ts.isIdentifier(arg) ? held(arg) : arg;
    return (
      schema !== undefined &&
      ts.isNewExpression(schema) &&
      (schema.arguments ?? []).some((o) => {
        const x = skipOuter(o);
        return (
          ts.isObjectLiteralExpression(x) &&
          x.properties.some((p) => ts.isPropertyAssignment(p) && propertyNameText(p.name) === OPTIMISTIC_DOCUMENTS.schemaOption && skipOuter(p.initializer).kind === SK.TrueKeyword)
        );
      })
    );
  });
}

/** The name a call chain starts from: `Artefact` of `Artefact.findById(id).lean()`. */
function rootName(call: ts.CallExpression): ts.Identifier | undefined {
  let e: ts.Expression = skipOuter(call.expression);
  while (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e)) e = skipOuter(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

/**
 * `doc.save()` where `doc` was read in the same function from a model a module of the project makes and
 * this file imports (`import { Patient } from './models'`): whether it is an optimistic lock only the
 * schema there says, so only a pass that loads that module can judge it. Read from the syntax alone.
 */
export function documentOfImportedModel(node: ts.Node): ts.Identifier | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  const callee = skipOuter(node.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== OPTIMISTIC_DOCUMENTS.save) return undefined;
  const doc = skipOuter(callee.expression);
  const fn = enclosingFunction(node);
  if (!ts.isIdentifier(doc) || !fn?.body) return undefined;
  let model: ts.Identifier | undefined;
  const visit = (n: ts.Node): void => {
    if (model || n.pos >= node.pos) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === doc.text && n.initializer) {
      let e = skipOuter(n.initializer);
      if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
      if (ts.isCallExpression(e)) model = rootName(e);
    }
    ts.forEachChild(n, visit);
  };
  visit(fn.body);
  if (!model) return undefined;
  // (an import or `require` of a module of the project: `import { Patient } from './models'`, `const { Apparatus } = require('./models')`)
  return topLevelBindings(node.getSourceFile()).get(model.text)?.module.startsWith('.') ? model : undefined;
}

/** A lock option that only compares a version: `{ mode: 'optimistic', version }`. */
function optimisticMode(e: ts.Expression): boolean {
  const x = skipOuter(e);
  const mode = ts.isObjectLiteralExpression(x) ? member(x, 'mode') : undefined;
  return mode !== undefined && ts.isStringLiteralLike(skipOuter(mode)) && isOptimisticLockMode((skipOuter(mode) as ts.StringLiteralLike).text);
}

/**
 * A request to another service that carries the version of the record the decision read (`expectedVersion:
 * order.version` in its body, `'if-match': \`"${order.version}"\`` in its headers): the service applies it only
 * while the record is as it was read, as a database applies an optimistic lock.
 */
function conditionalRequest(op: Operation, check: Check, decisions: Decisions): boolean {
  if (op.kind !== 'http' || !ts.isCallExpression(op.node)) return false;
  const readInto = (id: ts.Identifier): boolean => {
    let decl = decisions.resolve.declarationOf?.(id);
    while (decl && ts.isBindingElement(decl)) decl = decl.parent.parent;
    return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && within(check.call, decl.initializer);
  };
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isPropertyAccessExpression(n) &&
      CONCURRENCY_FIELDS.includes(n.name.text) &&
      ts.isIdentifier(skipOuter(n.expression)) &&
      readInto(skipOuter(n.expression) as ts.Identifier)
    )
      found = true;
    // (taken out of what the read returned: `const { loan, etag } = await collections.getLoan(id)`, then `{ ifMatch: etag }`)
    else if (ts.isIdentifier(n) && versionBinding(n) && readInto(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  const versionBinding = (id: ts.Identifier): boolean => {
    const decl = decisions.resolve.declarationOf?.(id);
    if (!decl || !ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent)) return false;
    const key = decl.propertyName ? propertyNameText(decl.propertyName) : ts.isIdentifier(decl.name) ? decl.name.text : undefined;
    return key !== undefined && CONCURRENCY_FIELDS.includes(key);
  };
  for (const a of op.node.arguments) visit(a);
  return found;
}

function optimisticLock(op: Operation): boolean {
  if (!ts.isCallExpression(op.node)) return false;
  const compared = new Set<string>();
  const moved = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n)) {
      const key = propertyNameText(n.name);
      const v = skipOuter(n.initializer);
      if (key !== undefined) {
        if (ts.isPropertyAccessExpression(v) && v.name.text === key) compared.add(key);
        const bump =
          (ts.isObjectLiteralExpression(v) && v.properties.some((p) => p.name && propertyNameText(p.name) === 'increment')) ||
          (ts.isBinaryExpression(v) &&
            v.operatorToken.kind === SK.PlusToken &&
            ts.isPropertyAccessExpression(skipOuter(v.left)) &&
            (skipOuter(v.left) as ts.PropertyAccessExpression).name.text === key);
        if (bump) moved.add(key);
      }
    }
    ts.forEachChild(n, visit);
  };
  // (along a builder chain too: `db('slots').where({ id, version: slot.version }).update({ version: slot.version + 1 })`)
  for (let n: ts.Expression = op.node; ts.isCallExpression(n);) {
    for (const a of n.arguments) visit(a);
    let callee = skipOuter(n.expression);
    while (ts.isPropertyAccessExpression(callee) && !ts.isCallExpression(skipOuter(callee.expression))) callee = skipOuter(callee.expression);
    n = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : callee;
  }
  return [...compared].some((k) => moved.has(k));
}

/**
 * A store's condition on the write that binds the caller or the value the decision asked about or compared with
 * (`contains(authorised, :cn)` with `':cn': op.cn`, `lockedBy = :r` with `':r': robotId` after `holder !== robotId`):
 * it re-checks the decision as the store writes. (A value only the update expression stores, `:from`, binds nothing.)
 */
function conditionBindsDecision(options: ts.ObjectLiteralExpression, check: Pick<Check, 'call'> & Partial<Pick<Check, 'test'>>): boolean {
  const values = options.properties.find((p) => p.name && propertyNameText(p.name) === 'ExpressionAttributeValues');
  const conditionProp = options.properties.find((p) => p.name && CONDITION_KEYS.includes(propertyNameText(p.name) ?? ''));
  if (!conditionProp || !values || !ts.isPropertyAssignment(values) || !ts.isObjectLiteralExpression(skipOuter(values.initializer))) return false;
  const decisionText = check.call.getText() + (check.test ? ` ${(ts.isIfStatement(check.test) ? check.test.expression : check.test).getText()}` : '');
  const conditionText = ts.isPropertyAssignment(conditionProp) ? skipOuter(conditionProp.initializer).getText() : '';
  return (skipOuter(values.initializer) as ts.ObjectLiteralExpression).properties.some(
    (v) =>
      ts.isPropertyAssignment(v) &&
      !ts.isLiteralExpression(skipOuter(v.initializer)) &&
      conditionText.includes(propertyNameText(v.name) ?? '\0') &&
      decisionText.includes(skipOuter(v.initializer).getText()),
  );
}

/**
 * The write names a table the decision never read, with no join or sub-query to bring the decision's
 * table in: a field of the same name there (`tour_assignments.role` after `operator_staff.role`) is
 * not the decision's condition.
 */
function otherTable(op: Operation, check: Check, decisions: Decisions): boolean {
  if (!ts.isCallExpression(op.node) || check.fields.length === 0) return false;
  // (a version the store compares, or a script it runs, is the atomic form whatever the table; a condition it checks
  // as it writes, `ConditionExpression`, tests the written item: of another table than the decision read, it carries
  // the decision only when it binds what the decision asked about)
  const text = op.node.getText();
  if ([...READ_VERSION_KEYS, ...SCRIPT_KEYS].some((k) => text.includes(k))) return false;
  let binds = false;
  const visit = (n: ts.Node): void => {
    if (binds) return;
    if (ts.isObjectLiteralExpression(n) && conditionBindsDecision(n, check)) binds = true;
    else ts.forEachChild(n, visit);
  };
  visit(op.node);
  if (binds) return false;
  const written = tablesIn(readSubject(op.node));
  // (a join or sub-query in the write brings another table in: SQL's words and the builders' names for them)
  if (written.length === 0 || /\b(join|exists|select|whereExists|whereIn|from)\b/i.test(text.replace(/^[^(]*\(/, ''))) return false;
  const read = decisionTables(check, decisions.resolve);
  return read.size > 0 && !written.some((t) => read.has(t));
}

/** A call to another service: an HTTP function or client (`fetch(…)`, `axios.post(…)`), or an instance of one (`plateRegistry.get(…)` after `axios.create(…)`). */
function goesOverHttp(call: ts.CallExpression, decisions: Decisions): boolean {
  const names = chainNames(call.expression);
  if (HTTP_FUNCTIONS.includes(names[0] ?? '') || names.slice(0, -1).some((n) => HTTP_CLIENT_RECEIVERS.includes(n))) return true;
  const callee = skipOuter(call.expression);
  return ts.isPropertyAccessExpression(callee) && decisions.madeByHttpClient(callee.expression);
}

/**
 * A read that asks another service over HTTP (`fetch(…)`, an HTTP client, an instance of one), itself or
 * in a helper of the app that waits on one (`isStationFeatureEnabled(flag, station)` posting to a flag service).
 */
function asksService(call: ts.CallExpression, decisions: Decisions, depth: number): boolean {
  if (goesOverHttp(call, decisions)) return true;
  const fn = depth < 2 ? decisions.resolve(call) : undefined;
  if (!fn?.body) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn && isFunctionLike(n))) return;
    if (ts.isAwaitExpression(n) && ts.isCallExpression(skipOuter(n.expression)) && asksService(skipOuter(n.expression) as ts.CallExpression, decisions, depth + 1)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(fn.body);
  return found;
}

/** Check and use in one atomic step: one transaction, a locking read, or the condition in the write. */
function atomic(check: Check, op: Operation, decisions: Decisions): boolean {
  const tx = transactionOf(op.node);
  if (tx && transactionOf(check.call) === tx && throughTransaction(check.call, tx)) return true;
  if (locksRows(check.call) || (ts.isCallExpression(op.node) && runsInTransaction(op.node) && runsInTransaction(check.call))) return true;
  return (
    // (a feature flag's or another service's answer lives there: a condition on the written record that binds the
    // values it was asked about does not carry it; one that asks the app's own state again inside the write does)
    (conditionInQuery(
      op,
      check,
      undefined,
      (e) => decisions.resolve.valueOf?.(e),
      decisions.answersFlag(check.call) || asksService(check.call, decisions, 0),
      decisionPrimaryTables(check, decisions.resolve),
    ) &&
      !otherTable(op, check, decisions)) ||
    scriptedCommand(op) ||
    outcomeRefuses(op, check, decisions) ||
    helperCarriesCondition(op, check, decisions) ||
    watchedTransaction(op, check) ||
    optimisticLock(op) ||
    conditionalRequest(op, check, decisions) ||
    optimisticDocument(op, check, decisions) ||
    sqlTransaction(op, check) ||
    countAskedInWrite(op, check) ||
    transactionChecksAgain(op, check, decisions)
  );
}

/**
 * A DynamoDB transaction whose `ConditionCheck` item asks the table the decision read (`{ ConditionCheck: { TableName:
 * this.tables.permissions, Key, ConditionExpression: 'contains(scopes, :scope)' } }` after a `GetCommand` of that table):
 * the write happens only while the condition holds there.
 */
function transactionChecksAgain(op: Operation, check: Check, decisions: Decisions): boolean {
  const tableOf = (o: ts.ObjectLiteralExpression): string | undefined => {
    const t = member(o, TABLE_NAME_KEY);
    return t === undefined ? undefined : skipOuter(t).getText();
  };
  const checked = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n) && propertyNameText(n.name) === TRANSACTION_CHECK_KEY && ts.isObjectLiteralExpression(skipOuter(n.initializer))) {
      const table = tableOf(skipOuter(n.initializer) as ts.ObjectLiteralExpression);
      if (table !== undefined) checked.add(table);
    }
    ts.forEachChild(n, visit);
  };
  visit(op.node);
  if (checked.size === 0) return false;
  // the tables the decision's reads asked (`new GetCommand({ TableName: … })`, `docClient.get({ TableName: … })`)
  const asked = (read: ts.CallExpression): string[] => {
    const out: string[] = [];
    const look = (n: ts.Node): void => {
      if (ts.isObjectLiteralExpression(n)) {
        const t = tableOf(n);
        if (t !== undefined) out.push(t);
      }
      ts.forEachChild(n, look);
    };
    look(read);
    return out;
  };
  return readsBehind(check, decisions.resolve).some((r) => asked(r).some((t) => checked.has(t)));
}

/**
 * A decision on how many rows a SQL read counted (`SELECT COUNT(*) AS n FROM handheld_assignments WHERE device_serial = ?
 * AND can_void = 1 AND revoked_at IS NULL`, then `if (rows[0].n === 0) 403`), asked again inside the write: the write joins
 * or sub-selects that table and repeats each column the count filtered on (`UPDATE tickets t JOIN handheld_assignments a ON
 * … a.device_serial = ? AND a.can_void = 1 AND a.revoked_at IS NULL`), so it writes nothing once no such row is left.
 */
function countAskedInWrite(op: Operation, check: Check): boolean {
  const readText = sqlTextOf(check.call);
  const count = readText && /\bselect\s+count\s*\([^)]*\)\s*(?:as\s+)?(\w+)?\s+from\s+([\w."`]+)([\s\S]*)/i.exec(readText);
  if (!count || !check.fields.every((f) => f === count[1])) return false;
  const writeText = sqlTextOf(op.node);
  if (!writeText || !/\b(?:join|exists|using|select|from)\b/i.test(writeText.replace(/^\s*delete\s+from\b/i, ''))) return false;
  const table = count[2].replace(/["`]/g, '').split('.').at(-1)!.toLowerCase();
  const words = new Set(writeText.toLowerCase().split(/[^\w]+/));
  const where = /\bwhere\b([\s\S]*)/i.exec(count[3])?.[1] ?? '';
  const columns = [...where.matchAll(/(\w+)\s*(?:=|<>|!=|<|>|\bis\b|\bin\b)/gi)].map((m) => m[1].toLowerCase());
  return words.has(table) && columns.length > 0 && columns.every((c) => words.has(c));
}

/** The SQL text a call runs (its first argument, a constant holding it too), or a tagged template's. */
function sqlTextOf(node: ts.Node): string | undefined {
  return ts.isCallExpression(node) ? sqlText(node.arguments[0]) : ts.isTaggedTemplateExpression(node) ? sqlText(node) : undefined;
}

/**
 * Check and write on one connection inside a transaction it opened with SQL (`await
 * client.query('BEGIN')`, then the read — on `client`, or in a helper handed `client` — then the
 * write on `client`, then `COMMIT`): a transaction that reads and writes.
 */
function sqlTransaction(op: Operation, check: Check): boolean {
  if (!ts.isCallExpression(op.node)) return false;
  // the connection: the write's receiver (`client.query(…)`), or one it hands a repository
  // (`this.payouts.markApproved(client, …)` after `this.payouts.lockPending(client, …)`)
  const root = chainNames(op.node.expression)[0];
  const handed = op.node.arguments.flatMap((a) => (ts.isIdentifier(skipOuter(a)) ? [(skipOuter(a) as ts.Identifier).text] : []));
  const connections = [...(root && root !== 'this' ? [root] : []), ...handed];
  const onConnection = (call: ts.CallExpression, name: string): boolean =>
    chainNames(call.expression)[0] === name || call.arguments.some((a) => ts.isIdentifier(skipOuter(a)) && (skipOuter(a) as ts.Identifier).text === name);
  const fn = enclosingFunction(op.node);
  return connections.some((name) => {
    if (!onConnection(check.call, name)) return false;
    let opened = false;
    const visit = (n: ts.Node): void => {
      if (opened || n.pos >= check.call.pos) return;
      if (ts.isCallExpression(n) && chainNames(n.expression)[0] === name) {
        const text = n.arguments[0] && skipOuter(n.arguments[0]);
        if (text && ts.isStringLiteralLike(text) && startsTransactionSql(text.text)) opened = true;
        // (`await conn.beginTransaction()`)
        if (opensTransaction(chainNames(n.expression).at(-1) ?? '')) opened = true;
      }
      ts.forEachChild(n, visit);
    };
    if (fn?.body) visit(fn.body);
    return opened;
  });
}

/**
 * The write is queued in a transaction on a connection that watched keys before the decision's
 * read (`await conn.watch([cKey, vKey])`, then the reads, then `conn.multi()….exec()`): it fails
 * when what was read changed.
 */
function watchedTransaction(op: Operation, check: Check): boolean {
  if (!ts.isCallExpression(op.node)) return false;
  const names = chainNames(op.node.expression);
  if (!names.includes(WATCHED_TRANSACTION.transaction)) return false;
  const root = names[0];
  const fn = enclosingFunction(op.node);
  let watched = false;
  const visit = (n: ts.Node): void => {
    if (watched || n.pos >= check.call.pos) return;
    if (ts.isCallExpression(n)) {
      const c = chainNames(n.expression);
      if (c.length === 2 && c[0] === root && c[1] === WATCHED_TRANSACTION.watch) watched = true;
    }
    ts.forEachChild(n, visit);
  };
  if (fn?.body) visit(fn.body);
  return watched;
}

/**
 * A helper of the app whose own writes carry the decision's condition (`revokeIfOfficerActive(…)`
 * writing `… .whereExists(officers where cn and can_revoke)`): the helper is the conditional write.
 */
function helperCarriesCondition(op: Operation, check: Check, decisions: Decisions): boolean {
  const fn = op.via;
  if (!fn?.body || op.kind === 'http') return false;
  const inner = writesIn(fn, decisions);
  const renamed = new Map<string, string>();
  if (ts.isCallExpression(op.node))
    fn.parameters.forEach((p, i) => {
      const arg = (op.node as ts.CallExpression).arguments[i];
      if (ts.isIdentifier(p.name) && arg) renamed.set(p.name.text, skipOuter(arg).getText());
    });
  const tables = decisionPrimaryTables(check, decisions.resolve);
  return inner.length > 0 && inner.every((o) => conditionInQuery(o, check, renamed, (e) => decisions.resolve.valueOf?.(e), false, tables));
}

/** The writes a helper of the app makes itself (not through a further helper). */
function writesIn(fn: ts.FunctionLikeDeclaration, decisions: Decisions): Operation[] {
  const inner: Operation[] = [];
  const visit = (n: ts.Node): void => {
    if (n !== fn && isFunctionLike(n) && !ts.isArrowFunction(n)) return;
    if (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) {
      const o = operationOf(n, decisions.resolve, 1);
      if (o && !o.via) {
        inner.push(o);
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return inner;
}

/**
 * A helper of the app whose writes are all in sight, outside any transaction, and on tables the
 * decision did not read (`beds.assignPatient(…)` running `UPDATE beds … WHERE patient_id IS NULL` after
 * a `ward_access` check): whatever its count says answers the write's own condition, not the decision.
 */
function helperWritesElsewhere(fn: ts.FunctionLikeDeclaration, check: Check, decisions: Decisions): boolean {
  const inner = writesIn(fn, decisions);
  if (inner.length === 0 || !inner.every(filterInSight) || inner.some((o) => transactionOf(o.node) !== undefined)) return false;
  const written = inner.flatMap((o) => (ts.isCallExpression(o.node) ? sourcesIn(readSubject(o.node)) : []));
  const read = decisionSources(check, decisions.resolve);
  return written.length > 0 && read.size > 0 && !written.some((t) => read.has(t));
}

/** A write whose condition is in sight: SQL with its text, or a store method that takes a filter. */
function filterInSight(o: Operation): boolean {
  return o.kind === 'sql' || storeWriteCall(o.node);
}

/**
 * A call of a store method that writes, wherever it is in the chain: a finisher after it
 * (`Submission.findOneAndUpdate(…).lean()`, `.exec()`) leaves it the write it is.
 */
function storeWriteCall(node: ts.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const names = chainNames(node.expression);
  return names.slice(names.length >= 2 ? 1 : 0).some(isStoreWrite);
}

/**
 * A conditional write whose outcome is checked at once (`const granted = await redis.grantIfAdmin(…);
 * if (granted !== 1) throw 403`, `const { count } = await …updateMany({ where: … }); if (!count) …`):
 * the write decides for itself when it runs.
 */
function outcomeRefuses(op: Operation, check: Check, decisions: Decisions): boolean {
  // a store write whose filter is in sight carries the decision (conditionInQuery), or its checked outcome re-decides when
  // its filter binds what the decision was asked about: `if (!gate) throw forbidden(…)` after a write filtered on the
  // caller the role lookup asked about, not `if (!updated) throw notFound(…)` after one filtered on the caller's section,
  // nor a 403 after `{ id, status: 'SCHEDULED' }`, the record's own state, which says nothing of a crew member's rank
  if (storeWriteCall(op.node) && !filterBindsDecision(op, check, decisions)) return false;
  // (and so is raw SQL whose `WHERE` is in sight, for a permission: `UPDATE stock … WHERE item_id = ? AND qty >= ?`
  // answers with its count about the stock, not the right tested before; a conflict on state, a version or a digest
  // that no longer matches, is what such a write refuses when anything changed)
  if (
    check.refusal === 'auth' &&
    op.kind === 'sql' &&
    ts.isCallExpression(op.node) &&
    op.node.arguments[0] &&
    /\bwhere\b/i.test(statementText(op.node.arguments[0], (e) => decisions.resolve.valueOf?.(e)) ?? '')
  )
    return false;
  // (so is a helper of the app whose writes are in sight, `beds.assignPatient(…)` running `UPDATE … WHERE
  // patient_id IS NULL`: the count answers the write's own condition, helperCarriesCondition the decision's)
  if (op.via && op.kind !== 'http' && helperWritesElsewhere(op.via, check, decisions)) return false;
  // (refused the way the decision refuses: a 404 after a 403 says the record is out of reach, not that the right holds)
  const outcome = refusingOutcome(op, decisions);
  return outcome !== undefined && (!storeWriteCall(op.node) || outcome === check.refusal);
}

/**
 * Whether a write's filter names a value the decision's read was asked with (`ctx.controller.subject` in the role lookup
 * and in `Gate.findOneAndUpdate({ _id, controllers: ctx.controller.subject }, …)`): it selects by what the decision was
 * about. Literals and what the write stores do not count.
 */
function filterBindsDecision(op: Operation, check: Check, decisions: Decisions): boolean {
  if (!ts.isCallExpression(op.node)) return false;
  const texts = (a: ts.Expression): string[] => {
    const x = skipOuter(a);
    return ts.isObjectLiteralExpression(x) ? filterValues(x) : [x.getText()];
  };
  const asked = new Set(
    [check.call, ...readsBehind(check, decisions.resolve)]
      .flatMap((c) => chainArguments(c).flatMap(texts))
      // (a name or a path of names: not a literal, nor the request object alone)
      .filter((t) => /^[A-Za-z_$][\w$]*(?:\.[\w$]+)*$/.test(t) && !isPerRequestName(t) && !/^(?:true|false|null|undefined)$/.test(t)),
  );
  if (asked.size === 0) return false;
  const selection: string[] = [];
  for (let n: ts.Node = op.node; ts.isCallExpression(n);) {
    const name = chainNames(n.expression).at(-1) ?? '';
    n.arguments.forEach((arg, i) => {
      const a = skipOuter(arg);
      if (writeSelection('conditions', name) || (i === 0 && writeSelection('filterFirst', name))) selection.push(...texts(a));
      else if (ts.isObjectLiteralExpression(a))
        for (const p of a.properties) if (ts.isPropertyAssignment(p) && FILTER_KEYS.includes(propertyNameText(p.name) ?? '')) selection.push(...texts(p.initializer));
    });
    let next: ts.Node = skipOuter(n.expression);
    while (ts.isPropertyAccessExpression(next) || ts.isElementAccessExpression(next)) next = skipOuter(next.expression);
    n = next;
  }
  const names = (text: string, value: string): boolean => new RegExp(`(?<![\\w$.])${value.replace(/[.$]/g, (c) => `\\${c}`)}(?![\\w$])`).test(text);
  return selection.some((t) => [...asked].some((v) => names(t, v)));
}

/**
 * How a write's outcome is refused at once, if it is: the write's result kept in a variable and tested by one of the
 * next two statements, whose branch refuses (`const debit = await …updateTable(…).where(…).executeTakeFirst(); if
 * (Number(debit.numUpdatedRows) === 0) throw new QuotaExceededError(…)`).
 */
function refusingOutcome(op: Operation, decisions: Decisions): RefusalKind | undefined {
  let e: ts.Node = op.node;
  while (e.parent && (ts.isAwaitExpression(e.parent) || ts.isParenthesizedExpression(e.parent))) e = e.parent;
  const decl = e.parent;
  if (!decl || !ts.isVariableDeclaration(decl) || decl.initializer !== e) return undefined;
  const names = new Set<string>();
  const bind = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
  };
  bind(decl.name);
  const statement = decl.parent?.parent;
  const block = statement?.parent;
  if (!statement || !block || !(ts.isBlock(block) || ts.isSourceFile(block))) return undefined;
  const at = block.statements.indexOf(statement);
  for (const st of block.statements.slice(at + 1, at + 3)) {
    if (!ts.isIfStatement(st) || !references(st.expression, names)) continue;
    const refusal = decisions.refusalOf(st.thenStatement);
    if (refusal?.decides === true) return refusal.kind;
  }
  return undefined;
}

/**
 * A write made after the decision (its filter in sight), before `op` and with no other wait between them, that asks the decision's question again
 * itself and refuses on its outcome (a conditional debit of the quota the decision tested, `if (numUpdatedRows === 0) throw`):
 * `op` runs on that fresh answer, as after a re-check.
 */
function redecidedBefore(fn: ts.FunctionLikeDeclaration, check: Check, op: Operation, decisions: Decisions): boolean {
  const around = enclosingFunction(op.node);
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || n.pos >= op.node.pos) return;
    if (ts.isCallExpression(n) && n.pos > check.test.end && n.end <= op.node.pos && enclosingFunction(n) === around) {
      const write = operationOf(n, decisions.resolve);
      // (a write whose filter is in sight: a request to another service, or a helper, answers about its own work)
      if (
        write !== undefined &&
        filterInSight(write) &&
        refusingOutcome(write, decisions) === check.refusal &&
        atomic(check, write, decisions) &&
        otherBoundary(fn, n.end, op, decisions) === undefined
      ) {
        found = true;
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}

/** A store command defined as a server-side script (`redis.defineCommand('grantIfAdmin', { lua })`): it checks and writes in one step. */
function scriptedCommand(op: Operation): boolean {
  const sf = op.node.getSourceFile();
  const name = ts.isCallExpression(op.node) ? chainNames(op.node.expression).at(-1) : undefined;
  if (!name || !sf.text.includes('defineCommand')) return false;
  return new RegExp(`defineCommand\\(\\s*['"\`]${name}['"\`]`).test(sf.text);
}

/**
 * Whether a test decides whether `op` runs: `op` is in a branch of it (`if (ok) { op }`,
 * `ok && op`, `ok ? op : …`), or it refuses — every way through one of its branches stops with
 * `return`/`throw` — before `op` in an enclosing block (`if (!ok) throw …; …; op`); a throwing check
 * statement (`await authorize(…)`, `assert(ok)`) decides every later statement of its blocks.
 */
/**
 * A decision that lets the operation run on the way through it, though not on every way: a refusing `if` inside a
 * branch taken only sometimes (`if (order.schedule !== 'NONE') { const ok = await authority(…); if (!ok) throw 403 }`),
 * after which the code goes on to the operation. Where the branch was taken, the operation runs on that answer.
 */
export function decidesOnItsWay(test: ts.Node, op: ts.Node): boolean {
  if (testGuards(test, op)) return true;
  if (!ts.isIfStatement(test) || test.elseStatement !== undefined || !stops(test.thenStatement) || op.pos < test.end) return false;
  // climb out of branches that fall through (an `if` without `else`), up to the block that also holds the operation
  let s: ts.Node = test;
  for (;;) {
    const block = s.parent;
    if (!block || !ts.isBlock(block)) return false;
    if (op.pos >= block.pos && op.end <= block.end) return op.pos >= s.end;
    const holder = block.parent;
    if (!holder || !ts.isIfStatement(holder) || holder.thenStatement !== block || holder.elseStatement !== undefined) return false;
    // (the rest of the branch after the test must not end the way out of it)
    if (block.statements.slice(block.statements.indexOf(s as ts.Statement) + 1).some((st) => stops(st))) return false;
    s = holder;
  }
}

export function testGuards(test: ts.Node, op: ts.Node): boolean {
  if (op.pos < test.pos) return false;
  // the one answer to "does this check decide that use" (dominance.ts), asked about this test
  const condition = ts.isIfStatement(test) ? test.expression : ts.isConditionalExpression(test) ? test.condition : ts.isBinaryExpression(test) ? test.left : undefined;
  // a throwing check made in a `try` whose `catch` always ends the request (`try { await assertReleasable(…) }
  // catch (err) { …; throw err }`): the `try` as a whole lets only what passed the check go on
  const tryHolder =
    (ts.isExpressionStatement(test) ||
      ts.isVariableStatement(test) ||
      (ts.isIfStatement(test) && (stops(test.thenStatement) || (test.elseStatement !== undefined && stops(test.elseStatement))))) &&
    test.parent &&
    ts.isBlock(test.parent) &&
    test.parent.parent &&
    ts.isTryStatement(test.parent.parent) &&
    test.parent.parent.tryBlock === test.parent &&
    test.parent.parent.catchClause !== undefined &&
    stops(test.parent.parent.catchClause.block)
      ? test.parent.parent
      : undefined;
  const spec: CheckSpec = {
    condition: (e) => e === condition,
    statement: (st) =>
      (tryHolder !== undefined && st === tryHolder) ||
      (st === test &&
        (ts.isExpressionStatement(st) ||
          // `const campaign = await assertCanWithdraw(…)`: a refusing helper's call kept, that throws or goes on
          ts.isVariableStatement(st) ||
          (ts.isIfStatement(st) && (stops(st.thenStatement) || (st.elseStatement !== undefined && stops(st.elseStatement)))) ||
          // `switch (role) { case 'admin': break; default: throw … }`: a clause that stops refuses the rest
          (ts.isSwitchStatement(st) && st.caseBlock.clauses.some((c) => c.statements.length > 0 && stops(c.statements[c.statements.length - 1]))))),
    gate: () => false,
    orCondition: true,
  };
  if (checkInFunction(op, enclosingFunction(test) ?? test.getSourceFile(), spec) !== undefined) return true;
  // `assertPrescriber(cn).then(() => op())`: a refusing helper at the root of a chain lets only its `.then` steps run
  if (ts.isCallExpression(test)) return fulfilledStepOf(test, op);
  // `p.then((ok) => { if (!ok) throw 403; return next(); }).then(() => op())`: a later callback of the
  // chain runs only when the earlier one went past its test
  const testFn = enclosingFunction(test);
  return (
    testFn !== undefined &&
    testFn.body !== undefined &&
    ts.isBlock(testFn.body) &&
    testFn.body.statements.includes(test as ts.Statement) &&
    spec.statement(test as ts.Statement) &&
    laterInChain(testFn, op)
  );
}

/**
 * `op` runs in a callback that the chain from `root` calls only when `root` fulfilled: the first
 * callback of a `.then` with only `.then` steps between (`root.then(a).then(() => op)`; not after a
 * `.catch`, which goes on after a refusal).
 */
function fulfilledStepOf(root: ts.CallExpression, op: ts.Node): boolean {
  let at: ts.CallExpression = root;
  for (;;) {
    const access = at.parent;
    const step = access && ts.isPropertyAccessExpression(access) && access.expression === at ? access.parent : undefined;
    if (!step || !ts.isCallExpression(step) || (access as ts.PropertyAccessExpression).name.text !== 'then') return false;
    const onFulfilled = step.arguments[0];
    if (onFulfilled && within(op, onFulfilled)) return true;
    at = step;
  }
}

/** `op` runs in a callback of a promise chain after the one `cb` is passed to (`a.then(cb)…then(() => op)`). */
function laterInChain(cb: ts.FunctionLikeDeclaration, op: ts.Node): boolean {
  const holder = cb.parent;
  if (!holder || !ts.isCallExpression(holder)) return false;
  for (let n: ts.Node | undefined = op.parent; n; n = n.parent) {
    if (!isFunctionLike(n) || !n.parent || !ts.isCallExpression(n.parent)) continue;
    for (let c: ts.Node | undefined = chainReceiver(n.parent); c && ts.isCallExpression(c); c = chainReceiver(c)) if (c === holder) return true;
  }
  // a chain a step of an outer chain returns settles that step (`.then((s) => find(…).then((m) => { if (!m) throw 403; return s; }))
  // .then((s) => op())`): a refusal in it rejects the outer steps after it
  let top: ts.Node = holder;
  for (;;) {
    const access = top.parent;
    const step = access && ts.isPropertyAccessExpression(access) && access.expression === top ? access.parent : undefined;
    if (!step || !ts.isCallExpression(step) || step.expression !== access || (access as ts.PropertyAccessExpression).name.text !== 'then') break;
    top = step;
  }
  while (top.parent && ts.isParenthesizedExpression(top.parent)) top = top.parent;
  const ret = top.parent && ts.isReturnStatement(top.parent) ? top.parent : undefined;
  const outer = ret ? enclosingFunction(ret) : top.parent && ts.isArrowFunction(top.parent) && top.parent.body === top ? top.parent : undefined;
  return outer !== undefined && outer !== cb && isCallbackArgument(outer) && laterInChain(outer, op);
}

/** `node` lies inside `container`'s text. */
export function within(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

/** `node` lies in an `if` branch that ends (returns, throws) without holding `other`: no way runs from it to `other`. */
function onEndingBranch(node: ts.Node, other: ts.Node, fn: ts.Node): boolean {
  for (let n: ts.Node = node; n.parent && n !== fn; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && (p.thenStatement === n || p.elseStatement === n) && !within(other, n) && stops(n as ts.Statement)) return true;
    if (isFunctionLike(n)) return false;
  }
  return false;
}

/** Every way through the statement ends with `return`, `throw`, `continue` or `break`, or a call that ends the response and returns. */
function stops(st: ts.Statement): boolean {
  if (ts.isReturnStatement(st) || ts.isThrowStatement(st) || ts.isContinueStatement(st) || ts.isBreakStatement(st)) return true;
  if (ts.isBlock(st)) return st.statements.length > 0 && stops(st.statements[st.statements.length - 1]);
  if (ts.isIfStatement(st)) return st.elseStatement !== undefined && stops(st.thenStatement) && stops(st.elseStatement);
  if (ts.isExpressionStatement(st) && ts.isCallExpression(st.expression)) {
    const chain = calleeChain(st.expression.expression) ?? [];
    // `process.exit()`, Koa's `ctx.throw(403)` and `ctx.assert(…)` style helpers throw
    // (and a function of the file that always throws: `fail('frozen', 'FORBIDDEN')`)
    return (chain[0] === 'process' && chain.at(-1) === 'exit') || (chain.length === 2 && chain[1] === 'throw') || thrownByCall(st.expression) !== undefined;
  }
  return false;
}

/** The query a function of the app returns when called (`signingOfficerSubquery(cn, id)` → `db('duty_roster').where(…)`), on the write's client. */
function builtQuery(call: ts.CallExpression, write: ts.Node, valueOf?: (e: ts.Expression) => ts.Node | undefined): ts.CallExpression | undefined {
  const callee = skipOuter(call.expression);
  const fn = ts.isIdentifier(callee) ? valueOf?.(callee) : undefined;
  if (!fn || !isFunctionLike(fn)) return undefined;
  return returnedExpressions(fn)
    .map((r) => skipOuter(r))
    .find((r): r is ts.CallExpression => ts.isCallExpression(r) && sameClient(r, write));
}

/** A call on the client a write goes through: `knex('grants').where(…)` inside `knex('docs').whereIn('id', …)`. */
function sameClient(call: ts.CallExpression, write: ts.Node): boolean {
  const w = ts.isCallExpression(write) ? chainNames(write.expression) : [];
  const c = chainNames(call.expression);
  // (on `this`, the field that holds the client: `this.db.select(…)` and `this.db.update(…)` share one; `this.key(…)`, a
  // method of the class, and `this.s3.send(…)` do not)
  return w[0] !== undefined && c[0] === w[0] && (w[0] !== 'this' || (c.length > 2 && c[1] === w[1]));
}

/**
 * A read made inside a transaction's callback goes through the transaction: it names the handle the callback is given
 * (`tx.member.findUnique(…)`, `Model.findOne({ …, transaction: t })`, `this.load(tx, id)`). One made on the client
 * outside it (`this.prisma.accountMember.findUnique(…)` inside `prisma.$transaction(async (tx) => …)`) is not part of it.
 * A callback given no handle (a transaction the library keeps per async context) holds whatever runs in it.
 */
function throughTransaction(read: ts.Node, tx: ts.FunctionLikeDeclaration): boolean {
  const names = new Set<string>();
  for (const p of tx.parameters) collectNames(p.name, names);
  return names.size === 0 || references(read, names);
}
