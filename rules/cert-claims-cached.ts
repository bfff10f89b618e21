import * as path from 'node:path';
import { code, snippet } from '../src/analysis/expressions';
import type { Project } from '../src/analysis/project';
import { defineRule } from '../src/rule';
import type { ts } from '../src/ts';

export default defineRule({
  id: 'cert-claims-cached',
  title: 'Certificate claims cached across requests',
  description:
    'Identity derived from the client certificate is stored where it outlives the request or is shared by concurrent requests, so a later use trusts a check made for another request, another connection or an earlier moment.',
  severity: 'error',
  precision: 'medium',
  securitySeverity: 8.1,
  cwe: [367, 524],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Axum with Mutual Tls',
      section:
        'the warning against caching certificate-derived claims beyond the immediate handler scope or in shared mutable state, where concurrent requests and delayed asynchronous work separate the check from the use, and the advice to derive and validate identity per request',
    },
  ],
  messages: {
    sharedWrite:
      '{{value}}, derived from {{source}}, is stored in {{place}}, which outlives the request and is shared by concurrent requests: a later use can trust the identity of another client or an earlier moment',
    keptInSession:
      '{{value}}, derived from {{source}}, is stored in {{place}}: a later request that sends the cookie is trusted as this client without its certificate being read and checked on that connection',
    overwritten:
      'The request-bound identity {{field}} is overwritten with {{other}}, a value not taken from the client certificate: later checks on this request trust it as the certificate identity',
    deferred:
      '{{value}}, derived from {{source}}, is captured by {{work}} for work that decides access from it after the request was answered ({{where}}): the claims may no longer hold when it runs',
  },
  remediationSummary:
    'Derive identity from the certificate once per request and bind it to the request (`req.identity`, `res.locals`, `ctx.state`, `c.set()`, `request.identity`) or pass it as an argument; never keep it in module variables, shared caches, `app.locals` or singleton fields.',
  remediation: `A TLS connection proves who the client is for that connection. Once identity taken from the
certificate is written somewhere that outlives the request — a module variable, a module-level
\`Map\`/LRU/Redis cache, \`app.locals\`, \`global\`, \`process.env\`, a field of a singleton — every
concurrent request reads the same slot. One request's check then decides another request's access:
the last writer wins, a cache keyed by an IP address or a user id hands one client's claims to
another, and a revoked or replaced certificate keeps working for as long as the entry lives.

This rule follows *Time Of Check Time Of Use in Axum with Mutual Tls*: avoid caching sensitive claims
beyond the immediate handler scope, keep per-request authorization state out of shared application
state, and derive and validate identity per request, close to where it is used. In Node:

- **Bind identity to the request, once.** Middleware reads the certificate and sets
  \`req.identity\` (Express, \`node:https\`), \`res.locals.identity\`, \`ctx.state.identity\` (Koa),
  \`c.set('identity', …)\` (Hono), or \`request.identity\` after \`fastify.decorateRequest('identity', null)\`
  (Fastify); handlers read it from there and nowhere else.
- **NestJS**: a provider or controller in the default scope is one instance for the whole process.
  Read identity from the request in a guard or a custom param decorator (\`@ClientIdentity()\`) and pass
  it to services as an argument; if a service must hold it, make it request-scoped
  (\`@Injectable({ scope: Scope.REQUEST })\` and inject \`REQUEST\`).
- **Per-connection state** belongs to the connection: a \`WeakMap\` keyed by \`req.socket\`, or an
  \`AsyncLocalStorage\` store entered per request (\`storage.run({ identity }, next)\`).
- **Do not cache claims in module state**, not even keyed by the certificate's own \`fingerprint256\`:
  parsing the certificate of the connection is cheap, and a process-wide entry outlives the check that made
  it (a revoked or expired certificate's claims stay trusted). If parsing must be saved, keep it per
  connection (a \`WeakMap\` keyed by the socket), and re-check \`authorized\` on every request.
- **Do not overwrite or merge** the request-bound identity with other sources
  (\`req.user = req.user ?? await db.lookup(req.query.user)\`): keep other principals in fields of
  their own, and decide with the certificate identity.
- **Deferred work** (timers, \`res.on('finish')\`, queues) must not decide access from claims captured
  while the request was open; pass the identity along and check again when the work runs.`,
  create(context) {
    return {
      project(project: Project) {
        const identity = project.identity;
        if (identity.certReads().length === 0 && identity.headerReads().length === 0 && identity.configuredCalls().length === 0) return;
        const writes = project.identityWrites;
        const sf = (n: ts.Node): ts.SourceFile => n.getSourceFile();
        const line = (n: ts.Node): number => sf(n).getLineAndCharacterOfPosition(n.getStart(sf(n))).line + 1;
        const sourceOf = (node: ts.Node): { text: string; node?: ts.Node } => {
          const read = writes.sourceRead(node);
          if (read && 'method' in read) return { text: `the client certificate (\`${read.method}()\`)`, node: read.call };
          if (read) return { text: `the ${code(read.header)} header`, node: read.node };
          return { text: 'the client certificate identity' };
        };

        // 1. identity written to shared state
        for (const { write, value } of writes.kept()) {
          const source = sourceOf(write.node);
          context.report({
            messageId: write.place.shared ? 'sharedWrite' : 'keptInSession',
            node: write.node,
            data: { value: code(snippet(value, sf(value), 50)), source: source.text, place: write.place.label },
            related: source.node ? [{ node: source.node, message: `the identity is read here (${source.text})` }] : [],
          });
        }

        // 2. the request-bound identity overwritten or merged with another source
        for (const { node, field, other } of writes.overwrites()) {
          context.report({
            messageId: 'overwritten',
            node,
            data: { field: code(field), other: code(snippet(other, sf(other), 50)) },
            related: [{ node: other, message: 'this value does not come from the client certificate' }],
          });
        }

        // 3. deferred work that decides access from captured claims: reported where the claims are
        // written into the work (the timer, the queued job, the emit), as RULES.md flags the write, with
        // the decision as the related location
        for (const { test, value, capture } of writes.deferredDecisions()) {
          const source = sourceOf(capture);
          const where = sf(capture) === sf(test) ? `decided at line ${line(test)}` : `decided at ${path.basename(sf(test).fileName)}:${line(test)}`;
          context.report({
            messageId: 'deferred',
            node: capture,
            data: { value: code(snippet(value, sf(value), 40)), source: source.text, work: code(`${snippet(capture.expression, sf(capture), 40)}()`), where },
            related: [
              { node: test, message: 'access is decided here from the captured claims, after the request was answered' },
              ...(source.node ? [{ node: source.node, message: `the identity is read here (${source.text})` }] : []),
            ],
          });
        }
      },
    };
  },
});
