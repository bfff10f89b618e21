import * as path from 'node:path';
import { partitionApps } from '../src/analysis/apps';
import { queueWorkers, servedFiles, servesSignal } from '../src/analysis/project';
import { aliasTarget } from '../src/analysis/modules';
import { run } from '../src/engine';
import { isTestPath } from '../src/analysis/vocabulary/test-files';
import { cli, tempProject } from './helpers/project';

const P = (f: string): string => path.join('/repo', f);

describe('partitionApps: one application per entry file and what it reaches', () => {
  const imports: Record<string, string[]> = {
    'a/server.ts': ['./app'],
    'a/app.ts': ['../lib/auth', './routes'],
    'a/routes.ts': [],
    'b/server.ts': ['../lib/auth'],
    'lib/auth.ts': [],
    'a/app.test.ts': ['./app', '../b/server'],
    'c/x.ts': ['./y'],
    'c/y.ts': ['./x'],
  };
  const members = new Set(Object.keys(imports).map(P));
  const of = (f: string): string[] => imports[path.relative('/repo', f)] ?? [];
  const rel = (apps: string[][]): string[][] => apps.map((a) => a.map((f) => path.relative('/repo', f)));

  it('gives each entry its reach, a shared library to both, and an import cycle its own app', () => {
    const apps = rel(partitionApps(members, of, (f) => !f.includes('.test.')));
    expect(apps).toEqual([
      ['a/app.ts', 'a/routes.ts', 'a/server.ts', 'lib/auth.ts'],
      ['b/server.ts', 'lib/auth.ts'],
      ['c/x.ts', 'c/y.ts'],
    ]);
  });

  it('never starts an application from test code', () => {
    const apps = rel(partitionApps(members, of, (f) => !f.includes('.test.')));
    expect(apps.flat()).not.toContain('a/app.test.ts');
    // without the test-code rule the test file would join both apps into one
    const all = rel(partitionApps(members, of));
    expect(all[0]).toEqual(['a/app.test.ts', 'a/app.ts', 'a/routes.ts', 'b/server.ts', 'lib/auth.ts']);
  });

  it('joins a job processor to the app whose queue module it imports, and only that way', () => {
    const jobs: Record<string, string[]> = { 'q/app.ts': ['./queue', './util'], 'q/queue.ts': [], 'q/util.ts': [], 'q/worker.ts': ['./queue'], 'q/cron.ts': ['./util'] };
    const jobFiles = new Set(['q/app.ts', 'q/queue.ts', 'q/worker.ts'].map(P));
    const apps = rel(
      partitionApps(
        new Set(Object.keys(jobs).map(P)),
        (f) => jobs[path.relative('/repo', f)] ?? [],
        () => true,
        new Map(),
        undefined,
        () => true,
        (a, b) => jobFiles.has(a) && jobFiles.has(b),
      ),
    );
    expect(apps[0]).toEqual(['q/app.ts', 'q/queue.ts', 'q/util.ts', 'q/worker.ts']);
    // a plain module shared with another entry does not join that entry
    expect(apps).toContainEqual(['q/cron.ts', 'q/util.ts']);
  });

  it('joins a job processor that imports nothing of the queue to the app making a queue of that name', () => {
    const texts: Record<string, string> = {
      'n/app.ts': "import { Queue } from 'bullmq';\nexport const q = new Queue<Cmd>('fleet-commands', { connection });",
      'n/worker.ts': "import { Worker } from 'bullmq';\nnew Worker(\n  'fleet-commands',\n  async (job) => {},\n);",
      'n/other-worker.ts': "import { Worker } from 'bullmq';\nnew Worker('invoices', async (job) => {});",
      'n/plain.ts': "const w = new Worker('fleet-commands'); // not a job library's",
    };
    const workers = queueWorkers(Object.keys(texts).map(P), (f) => texts[path.relative('/repo', f)]);
    expect(rel([[...workers(P('n/app.ts'))]])).toEqual([['n/worker.ts']]);
    expect(workers(P('n/worker.ts'))).toEqual([]);
    const apps = rel(
      partitionApps(
        new Set(Object.keys(texts).map(P)),
        () => [],
        () => true,
        new Map(),
        undefined,
        (f) => f.endsWith('app.ts'),
        () => false,
        workers,
      ),
    );
    expect(apps).toContainEqual(['n/app.ts', 'n/worker.ts']);
    expect(apps).toContainEqual(['n/other-worker.ts']);
  });
});

