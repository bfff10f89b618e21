import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../src/analysis/project';
import { EMPTY_IDENTITY_SOURCES } from '../src/config/index';
import { parseFile } from '../src/parse';
import { ts } from '../src/ts';
import { cli, tempProject } from './helpers/project';

/** A project model over in-memory files (absolute names under /p/). */
function model(files: Record<string, string>, sinks: string[] = []): Project {
  const map = new Map<string, { text: string; sourceFile: ts.SourceFile }>();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join('/p', name);
    map.set(file, { text, sourceFile: parseFile(file, text).sourceFile });
  }
  return new Project(map, EMPTY_IDENTITY_SOURCES, sinks);
}

/** The expression `marker(<expr>)` wraps. */
function marked(project: Project, index = 0): ts.Expression {
  const call = project.callsNamed('marker')[index];
  if (!call || !ts.isCallExpression(call)) throw new Error('no marker()');
  return call.arguments[0];
}

const MIDDLEWARE = `
import type { Request, Response, NextFunction } from 'express';
export function mtls(req: Request, res: Response, next: NextFunction) {
  const sock = req.socket as import('node:tls').TLSSocket;
  if (!sock.authorized) return res.sendStatus(401);
  const cert = sock.getPeerCertificate();
  (req as any).identity = { cn: cert.subject.CN, tenantId: cert.subject.O };
  next();
}
`;

describe('request values: what the client chose', () => {
  it('follows params, query and body through destructuring, conversions, templates and helpers', () => {
    const p = model({
      'app.ts': `
        import express from 'express';
        const app = express();
        const toId = (raw: string) => Number.parseInt(raw, 10);
        app.get('/a/:id', (req, res) => {
          const { id } = req.params;
          const n = Number(id);
          marker(n);
          marker(\`/files/\${req.query.name}\`);
          marker(toId(req.body.accountId));
          marker(req.socket.remoteAddress);
        });
      `,
    });
    const values = p.requestValues;
    expect(values.origin(marked(p, 0))?.name).toBe('req.params.id');
    expect(values.requestReadIn(marked(p, 1))?.name).toBe('req.query.name');
    expect(values.origin(marked(p, 2))?.name).toBe('req.body.accountId');
    expect(values.origin(marked(p, 3))).toBeUndefined();
  });

  it('knows Hono, Koa, Fastify and NestJS inputs', () => {
    const p = model({
      'hono.ts': `app.get('/x/:id', async (c) => { marker(c.req.param('id')); marker((await c.req.json()).ownerId); });`,
      'koa.ts': `router.get('/x/:id', async (ctx) => { marker(ctx.params.id); marker(ctx.request.body.id); marker(ctx.state.identity.cn); });`,
      'nest.ts': `
        @Controller('x')
        class X {
          @Get(':id') get(@Param('id') id: string, @Body() dto: Dto) { marker(id); marker(dto.accountId); }
        }
      `,
    });
    const names = [0, 1, 2, 3, 4, 5, 6].map((i) => p.requestValues.origin(marked(p, i))?.name);
    expect(names).toEqual(["c.req.param('id')", 'c.req.json().ownerId', 'ctx.params.id', 'ctx.request.body.id', undefined, "@Param('id') id", '@Body() dto.accountId']);
  });

  it('follows a parameter to the call sites that pass it, through class-typed instances', () => {
    const p = model({
      'svc.ts': `
        export class InvoiceService {
          get(id: string, tenantId: string) { marker(id); marker(tenantId); }
        }
      `,
      'ctl.ts': `
        import { InvoiceService } from './svc';
        export class Ctl {
          constructor(private readonly invoices: InvoiceService) {}
          handle(req: any) { return this.invoices.get(req.params.id, req.identity.tenantId); }
        }
      `,
      'mw.ts': MIDDLEWARE,
    });
    expect(p.requestValues.origin(marked(p, 0))?.name).toBe('req.params.id');
    expect(p.requestValues.carriesIdentity(marked(p, 1))).toBe(true);
    expect(p.requestValues.carriesIdentity(marked(p, 0))).toBe(false);
  });
});

