import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIN, REPO, tempProject } from './helpers/project';

/**
 * A seeded fuzz run: the fixtures, mutated (truncated, random bytes, deep nesting, huge lines,
 * NUL and Latin-1 bytes, long `+` chains), over 2,000 files beside an untouched copy, in one CLI
 * run. No crash, no hang, and every finding of the untouched files still reported.
 */
const SEED = 0x70c70;
const MUTANTS = 2200;
const SOURCE_RE = /\.(?:[mc]?[jt]s|[jt]sx)$/;

/** mulberry32: small, fast, and the same sequence on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIXTURES = path.join(REPO, 'fixtures');
const sources = fs
  .readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
  .filter((f) => SOURCE_RE.test(f))
  .sort();

type Mutation = (src: Buffer, r: () => number) => Buffer;
const int = (r: () => number, n: number): number => Math.floor(r() * n);
const at = (src: Buffer, r: () => number): number => int(r, src.length + 1);
const splice = (src: Buffer, i: number, insert: Buffer | string, remove = 0): Buffer => Buffer.concat([src.subarray(0, i), Buffer.from(insert), src.subarray(i + remove)]);

const MUTATIONS: [string, Mutation][] = [
  ['truncate', (s, r) => s.subarray(0, at(s, r))],
  [
    'random-bytes',
    (s, r) => {
      let out = s;
      for (let k = 1 + int(r, 8); k > 0; k--) out = splice(out, at(out, r), Buffer.from(Array.from({ length: 1 + int(r, 16) }, () => int(r, 256))), int(r, 4));
      return out;
    },
  ],
  [
    'deep-parens',
    (s, r) => {
      const n = 500 + int(r, 3000);
      return splice(s, s.length, `\nexport const deep = ${'('.repeat(n)}1${')'.repeat(n)};\n`);
    },
  ],
  [
    'deep-brackets',
    (s, r) => {
      const n = 500 + int(r, 1500);
      return splice(s, s.length, `\nexport const deep = ${'['.repeat(n)}${']'.repeat(n)};\n`);
    },
  ],
  [
    'deep-ifs',
    (s, r) => {
      const n = 200 + int(r, 800);
      return splice(s, s.length, `\nexport function deep(p: any) {\n${'if (p) {\n'.repeat(n)}p();\n${'}\n'.repeat(n)}}\n`);
    },
  ],
  [
    'deep-braces',
    (s, r) => {
      const n = 300 + int(r, 2000);
      return splice(s, at(s, r), '{'.repeat(n));
    },
  ],
  ['plus-chain', (s, r) => splice(s, s.length, `\nexport const sum = ${Array.from({ length: 1000 + int(r, 6000) }, (_, i) => `v${i}`).join(' + ')};\n`)],
  ['huge-line', (s, r) => splice(s, at(s, r), `\nconst long = "${'x'.repeat(50_000 + int(r, 200_000))}";\n`)],
  ['huge-code-line', (s, r) => splice(s, s.length, `\n${'f(a, b); '.repeat(10_000 + int(r, 20_000))}\n`)],
  ['nul-and-latin1', (s, r) => splice(splice(s, at(s, r), Buffer.from([0])), at(s, r), Buffer.from([0xe9, 0xff]))],
  ['unterminated', (s, r) => splice(s, at(s, r), ['`${', '/*', '"', "'", '<div>', '/'][int(r, 6)])],
  [
    'template-nesting',
    (s, r) => {
      const n = 200 + int(r, 1000);
      return splice(s, s.length, `\nexport const t = ${'`${'.repeat(n)}1${'}`'.repeat(n)};\n`);
    },
  ],
];

describe('fuzz', () => {
  it(`${MUTANTS} mutated fixtures beside untouched ones: no crash, no hang, no finding of the untouched files lost`, () => {
    // FUZZ_DIR keeps the generated tree for a look afterwards (it is not removed then)
    const dir = process.env.FUZZ_DIR ?? tempProject();
    fs.mkdirSync(path.join(dir, '.git'));
    fs.cpSync(FIXTURES, path.join(dir, 'clean'), { recursive: true });
    const r = rng(SEED);
    for (let i = 0; i < MUTANTS; i++) {
      const file = sources[i % sources.length];
      const [name, mutate] = MUTATIONS[int(r, MUTATIONS.length)];
      const src = fs.readFileSync(path.join(FIXTURES, file));
      // each mutant in a folder of its own, so that its relative imports reach nothing untouched
      const out = path.join(dir, 'fuzz', String(i).padStart(4, '0'), `${name}-${path.basename(file)}`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, mutate(src, r));
    }

    const scan = (
      target: string,
    ): { status: number | null; findings: string[]; report: { summary: { filesScanned: number }; notifications: { kind: string; path: string }[] }; stderr: string } => {
      const res = spawnSync(process.execPath, [BIN, '--format', 'json', '--no-error-on-unmatched-pattern', target], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, CI: '1' },
      });
      expect({ signal: res.signal, status: res.status === 0 || res.status === 1 ? 'ok' : res.status, stderr: res.status === 0 || res.status === 1 ? '' : res.stderr }).toEqual({
        signal: null,
        status: 'ok',
        stderr: '',
      });
      const report = JSON.parse(res.stdout);
      const findings = (report.findings as { ruleId: string; location: { path: string; line: number; column: number } }[]).map(
        (f) => `${f.ruleId} ${f.location.path}:${f.location.line}:${f.location.column}`,
      );
      return { status: res.status, findings, report, stderr: res.stderr };
    };

    const started = Date.now();
    const all = scan('.');
    const elapsed = Date.now() - started;
    const untouched = scan('clean');
    expect(untouched.findings.length).toBeGreaterThan(100);
    // everything the untouched files give alone, they still give beside the mutants
    const missing = untouched.findings.filter((f) => !all.findings.includes(f));
    expect(missing).toEqual([]);
    expect(all.report.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
    // the mutants were read: most analysed, the deep ones skipped and named
    expect(all.report.summary.filesScanned).toBeGreaterThan(untouched.report.summary.filesScanned + MUTANTS / 2);
    expect(all.report.notifications.filter((n) => n.kind === 'too-deep' && n.path.startsWith('fuzz/')).length).toBeGreaterThan(MUTANTS / 10);
    expect(elapsed).toBeLessThan(60_000);
  });
});
