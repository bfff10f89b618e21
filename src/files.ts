import type FastGlob from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Notification } from './findings';
import { fileKind, LIMITS, readTextSafely, type ReadError } from './read';

// fast-glob is loaded only when a folder or glob is scanned: a pre-commit run on a few files skips it
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fg = (): typeof FastGlob => require('fast-glob') as typeof FastGlob;

export const SOURCE_EXTENSIONS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'] as const;
const SOURCE_RE = /\.(?:[mc]?[jt]s|[jt]sx)$/;
const DECLARATION_RE = /\.d\.[mc]?ts$/;
const MINIFIED_NAME_RE = /[.-]min\.[mc]?js$|\.bundle\.[mc]?js$/;

/**
 * Never scanned: dependencies (and Yarn's vendored releases, plugins and cache), build output, VCS
 * data, declarations, minified bundles. A `build/` folder is output too, unless it sits inside a
 * `src/` folder, where it is code about building (`src/build/site.js`): see `isBuildOutput`.
 */
export const DEFAULT_IGNORES = [
  '**/node_modules/**',
  '**/.yarn/**',
  '**/dist/**',
  '**/coverage/**',
  '**/.git/**',
  '**/.next/**',
  '**/.nuxt/**',
  '**/*.d.ts',
  '**/*.d.mts',
  '**/*.d.cts',
  '**/*.min.js',
  '**/*-min.js',
  '**/*.bundle.js',
];

export class UsageError extends Error {}

export interface Discovery {
  /**
   * Absolute paths under the scanned folder as given, sorted, each real file once: a symbolic link
   * to a file inside the scan is replaced by the path of the file it points to.
   */
  files: string[];
  notifications: Notification[];
  /** Every target named a file (no folder, no glob): a pre-commit hook's list of staged files. */
  explicitFilesOnly: boolean;
}

export interface DiscoverOptions {
  cwd: string;
  /** gitignore-style patterns, each with the folder it is relative to. */
  ignore: { patterns: readonly string[]; base: string }[];
  /** Honour `.gitignore` files (default true). */
  gitignore?: boolean;
  /** A folder or glob with no file to scan is a usage error unless this is true (then a warning). */
  allowNoMatch?: boolean;
}

/**
 * Turn the command line's paths (files, folders or globs) into the files to scan.
 * Honours `.gitignore` files (from the scanned folder up to its repository root, and below),
 * never follows symlinked folders, and drops symlinked files that point out of the scanned root.
 */
