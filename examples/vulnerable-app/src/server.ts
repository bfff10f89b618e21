import express from 'express';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { invoices } from './routes/invoices';
import { projects } from './routes/projects';
import { session } from './routes/session';
import { uploads } from './routes/uploads';

const app = express();

// Derive the client identity from the certificate once per request and bind it to the request.
app.use((req, res, next) => {
  const socket = req.socket as import('node:tls').TLSSocket;
  const cert = socket.getPeerCertificate();
  if (!socket.authorized || !cert || !cert.subject) {
    res.status(401).end();
    return;
  }
  res.locals.identity = { cn: cert.subject.CN, fingerprint: cert.fingerprint256 };
  next();
});

app.use('/uploads', uploads);
app.use('/invoices', invoices);
app.use('/projects', projects);
app.use('/session', session);

https
  .createServer(
    {
      key: fs.readFileSync('tls/server.key'),
      cert: fs.readFileSync('tls/server.crt'),
      ca: fs.readFileSync('tls/clients-ca.crt'),
      requestCert: true,
    },
    app,
  )
  .listen(8443);
