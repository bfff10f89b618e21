import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCertHeaderName } from '../src/analysis/identity';
import { Project, connectedFiles, identitySignal, importSpecifiers, webSignal } from '../src/analysis/project';
import { EMPTY_IDENTITY_SOURCES, type IdentitySourcesConfig } from '../src/config/index';
import { run } from '../src/engine';
import { parseFile } from '../src/parse';
import { ts } from '../src/ts';
import { cli, tempProject } from './helpers/project';

/** A project model over in-memory files (absolute names under /p/). */
function model(files: Record<string, string>, sources: IdentitySourcesConfig = EMPTY_IDENTITY_SOURCES): Project {
  const map = new Map<string, { text: string; sourceFile: ts.SourceFile }>();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join('/p', name);
    map.set(file, { text, sourceFile: parseFile(file, text).sourceFile });
  }
  return new Project(map, sources);
}

/** The expression `marker(<expr>)` wraps in a file: lets a test point at one expression. */
function marked(project: Project, file: string): ts.Expression {
  const call = project.callsNamed('marker').find((c) => c.getSourceFile().fileName === path.join('/p', file));
  if (!call || !ts.isCallExpression(call)) throw new Error(`no marker() in ${file}`);
  return call.arguments[0];
}

describe('forwarded client-certificate header names', () => {
  it.each([
    'x-forwarded-client-cert',
    'X-SSL-Client-Cert',
    'ssl-client-cert',
    'x-ssl-client-s-dn',
    'x-client-dn',
    'x-ssl-client-verify',
    'x-amzn-mtls-clientcert-leaf',
    'x-arr-clientcert',
    'cf-client-cert-sha256',
    'client-cert',
    'Client-Cert-Chain',
    'x-certificate-fingerprint',
    'ssl_client_s_dn',
    'SSL_CLIENT_CERT',
    'x-ssl-client-serial',
    'x-forwarded-tls-client-cert-info',
  ])('%s is a certificate header', (name) => expect(isCertHeaderName(name)).toBe(true));

  it.each(['x-request-id', 'authorization', 'x-forwarded-for', 'content-type', 'x-api-key', 'x-client-version', 'certificate_id', 'cert-manager', 'x-client-id', 'certificates'])(
    '%s is not',
    (name) => expect(isCertHeaderName(name)).toBe(false),
  );

  it('takes extra names from the config', () => {
    expect(isCertHeaderName('x-acme-principal')).toBe(false);
    expect(isCertHeaderName('X-Acme-Principal', ['x-acme-principal'])).toBe(true);
  });
});

