import { ts } from '../ts';
import type { CallFact, FileFacts, ModuleBinding, Scope } from './facts/types';
import { calleeChain, isScope, skipOuter, topLevelBindings } from './facts/walk';
import { returnedExpressions, type Modules } from './modules';
import {
  EXCLUSIVE_CREATORS,
  EXCLUSIVE_FLAG,
  EXISTS_ERROR_CODE,
  FLAG_OPTIONS,
  FS_MODULES,
  fsFunctionOf,
  isReadOnlyOpenFlag,
  namesExclusiveCopy,
  namesExclusiveOpen,
  namesExistenceMode,
  namesWriteFlag,
  type FsAccess,
  type FsEffect,
  type FsIdempotence,
} from './vocabulary/fs';

/**
 * Node's file-system calls resolved against the fs table (`vocabulary/fs.ts`): which calls check a
 * path, which use it, and which argument is the path. Shared by every rule that reasons about
 * files (`fs-check-then-use`; file sinks of `identity-from-request-params`).
 */

export { FS_CALL_NAMES, FS_MODULES, mayUseFsChecks, type FsAccess, type FsEffect, type FsIdempotence } from './vocabulary/fs';

export interface FsPathUse {
  /** The path argument. */
  path: ts.Expression;
  access: FsAccess;
  effect: FsEffect | 'checked';
  /** A check that only asks whether the path exists (`exists`, `access` without a mode or `F_OK`). */
  existenceOnly?: boolean;
  /** A use that gives the same outcome whether or not the path existed. */
  idempotent?: FsIdempotence;
  /** Replaced in one step (a rename's destination): decided only by a check whose branch or exit chooses whether the call runs. */
  replaced?: true;
}

export interface FsCall {
  fact: CallFact;
  /** The base name, `Sync` removed: `existsSync` → `exists`. */
  name: string;
  /** How the call is written, for messages: `fs.promises.stat`, `existsSync`. */
  display: string;
  paths: FsPathUse[];
  /** A helper's call that throws where it is called when its check fails (decided at the helper). */
  throws?: boolean;
}

/**
 * Whether a failed check throws where it is called, so the code after it runs only when it
 * passed: a `Sync` form or an awaited promise of `access`/`stat`/`lstat` (not `exists`, which
 * answers false, nor `statSync(p, { throwIfNoEntry: false })`).
 */
export function checkThrows(call: FsCall): boolean {
  if (call.throws !== undefined) return call.throws;
  if (call.name !== 'access' && call.name !== 'stat' && call.name !== 'lstat') return false;
  const node = call.fact.node;
  if (call.fact.callee[call.fact.callee.length - 1].endsWith('Sync')) {
    const opts = node.arguments?.[1] && skipOuter(node.arguments[1]);
    return !(opts && ts.isObjectLiteralExpression(opts) && propertyIs(opts, 'throwIfNoEntry', false));
  }
  return awaited(node);
}

function awaited(node: ts.Node): boolean {
  let outer: ts.Node = node;
  while (outer.parent && outer.parent.kind === ts.SyntaxKind.ParenthesizedExpression) outer = outer.parent;
  return outer.parent !== undefined && outer.parent.kind === ts.SyntaxKind.AwaitExpression;
}

/** Resolve the recorded calls of a file to `fs` operations through its import bindings. */
export function resolveFsCalls(facts: FileFacts, calls: readonly CallFact[] = facts.calls): FsCall[] {
  return resolveFsCallsWith(calls, facts.bindings);
}

function resolveFsCallsWith(calls: readonly CallFact[], bindings: ReadonlyMap<string, ModuleBinding>): FsCall[] {
  const out: FsCall[] = [];
  for (const fact of calls) {
    const chain = fsChain(fact.callee, bindings);
    if (!chain) continue;
    // `fs.existsSync` → ['existsSync']; `fs.promises.stat` → ['promises','stat']
    const api = chain[0] === 'promises' ? chain.slice(1) : chain;
    if (api.length !== 1) continue;
    const raw = api[0];
    const name = raw.endsWith('Sync') ? raw.slice(0, -4) : raw;
    const fn = fsFunctionOf(name);
    if (!fn) continue;
    const call = fact.node;
    const args = call.arguments ?? ts.factory.createNodeArray();
    const display = fact.callee.map((p) => (p.startsWith('require:') ? `require('${p.slice(8)}')` : p)).join('.');
    let paths: FsPathUse[] = [];
    if (fn.check) {
      if (args[0]) paths = [{ path: args[0], access: 'check', effect: 'checked', existenceOnly: checksOnlyExistence(name, args[1]) }];
    } else if (name === 'open') {
      const access = openAccess(args[1]);
      if (args[0] && access !== 'exclusive') paths = [{ path: args[0], access, effect: access === 'write' ? 'written' : 'opened' }];
    } else {
      for (const p of fn.paths ?? []) {
        const arg = args[p.index];
        if (!arg || (p.access === 'write' && (createsExclusively(name, args) || (createsAlone(name, args) && handlesExisting(call))))) continue;
        paths.push({
          path: arg,
          access: p.access,
          effect: p.effect,
          idempotent: p.idempotent ?? idempotentByOptions(name, args),
          ...(p.replaced ? { replaced: true as const } : {}),
        });
      }
    }
    if (paths.length > 0) out.push({ fact, name, display, paths });
  }
  return out;
}

