import { ts } from '../ts';
import { skipOuter } from './facts/walk';
import { isFunctionLike } from './modules';
import {
  HTTP_FUNCTIONS,
  HTTP_WRITE_METHODS,
  IN_MEMORY_BUILDERS,
  NOT_A_STORE,
  OPERATION_VERBS,
  SQL_RUNNERS,
  SQL_WRITE_VERBS,
  STORE_COMMANDS,
  STORE_WRITES,
} from './vocabulary/operations';

const SK = ts.SyntaxKind;

/**
 * Guarded operations: calls that change state an authorization decision protects — ORM and
 * driver writes (builder chains included), raw SQL whose statement changes rows, store commands,
 * file-system writes, outbound requests that change things — classified from the tables in
 * `vocabulary/operations.ts`. Building an entity in memory (`repo.create(dto)` kept in a variable)
 * is not one. A call of a function of the project that performs one is one too (`resolve`).
 */
export type OperationKind = 'store' | 'sql' | 'file' | 'http' | 'helper';

export interface Operation {
  node: ts.CallExpression | ts.TaggedTemplateExpression;
  kind: OperationKind;
  /** The function of the project that performs it, for a call of one. */
  via?: ts.FunctionLikeDeclaration;
}

/** What the caller can see of the code: the function a call runs, the value a name holds. */
export interface CallResolver {
  (call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined;
  valueOf?(expr: ts.Expression): ts.Node | undefined;
}

const WRITES = new Set(STORE_WRITES);
const COMMANDS = new Set(STORE_COMMANDS);
const SQL = new Set(SQL_RUNNERS);
const HTTP_WRITE = new Set(HTTP_WRITE_METHODS);
const HTTP_FN = new Set(HTTP_FUNCTIONS);
const BUILDERS = new Set(IN_MEMORY_BUILDERS);
const VERB = new RegExp(`^(?:${OPERATION_VERBS.join('|')})(?:[A-Z0-9_]|$)`);
const NOT_STORE = new Set(NOT_A_STORE);
const SQL_WRITE = new RegExp(`^\\s*(?:with\\b[\\s\\S]*?\\)\\s*)?(?:${SQL_WRITE_VERBS.join('|')})\\b`, 'i');
const FS_WRITES = new Set([
  'writeFile',
  'appendFile',
  'truncate',
  'unlink',
  'rm',
  'rmdir',
  'rename',
  'chmod',
  'chown',
  'mkdir',
  'copyFile',
  'symlink',
  'outputFile',
  'writeJson',
  'remove',
  'move',
]);
const FS_ROOTS = new Set(['fs', 'fsp', 'promises', 'fse', 'fsExtra', 'fsPromises']);

/** `knex('t').where(…).update(…)` → names `['knex', 'where', 'update']`, calls passed through. */
export function chainNames(expr: ts.Expression): string[] {
  const out: string[] = [];
  let e = skipOuter(expr);
  for (;;) {
    if (ts.isPropertyAccessExpression(e)) {
      out.push(e.name.text);
      e = skipOuter(e.expression);
    } else if (ts.isCallExpression(e) || ts.isTaggedTemplateExpression(e)) {
      e = skipOuter(ts.isCallExpression(e) ? e.expression : e.tag);
    } else if (ts.isElementAccessExpression(e)) {
      e = skipOuter(e.expression);
    } else {
      if (ts.isIdentifier(e)) out.push(e.text);
      else if (e.kind === SK.ThisKeyword) out.push('this');
      return out.reverse();
    }
  }
}

/** The call a chain continues into: `where` in `knex('t').where(…)` continues into `.update(…)`; `.then` ends it. */
function continues(call: ts.Node): boolean {
  const p = call.parent;
  return p !== undefined && ts.isPropertyAccessExpression(p) && p.expression === call && !/^(then|catch|finally)$/.test(p.name.text) && ts.isCallExpression(p.parent);
}

/** The call's promise is waited for (awaited, returned, chained, yielded, gathered): a bare statement or a kept value is not. */
function awaitedOrReturned(call: ts.Node): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if (ts.isAwaitExpression(p) || ts.isYieldExpression(p) || ts.isReturnStatement(p) || ts.isArrowFunction(p)) return true;
  if (ts.isPropertyAccessExpression(p) && /^(then|catch|finally)$/.test(p.name.text)) return true;
  return ts.isArrayLiteralExpression(p);
}

/** The SQL text of a raw query's first argument: a literal, a template, a tagged template, or a local `const sql = '…'`. */
function sqlText(arg: ts.Expression | undefined, depth = 0): string | undefined {
  if (!arg || depth > 2) return undefined;
  const a = skipOuter(arg);
  if (ts.isStringLiteralLike(a)) return a.text;
  if (ts.isTemplateExpression(a)) return a.head.text + a.templateSpans.map((s) => ' ? ' + s.literal.text).join('');
  if (ts.isTaggedTemplateExpression(a)) return sqlText(a.template, depth + 1);
  if (ts.isCallExpression(a)) return sqlText(a.arguments[0], depth + 1); // `sql.raw('…')`, `format('…', …)`
  if (ts.isIdentifier(a)) {
    for (let n: ts.Node | undefined = a.parent; n; n = n.parent) {
      if (!ts.isBlock(n) && !ts.isSourceFile(n)) continue;
      for (const st of n.statements) {
        if (!ts.isVariableStatement(st)) continue;
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === a.text && d.initializer) return sqlText(d.initializer, depth + 1);
      }
    }
  }
  return undefined;
}

