import express from 'express';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';

// The operators' console: it lets every client certificate through the handshake so that it can
// show a friendly page instead of a TLS error.
const admin = express();

admin.get('/whoami', (req, res) => {
  const cert = (req.socket as TLSSocket).getPeerCertificate();
  res.json({ operator: cert.subject?.CN ?? 'anonymous' });
});

https
  .createServer(
    {
      key: fs.readFileSync('tls/server.key'),
      cert: fs.readFileSync('tls/server.crt'),
      ca: fs.readFileSync('tls/operators-ca.crt'),
      crl: fs.readFileSync('tls/operators-ca.crl'),
      requestCert: true,
      rejectUnauthorized: false,
    },
    admin,
  )
  .listen(9443);
