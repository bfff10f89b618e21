import { textPattern } from './patterns';

/**
 * What the tool knows of Node's file-system API: which calls check a path, which use it, and which
 * argument is the path. `analysis/fs.ts` resolves calls against this table.
 */

/** Modules whose exports are `fs` functions (the `node:` prefix is stripped before lookup), with the path to the API in them. */
export const FS_MODULES: ReadonlyMap<string, readonly string[]> = new Map([
  ['fs', []],
  ['fs/promises', ['promises']],
  ['fs-extra', []],
  ['graceful-fs', []],
]);

export type FsAccess = 'check' | 'read' | 'write';

/** What a use does to the path, in words for messages. */
export type FsEffect = 'read' | 'opened' | 'written' | 'deleted' | 'renamed' | 'replaced' | 'created' | 'changed';

/**
 * Uses whose outcome does not hang on whether the path existed, so an existence check before them
 * decides nothing: `create` leaves an existing directory or file as it is (`mkdir -p`, `ensureDir`),
 * `delete` treats a missing path as done (`rm -f`, fs-extra's `remove`).
 */
export type FsIdempotence = 'create' | 'delete';

export interface PathArg {
  index: number;
  access: Exclude<FsAccess, 'check'>;
  effect: FsEffect;
  idempotent?: FsIdempotence;
  /** Replaced in one step, symlink and all (a rename's destination): a use only where a check of it chose whether the call runs. */
  replaced?: true;
}

export interface FsFunction {
  check?: true;
  /** Paths the call touches; `open` is decided from its flags at the call. */
  paths?: readonly PathArg[];
}

const w = (effect: FsEffect, index = 0): PathArg => ({ index, access: 'write', effect });
const r = (index = 0): PathArg => ({ index, access: 'read', effect: 'read' });
const idem = (effect: FsEffect, idempotent: FsIdempotence): PathArg => ({ index: 0, access: 'write', effect, idempotent });

/** Base names; `Sync` forms and the `promises` API share them. */
export const FS_FUNCTIONS: Readonly<Record<string, FsFunction>> = {
  exists: { check: true },
  access: { check: true },
  stat: { check: true },
  lstat: { check: true },
  pathExists: { check: true }, // fs-extra
  readFile: { paths: [r()] },
  readdir: { paths: [r()] },
  opendir: { paths: [r()] },
  readlink: { paths: [r()] },
  createReadStream: { paths: [r()] },
  readJson: { paths: [r()] }, // fs-extra
  readJSON: { paths: [r()] },
  writeFile: { paths: [w('written')] },
  appendFile: { paths: [w('written')] },
  truncate: { paths: [w('written')] },
  createWriteStream: { paths: [w('written')] },
  outputFile: { paths: [w('written')] }, // fs-extra
  outputJson: { paths: [w('written')] },
  outputJSON: { paths: [w('written')] },
  writeJson: { paths: [w('written')] },
  writeJSON: { paths: [w('written')] },
  unlink: { paths: [w('deleted')] },
  rm: { paths: [w('deleted')] },
  rmdir: { paths: [w('deleted')] },
  remove: { paths: [idem('deleted', 'delete')] }, // fs-extra: no error when absent
  emptyDir: { paths: [idem('deleted', 'delete')] }, // empties, or creates when absent
  // the destination of a rename is replaced atomically, link and all: write-then-rename is the
  // fix for write races, so only the source counts
  // (its destination is replaced: a use only when a check of it decides whether the rename runs)
  rename: { paths: [w('renamed'), { ...w('replaced', 1), replaced: true }] },
  move: { paths: [w('renamed'), { ...w('replaced', 1), replaced: true }] }, // fs-extra
  copyFile: { paths: [r(), w('written', 1)] },
  cp: { paths: [r(), w('written', 1)] },
  copy: { paths: [r(), w('written', 1)] }, // fs-extra
  chmod: { paths: [w('changed')] },
  lchmod: { paths: [w('changed')] },
  chown: { paths: [w('changed')] },
  lchown: { paths: [w('changed')] },
  utimes: { paths: [w('changed')] },
  lutimes: { paths: [w('changed')] },
  mkdir: { paths: [w('created')] },
  ensureDir: { paths: [idem('created', 'create')] }, // fs-extra: leave what exists
  ensureFile: { paths: [idem('created', 'create')] },
  mkdirp: { paths: [idem('created', 'create')] },
  mkdirs: { paths: [idem('created', 'create')] },
  symlink: { paths: [w('created', 1)] },
  link: { paths: [r(), w('created', 1)] },
  open: {},
};

/** The entry of a base name (`existsSync` → look up `exists` first). */
export function fsFunctionOf(name: string): FsFunction | undefined {
  return Object.prototype.hasOwnProperty.call(FS_FUNCTIONS, name) ? FS_FUNCTIONS[name] : undefined;
}

