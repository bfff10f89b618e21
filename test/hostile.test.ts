import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, REPO, tempProject, VULNERABLE, CLEAN } from './helpers/project';
import { sarifSchemaErrors } from './helpers/sarif';

/**
 * What a hostile repository (or a new user) can put in front of the tool: every case must end,
 * with a report or a clear error, in a bounded time and memory. The CLI runs as a user runs it,
 * with a small heap and a timeout, so a regression fails here instead of eating the machine.
 */
interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function lint(args: string[], cwd: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON report of a run that must end with exit 0 or 1. */
function report(args: string[], cwd: string): { code: number | null; json: JsonReport; stderr: string } {
  const r = lint(['--format', 'json', ...args], cwd);
  expect({ signal: r.signal, stderr: r.code === 0 || r.code === 1 ? '' : r.stderr }).toEqual({ signal: null, stderr: '' });
  return { code: r.code, json: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}

interface JsonReport {
  config: string | null;
  summary: { filesScanned: number; filesNotAnalysed: number; failed: boolean };
  findings: { ruleId: string; location: { path: string; line: number }; fingerprint: string }[];
  notifications: { kind: string; path: string | null; message: string }[];
}

const where = (j: JsonReport): string[] => j.findings.map((f) => `${f.ruleId} ${f.location.path}:${f.location.line}`);
const notes = (j: JsonReport): string[] => j.notifications.map((n) => `${n.kind} ${n.path}`);

const DEEP = {
  // the project's before-stop check: 3000 parentheses overflow TypeScript's own parser
  'parens.ts': `export const x = ${'('.repeat(3000)}1${')'.repeat(3000)};\n`,
  'brackets.ts': `export const y = ${'['.repeat(1000)}${']'.repeat(1000)};\n`,
  // parse fine, but nest deeper than a recursive walk can go
  'plus.ts': `import * as fs from 'fs';\nexport const z = ${Array.from({ length: 5000 }, (_, i) => `a${i}`).join(' + ')};\nfs.existsSync(z);\n`,
  'ifs.ts': `import * as fs from 'fs';\ndeclare const p: string;\n${'if (p) {\n'.repeat(600)}fs.existsSync(p);\n${'}\n'.repeat(600)}`,
};

describe('deeply nested files are skipped, named, and the scan goes on', () => {
  it('the before-stop check: 3000 parentheses beside a real finding exit 1 with the finding', () => {
    const dir = tempProject({ 'src/deep.ts': DEEP['parens.ts'], 'src/vuln.ts': VULNERABLE });
    const { code, json } = report(['src'], dir);
    expect(code).toBe(1);
    expect(where(json)).toEqual(['fs-check-then-use src/vuln.ts:4']);
    expect(notes(json)).toEqual(['too-deep src/deep.ts']);
    expect(json.notifications[0].message).toMatch(/nested too deeply.*skipped/);
    expect(json.summary.filesNotAnalysed).toBe(1);
  });

  it('a 1000-deep array, a 5000-term `+` chain and 600 nested `if`s: each skipped with its reason', () => {
    const dir = tempProject({ ...DEEP, 'vuln.ts': VULNERABLE });
    const { code, json } = report(['.'], dir);
    expect(code).toBe(1);
    expect(where(json)).toEqual(['fs-check-then-use vuln.ts:4']);
    expect(notes(json).sort()).toEqual(['too-deep brackets.ts', 'too-deep ifs.ts', 'too-deep parens.ts', 'too-deep plus.ts']);
    const pretty = lint(['.'], dir);
    expect(pretty.stdout).toMatch(/4 files not analysed \(see the notes\)/);
    expect(pretty.stdout).toMatch(/warning plus\.ts the code is nested more than \d+ levels deep; skipped/);
  });

  it('a too-deep file read only as context (a pre-commit run) drops out of the project model; the given file keeps its findings', () => {
    const dir = copyExample();
    fs.writeFileSync(path.join(dir, 'src', 'deep.ts'), `import './admin';\nexport const tls = { requestCert: true };\nexport const x = ${'('.repeat(3000)}1${')'.repeat(3000)};\n`);
    const { code, json } = report(['src/admin.ts'], dir);
    expect(code).toBe(1);
    expect(where(json)).toContain('unverified-peer-cert src/admin.ts:11');
    expect(notes(json)).toContain('too-deep src/deep.ts');
  });
});

describe('files that are not regular files never hang or exhaust memory', () => {
  const vulnerableRepo = (): string => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    fs.mkdirSync(path.join(dir, '.git'));
    return dir;
  };

  it.each(['.gitignore', 'toctou-lint.config.json', 'baseline.json'])('%s as a symbolic link to /dev/zero', (name) => {
    const dir = vulnerableRepo();
    fs.symlinkSync('/dev/zero', path.join(dir, name));
    const args = name === 'baseline.json' ? ['--baseline', name, 'src'] : ['src'];
    const r = lint(args, dir);
    expect(r.signal).toBeNull();
    if (name === '.gitignore') {
      // not used, named, and the scan goes on
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/warning \.gitignore a character device, not a regular file; this \.gitignore is not used/);
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${name}`);
      expect(r.stderr).toContain('a character device, not a regular file');
    }
  });

  it.each(['.gitignore', '.toctoulintrc.json', 'package.json'])('a FIFO named %s', (name) => {
    const dir = vulnerableRepo();
    const made = spawnSync('mkfifo', [path.join(dir, name)]);
    expect(made.status).toBe(0);
    const r = lint(['src'], dir);
    expect(r.signal).toBeNull(); // a hang would be killed by the timeout
    if (name === '.toctoulintrc.json') {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('.toctoulintrc.json: cannot read config (a FIFO (named pipe), not a regular file)');
    } else {
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`warning ${name} a FIFO (named pipe), not a regular file`);
    }
  });

  it('a FIFO or a link to /dev/zero with a source name is skipped with a note; given explicitly, it is a usage error', () => {
    const dir = vulnerableRepo();
    spawnSync('mkfifo', [path.join(dir, 'src', 'pipe.ts')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'src', 'zero.ts'));
    const { code, json } = report(['src'], dir);
    expect(code).toBe(1);
    expect(notes(json).sort()).toEqual(['unreadable src/pipe.ts', 'unreadable src/zero.ts']);
    const given = lint(['src/pipe.ts'], dir);
    expect(given.code).toBe(2);
    expect(given.stderr).toContain('src/pipe.ts is a FIFO (named pipe), not a file or folder to scan');
  });
});

describe('the config search stops at the repository or package root, and reports say which config applied', () => {
  const OFF = JSON.stringify({ rules: { 'fs-check-then-use': 'off' } });

  it('a config above the repository root is not used', () => {
    const outer = tempProject({ 'toctou-lint.config.json': OFF, 'repo/src/a.ts': VULNERABLE });
    fs.mkdirSync(path.join(outer, 'repo', '.git'));
    const repo = path.join(outer, 'repo');
    const { code, json } = report(['src'], repo);
    expect(code).toBe(1);
    expect(json.config).toBeNull();
    expect(lint(['src'], repo).stdout).toMatch(/· config: none\n$/);
  });

  it('a config above the nearest package.json is not used, even inside the repository', () => {
    const repo = tempProject({ 'toctou-lint.config.json': OFF, 'packages/api/package.json': '{"name":"api"}', 'packages/api/src/a.ts': VULNERABLE });
    fs.mkdirSync(path.join(repo, '.git'));
    expect(report(['packages/api/src'], repo).code).toBe(1);
  });

  it('outside any repository or package, the search goes no higher than the current folder', () => {
    const outer = tempProject({ 'toctou-lint.config.json': OFF, 'proj/src/a.ts': VULNERABLE });
    const { code, json } = report(['src'], path.join(outer, 'proj'));
    expect(code).toBe(1);
    expect(json.config).toBeNull();
  });

  it('the config inside the repository is used and named in pretty, JSON and SARIF', () => {
    const repo = tempProject({ 'toctou-lint.config.json': OFF, 'src/a.ts': VULNERABLE });
    fs.mkdirSync(path.join(repo, '.git'));
    const { code, json } = report(['src'], repo);
    expect(code).toBe(0);
    expect(json.config).toBe(path.join(repo, 'toctou-lint.config.json'));
    expect(lint(['src'], repo).stdout).toMatch(/no problems found · 1 file scanned in \S+ · config: toctou-lint\.config\.json\n$/);
    const sarif = JSON.parse(lint(['--format', 'sarif', 'src'], repo).stdout);
    expect(sarif.runs[0].invocations[0].properties).toEqual({ configFile: 'toctou-lint.config.json' });
  });

  it('a 200,000-deep array and a 5 MB string: a short config error, no stack overflow, no echo', () => {
    const deep = tempProject({ 'toctou-lint.config.json': `{"ignore": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`, 'a.ts': CLEAN });
    const r = lint(['.'], deep);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nested more than 32 levels deep');
    expect(r.stderr).not.toContain('internal error');
    // a config over 1 MB is not read at all
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const big = tempProject({ '.toctoulintrc.json': JSON.stringify({ rules: { 'fs-check-then-use': huge } }), 'a.ts': CLEAN });
    const b = lint(['.'], big);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/\.toctoulintrc\.json: cannot read config \(file is 5\.0 MB, over the 1\.0 MB limit\)\n$/);
    // under the cap, a long value or key is cut when echoed
    const long = 'y'.repeat(900 * 1024);
    const value = tempProject({ '.toctoulintrc.json': JSON.stringify({ rules: { 'fs-check-then-use': long } }), 'a.ts': CLEAN });
    const v = lint(['.'], value);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/fs-check-then-use: "y+… \(921600 characters\) is not allowed/);
    expect(v.stderr.length).toBeLessThan(1000);
    const key = tempProject({ '.toctoulintrc.json': JSON.stringify({ [long]: 1 }), 'a.ts': CLEAN });
    const k = lint(['.'], key);
    expect(k.code).toBe(2);
    expect(k.stderr).toContain('unknown key');
    expect(k.stderr.length).toBeLessThan(1000);
  });
});

describe('no silent pass', () => {
  it('one NUL byte in a comment or one Latin-1 byte: analysed, the finding reported', () => {
    const vulnerableJs = VULNERABLE.replace(': string', '').replace(', body: string', ', body');
    const dir = tempProject({
      'nul.js': Buffer.concat([Buffer.from('// a \0 byte\n'), Buffer.from(vulnerableJs)]),
      'latin1.js': Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from('\n'), Buffer.from(vulnerableJs)]),
    });
    const { code, json } = report(['.'], dir);
    expect(code).toBe(1);
    expect(where(json)).toEqual(['fs-check-then-use latin1.js:5', 'fs-check-then-use nul.js:5']);
    expect(notes(json)).toEqual(['not-utf8 latin1.js']);
    expect(json.summary.filesNotAnalysed).toBe(0);
  });

  it('a binary file is named in every format, the summary says so, and --fail-on-skipped fails the gate', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN, 'src/blob.js': Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 7)) });
    fs.mkdirSync(path.join(dir, '.git'));
    const plain = lint(['src'], dir);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/1 file not analysed \(see the notes\)/);
    expect(plain.stdout).toContain('warning src/blob.js file looks binary');
    const github = lint(['--format', 'github', 'src'], dir);
    expect(github.stdout).toMatch(/^::warning file=src\/blob\.js,title=toctou-lint%3A binary::file looks binary/m);
    const sarif = JSON.parse(lint(['--format', 'sarif', 'src'], dir).stdout);
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications).toContainEqual(expect.objectContaining({ descriptor: { id: 'binary' } }));
    const gitlab = JSON.parse(lint(['--format', 'gitlab', 'src'], dir).stdout);
    expect(gitlab.scan.messages).toContainEqual({ level: 'warn', value: expect.stringMatching(/^src\/blob\.js: file looks binary.*\(binary\)$/) });
    const json = report(['src'], dir).json;
    expect(json.summary).toMatchObject({ filesNotAnalysed: 1, failed: false });
    // the gate that must not pass over a file it could not read
    const strict = lint(['--fail-on-skipped', 'src'], dir);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^✖ .*1 file not analysed/m);
    expect(report(['--fail-on-skipped', 'src'], dir).json.summary.failed).toBe(true);
    // a clean run stays clean with the flag
    expect(lint(['--fail-on-skipped', 'src/a.ts'], dir).code).toBe(0);
  });
});

describe('-o never overwrites what the project owns', () => {
  it.each(['package.json', 'package-lock.json', 'yarn.lock', '.gitignore', 'toctou-lint.config.json', 'tsconfig.json'])('-o %s is refused, the file unchanged', (name) => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, [name]: name.endsWith('.json') ? '{}' : 'keep\n' });
    const before = fs.readFileSync(path.join(dir, name), 'utf8');
    const r = lint(['-o', name, 'src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`-o ${name}: refusing to write the report over`);
    expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(before);
  });

  it('the baseline in use, the config in use, a link to a source, and a FIFO are refused too', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'b.json': '{"version":1,"files":{}}', 'ci/lint.json': '{}' });
    expect(lint(['--baseline', 'b.json', '-o', 'b.json', 'src'], dir).stderr).toContain('refusing to write the report over the baseline in use');
    expect(lint(['-c', 'ci/lint.json', '-o', 'ci/lint.json', 'src'], dir).stderr).toContain('refusing to write the report over the config file in use');
    fs.symlinkSync('src/a.ts', path.join(dir, 'report.txt'));
    expect(lint(['-o', 'report.txt', 'src'], dir).stderr).toContain('refusing to write the report over a symbolic link');
    expect(fs.readFileSync(path.join(dir, 'src', 'a.ts'), 'utf8')).toBe(VULNERABLE);
    spawnSync('mkfifo', [path.join(dir, 'out.sarif')]);
    const fifo = lint(['-o', 'out.sarif', 'src'], dir);
    expect(fifo.signal).toBeNull();
    expect(fifo.stderr).toContain('refusing to write the report over a FIFO');
  });
});

describe('symbolic links to sources', () => {
  it('a link alias.ts → real.ts is reported at real.ts, once', () => {
    const dir = tempProject({ 'src/real.ts': VULNERABLE });
    fs.symlinkSync('real.ts', path.join(dir, 'src', 'alias.ts'));
    const { json } = report(['src'], dir);
    expect(where(json)).toEqual(['fs-check-then-use src/real.ts:4']);
    expect(json.summary.filesScanned).toBe(1);
    expect(where(report(['src/alias.ts'], dir).json)).toEqual(['fs-check-then-use src/real.ts:4']);
  });
});

function copyExample(): string {
  const dir = tempProject();
  fs.cpSync(path.join(REPO, 'examples', 'vulnerable-app'), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.git'));
  return dir;
}

describe('baselines and fingerprints depend only on the finding’s own code', () => {
  it('a baseline from a full scan holds in a pre-commit run, a --rule run and a prune of one file', () => {
    const dir = copyExample();
    expect(lint(['--write-baseline', 'b.json', '.'], dir).code).toBe(0);
    const written = fs.readFileSync(path.join(dir, 'b.json'), 'utf8');
    // the finding in invoices.ts has its related location in server.ts, which a hook run reads only as context
    const hook = report(['--baseline', 'b.json', 'src/routes/invoices.ts'], dir);
    expect({ code: hook.code, findings: where(hook.json) }).toEqual({ code: 0, findings: [] });
    const one = lint(['--baseline', 'b.json', '--rule', 'identity-from-request-params', '.'], dir);
    expect(one.code).toBe(0);
    expect(one.stderr).not.toContain('no longer match');
    const prune = lint(['--baseline', 'b.json', '--prune-baseline', 'src/routes/invoices.ts'], dir);
    expect(prune.stderr).toContain('nothing to prune');
    const pruneRule = lint(['--baseline', 'b.json', '--prune-baseline', '--rule', 'identity-from-request-params', '.'], dir);
    expect(pruneRule.stderr).toContain('nothing to prune');
    expect(fs.readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe(written);
  });

  it('a file the run could not analyse keeps its baseline entries when pruning', () => {
    const dir = copyExample();
    lint(['--write-baseline', 'b.json', '.'], dir);
    const written = fs.readFileSync(path.join(dir, 'b.json'), 'utf8');
    // uploads.ts becomes too deep to analyse: its entries are not "fixed"
    fs.appendFileSync(path.join(dir, 'src', 'routes', 'uploads.ts'), `\nexport const deep = ${'('.repeat(3000)}1${')'.repeat(3000)};\n`);
    const r = lint(['--baseline', 'b.json', '--prune-baseline', '.'], dir);
    expect(r.stderr).toContain('nothing to prune');
    expect(fs.readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe(written);
  });

  it('turning an unrelated rule off, or adding a crl to the server, keeps the SARIF fingerprint of an unchanged finding', () => {
    const dir = copyExample();
    const fingerprint = (): string => {
      const log = JSON.parse(lint(['--format', 'sarif', '.'], dir).stdout);
      expect(sarifSchemaErrors(log)).toEqual([]);
      const r = log.runs[0].results.find(
        (x: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.ruleId === 'identity-from-request-params',
      );
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe('src/routes/invoices.ts');
      return r.partialFingerprints.primaryLocationLineHash;
    };
    const before = fingerprint();
    fs.writeFileSync(path.join(dir, 'toctou-lint.config.json'), JSON.stringify({ rules: { 'missing-revocation-check': 'off' } }));
    expect(fingerprint()).toBe(before);
    fs.rmSync(path.join(dir, 'toctou-lint.config.json'));
    const server = path.join(dir, 'src', 'server.ts');
    fs.writeFileSync(
      server,
      fs.readFileSync(server, 'utf8').replace('      requestCert: true,\n', "      crl: fs.readFileSync('tls/clients-ca.crl'),\n      requestCert: true,\n"),
    );
    expect(where(report(['.'], dir).json).filter((f) => f.startsWith('missing-revocation-check'))).toEqual([]); // the server finding is gone
    expect(fingerprint()).toBe(before);
  });
});

describe('directive problems in code scanning', () => {
  it('with --report-unused-disable-directives and -f sarif, an unused directive is a result (exit 1 is visible)', () => {
    const dir = tempProject({ 'src/a.ts': `${CLEAN}// toctou-lint-disable-next-line fs-check-then-use -- was needed once\nexport const y = 1;\n` });
    const r = lint(['--report-unused-disable-directives', '--format', 'sarif', 'src'], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifSchemaErrors(log)).toEqual([]);
    const results = log.runs[0].results;
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      ruleId: 'toctou-lint-directive',
      level: 'warning',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.ts' }, region: { startLine: 5 } } }],
    });
    expect(log.runs[0].tool.driver.rules[results[0].ruleIndex].id).toBe('toctou-lint-directive');
  });
});