/** What a check helper answers: which parameter it checks, and whether it asks only "is it there?". */
export interface CheckHelper {
  index: number;
  existenceOnly: boolean;
  /** It answers by throwing when the check fails (`assertWritable(p)`), and returns nothing. */
  throws: boolean;
  /** An `async` function: it throws where it is called only when its promise is awaited. */
  async: boolean;
}

/**
 * Whether a function answers whether its parameter passes a check it makes on it, and does nothing
 * else with the path: every return is a boolean literal or computed from the check's result (`async
 * function fileExists(p) { try { await stat(p); return true } catch { return false } }`, `const
 * present = (p) => access(p).then(() => true, () => false)`, `const st = statSync(p); return
 * st.isFile() && …`), or it returns nothing and throws when the check fails (`try { await access(p, W_OK)
 * } catch { throw new NotWritable(p) }`, `if (!existsSync(p)) throw …`). `calls` are the fs calls of
 * the function's file.
 */
function checkHelperOf(fn: ts.FunctionLikeDeclaration, calls: readonly FsCall[]): CheckHelper | undefined {
  if (!fn.body || calls.some((c) => c.fact.scopes.includes(fn) && c.paths.some((u) => u.access !== 'check'))) return undefined;
  const literal = (a: ts.Expression): boolean => a.kind === ts.SyntaxKind.TrueKeyword || a.kind === ts.SyntaxKind.FalseKeyword;
  const answers = returnedExpressions(fn);
  for (const call of calls) {
    if (call.fact.scope !== fn) continue;
    for (const use of call.paths) {
      const p = skipOuter(use.path);
      if (use.access !== 'check' || !ts.isIdentifier(p)) continue;
      const index = fn.parameters.findIndex((q) => ts.isIdentifier(q.name) && q.name.text === p.text);
      if (index < 0) continue;
      const existenceOnly = use.existenceOnly === true;
      if (answers.length === 0) {
        if (throwsWhenFailed(call, fn)) return { index, existenceOnly, throws: true, async: isAsync(fn) };
        continue;
      }
      const kept = keptIn(call.fact.node, fn);
      const fromCheck = (a: ts.Expression): boolean => (call.fact.node.pos >= a.pos && call.fact.node.end <= a.end) || (kept !== undefined && mentions(a, kept));
      if (!answers.every((a) => literal(skipOuter(a)) || fromCheck(a))) continue;
      return { index, existenceOnly: existenceOnly || answers.every((a) => literal(skipOuter(a))), throws: false, async: isAsync(fn) };
    }
  }
  return undefined;
}

/** The local a check's result is kept in (`const info = statSync(file)`). */
function keptIn(call: ts.Node, fn: ts.FunctionLikeDeclaration): string | undefined {
  let n: ts.Node = call;
  while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent))) n = n.parent;
  const decl = n.parent;
  return decl && ts.isVariableDeclaration(decl) && decl.initializer === n && ts.isIdentifier(decl.name) && fn.body && decl.pos >= fn.body.pos ? decl.name.text : undefined;
}

const isAsync = (fn: ts.FunctionLikeDeclaration): boolean => ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) === true;

function mentions(e: ts.Node, name: string): boolean {
  if (ts.isIdentifier(e)) return e.text === name;
  return ts.forEachChild(e, (c) => (mentions(c, name) ? true : undefined)) === true;
}

/**
 * Whether a failed check ends the function with an error: a check that throws where it is called,
 * outside any `try` of the function or in one whose `catch` ends by throwing, or a check in an `if`
 * one of whose branches throws.
 */
