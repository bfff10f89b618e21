import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');
export const BIN = path.join(REPO, 'bin', 'toctou-lint.js');

/** A throwaway folder holding the given files (`{ 'src/a.ts': '…' }`); removed after the test file. */
export function tempProject(files: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'toctou-lint-test-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would: a separate node process in `cwd`. */
export function cli(args: string[], cwd: string, env: Record<string, string | undefined> = {}): CliRun {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A file with one check-then-write, the smallest thing that makes the tool exit 1. */
export const VULNERABLE = `import * as fs from 'node:fs';
export function save(p: string, body: string) {
  if (!fs.existsSync(p)) {
    fs.writeFileSync(p, body);
  }
}
`;

export const CLEAN = `import * as fs from 'node:fs';
export function save(p: string, body: string) {
  fs.writeFileSync(p, body, { flag: 'wx' });
}
`;
