import * as path from 'node:path';
import { run } from '../src/engine';
import { cli, tempProject, VULNERABLE } from './helpers/project';

const READ = `import { existsSync, readFileSync } from 'fs';\nexport const load = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');\n`;

describe('config discovery', () => {
  it.each([
    ['toctou-lint.config.json', JSON.stringify({ rules: { 'fs-check-then-use': 'off' } })],
    ['.toctoulintrc.json', JSON.stringify({ rules: { 'fs-check-then-use': 'off' } })],
    ['package.json', JSON.stringify({ name: 'app', 'toctou-lint': { rules: { 'fs-check-then-use': 'off' } } })],
  ])('%s in a parent folder of the scan root is found', async (name, content) => {
    const dir = tempProject({ [name]: content, 'app/src/a.ts': VULNERABLE });
    const result = await run({ targets: ['app/src'], cwd: dir });
    expect(result.config).toBe(path.join(dir, name));
    expect(result.findings).toEqual([]);
  });

  it('a package.json without the key is not a config', async () => {
    const dir = tempProject({ 'package.json': '{"name":"x"}', 'src/a.ts': VULNERABLE });
    const result = await run({ targets: ['src'], cwd: dir });
    expect(result.config).toBeUndefined();
    expect(result.findings).toHaveLength(1);
  });

  it('--config names the file explicitly', () => {
    const dir = tempProject({ 'cfg/strict.json': JSON.stringify({ rules: { 'fs-check-then-use': 'error' } }), 'src/a.ts': VULNERABLE });
    const r = cli(['--config', 'cfg/strict.json', '--format', 'json', 'src'], dir);
    expect(JSON.parse(r.stdout).findings[0].severity).toBe('error');
  });
});

describe('severity settings', () => {
  it('raising a rule to error raises its top findings; its notes stay notes', async () => {
    const dir = tempProject({ 'toctou-lint.config.json': JSON.stringify({ rules: { 'fs-check-then-use': 'error' } }), 'w.ts': VULNERABLE, 'r.ts': READ });
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.findings.map((f) => [path.basename(f.location.file), f.severity])).toEqual([
      ['r.ts', 'note'],
      ['w.ts', 'error'],
    ]);
  });

  it('lowering a rule to note lowers every finding', async () => {
    const dir = tempProject({ 'toctou-lint.config.json': JSON.stringify({ rules: { 'fs-check-then-use': 'note' } }), 'w.ts': VULNERABLE });
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.findings.map((f) => f.severity)).toEqual(['note']);
  });

  it('--rule runs a rule the config turned off', async () => {
    const dir = tempProject({ 'toctou-lint.config.json': JSON.stringify({ rules: { 'fs-check-then-use': 'off' } }), 'w.ts': VULNERABLE });
    const result = await run({ targets: ['.'], cwd: dir, onlyRules: ['fs-check-then-use'] });
    expect(result.findings).toHaveLength(1);
  });
});

describe('config errors exit 2 and say file, key and what is allowed', () => {
  it.each([
    ['bad JSON', '{ "rules": { } ', ['toctou-lint.config.json', 'invalid JSON']],
    ['unknown key', '{ "rulez": {} }', ['toctou-lint.config.json', 'rulez: unknown key', 'allowed keys: $schema, rules, ignore']],
    ['unknown rule id', '{ "rules": { "fs-check-then-usee": "warning" } }', ['rules.fs-check-then-usee: unknown rule id', 'fs-check-then-use']],
    ['bad severity', '{ "rules": { "fs-check-then-use": "high" } }', ['rules.fs-check-then-use: "high" is not allowed', 'allowed: off, note, warning, error']],
    ['wrong type', '{ "ignore": "dist" }', ['ignore: must be array']],
  ])('%s', (_name, content, expected) => {
    const dir = tempProject({ 'toctou-lint.config.json': content, 'src/a.ts': VULNERABLE });
    const r = cli(['src'], dir);
    expect(r.code).toBe(2);
    for (const text of expected) expect(r.stderr).toContain(text);
    expect(r.stdout).toBe('');
  });

  it('a missing --config file', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = cli(['--config', 'nope.json', 'src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.json: cannot read config \(ENOENT\)/);
  });

  it('a broken package.json key names the key', () => {
    const dir = tempProject({ 'package.json': JSON.stringify({ 'toctou-lint': { rules: 1 } }), 'src/a.ts': VULNERABLE });
    const r = cli(['src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('package.json ("toctou-lint" key)');
    expect(r.stderr).toContain('rules: must be object');
  });
});

describe('config file details', () => {
  it('a BOM is fine', async () => {
    const dir = tempProject({ 'toctou-lint.config.json': '\uFEFF{ "rules": { "fs-check-then-use": "off" } }', 'a.ts': VULNERABLE });
    expect((await run({ targets: ['.'], cwd: dir })).findings).toEqual([]);
  });

  it('JSON errors give line and column, and never echo the file', () => {
    const dir = tempProject({ 'secret.json': 'root:$y$hash:19000:0\n', 'bad.json': '{\n  "rules": {\n    "fs-check-then-use": "off",\n  }\n}', 'a.ts': VULNERABLE });
    const bad = cli(['-c', 'bad.json', '.'], dir);
    expect(bad.stderr).toMatch(/bad\.json: invalid JSON at line 4, column 3/);
    const secret = cli(['-c', 'secret.json', '.'], dir);
    expect(secret.code).toBe(2);
    expect(secret.stderr).not.toContain('hash');
  });

  it('a package.json that is not valid JSON but has our key is a config error', () => {
    const dir = tempProject({ 'package.json': '{ "name": "x", "toctou-lint": { "rules": {} }, }', 'src/a.ts': VULNERABLE });
    const r = cli(['src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('package.json: invalid JSON');
  });
});