describe('sinks by call shape', () => {
  const labels = (p: Project): string[] => p.sinks.map((s) => `${s.label}:${s.kind}${s.readOnly ? ':read' : ''}`);

  it('finds ORM, query-builder, raw SQL, file and service calls, each chain once', () => {
    const p = model({
      'a.ts': `
        import axios from 'axios';
        import { readFile } from 'node:fs/promises';
        async function h(id: string) {
          await prisma.invoice.findUnique({ where: { id } });
          await knex('invoices').where({ id }).first();
          await db.update(projects).set({ name: 'x' }).where(eq(projects.id, id));
          await pool.query('SELECT * FROM t WHERE id = $1', [id]);
          db.prepare('DELETE FROM t WHERE id = ?').run(id);
          await readFile(\`/data/\${id}\`);
          await axios.get(\`http://billing/\${id}\`);
          await fetch(\`http://billing/\${id}\`);
        }
      `,
    });
    expect(labels(p)).toEqual([
      'prisma.invoice.findUnique:database:read',
      'knex(…).where:database:read',
      'db.update:database',
      'pool.query:sql:read',
      'db.prepare(…).run:sql',
      'readFile:file:read',
      'axios.get:service:read',
      'fetch:service:read',
    ]);
  });

  it("leaves collections, hashes, arrays and the project's own functions alone", () => {
    const p = model({
      'a.ts': `
        import * as repo from './repo';
        const cache = new Map<string, string>();
        function h(id: string, list: { id: string }[]) {
          cache.delete(id);
          createHash('sha256').update(id);
          list.find((x) => x.id === id);
          repo.remove(id);
        }
      `,
      'repo.ts': `export function remove(id: string) { return 1; }`,
    });
    expect(labels(p)).toEqual([]);
  });

  it('takes the where of a Sequelize update and the filter of a Mongo update, not the values written', () => {
    const p = model({
      'a.ts': `
        function h(id: string, me: string) {
          Invoice.update({ ownerCn: me }, { where: { id } });
          invoices.updateOne({ _id: id }, { $set: { by: me } });
        }
      `,
    });
    const [seq, mongo] = p.sinks;
    expect(seq.selectors.map((s) => s.getText())).toEqual(['{ id }']);
    expect(mongo.selectors.map((s) => s.getText())).toEqual(['_id: id']);
  });

  it('adds the functions the config names', () => {
    const p = model({ 'a.ts': `function h(id: string) { ledger.transfer(id, 10); other.transfer(id); }` }, ['ledger.transfer']);
    expect(labels(p)).toEqual(['ledger.transfer:configured']);
  });
});

describe('request paths', () => {
  it('orders the chain before a handler across mounted routers and files', () => {
    const p = model({
      'app.ts': `
        import express from 'express';
        import { mtls } from './mw';
        import invoices from './routes';
        const app = express();
        app.use(express.json());
        app.use(mtls);
        app.use('/invoices', invoices);
      `,
      'mw.ts': MIDDLEWARE,
      'routes.ts': `
        import { Router } from 'express';
        const router = Router();
        function audit(req: any, res: any, next: any) { next(); }
        router.get('/:id', audit, async function show(req, res) { res.json(await prisma.invoice.findUnique({ where: { id: req.params.id } })); });
        export default router;
      `,
    });
    const show = p.sinks[0].node;
    const handler = p.handlers.entriesReaching(show)[0];
    expect(p.requestPaths.chain(handler).map((f) => (f as ts.FunctionDeclaration).name?.text)).toEqual(['mtls', 'audit']);
  });
});

describe('identity-from-request-params on a staged handler file', () => {
  const files = {
    'package.json': '{"name":"app","private":true}',
    'src/server.ts': [
      "import https from 'node:https';",
      "import express from 'express';",
      "import { mtls } from './mtls';",
      "import invoices from './invoices';",
      'const app = express();',
      'app.use(mtls);',
      "app.use('/invoices', invoices);",
      "https.createServer({ ca: 'c', crl: 'r', requestCert: true }, app).listen(8443);",
    ].join('\n'),
    'src/mtls.ts': MIDDLEWARE,
    'src/invoices.ts': [
      "import { Router } from 'express';",
      'const router = Router();',
      "router.get('/:id', async (req, res) => res.json(await prisma.invoice.findUnique({ where: { id: req.params.id } })));",
      'export default router;',
    ].join('\n'),
  };

  it('reads the project as context when the staged file picks records by request input', () => {
    const dir = tempProject(files);
    const staged = cli(['--format', 'json', 'src/invoices.ts'], dir);
    const findings = JSON.parse(staged.stdout).findings as { ruleId: string; location: { path: string; line: number } }[];
    expect(findings.map((f) => [f.ruleId, f.location.path, f.location.line])).toEqual([['identity-from-request-params', 'src/invoices.ts', 3]]);
    expect(staged.code).toBe(1);
  });
});

describe('the sinks config key', () => {
  it('adds functions that then count as sinks, and rejects names that are not dotted identifiers', () => {
    const dir = tempProject({
      'toctou-lint.config.json': JSON.stringify({ sinks: ['ledger.transfer'] }),
      'src/app.ts': [
        "import https from 'node:https';",
        "import express from 'express';",
        'const app = express();',
        "app.post('/transfers/:from', (req, res) => {",
        '  const sock = req.socket as any;',
        '  if (!sock.authorized) return res.sendStatus(401);',
        '  const cn = sock.getPeerCertificate().subject.CN;',
        '  ledger.transfer(req.params.from, req.body.amount);',
        '  res.json({ by: cn });',
        '});',
        "https.createServer({ ca: 'c', crl: 'r', requestCert: true }, app).listen(8443);",
      ].join('\n'),
    });
    const found = cli(['--format', 'json', '--rule', 'identity-from-request-params', 'src'], dir);
    expect(JSON.parse(found.stdout).findings.map((f: { location: { line: number } }) => f.location.line)).toEqual([8]);
    fs.writeFileSync(path.join(dir, 'toctou-lint.config.json'), JSON.stringify({ sinks: ['ledger transfer'] }));
    const broken = cli(['src'], dir);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/sinks/);
  });
});