describe('text signals that decide which files the project model reads', () => {
  it('an identity file calls getPeerCertificate, sets requestCert or reads a certificate header', () => {
    expect(identitySignal('const c = req.socket.getPeerCertificate();', [], [])).toBe(true);
    expect(identitySignal('https.createServer({ requestCert: true })', [], [])).toBe(true);
    expect(identitySignal("const dn = req.headers['x-ssl-client-s-dn'];", [], [])).toBe(true);
    expect(identitySignal("const id = body['certificate_id'];", [], [])).toBe(false);
    expect(identitySignal('// getPeerCertificate is documented elsewhere', [], [])).toBe(false);
    expect(identitySignal('const who = getClientIdentity(req);', [], ['getClientIdentity'])).toBe(true);
  });

  it('an options schema that describes requestCert, or a header name in a comment, is not an identity file', () => {
    expect(identitySignal("const OPTIONS = { requestCert: { type: 'any' }, ca: { type: 'any' } };", [], [])).toBe(false);
    expect(identitySignal('tls.createServer({ ...base, requestCert })', [], [])).toBe(true);
    expect(identitySignal('const opts = { requestCert: mode === Mode.MTLS };', [], [])).toBe(true);
    const doc = "/**\n * @example\n *   client.create({ 'x-client-cert-pem': pem }, { headers })\n */\nexport const create = (headers) => send(headers);";
    expect(identitySignal(doc, [], [])).toBe(false);
    expect(identitySignal("// reads 'x-ssl-client-cert'\nconst dn = req.headers['x-ssl-client-cert'];", [], [])).toBe(true);
  });

  it('a web file imports a framework, looks like a handler, checks trust or re-exports', () => {
    expect(webSignal("import express from 'express';")).toBe(true);
    expect(webSignal('export default (app) => { app.get("/", (req, res) => res.end()); };')).toBe(true);
    expect(webSignal("export * from './routes';")).toBe(true);
    expect(webSignal('export function add(a: number, b: number) { return a + b; }')).toBe(false);
  });

  it('follows relative imports both ways through web files, and reads the plain modules they import', () => {
    const files = new Map([
      ['/p/routes.ts', { imports: ['./identity'], identity: false, web: true }],
      ['/p/identity.ts', { imports: ['./util/strings'], identity: true, web: true }],
      ['/p/util/strings.ts', { imports: [], identity: false, web: false }],
      ['/p/app.ts', { imports: ['./routes.js'], identity: false, web: true }],
      ['/p/unrelated.ts', { imports: [], identity: false, web: true }],
    ]);
    expect([...connectedFiles(files)].sort()).toEqual(['/p/app.ts', '/p/identity.ts', '/p/routes.ts', '/p/util/strings.ts']);
    expect(importSpecifiers(`import a from './a'; const b = require("../b"); import('./c.js'); import 'x';`)).toEqual(['./a', '../b', './c.js', 'x']);
  });

  it('brings in a plain module that imports the identity file, and the web files that import it; not the importers of other plain modules', () => {
    const files = new Map([
      ['/p/identity.ts', { imports: [], identity: true, web: true }],
      ['/p/services/jobs.ts', { imports: ['../identity', '../util'], identity: false, web: false }],
      ['/p/routes.ts', { imports: ['./services/jobs'], identity: false, web: true }],
      ['/p/util.ts', { imports: [], identity: false, web: false }],
      ['/p/cron.ts', { imports: ['./util'], identity: false, web: false }],
    ]);
    expect([...connectedFiles(files)].sort()).toEqual(['/p/identity.ts', '/p/routes.ts', '/p/services/jobs.ts', '/p/util.ts']);
  });
});

describe('modules: values across files', () => {
  const project = model({
    'opts.ts': "export const base = { ca: 'x', requestCert: true };\nexport default { rejectUnauthorized: false };",
    'cjs.js': 'module.exports = { tls: { crl: "c" } };\nexports.other = 1;',
    'barrel.ts': "export * from './opts';\nexport { default as defaults } from './opts';",
    'main.ts': [
      "import { base } from './barrel';",
      "import { defaults } from './barrel';",
      "import * as ns from './opts';",
      "const { tls } = require('./cjs');",
      'marker(base); marker(defaults); marker(ns.base); marker(tls);',
    ].join('\n'),
  });
  const markers = project.callsNamed('marker').map((c) => (c as ts.CallExpression).arguments[0]);

  it('follows named, default, namespace and re-exported imports and CommonJS destructuring', () => {
    const values = markers.map((m) => project.modules.valueOf(m));
    expect(values.map((v) => v && ts.isObjectLiteralExpression(v))).toEqual([true, true, true, true]);
    expect(values[0]!.getText()).toContain('requestCert');
    expect(values[1]!.getText()).toContain('rejectUnauthorized');
    expect(values[2]).toBe(values[0]);
    expect(values[3]!.getText()).toContain('crl');
  });
});

