import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBaseline, serializeBaseline, updateBaseline, type Baseline } from '../src/baseline';
import { CLEAN, cli, tempProject, VULNERABLE } from './helpers/project';
import { multitoolProblems, sarifSchemaErrors } from './helpers/sarif';

/** A second, different check-then-use, to add "a new finding" to a file. */
const ANOTHER = `
export function drop(lock: string) {
  if (fs.existsSync(lock)) {
    fs.unlinkSync(lock);
  }
}
`;

const json = (
  dir: string,
  args: string[],
): {
  code: number | null;
  report: { summary: { findings: number; baseline?: { file: string; matched: number } }; findings: { location: { path: string; line: number }; baselineState?: string }[] };
  stderr: string;
} => {
  const r = cli(['--format', 'json', ...args], dir);
  return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
};

const readBaseline = (dir: string, name = 'toctou-baseline.json'): Baseline => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));

describe('--write-baseline then --baseline', () => {
  it('a baseline written then read back reports 0 findings; a new finding added after it reports exactly 1', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'src/b.ts': VULNERABLE, 'src/c.ts': CLEAN });
    const before = json(dir, ['src']);
    expect(before.report.summary.findings).toBe(2);

    const written = cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    expect(written.code).toBe(0); // everything found is now in the baseline
    expect(written.stderr).toBe('toctou-lint: baseline written to toctou-baseline.json: 2 findings in 2 files (2 added, 0 removed)\n');
    expect(written.stdout).toMatch(/^✔ no problems found, 2 in the baseline · 3 files scanned/m);

    const again = json(dir, ['--baseline', 'toctou-baseline.json', 'src']);
    expect(again.code).toBe(0);
    expect(again.report.summary.findings).toBe(0);
    expect(again.report.findings).toEqual([]);
    expect(again.report.summary.baseline).toEqual({ file: 'toctou-baseline.json', matched: 2 });

    fs.appendFileSync(path.join(dir, 'src/b.ts'), ANOTHER);
    const after = json(dir, ['--baseline', 'toctou-baseline.json', 'src']);
    expect(after.code).toBe(1);
    expect(after.report.summary.findings).toBe(1);
    expect(after.report.findings).toHaveLength(1);
    expect(after.report.findings[0]).toMatchObject({ location: { path: 'src/b.ts', line: 10 }, baselineState: 'new' });
    expect(after.report.summary.baseline).toEqual({ file: 'toctou-baseline.json', matched: 2 });

    const pretty = cli(['--baseline', 'toctou-baseline.json', 'src'], dir);
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toMatch(/^✖ 1 problem \(0 errors, 1 warning, 0 notes\), 2 in the baseline · 3 files scanned/m);
  });

  it('writes sorted keys, no line numbers, a trailing newline, and the same bytes every time', () => {
    const dir = tempProject({ 'src/z.ts': VULNERABLE, 'src/a.ts': VULNERABLE + ANOTHER, 'lib/m.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src', 'lib'], dir);
    const text = fs.readFileSync(path.join(dir, 'toctou-baseline.json'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const b = JSON.parse(text) as Baseline;
    expect(Object.keys(b)).toEqual(['version', 'files']);
    expect(b.version).toBe(1);
    expect(Object.keys(b.files)).toEqual(['lib/m.ts', 'src/a.ts', 'src/z.ts']);
    const keys = Object.keys(b.files['src/a.ts']['fs-check-then-use']);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{16}$/);
    expect(text).toBe(serializeBaseline(b));
    cli(['--write-baseline', 'toctou-baseline.json', 'lib', 'src'], dir);
    expect(fs.readFileSync(path.join(dir, 'toctou-baseline.json'), 'utf8')).toBe(text);
  });

  it('matches by rule, file and finding key, never by line: moved code stays baselined', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    fs.writeFileSync(path.join(dir, 'src/a.ts'), `// a header\n\nexport const x = 1;\n\n${VULNERABLE.replace('export function save', '\n\nexport function save')}`);
    const r = json(dir, ['--baseline', 'toctou-baseline.json', 'src']);
    expect(r.report.summary.findings).toBe(0);
    expect(r.code).toBe(0);
  });

  it('counts: one more identical finding in the same file is new', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    fs.appendFileSync(path.join(dir, 'src/a.ts'), VULNERABLE.replace("import * as fs from 'node:fs';\n", '').replace('save', 'save2'));
    const r = json(dir, ['--baseline', 'toctou-baseline.json', 'src']);
    expect(r.report.summary.findings).toBe(1);
    expect(r.report.findings[0].location.line).toBeGreaterThan(6); // the first one is the baseline's
  });

  it('the same finding in another file is new', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    fs.writeFileSync(path.join(dir, 'src/b.ts'), VULNERABLE);
    const r = json(dir, ['--baseline', 'toctou-baseline.json', 'src']);
    expect(r.report.findings.map((f) => f.location.path)).toEqual(['src/b.ts']);
  });

  it('paths are relative to the baseline file, so it works from any folder', () => {
    const dir = tempProject({ 'pkg/src/a.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'pkg/src'], dir);
    expect(Object.keys(readBaseline(dir).files)).toEqual(['pkg/src/a.ts']);
    const fromSub = json(path.join(dir, 'pkg'), ['--baseline', '../toctou-baseline.json', 'src']);
    expect(fromSub.report.summary.findings).toBe(0);
    expect(fromSub.code).toBe(0);
  });

  it('suppressed findings are neither written nor needed', () => {
    const suppressed = VULNERABLE.replace('    fs.writeFileSync', '    // toctou-lint-disable-next-line fs-check-then-use -- private temp dir\n    fs.writeFileSync');
    const dir = tempProject({ 'src/a.ts': suppressed, 'src/b.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    expect(Object.keys(readBaseline(dir).files)).toEqual(['src/b.ts']);
  });

  it('in SARIF, findings not in the baseline carry baselineState "new", and the log stays valid', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    fs.appendFileSync(path.join(dir, 'src/a.ts'), ANOTHER);
    const r = cli(['--format', 'sarif', '--baseline', 'toctou-baseline.json', 'src'], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(log.runs[0].results).toHaveLength(1);
    expect(log.runs[0].results[0].baselineState).toBe('new');
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(multitoolProblems(r.stdout)).toEqual([]);
  });
});

describe('partial runs and pruning', () => {
  it('--write-baseline on some files keeps the entries of the others, and of rules that did not run; drops files that are gone', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'src/b.ts': VULNERABLE, 'src/gone.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    const b = readBaseline(dir);
    b.files['src/a.ts']['cert-from-header'] = { '0123456789abcdef': 2 };
    fs.writeFileSync(path.join(dir, 'toctou-baseline.json'), serializeBaseline(b));
    fs.rmSync(path.join(dir, 'src/gone.ts'));
    fs.writeFileSync(path.join(dir, 'src/a.ts'), VULNERABLE + ANOTHER);

    // only fs-check-then-use runs, so the cert-from-header entry is outside the run's scope
    const r = cli(['--rule', 'fs-check-then-use', '--write-baseline', 'toctou-baseline.json', 'src/a.ts'], dir);
    expect(r.code).toBe(0);
    const after = readBaseline(dir);
    expect(Object.keys(after.files)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(Object.keys(after.files['src/a.ts']['fs-check-then-use'])).toHaveLength(2);
    expect(after.files['src/a.ts']['cert-from-header']).toEqual({ '0123456789abcdef': 2 });
    expect(after.files['src/b.ts']).toEqual(b.files['src/b.ts']);
  });

  it('names baseline entries that no longer match; --prune-baseline drops them and saves the file; explicit files leave the others alone', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE + ANOTHER, 'src/b.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    fs.writeFileSync(path.join(dir, 'src/a.ts'), VULNERABLE); // the second finding is fixed

    const hint = cli(['--baseline', 'toctou-baseline.json', 'src'], dir);
    expect(hint.code).toBe(0);
    expect(hint.stderr).toContain('1 finding in the baseline toctou-baseline.json no longer matches (fixed or changed); --prune-baseline drops it');
    expect(cli(['--quiet', '--baseline', 'toctou-baseline.json', 'src'], dir).stderr).toBe('');

    fs.writeFileSync(path.join(dir, 'src/b.ts'), CLEAN); // fixed too, but not scanned below
    const pruned = cli(['--baseline', 'toctou-baseline.json', '--prune-baseline', 'src/a.ts'], dir);
    expect(pruned.code).toBe(0);
    expect(pruned.stderr).toContain('toctou-lint: baseline toctou-baseline.json: pruned 1 finding that no longer match; 2 findings in 2 files');
    const b = readBaseline(dir);
    expect(Object.keys(b.files['src/a.ts']['fs-check-then-use'])).toHaveLength(1);
    expect(b.files['src/b.ts']).toBeDefined(); // not scanned: kept

    const all = cli(['--baseline', 'toctou-baseline.json', '--prune-baseline', 'src'], dir);
    expect(all.stderr).toContain('pruned 1 finding');
    expect(Object.keys(readBaseline(dir).files)).toEqual(['src/a.ts']);
    const mtime = fs.statSync(path.join(dir, 'toctou-baseline.json')).mtimeMs;
    const nothing = cli(['--baseline', 'toctou-baseline.json', '--prune-baseline', 'src'], dir);
    expect(nothing.stderr).toContain('nothing to prune');
    expect(fs.statSync(path.join(dir, 'toctou-baseline.json')).mtimeMs).toBe(mtime);
  });

  it('pruning never takes in new findings', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    cli(['--write-baseline', 'toctou-baseline.json', 'src'], dir);
    fs.appendFileSync(path.join(dir, 'src/a.ts'), ANOTHER);
    const r = cli(['--baseline', 'toctou-baseline.json', '--prune-baseline', 'src'], dir);
    expect(r.code).toBe(1);
    expect(Object.keys(readBaseline(dir).files['src/a.ts']['fs-check-then-use'])).toHaveLength(1);
  });

  it('updateBaseline: prune lowers counts, write replaces in-scope entries', () => {
    const old: Baseline = { version: 1, files: { 'a.ts': { r: { k1: 3, k2: 1 } }, 'b.ts': { r: { k3: 1 } } } };
    const ctx = { dir: '/p', sources: new Map<string, string>() };
    const scope = { files: new Set(['/p/a.ts']), rules: new Set(['r']) };
    const exists = (): boolean => true;
    const pruned = updateBaseline(old, [], ctx, scope, 'prune', exists);
    expect(pruned.baseline.files).toEqual({ 'b.ts': { r: { k3: 1 } } });
    expect(pruned.removed).toBe(4);
    expect(updateBaseline(old, [], ctx, { ...scope, rules: new Set(['other']) }, 'prune', exists).baseline).toEqual(old);
    expect(updateBaseline(old, [], ctx, scope, 'write', (f) => f !== '/p/b.ts').baseline.files).toEqual({});
  });
});