describe('path aliases resolve inside the importer’s own app', () => {
  const files = ['/m/apps/api/src/lib/db.ts', '/m/apps/admin/src/lib/db.ts', '/m/lib/db.ts'];
  it.each([
    ['/m/apps/api/src/routes/x.ts', '/m/apps/api/src/lib/db.ts'],
    ['/m/apps/admin/src/y.ts', '/m/apps/admin/src/lib/db.ts'],
    ['/m/tools/z.ts', '/m/lib/db.ts'],
  ])('@/lib/db from %s is %s', (from, to) => {
    expect(aliasTarget(from, '@/lib/db', files, new Map())).toBe(to);
  });
  it('is not an alias without a prefix', () => {
    expect(aliasTarget('/m/a.ts', 'lodash', files, new Map())).toBeUndefined();
  });
});

describe('test code', () => {
  it.each([
    ['test/app.ts', true],
    ['src/__tests__/orders.ts', true],
    ['e2e/login.ts', true],
    ['src/orders.test.ts', true],
    ['src/orders.spec.mjs', true],
    ['test/app.e2e-spec.ts', true],
    ['src/testing.ts', false],
    ['src/contest/entry.ts', false],
    ['src/latest.ts', false],
    ['src/routes/tests-api.ts', false],
  ])('%s is test code: %s', (p, expected) => {
    expect(isTestPath(p)).toBe(expected);
  });

  const vulnerable = `import * as fs from 'node:fs';\nexport function save(p: string) {\n  if (fs.existsSync(p)) fs.unlinkSync(p);\n}\n`;
  it('is read but not reported by default, reported with --include-tests or when given by name', () => {
    const dir = tempProject({ 'src/a.ts': vulnerable, 'test/b.ts': vulnerable, 'src/c.spec.ts': vulnerable });
    const files = (out: string): string[] => (JSON.parse(out) as { findings: { location: { path: string } }[] }).findings.map((f) => f.location.path).sort();
    const plain = cli(['-f', 'json', '.'], dir);
    expect(plain.code).toBe(1);
    expect(files(plain.stdout)).toEqual(['src/a.ts']);
    expect(files(cli(['-f', 'json', '--include-tests', '.'], dir).stdout)).toEqual(['src/a.ts', 'src/c.spec.ts', 'test/b.ts']);
    expect(files(cli(['-f', 'json', 'test/b.ts'], dir).stdout)).toEqual(['test/b.ts']);
    expect(cli(['--help'], dir).stdout).toContain('--include-tests');
  });

  it('a test server around the app does not decide how the app is judged', async () => {
    const app = `import express from 'express';\nexport const app = express();\napp.get('/me', (req, res) => {\n  const cert = (req.socket as any).getPeerCertificate();\n  res.json({ cn: cert.subject.CN });\n});\n`;
    const server = `import https from 'node:https';\nimport { app } from './app';\nhttps.createServer({ requestCert: true, rejectUnauthorized: true, crl: [] }, app).listen(443);\n`;
    const testServer = `import https from 'node:https';\nimport { app } from '../src/app';\nhttps.createServer({ requestCert: true, rejectUnauthorized: false }, app).listen(0);\n`;
    const dir = tempProject({ 'src/app.ts': app, 'src/server.ts': server, 'test/app.ts': testServer });
    const withTest = await run({ targets: ['.'], cwd: dir });
    const alone = await run({ targets: ['src'], cwd: dir });
    const ids = (r: Awaited<ReturnType<typeof run>>): string[] => r.findings.map((f) => `${f.ruleId} ${path.relative(dir, f.location.file)}:${f.location.line}`);
    expect(ids(alone)).toEqual([]);
    expect(ids(withTest)).toEqual(ids(alone));
  });
});

describe('partitionApps: servers start applications, the rest is grouped by its imports', () => {
  const imports: Record<string, string[]> = {
    'lib/index.ts': ['./a', './b'],
    'lib/a.ts': ['./c'],
    'lib/b.ts': ['./c'],
    'lib/c.ts': [],
    'tools/cli.ts': ['../lib/index'],
    'svc/server.ts': ['../lib/a'],
  };
  const members = new Set(Object.keys(imports).map(P));
  const of = (f: string): string[] => imports[path.relative('/repo', f)] ?? [];
  it('gives a library one model however many entry points it has', () => {
    const apps = partitionApps(
      members,
      of,
      () => true,
      new Map(),
      undefined,
      (f) => f.endsWith('server.ts'),
    ).map((a) => a.map((f) => path.relative('/repo', f)));
    expect(apps).toEqual([
      ['lib/a.ts', 'lib/c.ts', 'svc/server.ts'],
      ['lib/b.ts', 'lib/index.ts', 'tools/cli.ts'],
    ]);
  });
});

