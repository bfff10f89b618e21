import * as fs from 'node:fs';

/**
 * The one way toctou-lint reads a file: sources, configs, `.gitignore`s, `package.json`s and
 * baselines alike. A scanned repository chooses what its files are, so every read checks that
 * the path is a regular file (a FIFO would block forever, `/dev/zero` never ends), that it is not
 * over a size cap (checked on the open descriptor too, and again while reading, so a file that
 * grows cannot exhaust memory), and stops after a time bound. The file is opened with
 * `O_NONBLOCK`, so even a FIFO swapped in between the check and the open cannot block.
 */
export class ReadError extends Error {
  constructor(
    message: string,
    /** `not-regular`, `too-large`, `timeout`, or the system error code (`ENOENT`, `EACCES`, …). */
    readonly code: string,
  ) {
    super(message);
  }
}

export interface ReadLimits {
  /** Largest size read, in bytes. */
  maxBytes: number;
  /** Give up after this long (default 10 s): a file on a stalled network mount must not hang the run. */
  timeoutMs?: number;
}

const CHUNK = 1 << 20;
// Windows has no O_NONBLOCK; there FIFOs are not files the stat check lets through anyway
const O_NONBLOCK = (fs.constants as { O_NONBLOCK?: number }).O_NONBLOCK ?? 0;

/** What a non-regular file is, in words, for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export const formatBytes = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`);

/** Read a regular file of at most `maxBytes`; anything else is a `ReadError` saying why. */
export function readFileSafely(file: string, limits: ReadLimits): Buffer {
  const deadline = Date.now() + (limits.timeoutMs ?? 10_000);
  const check = (st: fs.Stats): void => {
    if (!st.isFile()) throw new ReadError(`${fileKind(st)}, not a regular file`, 'not-regular');
    if (st.size > limits.maxBytes) throw new ReadError(`file is ${formatBytes(st.size)}, over the ${formatBytes(limits.maxBytes)} limit`, 'too-large');
  };
  let fd: number;
  try {
    check(fs.statSync(file));
    fd = fs.openSync(file, fs.constants.O_RDONLY | O_NONBLOCK);
  } catch (err) {
    throw asReadError(err);
  }
  try {
    const st = fs.fstatSync(fd);
    check(st);
    // a file may grow between the stat and the read: read at most one byte over the cap to notice
    const buf = Buffer.allocUnsafe(Math.min(st.size, limits.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buf.length) throw new ReadError('file grew while being read', 'too-large');
      const n = fs.readSync(fd, buf, length, Math.min(CHUNK, buf.length - length), null);
      if (n === 0) break;
      length += n;
      if (Date.now() > deadline) throw new ReadError(`reading took longer than ${Math.round((limits.timeoutMs ?? 10_000) / 1000)} s`, 'timeout');
    }
    return buf.subarray(0, length);
  } catch (err) {
    throw asReadError(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** `readFileSafely` as UTF-8 text (invalid bytes become U+FFFD), without a byte-order mark. */
export function readTextSafely(file: string, limits: ReadLimits): string {
  const text = readFileSafely(file, limits).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function asReadError(err: unknown): ReadError {
  if (err instanceof ReadError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new ReadError(code ?? String((err as Error).message ?? err), code ?? 'error');
}

/** `fs.statSync` that answers undefined instead of throwing. */
export function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** Limits of the files that are not sources: generous for what they are, far from a memory problem. */
export const LIMITS = {
  config: { maxBytes: 1024 * 1024 },
  packageJson: { maxBytes: 4 * 1024 * 1024 },
  gitignore: { maxBytes: 1024 * 1024 },
  baseline: { maxBytes: 64 * 1024 * 1024 },
} as const;