function throwsWhenFailed(call: FsCall, fn: ts.FunctionLikeDeclaration): boolean {
  const endsInThrow = (st: ts.Statement): boolean => {
    const last = ts.isBlock(st) ? st.statements[st.statements.length - 1] : st;
    return last !== undefined && ts.isThrowStatement(last);
  };
  const node = call.fact.node;
  for (let n: ts.Node = node; n.parent && n !== fn; n = n.parent) {
    const up = n.parent;
    if (ts.isIfStatement(up) && up.expression === n) return endsInThrow(up.thenStatement) || (up.elseStatement !== undefined && endsInThrow(up.elseStatement));
  }
  if (!checkThrows(call)) return false;
  for (let n: ts.Node = node; n.parent && n !== fn; n = n.parent) {
    const up = n.parent;
    if (ts.isTryStatement(up) && up.tryBlock === n && up.catchClause && !endsInThrow(up.catchClause.block)) return false;
  }
  return true;
}

/** A call of a check helper: the check, on the argument it is given. */
function helperCheckAt(site: ts.CallExpression, name: string, helper: CheckHelper, sf: ts.SourceFile): FsCall | undefined {
  const arg = site.arguments[helper.index];
  if (!arg) return undefined;
  const scopes = scopesOf(site, sf);
  return {
    fact: { node: site, callee: [name], scope: scopes[scopes.length - 1], scopes },
    name,
    display: name,
    // (a helper that throws when the check fails throws where it is called when it is waited for)
    ...(helper.throws ? { throws: !helper.async || awaited(site) } : {}),
    paths: [{ path: arg, access: 'check', effect: 'checked', existenceOnly: helper.existenceOnly }],
  };
}

/**
 * What a use helper does with a path it is given (`async function purgeArchive(dir) { await rm(dir,
 * { recursive: true }) }`): which parameter it uses, and how (its strongest use: a write before a read).
 */
export interface UseHelper {
  index: number;
  use: Omit<FsPathUse, 'path'>;
}

/**
 * Whether a function uses a path parameter itself: an fs call in its own flow (not in a callback it
 * hands on) is given the parameter, which the function never assigns. A function that also checks
 * a path is not one: it is judged where it is written, as a check helper or a check and a use of its
 * own. `calls` are the fs calls of the function's file.
 */
function useHelperOf(fn: ts.FunctionLikeDeclaration, calls: readonly FsCall[]): UseHelper | undefined {
  if (!fn.body) return undefined;
  let best: UseHelper | undefined;
  for (const call of calls) {
    if (!call.fact.scopes.includes(fn)) continue;
    for (const use of call.paths) {
      if (use.access === 'check') return undefined;
      const p = skipOuter(use.path);
      if (call.fact.scope !== fn || !ts.isIdentifier(p)) continue;
      const index = fn.parameters.findIndex((q) => ts.isIdentifier(q.name) && q.name.text === p.text && q.dotDotDotToken === undefined);
      if (index < 0 || assigns(fn.body, p.text)) continue;
      if (best && (best.use.access === 'write' || use.access !== 'write')) continue;
      const { path: _path, ...how } = use;
      best = { index, use: how };
    }
  }
  return best;
}

/** Whether a name is assigned anywhere in a function body (`dir = path.resolve(dir)`, `dir += '/x'`). */
function assigns(body: ts.Node, name: string): boolean {
  const visit = (n: ts.Node): boolean => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const left = skipOuter(n.left);
      if (ts.isIdentifier(left) && left.text === name) return true;
    }
    return ts.forEachChild(n, visit) === true;
  };
  return visit(body);
}

/** A call of a use helper: that use, of the argument it is given. */
function helperUseAt(site: ts.CallExpression, name: string, helper: UseHelper, sf: ts.SourceFile): FsCall | undefined {
  const arg = site.arguments[helper.index];
  if (!arg || ts.isSpreadElement(arg)) return undefined;
  const scopes = scopesOf(site, sf);
  return {
    fact: { node: site, callee: [name], scope: scopes[scopes.length - 1], scopes },
    name,
    display: name,
    paths: [{ path: arg, ...helper.use }],
  };
}

/**
 * Calls of a function of the file that checks the path it is given and answers with the check
 * (`checkHelperOf`), or uses it (`useHelperOf`): each call is that check or that use, of the argument
 * it is given. Needs the walk's `allCalls`.
 */