/** Whether SQL text changes rows: its statement starts with `INSERT`, `UPDATE`, `DELETE`, `MERGE` (after any `WITH`). */
export function isSqlWrite(text: string): boolean {
  return SQL_WRITE.test(text);
}

/** The HTTP method of a call to another service, when it changes things. */
function httpWrite(call: ts.CallExpression, names: readonly string[]): boolean {
  const last = names.at(-1) ?? '';
  if (HTTP_WRITE.has(last) && names.length >= 2) return true;
  if (!HTTP_FN.has(last) && !HTTP_FN.has(names[0] ?? '')) return false;
  for (const arg of call.arguments) {
    const a = skipOuter(arg);
    if (!ts.isObjectLiteralExpression(a)) continue;
    for (const p of a.properties) {
      if (ts.isPropertyAssignment(p) && p.name.getText().replace(/['"]/g, '') === 'method' && ts.isStringLiteralLike(skipOuter(p.initializer))) {
        return HTTP_WRITE.has((skipOuter(p.initializer) as ts.StringLiteralLike).text.toLowerCase());
      }
    }
  }
  return false;
}

/**
 * The operation a call (or tagged template) is, if it changes protected state. `resolve` finds the
 * project's own functions: a call of one that performs an operation (two calls deep) is one.
 */
export function operationOf(node: ts.Node, resolve?: CallResolver, depth = 0): Operation | undefined {
  if (ts.isTaggedTemplateExpression(node)) {
    const names = chainNames(node.tag);
    return SQL.has(names.at(-1) ?? '') && isSqlWrite(sqlText(node.template) ?? '') ? { node, kind: 'sql' } : undefined;
  }
  if (!ts.isCallExpression(node) || continues(node)) return undefined;
  const names = chainNames(node.expression);
  if (names.length === 0) return undefined;
  const last = names[names.length - 1];
  const root = names[0];
  if (NOT_STORE.has(root) && names.length <= 3) return undefined;
  // raw SQL: only a statement that changes rows
  if (SQL.has(last) && names.length >= 2) {
    const text = sqlText(node.arguments[0]);
    if (text !== undefined) return isSqlWrite(text) ? { node, kind: 'sql' } : undefined;
  }
  if (last === 'send' && node.arguments[0] && ts.isNewExpression(skipOuter(node.arguments[0]))) {
    const cmd = (skipOuter(node.arguments[0]) as ts.NewExpression).expression;
    return ts.isIdentifier(cmd) && COMMANDS.has(cmd.text) ? { node, kind: 'store' } : undefined;
  }
  if (FS_WRITES.has(last.replace(/Sync$/, '')) && (FS_ROOTS.has(root) || names.includes('promises'))) return { node, kind: 'file' };
  if (httpWrite(node, names)) return { node, kind: 'http' };
  // a builder chain or a store call that writes: `db.update(t).set(…)`, `knex('t').where(…).del()`
  if (resolve?.valueOf && inMemoryCollection(node.expression, resolve)) return undefined;
  const writer = names.slice(names.length >= 2 ? 1 : 0).some((n, i, all) => WRITES.has(n) && (i === all.length - 1 || !BUILDERS.has(n)));
  if (writer && names.length >= 2) {
    // an entity built in memory (`repo.create(dto)` kept in a variable), a hash fed (`createHash().update(b).digest()`)
    if (!awaitedOrReturned(node)) return undefined;
    if (depth === 0 || resolve?.(node) === undefined) return { node, kind: 'store' };
  }
  if (names.length >= 2 && VERB.test(last) && awaitedOrReturned(node) && !NOT_STORE.has(names.at(-2)!) && !resolve?.(node)) return { node, kind: 'store' };
  if (resolve && depth < 2) {
    const fn = resolve(node);
    const inner = fn && performedOperation(fn, resolve, depth + 1);
    if (inner) return { node, kind: inner === 'http' ? 'http' : 'helper', via: fn };
  }
  return undefined;
}

/** `map.delete(k)`, `items.push(x)` on a `Map`, `Set`, array or object literal: no store. */
function inMemoryCollection(callee: ts.Expression, resolve: CallResolver): boolean {
  let e = skipOuter(callee);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = skipOuter(e.expression);
  if (!ts.isIdentifier(e)) return false;
  const v = resolve.valueOf!(e);
  if (!v) return false;
  if (ts.isArrayLiteralExpression(v) || ts.isObjectLiteralExpression(v)) return true;
  return ts.isNewExpression(v) && ts.isIdentifier(v.expression) && /^(Map|Set|WeakMap|WeakSet|Array)$/.test(v.expression.text);
}

const performs = new WeakMap<ts.Node, OperationKind | null>();

/** The operation a function performs in its own body (not in functions it only declares): a store or file write first, else a request. */
export function performedOperation(fn: ts.FunctionLikeDeclaration, resolve: CallResolver | undefined, depth: number): OperationKind | undefined {
  const known = performs.get(fn);
  if (known !== undefined) return known ?? undefined;
  performs.set(fn, null);
  let found: OperationKind | undefined;
  const visit = (n: ts.Node): void => {
    if ((found && found !== 'http') || (n !== fn && isFunctionLike(n) && !ts.isArrowFunction(n))) return;
    const op = (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) && operationOf(n, resolve, depth);
    if (op) found = found === undefined || op.kind !== 'http' ? op.kind : found;
    else ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  performs.set(fn, found ?? null);
  return found;
}
