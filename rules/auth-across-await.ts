import {
  canSuspend,
  conditionInQuery,
  isGuardedOperation,
  locksRows,
  lookupOf,
  mentions,
  recordDecisionOf,
  runsInTransaction,
  testGuards,
  testsOf,
  transactionOf,
  walkInOrder,
  within,
  type Outdated,
} from '../src/analysis/await-order';
import { code, snippet } from '../src/analysis/expressions';
import type { FileFacts } from '../src/analysis/facts/types';
import { calleeChain, skipOuter } from '../src/analysis/facts/walk';
import { isFunctionLike, Modules } from '../src/analysis/modules';
import type { Project } from '../src/analysis/project';
import { SharedState, type Place } from '../src/analysis/shared-state';
import { isCollectionTest, isDecisionName, LOOKUP_TEXT, mayTestRecord, namesDecision, OPERATION_TEXT, STATE_LOOKUP_TEXT } from '../src/analysis/vocabulary/authorization';
import { VALUE_READS } from '../src/analysis/vocabulary/containers';
import { SUSPENSION_TEXT } from '../src/analysis/vocabulary/deferral';
import { saysAccessRefused } from '../src/analysis/vocabulary/refusals';
import { defineRule, type RuleReport } from '../src/rule';
import { ts } from '../src/ts';

export default defineRule({
  id: 'auth-across-await',
  title: 'Authorization decision trusted across await',
  description:
    'An authorization decision is made, then the code awaits before the operation it guards, without checking again, while the permission or the identity it rests on can change in between.',
  severity: 'error',
  precision: 'medium',
  securitySeverity: 6.8,
  cwe: [367],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Axum with Mutual Tls',
      section:
        'the warning about handlers that assume a stable identity across awaits and futures, and the advice to re-evaluate an authorization decision at the moment of use and keep shared mutable state out of asynchronous boundaries',
    },
  ],
  messages: {
    staleDecision:
      '{{op}} runs after {{boundary}} at line {{boundaryLine}}, but the decision that lets it run — {{decision}} at line {{decisionLine}} — was made before: {{what}} can change in between',
    sharedIdentityReread:
      'Identity is read from {{place}} again after {{boundary}} at line {{boundaryLine}} (first read at line {{readLine}}): another request may have replaced it in between',
    sharedIdentityDecision:
      '{{op}} runs after {{boundary}} at line {{boundaryLine}} on a decision made at line {{decisionLine}} from identity in {{place}}, which another request may have replaced in between',
  },
  remediationSummary:
    'Make the check part of the operation (the condition in the query, a transaction with `SELECT … FOR UPDATE`), or check again right before it; keep identity per request (an argument, `req`/`ctx.state`, a request-scoped provider), never in shared state.',
  remediation: `An authorization decision holds for the moment it was made. Every \`await\` (and every \`.then\`
callback, timer or listener) between the decision and the operation it guards is a point where other
requests run: a role can be revoked, a membership removed, a balance spent, a document handed to
another owner — and, when identity itself sits in a module variable or a singleton field, another
client's request can replace it. The operation then runs on a decision that no longer holds.

This rule follows *Time Of Check Time Of Use in Axum with Mutual Tls*, which warns about handlers that
perform several steps assuming a stable identity across awaits, and asks that an authorization
decision be re-evaluated at the moment of use and that shared mutable state stay out of asynchronous
boundaries. In Node:

- **Put the condition in the operation.** \`UPDATE documents SET … WHERE id = $1 AND owner_id = $2\`,
  Prisma \`updateMany({ where: { id, ownerId: identity.id } })\` and check the count, Mongo
  \`updateOne({ _id, owner }, …)\`, a conditional write on a version column. One statement cannot be
  interleaved.
- **Or read and write in one transaction that locks what it read**: Prisma
  \`$transaction(async (tx) => …)\`, \`sequelize.transaction(async (t) => …)\` with
  \`lock: t.LOCK.UPDATE\`, \`knex.transaction(async (trx) => …)\` with \`.forUpdate()\`, TypeORM
  \`manager.transaction\` with \`setLock('pessimistic_write')\`, raw \`SELECT … FOR UPDATE\`.
- **Or check again right before the operation**, after the last \`await\`, and keep nothing slow
  between the re-check and the write.
- **Keep identity per request.** Derive it from the certificate once per request and bind it to the
  request (\`req.identity\`, \`res.locals.identity\`, Koa \`ctx.state.identity\`, Hono
  \`c.set('identity', …)\`, Fastify \`request.identity\`), or pass it as an argument. In NestJS, read it
  from the request in a guard or a param decorator and pass it to services as an argument, or make the
  provider that holds it request-scoped (\`@Injectable({ scope: Scope.REQUEST })\`); never keep it in a
  field of a default (singleton) provider or a module variable.
- **Deferred work** (timers, queues, \`res.on('finish')\`) must re-check when it runs, not trust the
  decision made while the request was open.

A decision that rests only on the current request's own certificate claims (its subject, SAN or
fingerprint, read from the request) does not change during the request and is not reported; a
lookup made with those claims against a database, cache or permission service is.`,
  prefilter: (text) => SUSPENSION_TEXT.test(text) && OPERATION_TEXT.test(text) && (LOOKUP_TEXT.test(text) || mayTestRecord(text) || STATE_LOOKUP_TEXT.test(text)),
  facts: { allCalls: true },
  create(context) {
    return {
      file(facts: FileFacts) {
        const shared = new SharedState(new Modules(new Map([[facts.file, facts.sourceFile]])));
        for (const fn of functionsWithLookups(facts)) {
          for (const r of staleDecisions(fn, shared)) context.report(r);
        }
      },
      project(project: Project) {
        reportSharedIdentity(project, context.report);
      },
    };
  },
});