/** Every callee name the walk must record for the fs model: base names and `Sync` forms. */
export const FS_CALL_NAMES: readonly string[] = Object.keys(FS_FUNCTIONS).flatMap((n) => [n, `${n}Sync`]);

/** Base names of the checks: `exists`, `access`, `stat`, `lstat`, `pathExists`. */
export const FS_CHECK_NAMES: readonly string[] = Object.keys(FS_FUNCTIONS).filter((n) => FS_FUNCTIONS[n].check);

/** An import of an fs module, by its quoted specifier. */
export const FS_IMPORT_TEXT = textPattern(FS_MODULES.keys(), { before: `['"](?:node:)?`, after: `['"]` });
/** A check's name, base or `Sync`. */
export const FS_CHECK_TEXT = textPattern(FS_CHECK_NAMES, { wordStart: true, after: '(?:Sync)?\\b' });

/** A text prefilter: files that import no fs module or name no check cannot hold a check-then-use. */
export function mayUseFsChecks(text: string): boolean {
  return FS_IMPORT_TEXT.test(text) && FS_CHECK_TEXT.test(text);
}

/** Framework file sends: `res.sendFile(p)`, `res.download(p)`, `reply.sendFile(p)`, koa-send's `send(ctx, p)`. */
export interface FileSend {
  name: string;
  /** The argument that is the path. */
  pathArgument: number;
  /** Only the function imported from this module (`send` is too common a name). */
  module?: string;
}

export const FILE_SENDS: readonly FileSend[] = [
  { name: 'sendFile', pathArgument: 0 },
  { name: 'download', pathArgument: 0 },
  { name: 'send', pathArgument: 1, module: 'koa-send' },
];

/** `open(p, flags)` string flags that only read: none, `r`, `s`, `rs` (a `+`, `w`, `a` or `x` writes or creates). */
export const READ_ONLY_OPEN_FLAGS: readonly string[] = ['', 'r', 's', 'rs'];
/** The flag letter of exclusive creation: `'wx'`, `{ flag: 'ax' }`. */
export const EXCLUSIVE_FLAG = 'x';
/**
 * Calls that create exclusively by themselves, failing with `EEXIST` when anything is at the path
 * (a symlink planted after a check included, which they never follow), unless an option makes them
 * idempotent: a plain `mkdir(p)`, `mkdir(p, 0o755)`, `mkdir(p, { mode })` — not `{ recursive: true }`.
 */
export const EXCLUSIVE_CREATORS: readonly string[] = ['mkdir', 'symlink', 'link'];
/** The error code of a path that already exists: handling it makes an exclusive creation safe after a check. */
export const EXISTS_ERROR_CODE = 'EEXIST';
/** Option keys that hold open flags: `{ flag: 'wx' }`, `{ flags: 'wx' }`. */
export const FLAG_OPTIONS: readonly string[] = ['flag', 'flags'];

export interface FsConstant {
  name: string;
  means: 'exclusive' | 'write' | 'exists';
}

/** `fs.constants` that decide what a call does. */
export const FS_CONSTANTS: readonly FsConstant[] = [
  { name: 'O_EXCL', means: 'exclusive' },
  { name: 'COPYFILE_EXCL', means: 'exclusive' },
  ...['O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC', 'O_APPEND'].map((name) => ({ name, means: 'write' as const })),
  { name: 'F_OK', means: 'exists' },
];

const constantText = (means: FsConstant['means'], only?: string): RegExp =>
  textPattern(
    FS_CONSTANTS.filter((c) => c.means === means && (only === undefined || c.name === only)).map((c) => c.name),
    { wordStart: true, wordEnd: true },
  );
const exclusiveOpen = constantText('exclusive', 'O_EXCL');
const exclusiveCopy = constantText('exclusive', 'COPYFILE_EXCL');
const writing = constantText('write');
const exists = constantText('exists');

/** Flags text (`O_WRONLY | O_CREAT | O_EXCL`) names exclusive creation. */
export function namesExclusiveOpen(text: string): boolean {
  return exclusiveOpen.test(text);
}
/** A copy mode (`fs.constants.COPYFILE_EXCL`) that fails when the target exists. */
export function namesExclusiveCopy(text: string): boolean {
  return exclusiveCopy.test(text);
}
/** Flags text names writing: `O_WRONLY`, `O_RDWR`, `O_CREAT`, `O_TRUNC`, `O_APPEND`. */
export function namesWriteFlag(text: string): boolean {
  return writing.test(text);
}
/** An access mode that only asks for existence: `F_OK` or `0`. */
export function namesExistenceMode(text: string): boolean {
  return text === '0' || exists.test(text);
}
/** String flags that only read: `'r'`, `'rs'`. */
export function isReadOnlyOpenFlag(flags: string): boolean {
  return READ_ONLY_OPEN_FLAGS.includes(flags);
}
