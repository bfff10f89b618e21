import { code } from '../src/analysis/expressions';
import { enclosingFunction } from '../src/analysis/dominance';
import { onlyLocalListeners } from '../src/analysis/listeners';
import type { Project } from '../src/analysis/project';
import { defineRule } from '../src/rule';
import type { ts } from '../src/ts';

export default defineRule({
  id: 'cert-from-header',
  title: 'Client certificate from forwarded header',
  description:
    'Client identity is taken from a forwarded client-certificate header with no check that the request came through the proxy that sets it, so a client that reaches the app directly can send the header itself.',
  severity: 'warning',
  precision: 'medium',
  securitySeverity: 7.5,
  cwe: [290, 345],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Django with Mutual Tls',
      section:
        'the middleware that takes the client certificate handed over by the TLS terminator and refuses a request without one, the warning that request headers can be manipulated between check and use, and the advice to verify client certificates at TLS termination on every connection',
    },
  ],
  remediationSummary:
    'Trust the header only from the proxy: reject the request unless `req.socket.remoteAddress` is an allow-listed proxy (or the proxy authenticated with mTLS, or its signature over the header verifies), and have the proxy overwrite the header on every request.',
  remediation: `When a load balancer or proxy terminates mutual TLS, it tells the app who the client was in a header
(\`X-SSL-Client-Cert\`, \`X-SSL-Client-S-DN\`, Envoy's \`X-Forwarded-Client-Cert\`, RFC 9440
\`Client-Cert\`, …). The app cannot tell that header from one the client wrote. Anyone who reaches the
app without passing through the proxy — from inside the cluster, through a second listener, a
misconfigured security group or a proxy that passes the header on unchanged — can name any certificate
or DN they like.

This rule follows *Time Of Check Time Of Use in Django with Mutual Tls*. Its middleware reads the
certificate the TLS terminator handed over and turns away requests without one; there the value
(\`SSL_CLIENT_CERT\`) comes from the server's WSGI environment, out of the client's reach. In a Node app
behind a proxy the same value arrives as an ordinary header, which is exactly the kind of request input
the document warns can be manipulated between check and use. So the header counts only once the app
knows the proxy sent it:

- **Check the immediate peer** before the header is read: compare \`req.socket.remoteAddress\` (Fastify
  \`request.raw.socket.remoteAddress\`, Koa \`ctx.req.socket.remoteAddress\`, Hono on Node
  \`c.env.incoming.socket.remoteAddress\`, NestJS the same on the request from
  \`context.switchToHttp().getRequest()\` in a guard) with the proxies' addresses, and answer 403
  otherwise. Not \`req.ip\`, \`request.ip\`, \`ctx.ip\` or \`X-Forwarded-For\`: with \`trust proxy\` on,
  those are read from a header the client can also send. Allow for IPv4-mapped addresses
  (\`::ffff:10.0.0.5\`).
- **Or authenticate the proxy with mTLS**: the app listens with \`requestCert: true\` and a \`ca\` that
  issues only the proxy's certificate, and checks \`socket.authorized\` and the proxy's subject or
  \`fingerprint256\` before reading the header.
- **Or verify a signature** the proxy puts over the header (an HMAC over the value and a timestamp
  with a secret shared with the proxy, compared with \`crypto.timingSafeEqual\`, stale timestamps
  refused). A token checked with a key of its own (a JWT) does not vouch for the header.
- **Make the proxy own the header.** It must overwrite or remove every header name the app reads, on
  every request: nginx \`proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;\` (with
  \`ssl_verify_client on\`, or also forward \`$ssl_client_verify\` and require \`SUCCESS\`); Envoy
  \`forward_client_cert_details: SANITIZE_SET\` on the HTTP connection manager. A header name the proxy
  does not set passes through from the client as it is.
- **\`trust proxy\` is not a check.** Express \`app.set('trust proxy', …)\`, Fastify \`trustProxy\` and
  Koa \`app.proxy = true\` only tell the framework which \`X-Forwarded-*\` values to believe; they
  verify nothing about who connected.

- **Or listen only where the proxy is**: a Unix domain socket the sidecar connects to
  (\`listen({ path: '/run/app.sock' })\`) or a loopback address (\`listen(8080, '127.0.0.1')\`) for
  every listener of the app. A private interface, a NetworkPolicy or a security group also helps, but
  lives outside the code; keep a check in the app where the deployment can change.`,
  messages: {
    untrustedHeader:
      "Client identity is read from the {{header}} header with no check that the request came through the trusted proxy (peer address, the proxy's own certificate, or a signature): a client that reaches the app directly can send this header itself",
  },
  create(context) {
    return {
      project(project) {
        if (project.identity.headerReads().length === 0) return;
        // every listener of the app is a Unix socket or a loopback address: only the proxy beside it connects
        if (onlyLocalListeners(project)) return;
        const guards = project.guards('peer');
        const reported = new Set<string>();
        for (const read of project.identity.headerReads()) {
          // (verified TLS keeps out all but the proxy only where the app relies on it: one that checks the peer elsewhere expects others)
          if ((onlyVerifiedClients(project, read.node) && !guards.checksPeerAddress()) || guards.guarded(read.node)) continue;
          // one finding per header per function: `if (req.headers[h]) id = req.headers[h]`
          const once = `${read.node.getSourceFile().fileName}:${enclosingFunction(read.node)?.pos ?? -1}:${read.header.toLowerCase()}`;
          if (reported.has(once)) continue;
          reported.add(once);
          const route = project.handlers.registrationReaching(read.node);
          context.report({
            messageId: 'untrustedHeader',
            node: read.node,
            data: { header: code(read.header) },
            related: route ? [{ node: route, message: 'the request path that reaches this read, with no check of the peer before it' }] : [],
          });
        }
      },
    };
  },
});

/**
 * The handler is served only over TLS that requires a verified client certificate: only the proxy,
 * holding such a certificate, can connect at all.
 */
function onlyVerifiedClients(project: Project, read: ts.Node): boolean {
  const servers = project.servers.servingNode(read);
  if (servers.length === 0 || !servers.every((s) => project.servers.verification(s) === 'verified')) return false;
  // a server that also takes client identity from the peer certificate is reached by clients themselves,
  // each holding a certificate it verifies: any of them can send the header
  return !project.identity.certReads().some((c) => project.servers.servingNode(c.call).some((s) => servers.includes(s)));
}