/** The functions (async, generators, or with `.then` chains) that contain an authorization lookup. */
function functionsWithLookups(facts: FileFacts): ts.FunctionLikeDeclaration[] {
  const out = new Set<ts.FunctionLikeDeclaration>();
  for (const calls of facts.callsByName.values()) {
    for (const call of calls) {
      if (!ts.isCallExpression(call) || !(lookupOf(call) || recordDecisionCandidate(call) || isStateLookup(calleeChain(call.expression)?.at(-1) ?? ''))) continue;
      // the outermost function the lookup runs in: deferred callbacks belong to their caller's flow
      let fn: ts.FunctionLikeDeclaration | undefined;
      for (let n = call.parent; n; n = n.parent) {
        if (!isFunctionLike(n)) continue;
        fn = n;
        if (!isCallbackArgument(n)) break;
      }
      if (fn) out.add(fn);
    }
  }
  return [...out].sort((a, b) => a.pos - b.pos);
}

/** An awaited read kept in a variable: `const doc = await Documents.findById(id)` (tested later). */
function recordDecisionCandidate(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isNonNullExpression(n.parent) || ts.isAsExpression(n.parent))) n = n.parent;
  return ts.isAwaitExpression(n.parent) && (ts.isVariableDeclaration(n.parent.parent) || ts.isBinaryExpression(n.parent.parent));
}

function isCallbackArgument(fn: ts.Node): boolean {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isCallExpression(n.parent) && n.parent.arguments.some((a) => a === n);
}

interface DecisionInfo {
  node: ts.Node;
  call: ts.CallExpression;
  key: string;
  tests: ts.Node[];
  /** A record decision: the operation must act on the record (mention one of these names). */
  names?: string[];
  shared?: Place;
}

