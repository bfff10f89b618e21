import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import { collectNames, references } from './guards';
import { isFunctionLike } from './modules';
import { isConditionKey, isCompareAndSet, isLockCall, isTransactionCallee, isTransactionHandle, isTransactionOption, LOCK_OPTION, locksByCall } from './vocabulary/atomic';
import {
  createsInMemory,
  isCollectionTest,
  isLookupName,
  isOperationName,
  isPlainFactoryObject,
  isRecordDecisionField,
  isRecordReadName,
  namesDecision,
  runsRawStatement,
} from './vocabulary/authorization';
import { isNonStateReceiver, isNonStoreReceiver } from './vocabulary/containers';
import { CONTINUATION_METHOD, defersCallback } from './vocabulary/deferral';
import { isThrowingCheck } from './vocabulary/refusals';
import { isConditionalWriteSql, isWritingSql, locksInSql } from './vocabulary/sql';

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
  cross(boundary: ts.Node): void {
    for (const [key, read] of this.freshMap) this.outdatedMap.set(key, { key, read, boundary });
    this.freshMap.clear();
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
}

/** Whether a function passed to `call` runs after the caller went on (a promise callback, timer, listener). */
export function isDeferredCallback(fn: ts.Node): ts.CallExpression | undefined {
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const call = n.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.some((a) => a === n)) return undefined;
  const name = lastName(call.expression);
  return name !== undefined && defersCallback(name) ? call : undefined;
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
        if (s && (visitor.boundary?.(node) ?? true)) s.cross(node);
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
          else s = expr(arg, s);
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

  /** A function passed to a call: deferred ones after a boundary, others in place. */
  const callback = (cb: ts.FunctionLikeDeclaration, call: ts.CallExpression, s: Maybe<K>): Maybe<K> => {
    if (!s || !cb.body) return s;
    const deferred = isDeferredCallback(cb) !== undefined;
    let inner = s.clone();
    if (deferred) {
      inner.cross(call);
      for (const k of visitor.callbackReads?.(cb, call) ?? []) inner.read(k, call);
    }
    frames.push({ kind: 'function', breaks: [], continues: [], abrupt: [] });
    let end: Maybe<K> = ts.isBlock(cb.body) ? stmt(cb.body, inner) : expr(cb.body, inner);
    const frame = frames.pop()!;
    end = join(end, ...frame.abrupt);
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
      let h = head(entry?.clone());
      if (ts.isForOfStatement(node) && node.awaitModifier && h) h.cross(node);
      const bodyEnd = stmt(body, h?.clone());
      let next = join(bodyEnd, ...frame.continues);
      if (after) next = expr(after, next);
      frames.pop();
      breaks = frame.breaks;
      exit = join(h, ...breaks);
      entry = join(s, next);
    }
    return join(exit!, ...breaks);
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
  if (ts.isBlock(fn.body)) stmt(fn.body, new State<K>());
  else expr(fn.body, new State<K>());
  frames.pop();
}

/** Whether a function can be suspended: `async`, a generator, or one that chains `.then`. */
export function canSuspend(fn: ts.FunctionLikeDeclaration): boolean {
  if (fn.asteriskToken) return true;
  return (ts.getModifiers(fn as ts.HasModifiers) ?? []).some((m) => m.kind === SK.AsyncKeyword);
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
      const name = calleeChain(call.expression)?.at(-1);
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
  if (chain.some(isLockCall)) return true;
  for (const arg of call.arguments) {
    const a = skipOuter(arg);
    if (!ts.isObjectLiteralExpression(a)) continue;
    for (const p of a.properties) {
      const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
      if (name !== undefined && isTransactionOption(name)) return true;
    }
  }
  return false;
}

