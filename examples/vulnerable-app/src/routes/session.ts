import type { TLSSocket } from 'node:tls';
import { Router } from 'express';

export const session = Router();

// Claims cached in a module-level map keyed by the client's address: a later request from the
// same address (another client behind the same proxy) is served with these claims.
const claimsByAddress = new Map<string, { cn: string; org: string }>();

session.post('/login', (req, res) => {
  const cert = (req.socket as TLSSocket).getPeerCertificate();
  claimsByAddress.set(req.ip ?? '', { cn: cert.subject.CN, org: cert.subject.O });
  res.sendStatus(204);
});

session.get('/me', (req, res) => {
  res.json(claimsByAddress.get(req.ip ?? '') ?? {});
});

// Fixed: the claims are bound to this request only (server.ts puts them in res.locals).
session.get('/me/fresh', (_req, res) => {
  res.json(res.locals.identity);
});
