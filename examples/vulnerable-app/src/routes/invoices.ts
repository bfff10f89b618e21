import { PrismaClient } from '@prisma/client';
import { Router } from 'express';

const prisma = new PrismaClient();
export const invoices = Router();

// The client was identified from its certificate (server.ts), but any invoice id is served.
invoices.get('/:id', async (req, res) => {
  const invoice = await prisma.invoice.findUnique({ where: { id: req.params.id } });
  if (!invoice) return res.sendStatus(404);
  res.json(invoice);
});

// Fixed: the identity bound to the request scopes the query, so another client's id finds nothing.
invoices.get('/:id/pdf', async (req, res) => {
  const invoice = await prisma.invoice.findFirst({ where: { id: req.params.id, customerCn: res.locals.identity.cn } });
  if (!invoice) return res.sendStatus(404);
  res.type('application/pdf').send(invoice.pdf);
});