/** A read that locks what it read until the transaction ends: `SELECT … FOR UPDATE`, `lock: …`, `.forUpdate()`. */
export function locksRows(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) && locksInSql(n.text)) found = true;
    else if (ts.isPropertyAccessExpression(n) && locksByCall(n.name.text)) found = true;
    else if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === LOCK_OPTION) found = true;
    else if (!isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * The condition travels inside the write itself: a filter with more than the record's id
 * (`where: { id, ownerId: user.id }`, `updateOne({ _id, owner }, …)`, `deleteMany({ … })`),
 * a conditional SQL statement (`UPDATE … WHERE id = $1 AND owner = $2`), or a compare-and-set.
 */
export function conditionInQuery(call: ts.CallExpression): boolean {
  const name = calleeChain(call.expression)?.at(-1) ?? '';
  if (isCompareAndSet(name)) return true;
  for (const arg of call.arguments) {
    const a = skipOuter(arg);
    if (ts.isStringLiteralLike(a) || ts.isTemplateExpression(a)) {
      const text = a.getText();
      if (isConditionalWriteSql(text)) return true;
    }
    if (!ts.isObjectLiteralExpression(a)) continue;
    const where = a.properties.find((p) => p.name && ts.isIdentifier(p.name) && isConditionKey(p.name.text));
    if (where && ts.isPropertyAssignment(where)) {
      const w = skipOuter(where.initializer);
      if (!ts.isObjectLiteralExpression(w) || w.properties.length >= 2) return true;
    } else if (where) return true;
    // a Mongo-style filter as the first argument of a write: `updateOne({ _id, owner }, …)`
    if (arg === call.arguments[0] && call.arguments.length >= 2 && a.properties.length >= 2 && !a.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text.startsWith('$'))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Authorization decisions and the operations they guard (words and verbs: `vocabulary/authorization.ts`).

/** Whether a call changes state an authorization decision protects (a write, delete, transfer or grant). */
export function isGuardedOperation(call: ts.CallExpression): boolean {
  const chain = calleeChain(call.expression);
  if (!chain || chain.length < 2) return false;
  const name = chain[chain.length - 1];
  if (!isOperationName(name)) return false;
  const receiver = chain.slice(0, -1).join('.');
  if (isNonStateReceiver(receiver) || isNonStateReceiver(chain[0]) || chain.slice(0, -1).some(isNonStoreReceiver)) return false;
  if (runsRawStatement(name)) {
    // raw SQL: only a statement that changes rows
    const first = call.arguments[0] && skipOuter(call.arguments[0]);
    if (!first || !(ts.isStringLiteralLike(first) || ts.isTemplateExpression(first) || ts.isTaggedTemplateExpression(first))) return false;
    return isWritingSql(first.getText());
  }
  // `map.set`/`arr.push` style names are not here; `create` on a plain factory is not a write
  if ((name === 'create' && isPlainFactoryObject(chain[0])) || createsInMemory(name)) return false;
  return true;
}

export interface Decision {
  /** The lookup: `await acl.can(user, 'delete', doc)`, `lookup().then(…)`, or a sync read of module state. */
  node: ts.Node;
  call: ts.CallExpression;
  /** What identifies the lookup for re-checks: its callee chain (`acl.can`). */
  key: string;
  /** The tests that act on its result, each guarding what it dominates. */
  tests: ts.Node[];
}

/**
 * Whether a call is an authorization lookup against a source that can change: awaited (or chained
 * with `.then`), named like a permission, role, ownership, membership, revocation, feature-flag or
 * balance lookup (its callee, or the variable its result is kept in), and a read, not a change.
 */
export function lookupOf(call: ts.CallExpression): { node: ts.Node; key: string } | undefined {
  const chain = calleeChain(call.expression);
  if (!chain) return undefined;
  const name = chain[chain.length - 1];
  let holder: ts.Node = call;
  while (holder.parent && (ts.isParenthesizedExpression(holder.parent) || ts.isNonNullExpression(holder.parent) || ts.isAsExpression(holder.parent))) holder = holder.parent;
  const parent = holder.parent;
  let node: ts.Node | undefined;
  if (parent && ts.isAwaitExpression(parent)) node = parent;
  else if (parent && ts.isPropertyAccessExpression(parent) && parent.name.text === CONTINUATION_METHOD && parent.parent && ts.isCallExpression(parent.parent)) node = parent.parent;
  if (!node) return undefined;
  if (isGuardedOperation(call) && !isLookupName(name)) return undefined;
  const kept = keptIn(node);
  if (!namesDecision(chain.join('.')) && !(kept && namesDecision(kept))) return undefined;
  return { node, key: chain.join('.') };
}

/** The variable a value is kept in: `const allowed = await …` → `allowed`. */
function keptIn(node: ts.Node): string | undefined {
  let n = node;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (p && ts.isVariableDeclaration(p) && p.initializer === n) return ts.isIdentifier(p.name) ? p.name.text : p.name.getText();
  if (p && ts.isBinaryExpression(p) && p.right === n && p.operatorToken.kind === SK.EqualsToken) return p.left.getText();
  return undefined;
}

/**
 * The tests that act on a decision's result: the `if`/`?:`/`&&` it sits in, the tests of the
 * variable it is kept in (`if (!allowed) throw …`), `assert(allowed)`, or the decision's own
 * statement when the lookup throws on refusal (`await authorize(user, 'delete', doc)`).
 */
export function testsOf(decision: ts.Node, call: ts.CallExpression, fn: ts.Node): ts.Node[] {
  // `lookup().then((allowed) => …)`: the callback's parameter holds the result, tested inside it
  if (ts.isCallExpression(decision) && ts.isPropertyAccessExpression(decision.expression) && decision.expression.name.text === CONTINUATION_METHOD) {
    const cb = decision.arguments[0] && skipOuter(decision.arguments[0]);
    if (!cb || !(ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) || !cb.parameters[0]) return [];
    return testsMentioning(namesOf(cb.parameters[0].name), cb.body, cb.body.pos);
  }
  // the test the lookup sits in directly
  for (let n: ts.Node = decision; n.parent && n !== fn; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && p.expression === n) return [p];
    if ((ts.isConditionalExpression(p) && p.condition === n) || (ts.isBinaryExpression(p) && p.left === n && (p.operatorToken.kind === SK.AmpersandAmpersandToken || p.operatorToken.kind === SK.BarBarToken))) return [p];
    if (isStatementLike(p)) break;
  }
  let n: ts.Node = decision;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  if (ts.isExpressionStatement(n.parent)) {
    const name = calleeChain(call.expression)?.at(-1) ?? '';
    return isThrowingCheck(name) ? [n.parent] : [];
  }
  return testsMentioning(boundNames(n), fn, decision.end);
}

/** Tests after `from` inside `scope` whose condition reads one of the names. */
function testsMentioning(names: readonly string[], scope: ts.Node, from: number): ts.Node[] {
  if (names.length === 0) return [];
  return testsIn(scope).filter(({ node, condition }) => node.pos >= from && condition.some((c) => mentions(c, names))).map((t) => t.node);
}

const testCache = new WeakMap<ts.Node, { node: ts.Node; condition: ts.Node[] }[]>();

/** Every test in a scope, in source order, with what it tests: found once per scope. */
function testsIn(scope: ts.Node): { node: ts.Node; condition: ts.Node[] }[] {
  let out = testCache.get(scope);
  if (out) return out;
  const list: { node: ts.Node; condition: ts.Node[] }[] = [];
  const visit = (m: ts.Node): void => {
    if (ts.isIfStatement(m)) list.push({ node: m, condition: [m.expression] });
    else if (ts.isConditionalExpression(m)) list.push({ node: m, condition: [m.condition] });
    else if (ts.isBinaryExpression(m) && (m.operatorToken.kind === SK.AmpersandAmpersandToken || m.operatorToken.kind === SK.BarBarToken)) list.push({ node: m, condition: [m.left] });
    else if (ts.isExpressionStatement(m) && ts.isCallExpression(m.expression) && isThrowingCheck(calleeChain(m.expression.expression)?.at(-1) ?? '')) list.push({ node: m, condition: [...m.expression.arguments] });
    ts.forEachChild(m, visit);
  };
  visit(scope);
  testCache.set(scope, (out = list));
  return out;
}

/**
 * A record read whose test decides access: `const doc = await Documents.findById(id);
 * if (!doc || doc.ownerCn !== identity.cn) return 404` — the ownership, role, membership or
 * standing of the record (`owner`, `status`, `writers.includes(…)`, `set.has(record.id)`) is
 * tested in a rejecting `if`. Returns the tests and the names the record is kept in.
 */
export function recordDecisionOf(call: ts.CallExpression, fn: ts.Node): { node: ts.Node; key: string; tests: ts.Node[]; names: string[] } | undefined {
  const chain = calleeChain(call.expression);
  if (!chain) return undefined;
  const name = chain[chain.length - 1];
  if (!isRecordReadName(name)) return undefined;
  let holder: ts.Node = call;
  while (holder.parent && (ts.isParenthesizedExpression(holder.parent) || ts.isNonNullExpression(holder.parent) || ts.isAsExpression(holder.parent))) holder = holder.parent;
  const node = holder.parent;
  if (!node || !ts.isAwaitExpression(node)) return undefined;
  let kept: ts.Node = node;
  while (kept.parent && (ts.isParenthesizedExpression(kept.parent) || ts.isAsExpression(kept.parent) || ts.isNonNullExpression(kept.parent))) kept = kept.parent;
  const names = boundNames(kept);
  if (names.length === 0) return undefined;
  const tests = testsMentioning(names, fn, node.end).filter((t) => ts.isIfStatement(t) && rejects(t) && decidesAbout(t.expression, names));
  return tests.length > 0 ? { node, key: chain.join('.'), tests, names } : undefined;
}

/** An `if` with a branch that stops the flow (`return`, `throw`, `ctx.throw()`). */
function rejects(test: ts.IfStatement): boolean {
  return stops(test.thenStatement) || (test.elseStatement !== undefined && stops(test.elseStatement));
}

/** The condition tests a decision property of the record, or its membership in a collection. */
function decidesAbout(cond: ts.Expression, names: readonly string[]): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(n) && isRecordDecisionField(n.name.text) && mentions(n.expression, names)) found = true;
    else if (ts.isCallExpression(n) && isCollectionTest(calleeChain(n.expression)?.at(-1) ?? '', 'membership') && n.arguments.some((a) => mentions(a, names))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(cond);
  return found;
}

function namesOf(b: ts.BindingName): string[] {
  const out = new Set<string>();
  collectNames(b, out);
  return [...out];
}

/** The names a value is kept in: `const allowed = …`, `const { rows } = …`, `account = …`. */
export function boundNames(valueNode: ts.Node): string[] {
  const p = valueNode.parent;
  if (p && ts.isVariableDeclaration(p) && p.initializer === valueNode) return namesOf(p.name);
  if (p && ts.isBinaryExpression(p) && p.right === valueNode && ts.isIdentifier(p.left)) return [p.left.text];
  return [];
}

/** Whether an expression reads one of the names (as a variable, not a property name). */
export function mentions(expr: ts.Node, names: readonly string[]): boolean {
  return references(expr, new Set(names));
}

function isStatementLike(n: ts.Node): boolean {
  return n.kind >= SK.FirstStatement && n.kind <= SK.LastStatement;
}

/**
 * Whether a test decides whether `op` runs: `op` is in a branch of it (`if (ok) { op }`,
 * `ok && op`, `ok ? op : …`), or it refuses — every way through one of its branches stops with
 * `return`/`throw` — before `op` in an enclosing block (`if (!ok) throw …; …; op`); a throwing check
 * statement (`await authorize(…)`, `assert(ok)`) decides every later statement of its blocks.
 */
export function testGuards(test: ts.Node, op: ts.Node): boolean {
  if (op.pos < test.pos) return false;
  if (ts.isIfStatement(test)) {
    if (within(op, test.thenStatement) || (test.elseStatement && within(op, test.elseStatement))) return true;
    if (!stops(test.thenStatement) && !(test.elseStatement && stops(test.elseStatement))) return false;
    return laterInEnclosingBlock(test, op);
  }
  if (ts.isConditionalExpression(test)) return within(op, test.whenTrue) || within(op, test.whenFalse);
  if (ts.isBinaryExpression(test)) return within(op, test.right);
  if (ts.isExpressionStatement(test)) return laterInEnclosingBlock(test, op);
  return false;
}

/** `node` lies inside `container`'s text. */
export function within(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

/** `op` comes after `statement` in a block that holds both (in the same function). */
function laterInEnclosingBlock(statement: ts.Node, op: ts.Node): boolean {
  const block = statement.parent;
  if (!block || !within(op, block) || op.pos < statement.end) return false;
  for (let n = op.parent; n && n !== block; n = n.parent) if (isFunctionLike(n) && !ts.isArrowFunction(n) && !ts.isFunctionExpression(n)) return false;
  return true;
}

/** Every way through the statement ends with `return`, `throw`, `continue` or `break`, or a call that ends the response and returns. */
function stops(st: ts.Statement): boolean {
  if (ts.isReturnStatement(st) || ts.isThrowStatement(st) || ts.isContinueStatement(st) || ts.isBreakStatement(st)) return true;
  if (ts.isBlock(st)) return st.statements.length > 0 && stops(st.statements[st.statements.length - 1]);
  if (ts.isIfStatement(st)) return st.elseStatement !== undefined && stops(st.thenStatement) && stops(st.elseStatement);
  if (ts.isExpressionStatement(st) && ts.isCallExpression(st.expression)) {
    const chain = calleeChain(st.expression.expression) ?? [];
    // `process.exit()`, Koa's `ctx.throw(403)` and `ctx.assert(…)` style helpers throw
    return (chain[0] === 'process' && chain.at(-1) === 'exit') || (chain.length === 2 && chain[1] === 'throw');
  }
  return false;
}