describe('baseline errors are usage errors, with no stack trace', () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['a missing file', ['--baseline', 'nope.json', 'src'], {}, /cannot read the baseline nope\.json: ENOENT \(write one with --write-baseline\)/],
    ['invalid JSON', ['--baseline', 'b.json', 'src'], { 'b.json': '{ "version": 1,' }, /b\.json: not a baseline: invalid JSON/],
    ['another version', ['--baseline', 'b.json', 'src'], { 'b.json': '{ "version": 2, "files": {} }' }, /"version" is 2; this version of toctou-lint reads version 1/],
    [
      'a bad count',
      ['--baseline', 'b.json', 'src'],
      { 'b.json': '{ "version": 1, "files": { "src/a.ts": { "r": { "k": 0 } } } }' },
      /files\["src\/a\.ts"\]\["r"\]\["k"\] is 0, not a count/,
    ],
    ['an unknown key', ['--baseline', 'b.json', 'src'], { 'b.json': '{ "version": 1, "files": {}, "extra": 1 }' }, /"extra" is not a known key/],
    ['--prune-baseline alone', ['--prune-baseline', 'src'], {}, /--prune-baseline needs --baseline <file>/],
    ['two different files', ['--baseline', 'a.json', '--write-baseline', 'b.json', 'src'], {}, /name different files/],
    ['a source file name', ['--write-baseline', 'src/x.ts', 'src'], {}, /that is a source file name/],
    ['a broken file to update', ['--write-baseline', 'b.json', 'src'], { 'b.json': 'nope' }, /--write-baseline: b\.json: not a baseline: invalid JSON.*fix or delete it first/],
  ];
  it.each(cases)('%s', (_name, args, files, message) => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, ...files });
    const r = cli(args, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('parseBaseline accepts what serializeBaseline writes', () => {
    const b: Baseline = { version: 1, files: { 'x/y.ts': { 'fs-check-then-use': { abcdef0123456789: 2 } } } };
    expect(parseBaseline(serializeBaseline(b), 'b.json')).toEqual(b);
  });
});