/** The authorization decisions made in a function (and the callbacks that run in its flow). */
function decisionsIn(fn: ts.FunctionLikeDeclaration, shared: SharedState): Map<ts.Node, DecisionInfo> {
  const out = new Map<ts.Node, DecisionInfo>();
  const visit = (n: ts.Node): void => {
    if (n !== fn && isFunctionLike(n) && !isCallbackArgument(n)) return;
    if (ts.isCallExpression(n)) {
      const callee = skipOuter(n.expression);
      const receiver = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
      const place = receiver ? shared.placeOf(receiver, true) : undefined;
      const l = lookupOf(n);
      const r = l ? undefined : recordDecisionOf(n, fn);
      if (l) {
        // named for the decision itself (`hasRole`, `roleOf`, `canEdit`), or a plain read whose refusal says so
        const strong = isDecisionName(calleeChain(n.expression)?.at(-1) ?? '');
        const tests = testsOf(l.node, n, fn).filter((t) => strong || refusesAccess(t));
        if (tests.length > 0) out.set(l.node, { node: l.node, call: n, key: l.key, tests, shared: sharedState(place) });
      } else if (r) {
        const tests = r.tests.filter(refusesAccess);
        if (tests.length > 0) out.set(r.node, { node: r.node, call: n, key: r.key, tests, names: r.names });
      } else if (receiver && place?.shared && ts.isPropertyAccessExpression(callee) && isStateLookup(callee.name.text)) {
        // a synchronous look into module state that another request can change: `grants.get(cn)`
        const name = calleeChain(receiver)?.join('.') ?? '';
        const tests = testsOf(n, n, fn).filter((t) => ts.isIfStatement(t));
        if (tests.length > 0 && namesDecision(name)) {
          out.set(n, { node: n, call: n, key: `sync:${name}`, tests, shared: place });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

/** A look into a collection that answers a decision: `grants.get(cn)`, `revoked.has(serial)`, `roles.includes(r)`. */
function isStateLookup(name: string): boolean {
  return isCollectionTest(name, 'membership', 'lookup');
}

/** A test whose refusing branch answers "no access" (rather than "conflict" or "bad input"). */
function refusesAccess(test: ts.Node): boolean {
  if (!ts.isIfStatement(test)) return true;
  return saysAccessRefused(test.thenStatement.getText()) || (test.elseStatement !== undefined && saysAccessRefused(test.elseStatement.getText()));
}

/** A decision rests on shared state when it reads module state, a cache or `app.locals`; not a service held in a field. */
function sharedState(place: Place | undefined): Place | undefined {
  return place?.shared && place.kind !== 'singleton-field' && place.kind !== 'instance-field' ? place : undefined;
}

/**
 * Operations guarded by a decision that is outdated when they run: an `await` (or deferred
 * callback) other than the decision's own lies between, on some way, with no re-check of the same
 * lookup after it, no fresh decision guarding the operation, and no atomic form (condition in the
 * query, both in one transaction, a locking read).
 */
function staleDecisions(fn: ts.FunctionLikeDeclaration, shared: SharedState): RuleReport[] {
  const sf = fn.getSourceFile();
  const decisions = decisionsIn(fn, shared);
  const reports: RuleReport[] = [];
  if (decisions.size === 0) return reports;
  const reported = new Set<ts.Node>();
  const guards = (info: DecisionInfo, op: ts.CallExpression): boolean =>
    info.tests.some((t) => testGuards(t, op)) && (!info.names || mentions(op, info.names));
  walkInOrder<string>(fn, {
    // the awaits of the guarded writes themselves are part of the use, not a gap before it
    boundary: (node) => !(ts.isAwaitExpression(node) && ts.isCallExpression(skipOuter(node.expression)) && isGuardedOperation(skipOuter(node.expression) as ts.CallExpression)),
    reads(node) {
      const d = decisions.get(node);
      return d && !ts.isCallExpression(node) ? [d.key] : d && d.key.startsWith('sync:') ? [d.key] : undefined;
    },
    callbackReads(_cb, call) {
      const d = decisions.get(call);
      return d ? [d.key] : undefined;
    },
    visit(node, state) {
      if (!ts.isCallExpression(node) || reported.has(node) || !isGuardedOperation(node)) return;
      if (conditionInQuery(node)) return;
      let stale: { o: Outdated<string>; info: DecisionInfo } | undefined;
      for (const o of state.allOutdated()) {
        const info = decisions.get(o.read);
        if (!info || !guards(info, node) || atomic(info.call, node)) continue;
        if (!stale || o.read.pos > stale.o.read.pos) stale = { o, info };
      }
      if (!stale) return;
      // a newer decision still fresh here guards it too: the re-check closes the window
      for (const [, read] of state.allFresh()) {
        const info = decisions.get(read);
        if (read.pos > stale.o.boundary.pos && info && guards(info, node)) return;
      }
      reported.add(node);
      const { o, info } = stale;
      const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
      reports.push({
        messageId: 'staleDecision',
        node,
        severity: info.shared ? 'error' : 'warning',
        data: {
          op: code(`${snippet(node.expression, sf, 50)}()`),
          boundary: boundaryText(o.boundary, sf),
          boundaryLine: line(o.boundary),
          decision: code(snippet(info.call, sf, 60)),
          decisionLine: line(o.read),
          what: info.shared ? `${info.shared.label}, which every request shares,` : info.names ? 'the record it checked' : 'the permission it looked up',
        },
        related: [
          { node: o.read, message: `the decision is made here: ${code(snippet(info.call, sf, 60))}` },
          { node: o.boundary, message: `other requests can run here (${boundaryText(o.boundary, sf)}) before the operation` },
        ],
      });
    },
  });
  return reports;
}

/** Check and use in one atomic step: both in one transaction, or a locking read before a write in a transaction. */
function atomic(lookup: ts.CallExpression, op: ts.CallExpression): boolean {
  const tx = transactionOf(op);
  if (tx && transactionOf(lookup) === tx) return true;
  // a locking read only makes sense in a transaction: `BEGIN; SELECT … FOR UPDATE; …; UPDATE …; COMMIT`
  if (locksRows(lookup) || (runsInTransaction(op) && runsInTransaction(lookup))) return true;
  return false;
}

function boundaryText(node: ts.Node, sf: ts.SourceFile): string {
  if (ts.isAwaitExpression(node)) return code(`await ${snippet(node.expression, sf, 40)}`);
  if (ts.isYieldExpression(node)) return '`yield`';
  if (ts.isForOfStatement(node)) return '`for await`';
  if (ts.isCallExpression(node)) return `the callback of ${code(`${snippet(node.expression, sf, 40)}()`)}`;
  return code(snippet(node, sf, 40));
}

// ---------------------------------------------------------------------------------------------
// Identity kept in shared state, read on both sides of an await (needs the identity model).

function reportSharedIdentity(project: Project, report: (r: RuleReport) => void): void {
  const shared = project.sharedState;
  const places = new Map<string, { place: Place; write: ts.Node }>();
  for (const w of shared.writes()) {
    if (!w.place.shared || places.has(w.place.key)) continue;
    if (w.values.some((v) => project.identity.isIdentity(v))) places.set(w.place.key, { place: w.place, write: w.node });
  }
  if (places.size === 0) return;
  // a text test per function: the name the place is written through (`currentUser`, `this.identity` → `identity`)
  const names = new Set<string>();
  for (const { write } of places.values()) {
    const target = ts.isBinaryExpression(write) ? write.left : skipOuter((write as ts.CallExpression).expression);
    const word = writtenName(target);
    if (word) names.add(word);
  }
  for (const sf of project.sourceFiles()) {
    if (![...names].some((n) => sf.text.includes(n))) continue;
    const shared2 = new SharedState(new Modules(new Map([[sf.fileName, sf]])));
    for (const fn of suspendingFunctions(sf)) {
      if (![...names].some((n) => fn.getText(sf).includes(n))) continue;
      const alreadyStale = new Set(staleDecisions(fn, shared2).map((r) => r.node));
      for (const r of staleSharedIdentity(fn, places, shared)) if (!alreadyStale.has(r.node)) report(r);
    }
  }
}

function writtenName(target: ts.Expression): string | undefined {
  let e = skipOuter(target);
  const parts: string[] = [];
  for (;;) {
    if (ts.isPropertyAccessExpression(e)) {
      parts.unshift(e.name.text);
      e = skipOuter(e.expression);
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

function staleSharedIdentity(fn: ts.FunctionLikeDeclaration, places: Map<string, { place: Place; write: ts.Node }>, shared: SharedState): RuleReport[] {
  const sf = fn.getSourceFile();
  const reports: RuleReport[] = [];
  const reported = new Set<ts.Node>();
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const readCache = new Map<ts.Node, string | undefined>();
  /** The shared identity place an expression reads (the outermost chain that names it). */
  const placeRead = (node: ts.Node): string | undefined => {
    if (readCache.has(node)) return readCache.get(node);
    let key: string | undefined;
    if ((ts.isIdentifier(node) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && isRead(node)) {
      const parent = node.parent;
      const extends_ = parent && (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node;
      if (!(ts.isIdentifier(node) && parent && ts.isPropertyAccessExpression(parent) && parent.name === node)) {
        const place = shared.placeOf(node as ts.Expression);
        if (place?.shared && places.has(place.key)) {
          // `cache.get(k)`, `currentUser.role`: the innermost node that names the place
          key = place.key;
          if (extends_ && parent && shared.placeOf(parent as ts.Expression)?.shared && (shared.placeOf(parent as ts.Expression) as { key: string }).key === key) key = undefined;
        }
      }
    }
    readCache.set(node, key);
    return key;
  };
  // local copies of a shared identity: `const user = currentUser`
  const aliases = new Map<string, string>();
  const tests: { node: ts.Node; key: string }[] = [];
  const visitTests = (n: ts.Node): void => {
    // a copy of the identity itself (`const user = currentUser`, `= this.operator.cn`), not a value computed with it
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && isChain(n.initializer)) {
      const k = readsPlace(n.initializer);
      if (k) aliases.set(n.name.text, k);
    }
    if (ts.isIfStatement(n)) {
      const k = readsPlace(n.expression) ?? [...aliases].find(([a]) => mentions(n.expression, [a]))?.[1];
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
    reads(node) {
      const k = placeRead(node);
      if (k) return [k];
      if (ts.isIdentifier(node) && aliases.has(node.text) && isRead(node)) return [aliases.get(node.text)!];
      return undefined;
    },
    visit(node, state) {
      const k = placeRead(node);
      if (k) {
        const o = state.outdated(k);
        if (o) {
          const at = operationAround(node, fn);
          if (reported.has(at)) return;
          reported.add(at);
          const { place } = places.get(k)!;
          reports.push({
            messageId: 'sharedIdentityReread',
            node: at,
            severity: 'error',
            data: { place: place.label, boundary: boundaryText(o.boundary, sf), boundaryLine: line(o.boundary), readLine: line(o.read) },
            related: [
              { node: o.read, message: `identity is first read from ${place.label} here` },
              { node: o.boundary, message: `other requests can run here (${boundaryText(o.boundary, sf)})` },
              { node: places.get(k)!.write, message: `identity is written to ${place.label} here` },
            ],
          });
        }
        return;
      }
      if (!ts.isCallExpression(node) || reported.has(node) || !isGuardedOperation(node)) return;
      for (const t of tests) {
        const o = state.outdated(t.key);
        if (!o || t.node.pos > o.boundary.pos || !testGuards(t.node, node)) continue;
        reported.add(node);
        const { place } = places.get(t.key)!;
        reports.push({
          messageId: 'sharedIdentityDecision',
          node,
          severity: 'error',
          data: { op: code(`${snippet(node.expression, sf, 50)}()`), boundary: boundaryText(o.boundary, sf), boundaryLine: line(o.boundary), decisionLine: line(t.node), place: place.label },
          related: [
            { node: t.node, message: `the decision is made here from identity in ${place.label}` },
            { node: o.boundary, message: `other requests can run here (${boundaryText(o.boundary, sf)})` },
            { node: places.get(t.key)!.write, message: `identity is written to ${place.label} here` },
          ],
        });
        return;
      }
    },
  });
  return reports;
}

/** The call a read is an argument of (`db.delete(currentUser.id)`), or the read's statement. */
function operationAround(node: ts.Node, fn: ts.Node): ts.Node {
  for (let n = node.parent; n && n !== fn; n = n.parent) {
    if (ts.isCallExpression(n) && n.arguments.some((a) => within(node, a))) return n;
    if (n.kind >= ts.SyntaxKind.FirstStatement && n.kind <= ts.SyntaxKind.LastStatement) return n;
  }
  return node;
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
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || (ts.isCallExpression(e) && VALUE_READS.includes(calleeChain(e.expression)?.at(-1) ?? ''))) {
    e = skipOuter(e.expression);
    if (ts.isPropertyAccessExpression(e) && ts.isCallExpression(e.parent) && e.parent.expression === e) e = skipOuter(e.expression);
  }
  return ts.isIdentifier(e) || e.kind === ts.SyntaxKind.ThisKeyword;
}