export function helperCalls(facts: FileFacts, calls: readonly FsCall[]): FsCall[] {
  const out: FsCall[] = [];
  const done = new Set<ts.Node>();
  for (const call of calls) {
    const fn = call.fact.scope;
    if (ts.isSourceFile(fn) || done.has(fn)) continue;
    done.add(fn);
    // (or a method of a class, called on `this` in that class: `if (await this.isFresh(file)) return`)
    const method = ts.isMethodDeclaration(fn) && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
    const name = functionName(fn) ?? method;
    const check = name ? checkHelperOf(fn, calls) : undefined;
    const use = name && !check ? useHelperOf(fn, calls) : undefined;
    if (!name || (!check && !use)) continue;
    const calledHere = (site: ts.CallExpression): boolean => {
      const callee = skipOuter(site.expression);
      if (method === undefined) return ts.isIdentifier(callee);
      return ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword && site.pos >= fn.parent.pos && site.end <= fn.parent.end;
    };
    for (const site of facts.callsByName.get(name) ?? []) {
      if (!ts.isCallExpression(site) || !calledHere(site) || (site.pos >= fn.pos && site.end <= fn.end)) continue;
      const at = check ? helperCheckAt(site, name, check, facts.sourceFile) : helperUseAt(site, name, use!, facts.sourceFile);
      if (at) out.push(at);
    }
  }
  return out;
}

const helperSummaries = new WeakMap<ts.FunctionLikeDeclaration, { check?: CheckHelper; use?: UseHelper }>();

/**
 * Calls of a helper that another module of the project exports (`import { fileExists } from
 * '../utils/fs'`, `import { purgeArchive } from '../utils/archive'`): each is the check or the use the
 * helper makes of the argument it is given. The helper is judged from its own file's imports, once
 * per function.
 */
export function importedHelperCalls(facts: FileFacts, modules: Modules): FsCall[] {
  const out: FsCall[] = [];
  for (const fact of facts.calls) {
    const site = fact.node;
    if (fact.callee.length !== 1 || !ts.isCallExpression(site) || !ts.isIdentifier(skipOuter(site.expression))) continue;
    const binding = facts.bindings.get(fact.callee[0]);
    if (!binding || FS_MODULES.has(binding.module)) continue;
    const fn = modules.valueOf(site.expression);
    if (!fn || !isScope(fn) || fn.getSourceFile() === facts.sourceFile) continue;
    let helper = helperSummaries.get(fn);
    if (helper === undefined) {
      const sf = fn.getSourceFile();
      const calls = resolveFsCallsWith(callsWithin(fn, sf), topLevelBindings(sf));
      helper = { check: checkHelperOf(fn, calls), use: useHelperOf(fn, calls) };
      helperSummaries.set(fn, helper);
    }
    const at = helper.check
      ? helperCheckAt(site, fact.callee[0], helper.check, facts.sourceFile)
      : helper.use
        ? helperUseAt(site, fact.callee[0], helper.use, facts.sourceFile)
        : undefined;
    if (at) out.push(at);
  }
  return out;
}

/** The calls inside a function, as the walk records them (for a function of a file not walked). */
function callsWithin(fn: ts.FunctionLikeDeclaration, sf: ts.SourceFile): CallFact[] {
  const out: CallFact[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const callee = calleeChain(n.expression);
      if (callee) {
        const scopes = scopesOf(n, sf);
        out.push({ node: n, callee, scope: scopes[scopes.length - 1], scopes });
      }
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return out;
}

function functionName(fn: ts.FunctionLikeDeclaration): string | undefined {
  if (ts.isFunctionDeclaration(fn) && fn.name) return fn.name.text;
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name) ? n.parent.name.text : undefined;
}

/** The scopes around a node, the file first (as the walk records them for a call). */
function scopesOf(node: ts.Node, sf: ts.SourceFile): Scope[] {
  const out: Scope[] = [];
  for (let n = node.parent; n; n = n.parent) if (isScope(n)) out.unshift(n);
  return [sf, ...out];
}

/** The callee chain from inside an fs module, or undefined when the root is not bound to one. */
function fsChain(callee: readonly string[], bindings: ReadonlyMap<string, ModuleBinding>): string[] | undefined {
  const [root, ...rest] = callee;
  if (root.startsWith('require:')) {
    const prefix = FS_MODULES.get(root.slice(8));
    return prefix ? [...prefix, ...rest] : undefined;
  }
  const binding = bindings.get(root);
  if (!binding) return undefined;
  const prefix = FS_MODULES.get(binding.module);
  return prefix ? [...prefix, ...binding.path, ...rest] : undefined;
}

/** `open(path, flags)`: flags decide read, write, or exclusive creation (`'wx'`, `O_EXCL`). */
function openAccess(flags: ts.Expression | undefined): 'read' | 'write' | 'exclusive' {
  if (!flags) return 'read';
  flags = skipOuter(flags);
  if (ts.isStringLiteralLike(flags)) {
    if (flags.text.includes(EXCLUSIVE_FLAG)) return 'exclusive';
    return isReadOnlyOpenFlag(flags.text) ? 'read' : 'write';
  }
  const text = flags.getText();
  if (namesExclusiveOpen(text)) return 'exclusive';
  if (namesWriteFlag(text)) return 'write';
  return 'read';
}

