import * as path from 'node:path';
import { escapeControl } from './reporters/pretty';

/** Where the progress line goes: the CLI's stderr. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Scans of fewer files than this finish before a progress line would help. */
export const PROGRESS_MIN_FILES = 300;

/**
 * Whether to show a progress line: stderr is a terminal, not in CI, not `--quiet`, not
 * `--no-progress`, and the terminal can move the cursor.
 */
export function wantsProgress(stream: ProgressStream, env: NodeJS.ProcessEnv, opts: { quiet?: boolean; progress?: boolean }): boolean {
  if (opts.progress === false || opts.quiet) return false;
  if (stream.isTTY !== true || env.TERM === 'dumb') return false;
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return false;
  return true;
}

/**
 * One line on stderr, redrawn in place: `toctou-lint: 120/3011 files · src/routes`. It appears
 * only for scans of at least `minFiles` files, is redrawn at most every `intervalMs`, and is
 * erased by `clear()` before the report is written, so it never mixes into the report.
 */
export class Progress {
  private shown = false;
  private last = -Infinity;

  constructor(
    private readonly stream: ProgressStream,
    private readonly cwd: string,
    private readonly opts: { minFiles?: number; intervalMs?: number; now?: () => number } = {},
  ) {}

  /** Matches `RunOptions.onFile`. */
  update = (done: number, total: number, file: string): void => {
    if (total < (this.opts.minFiles ?? PROGRESS_MIN_FILES)) return;
    const now = (this.opts.now ?? Date.now)();
    if (this.shown && done < total && now - this.last < (this.opts.intervalMs ?? 100)) return;
    this.last = now;
    const rel = path.relative(this.cwd, path.dirname(file)).split(path.sep).join('/');
    const folder = escapeControl(rel === '' ? '.' : rel.startsWith('..') ? path.dirname(file) : rel);
    const head = `toctou-lint: ${done}/${total} files · `;
    const columns = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : 80;
    const width = Math.max(20, columns - 1);
    const room = width - head.length;
    const shownFolder = folder.length <= room ? folder : `…${folder.slice(folder.length - Math.max(1, room - 1))}`;
    this.stream.write(`\r${head}${shownFolder}\u001b[K`);
    this.shown = true;
  };

  /** Erase the line, if one was drawn. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\u001b[K');
    this.shown = false;
  }
}
