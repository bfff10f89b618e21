import { main, type Io } from '../src/cli';
import { Progress, PROGRESS_MIN_FILES, wantsProgress } from '../src/progress';
import { tempProject, VULNERABLE } from './helpers/project';

class Sink {
  text = '';
  constructor(
    public isTTY?: boolean,
    public columns?: number,
  ) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('wantsProgress', () => {
  const tty = new Sink(true, 80);
  it('only on a terminal, outside CI, without --quiet or --no-progress, and not on TERM=dumb', () => {
    expect(wantsProgress(tty, {}, {})).toBe(true);
    expect(wantsProgress(new Sink(false), {}, {})).toBe(false);
    expect(wantsProgress(new Sink(), {}, {})).toBe(false);
    expect(wantsProgress(tty, { CI: 'true' }, {})).toBe(false);
    expect(wantsProgress(tty, { CI: '1' }, {})).toBe(false);
    expect(wantsProgress(tty, { CI: 'false' }, {})).toBe(true);
    expect(wantsProgress(tty, { CI: '' }, {})).toBe(true);
    expect(wantsProgress(tty, { TERM: 'dumb' }, {})).toBe(false);
    expect(wantsProgress(tty, {}, { quiet: true })).toBe(false);
    expect(wantsProgress(tty, {}, { progress: false })).toBe(false);
  });
});

describe('Progress', () => {
  it('draws files done / total and the current folder on one line, throttled, and erases it', () => {
    let now = 0;
    const sink = new Sink(true, 60);
    const p = new Progress(sink, '/proj', { minFiles: 3, intervalMs: 100, now: () => now });
    p.update(1, 4, '/proj/src/routes/a.ts');
    now = 50;
    p.update(2, 4, '/proj/src/routes/b.ts'); // too soon: not drawn
    now = 200;
    p.update(3, 4, '/proj/lib/c.ts');
    now = 210;
    p.update(4, 4, '/proj/d.ts'); // the last one is always drawn
    expect(sink.text).toBe('\rtoctou-lint: 1/4 files · src/routes\u001b[K\rtoctou-lint: 3/4 files · lib\u001b[K\rtoctou-lint: 4/4 files · .\u001b[K');
    sink.text = '';
    p.clear();
    expect(sink.text).toBe('\r\u001b[K');
    p.clear();
    expect(sink.text).toBe('\r\u001b[K'); // once
  });

  it('stays silent for small scans and keeps long folders within the terminal width, escaped', () => {
    const sink = new Sink(true, 40);
    const small = new Progress(sink, '/p');
    small.update(1, PROGRESS_MIN_FILES - 1, '/p/a.ts');
    small.clear();
    expect(sink.text).toBe('');
    const p = new Progress(sink, '/p', { minFiles: 1 });
    p.update(1, 1, '/p/a/very/long/folder/name/that/goes/on\u001b[2J/x.ts');
    // eslint-disable-next-line no-control-regex -- the terminal's erase sequence
    const line = sink.text.replace(/^\r/, '').replace(/\u001b\[K$/, '');
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line).toMatch(/^toctou-lint: 1\/1 files · …/);
    expect(line).not.toContain('\u001b');
  });
});

describe('progress in the CLI', () => {
  const files: Record<string, string> = { 'src/vuln.ts': VULNERABLE };
  for (let i = 0; i < PROGRESS_MIN_FILES + 20; i++) files[`src/m${Math.floor(i / 50)}/f${i}.ts`] = `export const v${i} = ${i};\n`;
  const dir = tempProject(files);
  const total = PROGRESS_MIN_FILES + 21;

  async function scan(args: string[], env: NodeJS.ProcessEnv, stderrTTY = true): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = new Sink(false);
    const stderr = new Sink(stderrTTY, 100);
    const io: Io = { stdout, stderr, env, cwd: dir };
    const code = await main(['node', 'toctou-lint', ...args], io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('a scan of hundreds of files shows a progress line on stderr, erased before the report; stdout gets only the report', async () => {
    const r = await scan(['--format', 'json', 'src'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`\rtoctou-lint: 1/${total} files · src`);
    expect(r.stderr).toContain(`\rtoctou-lint: ${total}/${total} files · src`);
    expect(r.stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).not.toContain('toctou-lint: ');
    expect(JSON.parse(r.stdout).summary.filesScanned).toBe(total);
  });

  it('is off in CI, with --quiet, with --no-progress, and when stderr is not a terminal', async () => {
    expect((await scan(['src'], { CI: 'true' })).stderr).toBe('');
    expect((await scan(['--quiet', 'src'], {})).stderr).toBe('');
    expect((await scan(['--no-progress', 'src'], {})).stderr).toBe('');
    expect((await scan(['src'], {}, false)).stderr).toBe('');
  });
});
