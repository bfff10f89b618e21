import { run } from '../src/engine';
import { tempProject } from './helpers/project';

/**
 * Shapes of real code that once made a question's work grow without bound: helpers that hand the
 * request context to each other in a lattice (every helper called by two others), recursion, and a
 * value passed around a cycle. The scan must answer (the jest timeout bounds it), with the finding
 * that is there still found.
 */
function lattice(levels: number): string {
  const out: string[] = [
    "import express from 'express';",
    "import { PrismaClient } from '@prisma/client';",
    'const prisma = new PrismaClient();',
    'export const app = express();',
    'export const resolvers = { Query: { me: (_p: unknown, args: { id: string }, ctx: any) => h0a(ctx, args.id) } };',
    'export const options = { context: ({ req }: any) => ({ who: req.socket.getPeerCertificate().subject.CN }) };',
  ];
  for (let i = 0; i < levels; i++) {
    for (const side of ['a', 'b']) {
      const next =
        i + 1 < levels ? `h${i + 1}a(ctx, id); h${i + 1}b(ctx, id); return ctx.who + h${i}${side === 'a' ? 'b' : 'a'}(ctx, id);` : 'return prisma.thing.delete({ where: { id } });';
      out.push(`function h${i}${side}(ctx: any, id: string): any { if (!ctx.who) throw new Error('no'); ${next} }`);
    }
  }
  return out.join('\n');
}

/** Many classes whose methods share one name and hand the context on: a method's callers by name are every such call. */
function sharedNames(classes: number): string {
  const out: string[] = [
    "import { PrismaClient } from '@prisma/client';",
    'const prisma = new PrismaClient();',
    'export const resolvers = { Query: { me: (_p: unknown, args: { id: string }, ctx: any) => new C0().handle(ctx, args.id) } };',
    'export const options = { context: ({ req }: any) => ({ who: req.socket.getPeerCertificate().subject.CN }) };',
  ];
  for (let i = 0; i < classes; i++) {
    const calls = [1, 2, 3].map((k) => `new C${(i + k) % classes}().handle(ctx, id);`).join(' ');
    out.push(
      `export class C${i} { handle(ctx: any, id: string): any { if (!ctx.who) throw new Error('no'); ${calls} return prisma.thing.delete({ where: { id, owner: ctx.who } }); } }`,
    );
  }
  return out.join('\n');
}

describe('bounded work', () => {
  it('answers when many methods of one name hand the context to each other', async () => {
    const dir = tempProject({ 'src/app.ts': sharedNames(80) });
    const result = await run({ targets: ['.'], cwd: dir, onlyRules: ['identity-from-request-params', 'cert-claims-cached'] });
    expect(result.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
  }, 30_000);

  it('answers on a lattice of helpers passing the context to each other', async () => {
    const dir = tempProject({
      'src/app.ts': lattice(24),
      'src/server.ts': "import https from 'node:https';\nimport { app } from './app';\nhttps.createServer({ requestCert: true, crl: [] }, app).listen(443);\n",
    });
    const result = await run({ targets: ['.'], cwd: dir, onlyRules: ['identity-from-request-params', 'cert-claims-cached', 'unverified-peer-cert'] });
    expect(result.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
    expect(result.filesScanned).toBe(2);
  }, 30_000);
});
