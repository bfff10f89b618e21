import { ts } from '../ts';
import type { CallFact, FileFacts } from './facts/types';
import { skipOuter } from './facts/walk';

/**
 * What the tool knows of Node's file-system API: which calls check a path, which use it,
 * and which argument is the path. Shared by every rule that reasons about files
 * (`fs-check-then-use` today; file sinks of `identity-from-request-params` later).
 */

/** Modules whose exports are `fs` functions (the `node:` prefix is stripped before lookup). */
export const FS_MODULES: ReadonlyMap<string, readonly string[]> = new Map([
  ['fs', []],
  ['fs/promises', ['promises']],
  ['fs-extra', []],
  ['graceful-fs', []],
]);

export type FsAccess = 'check' | 'read' | 'write';

/** What a use does to the path, in words for messages. */
export type FsEffect = 'read' | 'opened' | 'written' | 'deleted' | 'renamed' | 'created' | 'changed';

interface PathArg {
  index: number;
  access: Exclude<FsAccess, 'check'>;
  effect: FsEffect;
}

interface FsFunction {
  check?: true;
  /** Paths the call touches; `open` is decided from its flags at the call. */
  paths?: readonly PathArg[];
}

const w = (effect: FsEffect, index = 0): PathArg => ({ index, access: 'write', effect });
const r = (index = 0): PathArg => ({ index, access: 'read', effect: 'read' });

/** Base names; `Sync` forms and the `promises` API share them. */
const FUNCTIONS: Record<string, FsFunction> = {
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
  remove: { paths: [w('deleted')] }, // fs-extra
  emptyDir: { paths: [w('deleted')] },
  rename: { paths: [w('renamed'), w('written', 1)] },
  move: { paths: [w('renamed'), w('written', 1)] }, // fs-extra
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
  ensureDir: { paths: [w('created')] }, // fs-extra
  ensureFile: { paths: [w('created')] },
  mkdirp: { paths: [w('created')] },
  mkdirs: { paths: [w('created')] },
  symlink: { paths: [w('created', 1)] },
  link: { paths: [r(), w('created', 1)] },
  open: {},
};

/** Every callee name the walk must record for the fs model: base names and `Sync` forms. */
export const FS_CALL_NAMES: readonly string[] = Object.keys(FUNCTIONS).flatMap((n) => [n, `${n}Sync`]);

/** A text prefilter: files that import no fs module or name no check cannot hold a check-then-use. */
export function mayUseFsChecks(text: string): boolean {
  return FS_IMPORT.test(text) && FS_CHECK_NAME.test(text);
}
const FS_IMPORT = /['"](?:node:)?(?:fs|fs\/promises|fs-extra|graceful-fs)['"]/;
const FS_CHECK_NAME = /\b(?:exists|access|l?stat|pathExists)(?:Sync)?\b/;

export interface FsPathUse {
  /** The path argument. */
  path: ts.Expression;
  access: FsAccess;
  effect: FsEffect | 'checked';
}

export interface FsCall {
  fact: CallFact;
  /** The base name, `Sync` removed: `existsSync` → `exists`. */
  name: string;
  /** How the call is written, for messages: `fs.promises.stat`, `existsSync`. */
  display: string;
  paths: FsPathUse[];
}

/** Resolve the recorded calls of a file to `fs` operations through its import bindings. */
export function resolveFsCalls(facts: FileFacts): FsCall[] {
  const out: FsCall[] = [];
  for (const fact of facts.calls) {
    const chain = fsChain(fact.callee, facts);
    if (!chain) continue;
    // `fs.existsSync` → ['existsSync']; `fs.promises.stat` → ['promises','stat']
    const api = chain[0] === 'promises' ? chain.slice(1) : chain;
    if (api.length !== 1) continue;
    const raw = api[0];
    const name = raw.endsWith('Sync') ? raw.slice(0, -4) : raw;
    const fn = Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!fn) continue;
    const call = fact.node;
    const args = call.arguments ?? ts.factory.createNodeArray();
    const display = fact.callee.map((p) => (p.startsWith('require:') ? `require('${p.slice(8)}')` : p)).join('.');
    let paths: FsPathUse[] = [];
    if (fn.check) {
      if (args[0]) paths = [{ path: args[0], access: 'check', effect: 'checked' }];
    } else if (name === 'open') {
      const access = openAccess(args[1]);
      if (args[0] && access !== 'exclusive') paths = [{ path: args[0], access, effect: access === 'write' ? 'written' : 'opened' }];
    } else {
      for (const p of fn.paths ?? []) {
        const arg = args[p.index];
        if (!arg || (p.access === 'write' && createsExclusively(name, args))) continue;
        paths.push({ path: arg, access: p.access, effect: p.effect });
      }
    }
    if (paths.length > 0) out.push({ fact, name, display, paths });
  }
  return out;
}

