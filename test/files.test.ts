import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../src/engine';
import { CLEAN, cli, tempProject, VULNERABLE } from './helpers/project';

const rel = (dir: string, f: string): string => path.relative(dir, f).split(path.sep).join('/');

describe('bad input never stops the scan', () => {
  it('a syntax error, a binary .ts, a 5 MB file, non-UTF-8, and a symlink loop: the rest is scanned, each skip or note is named', async () => {
    const dir = tempProject({
      'src/ok.ts': VULNERABLE,
      'src/broken.ts': `import * as fs from 'fs';\nexport function f(p: string) {\n  if (fs.existsSync(p)) {\n    fs.unlinkSync(p);\n  }\n  const x = ;\n}\n`,
      'src/binary.ts': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x02, 0x00, 0xff]),
      'src/latin1.ts': Buffer.from('// caf\xe9\nexport const a = 1;\n', 'latin1'),
      'src/huge.ts': `export const big = [\n${'  1,\n'.repeat((5 * 1024 * 1024) / 5)}];\n`,
    });
    fs.symlinkSync(path.join(dir, 'src'), path.join(dir, 'src', 'loop')); // a folder link back to itself
    fs.symlinkSync('/etc/hostname', path.join(dir, 'src', 'outside.ts'));
    fs.symlinkSync('self.ts', path.join(dir, 'src', 'self.ts')); // a link to itself: ELOOP
    const result = await run({ targets: ['src'], cwd: dir });
    const byKind = Object.fromEntries(result.notifications.map((n) => [n.kind, rel(dir, n.file!)]));
    expect(byKind).toMatchObject({
      'syntax-error': 'src/broken.ts',
      binary: 'src/binary.ts',
      'not-utf8': 'src/latin1.ts',
      'file-too-large': 'src/huge.ts',
      'symlink-outside-root': 'src/outside.ts',
      'symlink-folder': 'src/loop',
      'symlink-unresolved': 'src/self.ts',
    });
    expect(result.notifications.find((n) => n.kind === 'syntax-error')!.line).toBe(6);
    // the broken file is still analysed where the parser recovered
    expect(result.findings.map((f) => `${rel(dir, f.location.file)}:${f.location.line}`)).toEqual(['src/broken.ts:4', 'src/ok.ts:4']);
    // non-UTF-8 is decoded leniently and analysed, with a note
    expect(result.filesScanned).toBe(3);
  });

  it('the CLI names skipped files and still exits by the findings', () => {
    const dir = tempProject({ 'src/ok.ts': CLEAN, 'src/binary.js': Buffer.from([0, 1, 2, 3]) });
    const r = cli(['src'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning src\/binary\.js file looks binary/);
  });

  it('--max-file-size lowers the limit', async () => {
    const dir = tempProject({ 'a.ts': VULNERABLE });
    const result = await run({ targets: ['.'], cwd: dir, maxFileSize: 10 });
    expect(result.notifications[0]).toMatchObject({ kind: 'file-too-large' });
    expect(result.findings).toEqual([]);
  });

  it('a minified bundle is skipped', async () => {
    const line = 'var a=require("fs");' + 'function x(){return 1}'.repeat(2000);
    const dir = tempProject({ 'src/vendor.js': line, 'src/app.min.js': VULNERABLE });
    const result = await run({ targets: ['src'], cwd: dir });
    expect(result.notifications.map((n) => n.kind)).toEqual(['minified']);
    expect(result.filesScanned).toBe(0);
  });
});

describe('which files are scanned', () => {
  const tree = {
    'src/a.ts': VULNERABLE,
    'src/b.tsx': VULNERABLE,
    'src/c.mjs': VULNERABLE.replace(': string', '').replace(': string', ''),
    'src/types.d.ts': VULNERABLE,
    'src/readme.md': VULNERABLE,
    'node_modules/pkg/index.js': VULNERABLE,
    '.yarn/releases/yarn-4.1.0.cjs': VULNERABLE.replace(/: string/g, ''),
    '.yarn/plugins/plugin.cjs': VULNERABLE.replace(/: string/g, ''),
    'dist/a.js': VULNERABLE,
    'build/a.js': VULNERABLE,
    'packages/web/build/a.js': VULNERABLE,
    'src/build/site.js': VULNERABLE.replace(/: string/g, ''),
    'coverage/a.js': VULNERABLE,
    'src/generated/g.ts': VULNERABLE,
    '.gitignore': 'src/generated/\n',
  };

  it('source extensions only; dependencies, build output, declarations and gitignored files are skipped', async () => {
    const dir = tempProject(tree);
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.findings.map((f) => rel(dir, f.location.file))).toEqual(['src/a.ts', 'src/b.tsx', 'src/build/site.js', 'src/c.mjs']);
  });

  it('--no-gitignore scans gitignored files, but never node_modules or build output', async () => {
    const dir = tempProject(tree);
    const result = await run({ targets: ['.'], cwd: dir, gitignore: false });
    expect(result.findings.map((f) => rel(dir, f.location.file))).toEqual(['src/a.ts', 'src/b.tsx', 'src/build/site.js', 'src/c.mjs', 'src/generated/g.ts']);
  });

  it('config ignore patterns are relative to the config file', async () => {
    const dir = tempProject({ ...tree, 'toctou-lint.config.json': JSON.stringify({ ignore: ['src/b.tsx'] }) });
    const result = await run({ targets: ['src'], cwd: dir });
    expect(result.findings.map((f) => rel(dir, f.location.file))).toEqual(['src/a.ts', 'src/c.mjs']);
  });

  it('a deeper .gitignore re-includes with !pattern, as git does', async () => {
    const dir = tempProject({
      '.gitignore': '*.js\n',
      'src/keep/.gitignore': '!keep.js\n',
      'src/keep/keep.js': VULNERABLE.replace(/: string/g, ''),
      'src/drop.js': VULNERABLE.replace(/: string/g, ''),
    });
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.findings.map((f) => rel(dir, f.location.file))).toEqual(['src/keep/keep.js']);
  });

  it('a TypeScript file with one very long line is analysed, not taken for minified', async () => {
    const dir = tempProject({
      'a.ts': `export const blob = "${'x'.repeat(200_000)}";
${VULNERABLE}`,
    });
    const result = await run({ targets: ['.'], cwd: dir });
    expect(result.notifications).toEqual([]);
    expect(result.findings).toHaveLength(1);
  });

  it('a symlinked file inside the root is scanned once', async () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    fs.symlinkSync(path.join(dir, 'src', 'a.ts'), path.join(dir, 'src', 'alias.ts'));
    const result = await run({ targets: ['src'], cwd: dir });
    expect(result.findings).toHaveLength(1);
  });

  it('an explicit file is scanned even when its folder is not', async () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'src/b.ts': VULNERABLE });
    const result = await run({ targets: ['src/b.ts'], cwd: dir });
    expect(result.findings.map((f) => rel(dir, f.location.file))).toEqual(['src/b.ts']);
  });
});