describe('the GitHub Action', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('js-yaml') as { load(s: string): unknown };
  const action = yaml.load(fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8')) as {
    runs: { steps: { id?: string; run?: string; uses?: string; env?: Record<string, string> }[] };
  };
  const scan = action.runs.steps.find((s) => s.id === 'scan')!;

  /** Run the action's scan step as the runner would, in `dir`, with `bin` first on PATH. */
  function runScan(dir: string, bin: string): { code: number | null; stdout: string; output: string } {
    const output = path.join(dir, 'github-output');
    fs.writeFileSync(output, '');
    const env = {
      PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      GITHUB_OUTPUT: output,
      GITHUB_ACTION_PATH: REPO,
      TL_PATHS: 'src',
      TL_FORMAT: 'sarif',
      TL_CATEGORY: 'toctou-lint',
      TL_BASELINE: '',
      TL_FAIL_ON: 'warning',
      TL_ARGS: '',
      TL_VERSION: '',
    };
    const r = spawnSync('bash', ['-e', '-c', scan.run!], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout + r.stderr, output: fs.readFileSync(output, 'utf8') };
  }

  const stub = (script: string): string => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'toctou-bin-'));
    fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return bin;
  };

  it('uses upload-sarif v4 only after a run that wrote its report', () => {
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!;
    expect(upload.uses).toBe('github/codeql-action/upload-sarif@v4');
  });

  it('the documented workflow grants what the upload needs on private repositories', () => {
    const ci = fs.readFileSync(path.join(REPO, 'docs', 'ci.md'), 'utf8');
    const workflow = /```yaml\n# \.github\/workflows\/toctou-lint\.yml\n([\s\S]*?)```/.exec(ci)![1];
    const doc = yaml.load(workflow) as { permissions: Record<string, string>; jobs: { scan: { steps: { uses?: string }[] } } };
    expect(doc.permissions).toMatchObject({ actions: 'read', 'security-events': 'write' });
    expect(doc.jobs.scan.steps.map((st) => st.uses).filter((u) => u?.includes('upload-sarif'))).toEqual(['github/codeql-action/upload-sarif@v4']);
  });

  it('npx failing (a 404) fails with a clear message instead of reading as findings', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = runScan(dir, stub('echo "npm error 404 Not Found - GET https://registry.npmjs.org/toctou-lint" >&2; exit 1'));
    expect(r.code).toBe(2);
    expect(r.output).toContain('exit-code=2');
    expect(r.stdout).toMatch(/::error title=toctou-lint action::could not run npx --yes toctou-lint@/);
  });

  it('a tool that exits 1 without writing the report fails the step', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    fs.writeFileSync(path.join(dir, 'toctou-lint.sarif'), '{"stale": true}'); // left from an earlier run
    const r = runScan(dir, stub('case "$*" in *--version*) echo 0.1.0;; *) exit 1;; esac'));
    expect(r.code).toBe(2);
    expect(r.output).toContain('exit-code=2');
    expect(r.stdout).toContain('wrote no report');
  });

  it('the real tool with findings: exit-code 1 and a SARIF report to upload', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = runScan(dir, stub(`shift; shift; exec "${process.execPath}" "${BIN}" "$@"`));
    expect(r.output).toBe('exit-code=1\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'toctou-lint.sarif'), 'utf8')).runs[0].results).toHaveLength(1);
  });
});

describe('tests need no neighbour', () => {
  it('no test reads outside the repository (a clean clone passes alone)', () => {
    const testDir = path.join(REPO, 'test');
    const offenders: string[] = [];
    for (const f of fs.readdirSync(testDir, { recursive: true, encoding: 'utf8' })) {
      if (!/\.ts$/.test(f)) continue;
      const text = fs.readFileSync(path.join(testDir, f), 'utf8');
      if (/\.\.\/shared|'\.\.',\s*'shared'|REPO,\s*'\.\.'/.test(text)) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });
});