/** The callee chain from inside an fs module, or undefined when the root is not bound to one. */
function fsChain(callee: readonly string[], facts: FileFacts): string[] | undefined {
  const [root, ...rest] = callee;
  if (root.startsWith('require:')) {
    const prefix = FS_MODULES.get(root.slice(8));
    return prefix ? [...prefix, ...rest] : undefined;
  }
  const binding = facts.bindings.get(root);
  if (!binding) return undefined;
  const prefix = FS_MODULES.get(binding.module);
  return prefix ? [...prefix, ...binding.path, ...rest] : undefined;
}

/** `open(path, flags)`: flags decide read, write, or exclusive creation (`'wx'`, `O_EXCL`). */
function openAccess(flags: ts.Expression | undefined): 'read' | 'write' | 'exclusive' {
  if (!flags) return 'read';
  flags = skipOuter(flags);
  if (ts.isStringLiteralLike(flags)) {
    if (flags.text.includes('x')) return 'exclusive';
    return /^r?s?$|^rs\+?$/.test(flags.text) && !flags.text.includes('+') ? 'read' : 'write';
  }
  const text = flags.getText();
  if (/\bO_EXCL\b/.test(text)) return 'exclusive';
  if (/\bO_(?:WRONLY|RDWR|CREAT|TRUNC|APPEND)\b/.test(text)) return 'write';
  return 'read';
}

/** Writes that fail when the target exists: `{ flag: 'wx' }`, `COPYFILE_EXCL`, `{ flags: 'wx' }`. */
function createsExclusively(name: string, args: readonly ts.Expression[]): boolean {
  if (name === 'copyFile') return args[2] !== undefined && /\bCOPYFILE_EXCL\b/.test(args[2].getText());
  if (name === 'cp' || name === 'copy') {
    const opts = args[2] && skipOuter(args[2]);
    return !!opts && ts.isObjectLiteralExpression(opts) && propertyIs(opts, 'errorOnExist', true) && propertyIs(opts, 'force', false);
  }
  const optIndex = name === 'createWriteStream' ? 1 : 2;
  const opts = args[optIndex] && skipOuter(args[optIndex]);
  if (!opts || !ts.isObjectLiteralExpression(opts)) return false;
  for (const prop of opts.properties) {
    if (!ts.isPropertyAssignment(prop) || !prop.name || !/^flags?$/.test(prop.name.getText())) continue;
    const value = skipOuter(prop.initializer);
    if (ts.isStringLiteralLike(value) && value.text.includes('x')) return true;
    if (/\bO_EXCL\b/.test(value.getText())) return true;
  }
  return false;
}

function propertyIs(obj: ts.ObjectLiteralExpression, key: string, value: boolean): boolean {
  return obj.properties.some(
    (p) => ts.isPropertyAssignment(p) && p.name.getText() === key && p.initializer.kind === (value ? ts.SyntaxKind.TrueKeyword : ts.SyntaxKind.FalseKeyword),
  );
}