describe('identity: values derived from client identity', () => {
  it('follows variables, destructuring, fields, templates and helpers across files', () => {
    const project = model({
      'identity.ts': [
        "import type { Request } from 'express';",
        'export function clientName(req: Request) {',
        '  const cert = (req.socket as any).getPeerCertificate();',
        '  const { subject } = cert;',
        '  return `${subject.CN}@${subject.O}`;',
        '}',
      ].join('\n'),
      'routes.ts': [
        "import { clientName } from './identity';",
        'export const h = (req, res) => {',
        '  const who = clientName(req);',
        '  const upper = who.toUpperCase();',
        '  const id = req.params.id;',
        '  marker(upper); marker(id); marker({ owner: who });',
        '};',
      ].join('\n'),
    });
    const [upper, id, obj] = project.callsNamed('marker').map((c) => (c as ts.CallExpression).arguments[0]);
    expect(project.identity.isIdentity(upper)).toBe(true);
    expect(project.identity.isIdentity(id)).toBe(false);
    expect(project.identity.isIdentity(obj)).toBe(true);
  });

  it('knows request-bound fields that middleware set from the certificate', () => {
    const project = model({
      'mw.ts': [
        'export function bind(req, res, next) {',
        "  req.clientId = req.headers['x-ssl-client-s-dn'];",
        '  res.locals.tenant = req.socket.getPeerCertificate().subject.O;',
        "  c.set('principal', req.socket.getPeerCertificate().subject.CN);",
        '  next();',
        '}',
      ].join('\n'),
      'h.ts': "export const h = (req, res) => { marker(req.clientId); marker(res.locals.tenant); marker(c.get('principal')); marker(req.query.tenant); };",
    });
    const values = project.callsNamed('marker').map((c) => project.identity.isIdentity((c as ts.CallExpression).arguments[0]));
    expect(values).toEqual([true, true, true, false]);
  });

  it('counts calls of functions named in identitySources.functions', () => {
    const project = model({ 'a.ts': 'const who = lookupPrincipal(req); marker(who);' }, { headers: [], functions: ['lookupPrincipal'] });
    expect(project.identity.isIdentity(marked(project, 'a.ts'))).toBe(true);
  });

  it('tells server-side certificate reads from outgoing connections', () => {
    const project = model({
      'a.ts': [
        "import tls from 'node:tls';",
        "import https from 'node:https';",
        "const s = tls.connect({ host: 'x', rejectUnauthorized: false });",
        'const pinned = s.getPeerCertificate();',
        "https.get('https://x', (res) => { res.socket.getPeerCertificate(); });",
        "app.get('/me', (req, res) => res.json(req.socket.getPeerCertificate().subject));",
      ].join('\n'),
    });
    expect(project.identity.certReads().map((r) => r.call.getText())).toEqual(['req.socket.getPeerCertificate()']);
  });
});

describe('TLS servers and their options', () => {
  it('reads options through spreads, factories, Object.assign, imports and later assignments', () => {
    const project = model({
      'tls.ts': "export function tlsOptions() { return { key: 'k', ca: 'c', requestCert: true }; }",
      'server.ts': [
        "import https from 'node:https';",
        "import { tlsOptions } from './tls';",
        'const a = https.createServer({ ...tlsOptions(), rejectUnauthorized: false }, app);',
        'const opts = Object.assign({}, tlsOptions(), { crl: "r" });',
        'const b = https.createServer(opts, app);',
        'const o2 = { requestCert: true };',
        'o2.rejectUnauthorized = false;',
        'const c = https.createServer(o2, app);',
        'const d = https.createServer(loadFromVault(), app);',
      ].join('\n'),
    });
    const servers = project.servers.all;
    expect(servers).toHaveLength(4);
    expect(servers.map((s) => project.servers.verification(s))).toEqual(['unverified', 'verified', 'unverified', 'unknown']);
    expect(servers[1].options.values.has('crl')).toBe(true);
  });
});

describe('identitySources in the config', () => {
  it('adds header names that cert-from-header then reports', async () => {
    const dir = tempProject({
      'toctou-lint.config.json': JSON.stringify({ identitySources: { headers: ['x-acme-principal'] } }),
      'app.js': "const express = require('express');\nconst app = express();\napp.get('/me', (req, res) => res.json({ who: req.get('X-Acme-Principal') }));\n",
    });
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.findings.map((f) => [f.ruleId, f.location.line])).toEqual([['cert-from-header', 3]]);
  });
});

