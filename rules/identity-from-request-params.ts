import { code, snippet } from '../src/analysis/expressions';
import { defineRule } from '../src/rule';

export default defineRule({
  id: 'identity-from-request-params',
  title: 'Record chosen by a request parameter after certificate authentication',
  description:
    'After the client was identified by its certificate, a data access or other sensitive operation picks its target by an id the client sent, never compared with that identity nor scoped by it (BOLA/IDOR).',
  severity: 'error',
  precision: 'medium',
  securitySeverity: 8.1,
  cwe: [639, 367],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Django with Mutual Tls',
      section:
        'the view that checks the tenant from the certificate and then queries by an id from the URL, and the fix: bind the certificate identity to the request once and put the tenant from it into every query (`filter(id=resource_id, tenant_id=tenant_id)`)',
    },
    {
      title: 'Time Of Check Time Of Use in Aspnet with Mutual Tls',
      section: 'keeping the access check and the use of the resource in one step, evaluated on the claims mapped from the certificate',
    },
  ],
  remediationSummary:
    "Scope the operation by the identity bound to the request from the certificate (`where: { id, tenantId: identity.tenantId }`, `AND tenant_id = $2`), or compare the id with that identity and answer 403 on a mismatch, or check the fetched record's owner before returning or changing it.",
  remediation: `Mutual TLS tells the app who the client is; it says nothing about which records that client may
touch. When a handler identifies the client from its certificate and then loads, changes or deletes a
record chosen by an id from the URL, the query string, the body or a header, any client with a valid
certificate can name another client's id (broken object-level authorization, CWE-639). The check
(who is this?) and the use (which record?) are made on different inputs, and nothing ties them together.

This rule follows *Time Of Check Time Of Use in Django with Mutual Tls*: bind the identity from the
certificate to the request once, in middleware, and make every data access use that request-bound identity
in the same query — the record is fetched by its id *and* the tenant from the certificate, so a foreign
id finds nothing. *Time Of Check Time Of Use in Aspnet with Mutual Tls* gives the same advice from the
other side: keep the access decision and the use of the resource in one step, on the claims mapped from
the certificate.

- **Put the identity in the query.** Prisma \`findFirst({ where: { id, tenantId: identity.tenantId } })\`
  (not \`findUnique({ where: { id } })\`), TypeORM \`findOneBy({ id, tenantId })\`, Sequelize
  \`findOne({ where: { id, tenantId } })\`, Mongoose \`findOne({ _id: id, owner: identity.cn })\`, Knex
  \`.where({ id, tenant_id: identity.tenantId })\`, SQL \`… WHERE id = $1 AND tenant_id = $2\` with the
  identity bound as \`$2\`. Updates and deletes the same way (\`updateMany\`/\`deleteMany\` with both, then
  check the count), so no separate read can go stale.
- **Or compare before use.** When the URL names the client itself (\`/tenants/:tenantId/…\`), compare the
  param with the identity and answer 403 on a mismatch before any data access — in the handler, in
  middleware mounted on the router (Express \`router.param('tenantId', …)\`, Fastify a \`preHandler\` hook,
  Koa middleware before the router, Hono \`app.use('/tenants/:tenantId/*', …)\`), or in a NestJS guard
  that reads both from \`context.switchToHttp().getRequest()\`.
- **Or check ownership of what you fetched** against the identity before returning or changing it, and
  answer 404 or 403 when it belongs to someone else.
- **Take the identity from the request-bound value only** — \`req.identity\`, \`res.locals.identity\`,
  \`ctx.state.identity\`, \`c.get('identity')\`, Fastify \`request.identity\`, a NestJS param decorator over
  the guard's result — never from a body field, a query parameter or a header the client can set.
- **Services:** pass the identity into the service as an argument and let the repository add it to every
  query, so a controller cannot forget it.`,
  messages: {
    unscoped:
      "{{param}} from the request chooses what {{sink}} reads or changes, after the client was identified by {{identity}}, but it is never compared with that identity nor scoped by it in the query: any client with a valid certificate can name another client's record",
  },
  create(context) {
    return {
      project(project) {
        const sinks = project.sinks;
        if (sinks.length === 0) return;
        const access = project.accessChecks;
        for (const sink of sinks) {
          const read = access.clientChoice(sink);
          if (!read) continue;
          if (access.scopedByIdentity(sink) || access.scopedByCheckedChoice(sink, read) || access.scopedByCheckedRecord(sink)) continue;
          const identified = access.identifiedBefore(sink.node);
          if (!identified) continue;
          if (access.choiceCompared(sink.node, read)) continue;
          if (sink.readOnly && (access.ownershipChecked(sink.node) || access.selectionCheckedAfter(sink))) continue;
          const seen = access.identityIn(identified);
          context.report({
            messageId: 'unscoped',
            node: sink.node,
            data: { param: code(read.name), sink: code(sink.label), identity: seen ? code(snippet(seen, seen.getSourceFile(), 50)) : 'its certificate' },
            related: [
              { node: identified, message: 'the client is identified here, from its certificate' },
              { node: read.node, message: `the client chooses ${read.name} here` },
            ],
          });
        }
      },
    };
  },
});
