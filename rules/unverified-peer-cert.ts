import { code, snippet } from '../src/analysis/expressions';
import { skipOuter } from '../src/analysis/facts/walk';
import { enclosingFunction } from '../src/analysis/dominance';
import type { CertRead } from '../src/analysis/identity';
import { callResolver } from '../src/analysis/decisions';
import { travelsWithVerdict } from '../src/analysis/guards';
import { defineRule, type RelatedReport } from '../src/rule';
import { type ts } from '../src/ts';

export default defineRule({
  id: 'unverified-peer-cert',
  title: 'Unverified peer certificate',
  description:
    'A client certificate is read for identity on a TLS server that lets unverified clients through, with no earlier check that the connection is authorized, so a self-signed certificate naming anyone is accepted.',
  severity: 'error',
  precision: 'medium',
  securitySeverity: 8.1,
  cwe: [295],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Django with Mutual Tls',
      section:
        'the closing advice to have TLS termination require and verify a client certificate on every connection, and the middleware that refuses a request arriving without one',
    },
    {
      title: 'Time Of Check Time Of Use in Axum with Mutual Tls',
      section: 'the FAQ answer that it is enforcement at the TLS handshake that makes a presented client certificate valid, and that application code must not assume more',
    },
  ],
  remediationSummary:
    'Keep `rejectUnauthorized: true` (the default), or reject the request unless `socket.authorized` is true and `getPeerCertificate()` returned a certificate with the fields you expect, before reading any identity from it.',
  remediation: `With \`requestCert: true\` and \`rejectUnauthorized: false\`, Node finishes the handshake whatever the
client presented and still hands the certificate to the application: \`getPeerCertificate()\` returns
it even when its chain failed verification. Only \`socket.authorized\` tells the two apart, and
\`socket.authorizationError\` says what went wrong (\`SELF_SIGNED_CERT_IN_CHAIN\`, \`CERT_HAS_EXPIRED\`,
\`CERT_REVOKED\`, …). Anyone can mint a certificate whose subject reads \`CN=admin\`; code that takes
identity from it without looking at \`authorized\` trusts a name that no CA vouched for.

We follow *Time Of Check Time Of Use in Django with Mutual Tls* here: verification belongs in the
handshake, on every connection, and a request that did not bring a verified certificate gets no
identity at all. In Node:

- **Keep the default.** Leave \`rejectUnauthorized\` unset (it is \`true\`) next to \`requestCert: true\`
  and \`ca\`: a client without a certificate from your CA then fails the handshake and never reaches a
  handler.
- **If you turned it off** (to answer with a readable 401, or to offer a fallback login), reject first,
  read second, in the first middleware of the chain: unless \`socket.authorized\` is \`true\`, answer
  401/403 (or destroy the socket) and return before anything reads the certificate.
- **An empty certificate is not an identity.** \`getPeerCertificate()\` returns an empty object \`{}\`
  when the client sent no certificate, and \`null\` once the socket has been destroyed, so \`if (cert)\`
  proves nothing: test \`cert && cert.subject\` (or \`Object.keys(cert).length > 0\`) and the fields
  you rely on. With \`rejectUnauthorized: false\`, a resumed TLS 1.3 session has been reported as
  \`authorized === true\` while the certificate is empty (nodejs/node#35317), so require both
  \`authorized\` and a certificate with the expected fields — or keep \`rejectUnauthorized: true\`.

Per framework:

- **Express / node:https**: \`https.createServer({ key, cert, ca, requestCert: true }, app)\`. Checking by
  hand: \`const socket = req.socket as TLSSocket\` (\`req.client\` is the same socket), then
  \`if (!socket.authorized) return res.status(401).end()\` before \`socket.getPeerCertificate()\`.
- **Fastify**: \`Fastify({ https: { key, cert, ca, crl, requestCert: true } })\`; checking by hand, an
  \`onRequest\` hook that replies 401 unless \`(request.raw.socket as TLSSocket).authorized\`, then
  puts the identity on the request for handlers to use.
- **Koa**: \`https.createServer(options, app.callback())\`; the first middleware tests
  \`(ctx.req.socket as TLSSocket).authorized\` and calls \`ctx.throw(401)\` instead of \`next()\`.
- **NestJS**: \`NestFactory.create(AppModule, { httpsOptions: { key, cert, ca, requestCert: true } })\`;
  checking by hand, a global guard whose \`canActivate\` takes the request from
  \`context.switchToHttp().getRequest()\` and throws \`UnauthorizedException\` unless its socket is
  authorized and the certificate is not empty (with the Fastify adapter the socket is
  \`request.raw.socket\`).
- **Hono on Node**: \`serve({ fetch: app.fetch, createServer: https.createServer, serverOptions: { key, cert, ca, requestCert: true } })\`;
  checking by hand, middleware that reads \`c.env.incoming.socket\` (with \`Hono<{ Bindings: HttpBindings }>\`)
  and returns \`c.text('client certificate required', 401)\` unless it is authorized.
- **node:tls / node:http2**: in the \`secureConnection\` listener, \`if (!socket.authorized)\` log
  \`socket.authorizationError\`, \`socket.destroy()\` and return; for HTTP/2 the socket is
  \`stream.session.socket\` (or \`req.socket\` in the compatibility API).`,
  messages: {
    unverified:
      '{{read}} takes client identity from a certificate the TLS layer did not verify: {{server}} sets `rejectUnauthorized: false`, and nothing on this path requires {{authorized}} first',
    computed:
      '{{read}} takes client identity from the peer certificate, but `rejectUnauthorized` of {{server}} is computed, so it may be false, and nothing on this path requires {{authorized}} first',
    unseen:
      '{{read}} takes client identity from the peer certificate, but the options of the TLS server are not in the scanned files, and nothing on this path requires {{authorized}} first',
  },
  create(context) {
    return {
      project(project) {
        const guards = project.guards('authorized');
        const resolve = callResolver(project.modules);
        const reported = new Set<string>();
        for (const read of project.identity.certReads()) {
          const servers = project.servers.servingNode(read.call);
          const verdicts = servers.map((s) => ({ server: s, v: project.servers.verification(s) }));
          const open = verdicts.filter(({ v }) => v === 'unverified' || v === 'unknown');
          // a server that verifies (or never asks for) client certificates protects this read
          if (servers.length > 0 && open.length === 0) continue;
          if (guards.guarded(read.call)) continue;
          // the certificate recorded with its verdict, not an identity taken from it
          if (travelsWithVerdict(read.call, project, resolve)) continue;
          // one finding per socket per function: `if (!s.getPeerCertificate() || !s.getPeerCertificate().subject)`
          const sf = read.call.getSourceFile();
          const once = `${sf.fileName}:${enclosingFunction(read.call)?.pos ?? -1}:${authorizedHint(read)}`;
          if (reported.has(once)) continue;
          reported.add(once);
          const data = { read: code(snippet(read.call, sf)), authorized: code(authorizedHint(read)) };
          const worst = open.find(({ v }) => v === 'unverified') ?? open[0];
          const related: RelatedReport[] = [];
          const route = project.handlers.registrationReaching(read.call);
          if (route) related.push({ node: route, message: 'the request path that reaches this read, with no `authorized` check before it' });
          if (!worst) {
            context.report({ messageId: 'unseen', node: read.call, data, related });
            continue;
          }
          const reject = worst.server.options.values.get('rejectUnauthorized');
          const why = worst.v === 'unverified' ? 'verification of client certificates is turned off here' : '`rejectUnauthorized` is computed here';
          related.push({ node: reject?.node ?? worst.server.call, message: reject ? why : 'the TLS server' });
          if (reject) related.push({ node: worst.server.call, message: 'the TLS server' });
          context.report({
            messageId: worst.v === 'unverified' ? 'unverified' : 'computed',
            node: read.call,
            data: { ...data, server: code(worst.server.label) },
            related,
          });
        }
      },
    };
  },
});

/** `req.socket.getPeerCertificate()` → `req.socket.authorized`. */
function authorizedHint(read: CertRead): string {
  const receiver = skipOuter((skipOuter(read.call.expression) as ts.PropertyAccessExpression).expression);
  const text = receiver.getText(read.call.getSourceFile()).replace(/\s+/g, '');
  return text.length <= 40 ? `${text}.authorized` : 'socket.authorized';
}