describe('a place two applications judge differently', () => {
  const peer = `exports.onSecure = function (socket) {\n  const cert = socket.getPeerCertificate();\n  console.log('client', cert.subject.CN);\n};\n`;
  const server = (reject: string): string =>
    `const tls = require('node:tls');\nconst { onSecure } = require('../lib/peer');\ntls.createServer({ requestCert: true, rejectUnauthorized: ${reject}, crl: [] }, (socket) => onSecure(socket)).listen(0);\n`;

  it.each([
    ['the computed server first', 'a', 'z'],
    ['the unverified server first', 'z', 'a'],
  ])('is reported once, naming the worst server (%s)', async (_name, computedDir, unverifiedDir) => {
    const dir = tempProject({
      'lib/peer.js': peer,
      [`${computedDir}/server.js`]: server('process.env.STRICT === "1"'),
      [`${unverifiedDir}/server.js`]: server('false'),
    });
    const result = await run({ targets: ['.'], cwd: dir });
    const reads = result.findings.filter((f) => f.ruleId === 'unverified-peer-cert');
    expect(reads.map((f) => `${path.relative(dir, f.location.file)}:${f.location.line} ${f.messageId}`)).toEqual(['lib/peer.js:2 unverified']);
    expect(reads[0].related.map((r) => path.relative(dir, r.location.file))).toContain(`${unverifiedDir}/server.js`);
  });
});

describe('the workspace is found from the scanned files, not from where the scan runs', () => {
  const monorepo = (identity: string): Record<string, string> => ({
    'package.json': '{ "name": "portals", "private": true, "workspaces": ["apps/*", "packages/*"] }',
    'packages/identity/package.json': '{ "name": "@portals/identity", "main": "src/index.ts" }',
    'packages/identity/src/index.ts': identity,
    'apps/api/package.json': '{ "name": "@portals/api", "dependencies": { "@portals/identity": "workspace:*", "express": "^4.19.0" } }',
    'apps/api/src/server.ts': [
      "import express from 'express';",
      "import { Pool } from 'pg';",
      "import { partnerOf } from '@portals/identity';",
      'const pool = new Pool();',
      'const app = express();',
      'app.use((req, res, next) => {',
      '  const partner = partnerOf(req);',
      '  if (!partner) return res.sendStatus(401);',
      '  res.locals.partner = partner;',
      '  next();',
      '});',
      "app.get('/tickets/:ticketId', async (req, res) => {",
      "  res.json(await pool.query('SELECT * FROM tickets WHERE id = $1', [req.params.ticketId]));",
      '});',
      'export default app;',
      '',
    ].join('\n'),
  });
  // the certificate's organisation, from a package of the workspace
  const fromCert = [
    "import type { TLSSocket } from 'node:tls';",
    'export function partnerOf(req: { socket: unknown }) {',
    '  const socket = req.socket as TLSSocket;',
    '  return socket.authorized ? { org: String(socket.getPeerCertificate().subject.O) } : null;',
    '}',
    '',
  ].join('\n');
  // a package of the same name in another repository, with no certificate in it
  const fromHeader = "export function partnerOf(req: { headers: Record<string, string> }) {\n  return { org: req.headers['x-org'] };\n}\n";
  const lines = (findings: { ruleId: string; location: { file: string; line: number } }[], base: string): string[] =>
    findings.filter((f) => f.ruleId === 'identity-from-request-params').map((f) => `${path.relative(base, f.location.file)}:${f.location.line}`);

  it('reads a given file of another folder with its own repository as context, not the folder the scan runs in', async () => {
    const dir = tempProject(monorepo(fromCert));
    const given = path.join(dir, 'apps/api/src/server.ts');
    // (where the scan runs, an unrelated project whose own certificate reader would stand in for the workspace package)
    const unrelated = tempProject({ 'packages/identity/package.json': '{ "name": "@portals/identity", "main": "src/index.ts" }', 'packages/identity/src/index.ts': fromHeader });
    const fromRepo = await run({ targets: ['apps/api/src/server.ts'], cwd: dir });
    const fromElsewhere = await run({ targets: [given], cwd: unrelated });
    expect(lines(fromRepo.findings, dir)).toEqual(['apps/api/src/server.ts:13']);
    expect(lines(fromElsewhere.findings, dir)).toEqual(lines(fromRepo.findings, dir));
  });

  it('gives the same findings run from inside the repository and from an unrelated folder', async () => {
    const dir = tempProject(monorepo(fromCert));
    const inside = await run({ targets: ['.'], cwd: dir });
    const elsewhere = await run({ targets: [dir], cwd: tempProject() });
    expect(lines(inside.findings, dir)).toEqual(['apps/api/src/server.ts:13']);
    expect(lines(elsewhere.findings, dir)).toEqual(lines(inside.findings, dir));
  });

  it('resolves a package name to the package of the importing file’s own workspace when two repositories share it', async () => {
    const prefixed = (prefix: string, files: Record<string, string>): Record<string, string> =>
      Object.fromEntries(Object.entries(files).map(([name, text]) => [`${prefix}/${name}`, text]));
    const dir = tempProject({ ...prefixed('a', monorepo(fromHeader)), ...prefixed('b', monorepo(fromCert)) });
    const both = await run({ targets: ['a', 'b'], cwd: dir });
    const b = await run({ targets: ['.'], cwd: path.join(dir, 'b') });
    // `a` has no certificate: nothing to compare against; `b` is judged with its own identity package
    expect(lines(both.findings, dir)).toEqual(lines(b.findings, dir));
    expect(lines(both.findings, dir)).toEqual(['b/apps/api/src/server.ts:13']);
  });
});

