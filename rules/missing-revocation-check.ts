import { code } from '../src/analysis/expressions';
import { bringsOwnContext } from '../src/analysis/vocabulary/tls';
import { defineRule } from '../src/rule';

export default defineRule({
  id: 'missing-revocation-check',
  title: 'Missing revocation check',
  description:
    'A TLS server requests client certificates but neither loads a certificate revocation list nor checks revocation itself, so a revoked certificate keeps working until it expires.',
  severity: 'note',
  precision: 'high',
  securitySeverity: 4.3,
  cwe: [299],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Django with Mutual Tls',
      section: 'the closing advice to have revocation (CRL or OCSP) checked where TLS is terminated, so that withdrawing a certificate actually ends its use',
    },
  ],
  remediationSummary:
    "Load the CAs' CRLs with the `crl` server option and reload them with `server.setSecureContext()`, or check the certificate's serial number against a revocation list refreshed from the CA; or issue short-lived certificates.",
  remediation: `A client certificate is checked once, when the CA signs it, and then used for months. If the CA later
revokes it — a leaked key, a lost laptop, a contractor whose access ended — a server that never looks at
revocation data keeps completing handshakes with it, and every identity check after the handshake
passes for a client that should have been cut off. The gap between that check and this use is the
certificate's whole remaining lifetime.

*Time Of Check Time Of Use in Django with Mutual Tls* closes with this point: revocation has to be
enforced where the TLS connection is accepted, by CRL or OCSP. In Node that means one of:

- **The \`crl\` option.** Pass the CRLs, PEM-encoded, wherever the server takes TLS options:
  \`https.createServer\`, \`tls.createServer\`, \`http2.createSecureServer\`, \`tls.createSecureContext\`,
  Fastify's \`https: { requestCert, ca, crl }\`, NestJS \`httpsOptions\`, Hono's \`serverOptions\`. Once a
  CRL is loaded, Node has OpenSSL check revocation along the whole chain, so load the CRL of every CA
  on the client's chain, not only the issuing one (a missing one fails with \`UNABLE_TO_GET_CRL\`). A
  revoked certificate then fails the handshake (\`CERT_REVOKED\`), or, with \`rejectUnauthorized: false\`,
  leaves \`socket.authorized\` false.
- **Reload it.** A CRL expires at its next-update time (verification then fails with
  \`CRL_HAS_EXPIRED\`), and a new revocation only counts once you load the new list. Fetch the CA's CRL
  on a timer or watch the file, and call \`server.setSecureContext({ key, cert, ca, crl })\`: it replaces
  the whole context, so pass key, certificate and CA again, and keep the old context if the new CRL
  fails to parse. New handshakes use the new list; connections already open are not re-checked.
- **A check of your own.** In a \`secureConnection\` listener, or in the first middleware, hook or
  guard, look the peer certificate's \`serialNumber\` (with its issuer) up in a revocation set that a
  background job refreshes from the CA's CRL, or ask the OCSP responder named in the certificate's
  \`infoAccess\`, and refuse the connection or answer 403. A per-request check also catches a
  revocation on a keep-alive connection or a resumed TLS session that began before it.
- **Short-lived certificates.** If certificates live for hours (SPIFFE/SPIRE, step-ca, Vault PKI),
  expiry does the job of revocation; record that with a suppression and its reason.

Where a proxy terminates mTLS in front of the app, enable revocation there (nginx \`ssl_crl\`, Envoy
\`crl\` in its validation context) and rely on the app's own TLS only for the hop from the proxy.

This rule reports at \`note\` level: a missing revocation check is a gap that matters once a
certificate has to be withdrawn, not a way in by itself, and deployments with short-lived
certificates have a legitimate reason to go without one.`,
  messages: {
    someRequestsOnly:
      '{{server}} requests client certificates but sets no `crl`, and its own revocation check runs on some requests only: the routes it does not guard still serve a certificate revoked after issue',
    noCrl:
      '{{server}} requests client certificates (`requestCert: true`) but sets no `crl`, and the project has no revocation check of its own: a certificate revoked after issue keeps working',
    noCrlMaybe:
      '{{server}} can request client certificates (`requestCert` is computed and may be true) but sets no `crl`, and the project has no revocation check of its own: a certificate revoked after issue keeps working',
  },
  create(context) {
    return {
      project(project) {
        for (const server of project.servers.all) {
          const { values, complete } = server.options;
          const request = values.get('requestCert');
          // only servers that surely ask for client certificates, with options we could read whole
          if (!(request?.literal === true || request?.mayBeTrue) || !complete || values.has('crl') || [...values.keys()].some(bringsOwnContext)) continue;
          // a CRL loaded after the server was made, or a revocation check of the app's own
          if (project.servers.reloadsCrl(server)) continue;
          const own = project.servers.ownRevocationCheck(server);
          if (own?.everyRequest) continue;
          const related = [{ node: request.node, message: 'client certificates are requested here' }];
          // (the call as a whole, from its first line: `https\n  .createServer(…)` is reported on `https`)
          if (own) {
            context.report({
              messageId: 'someRequestsOnly',
              node: server.call,
              data: { server: code(server.label) },
              related: [...related, { node: own.call, message: 'revocation is checked here, on some requests only' }],
            });
            continue;
          }
          context.report({ messageId: request.literal === true ? 'noCrl' : 'noCrlMaybe', node: server.call, data: { server: code(server.label) }, related });
        }
      },
    };
  },
});
