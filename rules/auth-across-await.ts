import { reportedAt, type StaleOperation } from '../src/analysis/await-order';
import { code, snippet } from '../src/analysis/expressions';
import type { FileFacts } from '../src/analysis/facts/types';
import type { Project } from '../src/analysis/project';
import type { Modules } from '../src/analysis/modules';
import type { SharedIdentityUse } from '../src/analysis/shared-identity';
import {
  mayHoldCrossFileWindow,
  mayHoldWindow,
  mayKeepRequestState,
  perRequestStateInFile,
  perRequestStateOfImports,
  perRequestStateWithImporters,
  staleOperationsAcrossImports,
  staleOperationsInFile,
} from '../src/analysis/stale-operations';
import { defineRule, type RuleReport } from '../src/rule';
import { ts } from '../src/ts';
import { EMIT_METHOD, isPromiseStep, isQueueCall } from '../src/analysis/vocabulary/deferral';
import * as path from 'node:path';

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
    sharedIdentityAfterWait:
      'Identity is read from {{place}} after {{boundary}} at line {{boundaryLine}}, but it was put there before this function began to wait: another request may have replaced it in between',
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
  prefilter: (text) => mayHoldWindow(text) || mayKeepRequestState(text),
  projectSeed: (text) => mayHoldCrossFileWindow(text),
  // (a decision on a request's or a job's behalf: a library no server in the scan imports makes none)
  seedScope: 'application',
  facts: { allCalls: true, assignments: true },
  create(context) {
    return {
      file(facts: FileFacts) {
        const stale = mayHoldWindow(facts.text) ? staleOperationsInFile(facts) : [];
        for (const s of stale) context.report(staleReport(s));
        // identity a shared object of the file keeps per request (no identity model needed)
        const reported = new Set<ts.Node>(stale.map((s) => s.op.node));
        for (const use of perRequestStateInFile(facts)) if (!reported.has(use.node)) context.report(sharedReport(use));
      },
      imports(facts: FileFacts, modules: Modules) {
        // without an identity model: helpers, guards and state the file's imports reach
        for (const s of staleOperationsAcrossImports(facts, modules)) context.report(staleReport(s));
        // identity another module keeps per request (a module variable its setter writes), relied on here
        for (const use of perRequestStateOfImports(facts, modules)) context.report(sharedReport(use));
        // identity this file's own class keeps per request, where the module that registers it says it is shared
        for (const use of perRequestStateWithImporters(facts, modules)) context.report(sharedReport(use));
      },
      project(project: Project) {
        // what a helper in another file adds to what each file showed alone
        for (const s of project.staleOperations.acrossFiles()) context.report(staleReport(s));
        for (const use of project.staleOperations.sharedIdentityUses()) context.report(sharedReport(use));
      },
    };
  },
});

const line = (n: ts.Node): number => {
  const sf = n.getSourceFile();
  return sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
};

function staleReport(s: StaleOperation): RuleReport {
  const sf = s.op.node.getSourceFile();
  const callee = ts.isCallExpression(s.op.node) ? s.op.node.expression : s.op.node.tag;
  const decision = code(snippet(s.decision.call, s.decision.call.getSourceFile(), 60));
  const d = s.decision;
  const what = d.shared ? `${d.shared.label}, which every request shares,` : d.fields.length > 0 ? `the record's ${d.fields.map((f) => code(f)).join(', ')}` : 'the answer it got';
  return {
    messageId: 'staleDecision',
    node: reportedAt(s.op.node),
    severity: d.shared ? 'error' : 'warning',
    data: { op: code(`${snippet(callee, sf, 50)}()`), boundary: boundaryText(s.boundary), boundaryLine: line(boundaryAt(s.boundary)), decision, decisionLine: line(d.call), what },
    related: [
      { node: d.call, message: `the decision rests on this read: ${decision}` },
      { node: boundaryAt(s.boundary), message: `other requests can run here (${boundaryText(s.boundary)}) before the operation` },
    ],
  };
}

function sharedReport(u: SharedIdentityUse): RuleReport {
  const sf = u.node.getSourceFile();
  const data: Record<string, string | number> =
    u.kind !== 'decision'
      ? { place: u.place.label, boundary: boundaryText(u.boundary), boundaryLine: line(boundaryAt(u.boundary)), readLine: line(u.before) }
      : {
          op: code(`${snippet(ts.isCallExpression(u.node) ? u.node.expression : u.node, sf, 50)}()`),
          boundary: boundaryText(u.boundary),
          boundaryLine: line(boundaryAt(u.boundary)),
          decisionLine: line(u.before),
          place: u.place.label,
        };
  return {
    messageId: u.kind === 'reread' ? 'sharedIdentityReread' : u.kind === 'afterWait' ? 'sharedIdentityAfterWait' : 'sharedIdentityDecision',
    node: u.node,
    severity: 'error',
    data,
    related: [
      ...(u.kind === 'afterWait'
        ? []
        : [{ node: u.before, message: u.kind === 'reread' ? `identity is first read from ${u.place.label} here` : `the decision is made here from identity in ${u.place.label}` }]),
      { node: boundaryAt(u.boundary), message: `other requests can run here (${boundaryText(u.boundary)})` },
      { node: u.write, message: `identity is written to ${u.place.label} here` },
    ],
  };
}

/** Where a boundary is shown: a promise chain's step at its `.then`, not where the chain starts. */
function boundaryAt(node: ts.Node): ts.Node {
  return ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && isPromiseStep(node.expression.name.text) ? node.expression.name : node;
}

function boundaryText(node: ts.Node): string {
  const sf = node.getSourceFile();
  if (ts.isAwaitExpression(node)) return code(`await ${snippet(node.expression, sf, 40)}`);
  if (ts.isYieldExpression(node)) return '`yield`';
  if (ts.isForOfStatement(node)) return '`for await`';
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    // a promise chain's next step waits for the promise before it: name the step, not the chain
    if (ts.isPropertyAccessExpression(callee) && isPromiseStep(callee.name.text)) return `the next ${code(`.${callee.name.text}()`)} callback`;
    // a job put on a queue, run later by the queue's worker
    if (ts.isPropertyAccessExpression(callee) && isQueueCall(callee.name.text)) return `the job queued by ${code(`${snippet(callee, sf, 40)}()`)} in ${path.basename(sf.fileName)}`;
    // an event, handled by a listener of the emitter
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === EMIT_METHOD)
      return `the listener of ${code(`${snippet(callee, sf, 40)}()`)} in ${path.basename(sf.fileName)}`;
    return `the callback of ${code(`${snippet(callee, sf, 40)}()`)}`;
  }
  return code(snippet(node, sf, 40));
}
