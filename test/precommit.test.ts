import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { npmEnv } from './helpers/npm';
import { CLEAN, REPO, tempProject, VULNERABLE } from './helpers/project';

/**
 * The hook as users get it, with the real `pre-commit` (Debian package `pre-commit`; `.ci/run`
 * installs it). pre-commit installs a `language: node` hook by cloning the repository, running
 * `npm install` (whose `prepare` builds dist/), `npm pack` and `npm install -g` of the tarball
 * into an environment of its own; then it runs `toctou-lint <staged files>`.
 *
 * The hook repository is a fresh git repository holding this working tree (committed files and
 * new ones, as `git ls-files` sees them, nothing ignored such as node_modules/ or dist/), so the
 * test checks what a commit of this tree would give users.
 */
const version = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const available = version.status === 0;
if (!available) {
  console.warn(
    `test/precommit.test.ts skipped: pre-commit is not installed (${version.error?.message ?? version.stderr}); install the Debian package pre-commit (or pip install pre-commit) to run it; .ci/run does`,
  );
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'toctou-lint test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'toctou-lint test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  // no user or system git configuration (signing, hooks paths, templates) leaks in
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: npmEnv({ ...GIT_ENV, ...env }), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A git repository holding this working tree, as the hook's source. */
function hookRepository(dir: string): { repo: string; rev: string } {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' });
  ok(listed, 'git ls-files');
  const files = listed.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(REPO, f)));
  const repo = path.join(dir, 'toctou-lint');
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, f), path.join(repo, f));
  }
  ok(run('git', ['init', '-q'], repo, {}), 'git init');
  ok(run('git', ['add', '-A'], repo, {}), 'git add');
  ok(run('git', ['commit', '-q', '-m', 'toctou-lint under test'], repo, {}), 'git commit');
  return { repo, rev: ok(run('git', ['rev-parse', 'HEAD'], repo, {}), 'git rev-parse').trim() };
}

/** A fresh git repository for a project, with these files staged. */
function project(dir: string, name: string, staged: Record<string, string>, unstaged: Record<string, string> = {}): string {
  const root = path.join(dir, name);
  fs.mkdirSync(root, { recursive: true });
  ok(run('git', ['init', '-q'], root, {}), 'git init');
  for (const [file, text] of Object.entries({ ...staged, ...unstaged })) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  if (Object.keys(staged).length > 0) ok(run('git', ['add', ...Object.keys(staged)], root, {}), 'git add');
  return root;
}

(available ? describe : describe.skip)(`pre-commit hook (${available ? version.stdout.trim() : 'pre-commit not installed'})`, () => {
  it('pre-commit try-repo: a staged file with a finding fails the hook, a clean one passes', () => {
    const dir = tempProject();
    const { repo } = hookRepository(dir);
    const env = { PRE_COMMIT_HOME: path.join(dir, 'pre-commit-home') };

    const bad = project(dir, 'bad', { 'src/upload.ts': VULNERABLE, 'src/save.ts': CLEAN });
    const failed = run('pre-commit', ['try-repo', repo, 'toctou-lint'], bad, env);
    expect(failed.stdout).toMatch(/^toctou-lint\.+Failed$/m);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('- exit code: 1');
    expect(failed.stdout).toContain('src/upload.ts');
    expect(failed.stdout).toMatch(/4:5 +warning +`p` is checked with `fs\.existsSync\(\)` at line 3/);
    expect(failed.stdout).toMatch(/✖ 1 problem .* 2 files scanned/);

    // only staged files are passed: an untracked file with a finding does not fail a clean commit
    const good = project(dir, 'good', { 'src/save.ts': CLEAN }, { 'scratch/upload.ts': VULNERABLE });
    const passed = run('pre-commit', ['try-repo', repo, 'toctou-lint'], good, env);
    expect(passed.stdout).toMatch(/^toctou-lint\.+Passed$/m);
    expect(passed.status).toBe(0);
  }, 600_000);

  it('installed as a git hook from .pre-commit-config.yaml, it blocks a commit with a finding and lets a clean one through', () => {
    const dir = tempProject();
    const { repo, rev } = hookRepository(dir);
    const env = { PRE_COMMIT_HOME: path.join(dir, 'pre-commit-home') };
    const config = `repos:\n  - repo: ${repo}\n    rev: ${rev}\n    hooks:\n      - id: toctou-lint\n`;
    const root = project(dir, 'app', { '.pre-commit-config.yaml': config, 'src/upload.ts': VULNERABLE, 'README.md': '# app\n' });
    ok(run('pre-commit', ['install'], root, env), 'pre-commit install');

    const blocked = run('git', ['commit', '-m', 'add upload'], root, env);
    expect(blocked.status).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('fs-check-then-use');
    expect(run('git', ['rev-parse', '--verify', '-q', 'HEAD'], root, {}).status).not.toBe(0); // nothing was committed

    fs.writeFileSync(path.join(root, 'src/upload.ts'), CLEAN);
    ok(run('git', ['add', 'src/upload.ts'], root, {}), 'git add');
    const committed = run('git', ['commit', '-m', 'add upload, safely'], root, env);
    expect(committed.stdout + committed.stderr).toMatch(/toctou-lint\.+Passed/);
    expect(committed.status).toBe(0);
    expect(ok(run('git', ['log', '--format=%s'], root, {}), 'git log').trim()).toBe('add upload, safely');
  }, 600_000);
});