describe('given files keep the project as context', () => {
  const files = {
    'package.json': '{"name":"app","private":true}',
    'src/server.ts': [
      "import https from 'node:https';",
      "import { app } from './app';",
      "https.createServer({ ca: 'c', crl: 'r', requestCert: true, rejectUnauthorized: false }, app).listen(8443);",
    ].join('\n'),
    'src/app.ts': [
      "import express from 'express';",
      "import { requireAuthorized } from './middleware';",
      "import { accounts } from './routes/accounts';",
      "import { status } from './routes/status';",
      'export const app = express();',
      "app.use('/status', status);",
      "app.use('/accounts', requireAuthorized, accounts);",
    ].join('\n'),
    'src/middleware.ts': ['export function requireAuthorized(req, res, next) {', '  if (!req.socket.authorized) return res.status(401).end();', '  next();', '}'].join('\n'),
    'src/routes/accounts.ts': [
      "import { Router } from 'express';",
      'export const accounts = Router();',
      "accounts.get('/', (req, res) => res.json({ cn: req.socket.getPeerCertificate().subject.CN }));",
    ].join('\n'),
    'src/routes/status.ts': [
      "import { Router } from 'express';",
      'export const status = Router();',
      "status.get('/', (req, res) => res.json({ cn: req.socket.getPeerCertificate().subject.CN }));",
    ].join('\n'),
  };

  it('judges a staged route file with the middleware and server it depends on, and reports only given files', () => {
    const dir = tempProject(files);
    const both = cli(['--format', 'json', 'src/routes/accounts.ts', 'src/routes/status.ts'], dir);
    const findings = JSON.parse(both.stdout).findings as { ruleId: string; location: { path: string } }[];
    expect(findings.map((f) => [f.ruleId, f.location.path])).toEqual([['unverified-peer-cert', 'src/routes/status.ts']]);
    expect(both.code).toBe(1);
    const guarded = cli(['--format', 'json', 'src/routes/accounts.ts'], dir);
    expect(JSON.parse(guarded.stdout).findings).toEqual([]);
    expect(guarded.code).toBe(0);
  });

  it('without the context the same file is judged alone', async () => {
    const dir = tempProject(files);
    const alone = await run({ targets: [path.join(dir, 'src/routes/accounts.ts')], cwd: dir, context: false });
    // no server in sight: the TLS options cannot be seen, so the read is reported
    expect(alone.findings.map((f) => f.ruleId)).toEqual(['unverified-peer-cert']);
    expect(fs.existsSync(path.join(dir, 'src/app.ts'))).toBe(true);
  });
});

describe('TypeScript path aliases', () => {
  it('follows @/ and ~/ imports to the project file whose path ends with the rest', async () => {
    const dir = tempProject({
      'src/server.ts': [
        "import https from 'node:https';",
        "import { app } from '@/app';",
        "https.createServer({ ca: 'c', crl: 'r', requestCert: true, rejectUnauthorized: false }, app).listen(8443);",
      ].join('\n'),
      'src/app.ts': [
        "import express from 'express';",
        "import { requireAuthorized } from '~/middleware/mtls';",
        'export const app = express();',
        'app.use(requireAuthorized);',
        "app.get('/me', (req, res) => res.json({ cn: req.socket.getPeerCertificate().subject.CN }));",
      ].join('\n'),
      'src/middleware/mtls.ts': 'export function requireAuthorized(req, res, next) {\n  if (!req.socket.authorized) return res.status(401).end();\n  next();\n}\n',
    });
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.findings.map((f) => f.ruleId)).toEqual([]);
    const unguarded = tempProject({
      'src/server.ts':
        "import https from 'node:https';\nimport { app } from '@/app';\nhttps.createServer({ ca: 'c', crl: 'r', requestCert: true, rejectUnauthorized: false }, app);\n",
      'src/app.ts': "import express from 'express';\nexport const app = express();\napp.get('/me', (req, res) => res.json({ cn: req.socket.getPeerCertificate().subject.CN }));\n",
    });
    const flagged = await run({ targets: ['.'], cwd: unguarded });
    expect(flagged.findings.map((f) => [f.ruleId, f.message.includes('rejectUnauthorized: false')])).toEqual([['unverified-peer-cert', true]]);
  });
});