describe('the files of an application: where requests or jobs arrive, and what those files import', () => {
  it.each([
    ["import express from 'express';", true],
    ["const fastify = require('fastify')({ logger: true });", true],
    ["import type { FastifyInstance } from 'fastify';", true],
    ["import { Controller } from '@nestjs/common';", true],
    ["import { initTRPC } from '@trpc/server';", true],
    ["import { GraphQLError } from 'graphql';", true],
    ["import { Worker } from 'bullmq';", true],
    ["import { createContainer } from 'awilix';", true],
    ["import { container } from 'tsyringe';", true],
    ['https.createServer(options, handler).listen(8443);', true],
    ['const server = http2.createSecureServer(options, onRequest);', true],
    // an event hub's listener and a documentation example start nothing; `app.listen` comes with a framework's import
    ["const stop = Hub.listen('datastore', onEvent);", false],
    [' * app.prepare().then(() => {\n *   createServer(httpsOptions, (req, res) => handle(req, res)).listen(3000);', false],
    ['app.listen(8080);', false],
    // a client of TLS or HTTPS imports them too; a module named in a string is not imported
    ["import * as tls from 'tls';", false],
    ["import https from 'node:https';", false],
    ["const events = ['connect', 'express', 'close'];", false],
    ["import { z } from 'zod';", false],
    ["import knex from 'knex';", false],
  ])('servesSignal(%s) → %s', (text, want) => expect(servesSignal(text)).toBe(want));

  it('follows imports from each entry, not back to the files that import a reached one', () => {
    const files = new Map(
      Object.entries({
        'api/server.ts': { text: "import express from 'express';\nimport { svc } from './svc';", imports: ['./svc'] },
        'api/svc.ts': { text: "import { save } from '../lib/db';", imports: ['../lib/db'] },
        'lib/db.ts': { text: 'export const save = 1;', imports: [] },
        'sdk/client.ts': { text: "import { save } from '../lib/db';", imports: ['../lib/db'] },
      }).map(([f, info]) => [P(f), info]),
    );
    expect([...servedFiles(files)].map((f) => path.relative('/repo', f)).sort()).toEqual(['api/server.ts', 'api/svc.ts', 'lib/db.ts']);
  });

  it('takes a file connected to no other file of the scan for a unit of its own, and a library connected to others for none', () => {
    const files = new Map(
      Object.entries({
        'scripts/rotate.ts': { text: "import { Pool } from 'pg';", imports: [] },
        'sdk/client.ts': { text: "import { save } from './db';", imports: ['./db'] },
        'sdk/db.ts': { text: 'export const save = 1;', imports: [] },
        // (an import that names no file of the scan connects nothing)
        'tools/seed.ts': { text: "import { x } from './gone';", imports: ['./gone'] },
      }).map(([f, info]) => [P(f), info]),
    );
    expect([...servedFiles(files)].map((f) => path.relative('/repo', f)).sort()).toEqual(['scripts/rotate.ts', 'tools/seed.ts']);
  });

  // a decision in a helper of another module, a wait, then the write: found across the file's imports
  const service = [
    "import { assertWarden } from './wardens';",
    "import { db } from './db';",
    'export async function closePlot(cn: string, plotId: string) {',
    '  await assertWarden(cn, plotId);',
    '  await new Promise((r) => setTimeout(r, 500));',
    "  await db.query('DELETE FROM plots WHERE id = $1', [plotId]);",
    '}',
    '',
  ].join('\n');
  const wardens = [
    "import { db } from './db';",
    'export class Forbidden extends Error {',
    '  status = 403;',
    '}',
    'export async function assertWarden(cn: string, plotId: string) {',
    "  const { rows } = await db.query('SELECT 1 FROM wardens WHERE cn = $1 AND plot_id = $2', [cn, plotId]);",
    "  if (rows.length === 0) throw new Forbidden('not a warden of this plot');",
    '}',
    '',
  ].join('\n');
  const db = "import { Pool } from 'pg';\nexport const db = new Pool();\n";
  const server = [
    "import express from 'express';",
    "import { closePlot } from './plots';",
    'const app = express();',
    "app.delete('/plots/:id', async (req, res) => {",
    '  await closePlot(String(res.locals.cn), req.params.id);',
    '  res.sendStatus(204);',
    '});',
    'app.listen(8080);',
    '',
  ].join('\n');
  const across = async (files: Record<string, string>): Promise<string[]> => {
    const dir = tempProject(files);
    const result = await run({ targets: ['.'], cwd: dir, onlyRules: ['auth-across-await'] });
    return result.findings.map((f) => `${path.relative(dir, f.location.file)}:${f.location.line}`);
  };
  it('judges a service across its imports where a server of the scan reaches it', async () => {
    expect(await across({ 'src/plots.ts': service, 'src/wardens.ts': wardens, 'src/db.ts': db, 'src/server.ts': server })).toEqual(['src/plots.ts:6']);
  });
  it('judges a library no server of the scan imports file by file only', async () => {
    expect(await across({ 'src/plots.ts': service, 'src/wardens.ts': wardens, 'src/db.ts': db })).toEqual([]);
  });

  // the decision, the wait and the write in one file: the per-file pass finds it without any model
  const closing = [
    "import { db } from './db';",
    'export class Forbidden extends Error {',
    '  status = 403;',
    '}',
    'export async function closePlot(cn: string, plotId: string) {',
    "  const { rows } = await db.query('SELECT 1 FROM wardens WHERE cn = $1 AND plot_id = $2', [cn, plotId]);",
    "  if (rows.length === 0) throw new Forbidden('not a warden of this plot');",
    '  await new Promise((r) => setTimeout(r, 500));',
    "  await db.query('DELETE FROM plots WHERE id = $1', [plotId]);",
    '}',
    '',
  ].join('\n');
  const given = async (files: Record<string, string>, target: string): Promise<string[]> => {
    const dir = tempProject(files);
    const result = await run({ targets: [target], cwd: dir, onlyRules: ['auth-across-await'] });
    return result.findings.map((f) => `${path.relative(dir, f.location.file)}:${f.location.line}`);
  };
  it('judges a file by itself only where it belongs to an application: reached from a server, or connected to no other file', async () => {
    expect(await across({ 'src/plots.ts': closing, 'src/db.ts': db, 'src/server.ts': server })).toEqual(['src/plots.ts:9']);
    // a library: no server of the scan reaches it, in a folder scan or when the file is given by name
    expect(await across({ 'src/plots.ts': closing, 'src/db.ts': db })).toEqual([]);
    expect(await given({ 'src/plots.ts': closing, 'src/db.ts': db }, 'src/plots.ts')).toEqual([]);
    // a file of its own (a script, a platform's handler): an application by itself
    const alone = closing.replace("import { db } from './db';", "import { Pool } from 'pg';\nconst db = new Pool();");
    expect(await across({ 'src/plots.ts': alone })).toEqual(['src/plots.ts:10']);
    expect(await given({ 'src/plots.ts': alone, 'README.md': '# plots' }, 'src/plots.ts')).toEqual(['src/plots.ts:10']);
  });
});