/** `exists`, `pathExists`, and `access` with no mode or `F_OK`: the check asks only "is it there?". */
function checksOnlyExistence(name: string, mode: ts.Expression | undefined): boolean {
  if (name === 'exists' || name === 'pathExists') return true;
  if (name !== 'access') return false;
  if (!mode || ts.isFunctionLike(mode)) return true;
  const text = skipOuter(mode).getText();
  return namesExistenceMode(text);
}

/** `mkdir(p, { recursive: true })` leaves an existing directory be; `rm(p, { force: true })` ignores a missing path. */
function idempotentByOptions(name: string, args: readonly ts.Expression[]): FsIdempotence | undefined {
  const opts = args[1] && skipOuter(args[1]);
  if (!opts || !ts.isObjectLiteralExpression(opts)) return undefined;
  if (name === 'mkdir' && propertyIs(opts, 'recursive', true)) return 'create';
  if (name === 'rm' && propertyIs(opts, 'force', true)) return 'delete';
  return undefined;
}

/** Writes that fail when the target exists: `{ flag: 'wx' }`, `COPYFILE_EXCL`, `{ flags: 'wx' }`. */
/** `mkdir(p)`, `mkdir(p, { mode })`, `symlink(t, p)`: creation that fails on anything at the path (not `{ recursive: true }`). */
function createsAlone(name: string, args: readonly ts.Expression[]): boolean {
  if (!EXCLUSIVE_CREATORS.includes(name)) return false;
  return idempotentByOptions(name, args) === undefined;
}

/**
 * The call's own `EEXIST` is handled where it is made: a `try` around it whose `catch` tests the
 * code, its promise's `.catch()` or its callback doing so. Then a check before it decides nothing a
 * race could change: what appears at the path in between makes the creation fail, and the code says
 * what to do then (RULES: handling the use's own error).
 */
function handlesExisting(call: ts.CallExpression | ts.NewExpression): boolean {
  const mentions = (n: ts.Node | undefined): boolean => n !== undefined && n.getText().includes(EXISTS_ERROR_CODE);
  const last = call.arguments?.[call.arguments.length - 1];
  if (last && ts.isFunctionLike(skipOuter(last)) && mentions(last)) return true;
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAwaitExpression(n.parent))) n = n.parent;
  if (ts.isPropertyAccessExpression(n.parent) && n.parent.name.text === 'catch' && ts.isCallExpression(n.parent.parent) && mentions(n.parent.parent.arguments[0])) return true;
  for (let x: ts.Node | undefined = call.parent; x && !ts.isFunctionLike(x); x = x.parent) {
    if (ts.isTryStatement(x) && x.catchClause && isWithin(call, x.tryBlock) && mentions(x.catchClause.block)) return true;
  }
  return false;
}

function isWithin(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

function createsExclusively(name: string, args: readonly ts.Expression[]): boolean {
  if (name === 'copyFile') return args[2] !== undefined && namesExclusiveCopy(args[2].getText());
  // `cp`'s `errorOnExist` and fs-extra's `overwrite: false` are decided by a stat of their own before
  // copying, a race of the same kind; only a `mode` with COPYFILE_EXCL makes the copy itself fail
  if (name === 'cp' || name === 'copy') return args[2] !== undefined && namesExclusiveCopy(args[2].getText());
  const optIndex = name === 'createWriteStream' ? 1 : 2;
  const opts = args[optIndex] && skipOuter(args[optIndex]);
  if (!opts || !ts.isObjectLiteralExpression(opts)) return false;
  for (const prop of opts.properties) {
    if (!ts.isPropertyAssignment(prop) || !prop.name || !FLAG_OPTIONS.includes(prop.name.getText())) continue;
    const value = skipOuter(prop.initializer);
    if (ts.isStringLiteralLike(value) && value.text.includes(EXCLUSIVE_FLAG)) return true;
    if (namesExclusiveOpen(value.getText())) return true;
  }
  return false;
}

function propertyIs(obj: ts.ObjectLiteralExpression, key: string, value: boolean): boolean {
  return obj.properties.some(
    (p) => ts.isPropertyAssignment(p) && p.name.getText() === key && p.initializer.kind === (value ? ts.SyntaxKind.TrueKeyword : ts.SyntaxKind.FalseKeyword),
  );
}