export async function discoverFiles(targets: readonly string[], opts: DiscoverOptions): Promise<Discovery> {
  const notifications: Notification[] = [];
  const found = new Map<string, string>(); // real path → path to report it at
  const ignores = opts.ignore.map(({ patterns, base }) => ({ base, ig: ignore().add(patterns as string[]) }));
  const gitignores = new GitignoreSet(notifications);

  let explicitFilesOnly = targets.length > 0;
  for (const target of targets) {
    const abs = path.resolve(opts.cwd, target);
    const stat = safeStat(abs);
    if (!stat?.isFile()) explicitFilesOnly = false;
    if (stat && !stat.isFile() && !stat.isDirectory()) throw new UsageError(`${target} is ${fileKind(stat)}, not a file or folder to scan`);
    let root: string;
    let candidates: string[];
    /** Files reached through a symbolic link: only these need their real path resolved. */
    const links = new Set<string>();
    let explicit = false;
    if (stat?.isFile()) {
      root = path.dirname(abs);
      candidates = [abs];
      explicit = true;
      links.add(abs);
      if (!SOURCE_RE.test(abs)) {
        notifications.push({ level: 'note', kind: 'not-source', message: 'not a JavaScript or TypeScript file; skipped', file: abs });
        continue;
      }
    } else if (stat?.isDirectory()) {
      root = abs;
      candidates = await listFolder(abs, links, notifications);
    } else if (fg().isDynamicPattern(target)) {
      root = opts.cwd;
      const pattern = path.isAbsolute(target) ? target : fg().convertPathToPattern(opts.cwd) + '/' + target.replace(/^\.\//, '');
      candidates = await fg()(pattern, globOptions(opts.cwd));
      candidates = candidates.filter((f) => SOURCE_RE.test(f) && !isBuildOutput(path.relative(opts.cwd, f)));
      for (const c of candidates) links.add(c);
    } else {
      const link = safeLstat(abs);
      if (link?.isSymbolicLink()) throw new UsageError(`path cannot be resolved: ${target} (a broken symbolic link or a loop)`);
      throw new UsageError(`path does not exist: ${target}`);
    }
    if (opts.gitignore !== false) gitignores.load(root, !explicit);
    const realRoot = fs.realpathSync(root);
    let kept = 0;
    let ignored = 0;
    for (const file of candidates) {
      if (!explicit && DECLARATION_RE.test(file)) continue;
      if (gitignores.ignores(file) || ignores.some(({ base, ig }) => matches(ig, base, file))) {
        if (explicit) notifications.push({ level: 'note', kind: 'ignored', message: 'matches an ignore pattern; skipped', file });
        ignored++;
        continue;
      }
      const real = links.has(file) ? resolveLink(file, realRoot, notifications) : path.join(realRoot, path.relative(root, file));
      // a link is reported at the file it points to (inside the scan), under the root as given
      const shown = links.has(file) && real ? path.join(root, path.relative(realRoot, real)) : file;
      if (real && !found.has(real)) found.set(real, shown);
      if (real) kept++;
    }
    if (kept === 0 && !explicit) {
      const why = ignored > 0 ? `all ${ignored} JavaScript/TypeScript files in it are ignored (.gitignore or ignore patterns)` : 'it holds no JavaScript or TypeScript file';
      const message = `nothing to scan in ${target}: ${why}`;
      if (!opts.allowNoMatch) throw new UsageError(`${message} (pass --no-error-on-unmatched-pattern to allow this)`);
      notifications.push({ level: 'warning', kind: 'no-files', message, file: abs });
    }
  }
  const files = [...found.values()].sort();
  return { files, notifications, explicitFilesOnly };
}

/**
 * Source files below a folder. Symbolic links are not followed by the walk: a link to a file is
 * kept (its target is checked against the root later), a link to a folder, a broken link or a
 * loop is named in a notification and skipped.
 */
/** A path (relative to the scanned folder) inside a `build/` folder that no `src/` folder holds. */
export function isBuildOutput(relative: string): boolean {
  const parts = relative.split(/[\\/]/);
  const build = parts.indexOf('build');
  return build >= 0 && build < parts.length - 1 && !parts.slice(0, build).includes('src');
}

async function listFolder(dir: string, links: Set<string>, notifications: Notification[]): Promise<string[]> {
  const entries = (await fg()('**/*', { ...globOptions(dir), onlyFiles: false, objectMode: true })).filter((e) => !isBuildOutput(path.relative(dir, e.path)));
  const out: string[] = [];
  // the walk skips folders it cannot read without a word: say so
  const checkReadable = (folder: string): void => {
    try {
      fs.accessSync(folder, fs.constants.R_OK | fs.constants.X_OK);
    } catch (err) {
      notifications.push({ level: 'warning', kind: 'unreadable', message: `cannot read folder (${(err as NodeJS.ErrnoException).code ?? 'error'}); skipped`, file: folder });
    }
  };
  checkReadable(dir);
  for (const entry of entries) {
    if (entry.dirent.isFile()) {
      if (SOURCE_RE.test(entry.name)) out.push(entry.path);
    } else if (entry.dirent.isDirectory()) {
      checkReadable(entry.path);
    } else if (entry.dirent.isSymbolicLink()) {
      let target: fs.Stats;
      try {
        target = fs.statSync(entry.path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'broken symbolic link' : `symbolic link cannot be resolved (${code ?? 'error'})`;
        notifications.push({ level: 'note', kind: 'symlink-unresolved', message: `${why}; skipped`, file: entry.path });
        continue;
      }
      if (target.isDirectory()) {
        notifications.push({ level: 'note', kind: 'symlink-folder', message: 'symbolic link to a folder; not followed', file: entry.path });
      } else if (target.isFile() && SOURCE_RE.test(entry.name)) {
        out.push(entry.path);
        links.add(entry.path);
      } else if (SOURCE_RE.test(entry.name)) {
        notifications.push({
          level: 'warning',
          kind: 'unreadable',
          message: `symbolic link to ${fileKind(target)}, not a regular file; skipped`,
          file: entry.path,
          incomplete: true,
        });
      }
    } else if (SOURCE_RE.test(entry.name)) {
      // a FIFO, socket or device with a source name: reading it could block or never end
      const st = safeLstat(entry.path);
      notifications.push({
        level: 'warning',
        kind: 'unreadable',
        message: `${st ? fileKind(st) : 'not a regular file'}, not a regular file; skipped`,
        file: entry.path,
        incomplete: true,
      });
    }
  }
  return out;
}

function globOptions(cwd: string): FastGlob.Options {
  return {
    cwd,
    absolute: true,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    suppressErrors: true,
    ignore: DEFAULT_IGNORES,
  };
}

function safeLstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

function safeStat(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** The file's real path, or undefined (with a notification) for a broken link or one leaving the root. */
function resolveLink(file: string, realRoot: string, notifications: Notification[]): string | undefined {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (err) {
    notifications.push({ level: 'warning', kind: 'unreadable', message: `cannot resolve path (${(err as NodeJS.ErrnoException).code ?? 'error'}); skipped`, file });
    return undefined;
  }
  if (real !== file && !isInside(real, realRoot)) {
    notifications.push({ level: 'note', kind: 'symlink-outside-root', message: `symbolic link to ${real}, outside the scanned folder; skipped`, file });
    return undefined;
  }
  return real;
}

export function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function matches(ig: Ignore, base: string, file: string): boolean {
  if (!isInside(file, base)) return false;
  const rel = path.relative(base, file).split(path.sep).join('/');
  return rel !== '' && ig.ignores(rel);
}

/** The `.gitignore` files that govern a scanned folder: its ancestors up to the repository root, and all below it. */
class GitignoreSet {
  private readonly byDir = new Map<string, Ignore>();
  private readonly loadedRoots = new Set<string>();

  constructor(private readonly notifications: Notification[]) {}

  /** Read the `.gitignore` files above `root` (to the repository root) and, for a folder scan, below it. */
  load(root: string, below: boolean): void {
    const key = `${root}\0${below}`;
    if (this.loadedRoots.has(key)) return;
    this.loadedRoots.add(key);
    for (let dir = root; ; dir = path.dirname(dir)) {
      this.read(dir);
      if (fs.existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) break;
    }
    if (!below) return;
    for (const file of fg().sync('**/.gitignore', {
      cwd: root,
      absolute: true,
      dot: true,
      ignore: ['**/node_modules/**', '**/.git/**'],
      followSymbolicLinks: false,
      suppressErrors: true,
    })) {
      this.read(path.dirname(file));
    }
  }

  private read(dir: string): void {
    if (this.byDir.has(dir)) return;
    const file = path.join(dir, '.gitignore');
    let text: string;
    try {
      text = readTextSafely(file, LIMITS.gitignore);
    } catch (err) {
      // absent is the usual case; a FIFO, device or huge file is named, and not used
      const e = err as ReadError;
      if (e.code === 'not-regular' || e.code === 'too-large' || e.code === 'timeout') {
        this.notifications.push({ level: 'warning', kind: 'not-read', message: `${e.message}; this .gitignore is not used`, file });
      }
      return;
    }
    this.byDir.set(dir, ignore().add(text));
  }

  /**
   * Git's order: every `.gitignore` from the top down may ignore the file, and a deeper one may
   * re-include it with a `!pattern`.
   */
  ignores(file: string): boolean {
    let ignored = false;
    for (const [dir, ig] of this.ordered()) {
      if (!isInside(file, dir)) continue;
      const rel = path.relative(dir, file).split(path.sep).join('/');
      const verdict = ig.test(rel);
      if (verdict.ignored) ignored = true;
      else if (verdict.unignored) ignored = false;
    }
    return ignored;
  }

  private sorted: [string, Ignore][] | undefined;
  private ordered(): [string, Ignore][] {
    if (!this.sorted || this.sorted.length !== this.byDir.size) {
      this.sorted = [...this.byDir].sort(([a], [b]) => a.split(path.sep).length - b.split(path.sep).length);
    }
    return this.sorted;
  }
}

export const isMinifiedName = (file: string): boolean => MINIFIED_NAME_RE.test(file);
