import { ts } from '../ts';
import { requiredModule, skipOuter, topLevelBindings } from './facts/walk';
import { fieldDeclaration, isFunctionLike, member, propertyNameText, returnedExpressions, typeMember, typeOnlyImport } from './modules';
import { isPromiseStep, isQueueCall, jobQueueLibrary, PROMISE_GATHERERS } from './vocabulary/deferral';
import { isBatchMaker, isBatchRun, storeFactory, storeMethod, storeType, type StoreClientSpec } from './vocabulary/stores';
import { FS_MODULES } from './vocabulary/fs';
import { isHttpClientModule, isHttpResponseReader, isNodeRequestFunction } from './vocabulary/http-clients';
import { flagSdk, isFlagClientType, isDirectFlagEvaluation, isFlagEvaluation, makesFlagClient, mayEvaluateFlag } from './vocabulary/flags';
import { isRouteMethod } from './vocabulary/frameworks';
import { ELEMENT_ADDERS, isConversion } from './vocabulary/values';
import {
  HTTP_FUNCTIONS,
  HTTP_WRITE_METHODS,
  HTTP_CHANGE_ONLY_METHODS,
  IN_MEMORY_BUILDERS,
  isAppendWrite,
  unkeyedAppendField,
  isFrameworkContextMember,
  NOT_A_STORE,
  OPERATION_VERBS,
  SQL_APPEND,
  SQL_RUNNERS,
  SQL_WRITE_VERBS,
  STORE_COMMANDS,
  STORE_WRITES,
} from './vocabulary/operations';
import { isActivityField, isClockCall, isClockClass, isClockFactory, isClockForm, isSqlClock, isSqlWrapper, namesActivityRecord } from './vocabulary/clock';
import { FILTER_KEYS } from './vocabulary/data-access';
import { IN_MEMORY_COLLECTION_CLASSES } from './vocabulary/containers';

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
  /** Known for one only from what another module declares (a queue made there): a file alone cannot tell. */
  elsewhere?: true;
  /** Taken for one from its method's name alone (`shipping.createLabel()`): the tables know nothing of it. */
  guessed?: true;
}

/** What the caller can see of the code: the function a call runs, the value a name holds. */
export interface CallResolver {
  (call: ts.CallExpression): ts.FunctionLikeDeclaration | undefined;
  valueOf?(expr: ts.Expression): ts.Node | undefined;
  /** The declaration a name refers to (an import, a `require` binding): where a package's export comes from. */
  declarationOf?(name: ts.Identifier): ts.Node | undefined;
  /** What the per-request context's factory puts under `key` (`{ operator, redis }`), for `ctx.redis` or `const { redis } = ctx`: only with a model of the app. */
  contextValues?(owner: ts.Expression, key: string): ts.Node[];
}

const WRITES = new Set(STORE_WRITES.map((w) => w.toLowerCase()));
const COMMANDS = new Set(STORE_COMMANDS);
const SQL = new Set(SQL_RUNNERS);
const HTTP_WRITE = new Set(HTTP_WRITE_METHODS);
const HTTP_CHANGE_ONLY = new Set(HTTP_CHANGE_ONLY_METHODS);
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
/** A method whose name says it changes state (`deleteFeatures`, `assignCrew`): called, it does the work. */
export function namesOperation(name: string): boolean {
  return VERB.test(name) && !namesActivityRecord(name);
}

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
      // a client the code waits for (`(await this.banDb()).del(key)`): a receiver without a name
      else if (ts.isAwaitExpression(e) && out.length > 0) out.push('');
      return out.reverse();
    }
  }
}

/** The call a chain continues into: `where` in `knex('t').where(…)` continues into `.update(…)`; `.then` ends it. */
function continues(call: ts.Node): boolean {
  const p = call.parent;
  // (a reader of the answer is no further step: `await exporter.post('jobs', { json }).json()` is the request)
  return (
    p !== undefined &&
    ts.isPropertyAccessExpression(p) &&
    p.expression === call &&
    !isPromiseStep(p.name.text) &&
    !isHttpResponseReader(p.name.text) &&
    ts.isCallExpression(p.parent)
  );
}

/** The call's promise is waited for (awaited, returned, chained, yielded, gathered) or dropped on purpose (`void`): a bare statement or a kept value is not. */
function awaitedOrReturned(call: ts.Node): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (!p) return false;
  // (`void redis.hset(…)`: a promise dropped on purpose, its I/O sent all the same)
  if (ts.isAwaitExpression(p) || ts.isYieldExpression(p) || ts.isReturnStatement(p) || ts.isArrowFunction(p) || ts.isVoidExpression(p)) return true;
  if (ts.isPropertyAccessExpression(p) && (isPromiseStep(p.name.text) || (isHttpResponseReader(p.name.text) && awaitedOrReturned(p.parent)))) return true;
  // (collected for a later wait: `pending.push(es.index(…))`, then `await Promise.allSettled(pending)`; an entity pushed onto a
  // list that is only handed back, `mappings.push(BillingMapping.create(…))`, is built in memory)
  if (ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression)) {
    const callee = skipOuter(p.expression);
    if (ts.isPropertyAccessExpression(callee) && ELEMENT_ADDERS.includes(callee.name.text) && ts.isIdentifier(skipOuter(callee.expression)))
      return gatheredLater((skipOuter(callee.expression) as ts.Identifier).text, p);
  }
  return ts.isArrayLiteralExpression(p) || handsCallback(call);
}

/** A list of that name, in scope at `at`, is waited on whole later: `await Promise.allSettled(pending)`. */
function gatheredLater(list: string, at: ts.Node): boolean {
  for (let scope: ts.Node | undefined = at.parent; scope; scope = scope.parent) {
    if (!isFunctionLike(scope) && !ts.isSourceFile(scope)) continue;
    let declared = false;
    let gathered = false;
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === list) declared = true;
      if (ts.isCallExpression(n)) {
        const names = chainNames(n.expression);
        const arg = n.arguments[0] && skipOuter(n.arguments[0]);
        if (names.length === 2 && names[0] === 'Promise' && PROMISE_GATHERERS.includes(names[1]) && arg && ts.isIdentifier(arg) && arg.text === list) gathered = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(scope);
    if (declared) return gathered;
  }
  return false;
}

/**
 * The call is handed a function to run when it completes (`docClient.update(params, (err) => …)`,
 * `Model.deleteOne(filter, done)` in callback style): the I/O is sent, as an awaited one is.
 * A handler given to a route or middleware registration is no such callback.
 */
function handsCallback(call: ts.Node): boolean {
  if (!ts.isCallExpression(call) || call.arguments.length < 2) return false;
  const last = skipOuter(call.arguments[call.arguments.length - 1]);
  return (ts.isArrowFunction(last) || ts.isFunctionExpression(last)) && !registersHandler(call);
}

/** A route or middleware registration: `app.post('/x', …)`, `router.delete(/^\/x/, …)`, `router.use(…)`. */
export function registersHandler(call: ts.CallExpression): boolean {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  if (callee.name.text === 'use') return true;
  const path = call.arguments[0] && skipOuter(call.arguments[0]);
  const routePath = path !== undefined && ((ts.isStringLiteralLike(path) && path.text.startsWith('/')) || ts.isRegularExpressionLiteral(path));
  return isRouteMethod(callee.name.text) && routePath;
}

/** The SQL text of a raw query's first argument: a literal, a template, a tagged template, or a local `const sql = '…'`. */
export function sqlText(arg: ts.Expression | undefined, depth = 0): string | undefined {
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

/**
 * Whether a write only adds a record or entry: `db('slot_audit').insert(…)`, `prisma.log.create(…)`,
 * `redis.xadd('audit', …)`, `pool.query('INSERT INTO purge_log …')`.
 */
export function appendsRecord(node: ts.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const last = chainNames(node.expression).at(-1) ?? '';
  if (SQL.has(last)) {
    const text = sqlText(node.arguments[0]);
    return text !== undefined && SQL_APPEND.test(text);
  }
  // (`es.index({ index: 'moderation-log', document })`: a document with a new id)
  const keyField = unkeyedAppendField(last);
  if (keyField !== undefined) {
    const a = node.arguments[0] && skipOuter(node.arguments[0]);
    return (
      a !== undefined && ts.isObjectLiteralExpression(a) && !a.properties.some((p) => ts.isSpreadAssignment(p) || (p.name !== undefined && propertyNameText(p.name) === keyField))
    );
  }
  return isAppendWrite(last);
}

/** Whether SQL text changes rows: its statement starts with `INSERT`, `UPDATE`, `DELETE`, `MERGE` (after any `WITH`). */
export function isSqlWrite(text: string): boolean {
  return SQL_WRITE.test(text);
}

/**
 * A request to another service whose method only changes things (`request(url, { method: 'DELETE' })`,
 * `http.put(…)`): whatever its answer says is the outcome of that change, never an answer to a question.
 */
export function changeOnlyRequest(call: ts.CallExpression): boolean {
  const names = chainNames(call.expression);
  const last = names.at(-1) ?? '';
  if (!httpWrite(call, names)) return false;
  if (HTTP_WRITE.has(last) && names.length >= 2) return HTTP_CHANGE_ONLY.has(last);
  return call.arguments.some((arg) => {
    const a = skipOuter(arg);
    const method = ts.isObjectLiteralExpression(a) ? member(a, 'method') : undefined;
    return method !== undefined && ts.isStringLiteralLike(skipOuter(method)) && HTTP_CHANGE_ONLY.has((skipOuter(method) as ts.StringLiteralLike).text.toLowerCase());
  });
}

/** The HTTP method of a call to another service, when it changes things. */
/** The receiver of `callee` is what `https.request(…)` / `http.get(…)` (or `request(…)` imported by name) of a Node HTTP module returned. */
function openedNodeRequest(callee: ts.Expression, resolve?: CallResolver): boolean {
  const e = skipOuter(callee);
  if (!ts.isPropertyAccessExpression(e) || !resolve?.valueOf) return false;
  const made = resolve.valueOf(skipOuter(e.expression));
  if (!made || !ts.isCallExpression(made)) return false;
  const maker = skipOuter(made.expression);
  const base = ts.isPropertyAccessExpression(maker) ? skipOuter(maker.expression) : maker;
  if (!ts.isIdentifier(base)) return false;
  const from = resolve.declarationOf?.(base) ?? resolve.valueOf(base);
  // the function: the member called (`https.request`), or the name a named import brings (`import { request as open }`)
  const fn = ts.isPropertyAccessExpression(maker) ? maker.name.text : from && ts.isImportSpecifier(from) ? (from.propertyName ?? from.name).text : undefined;
  return fn !== undefined && isNodeRequestFunction(moduleOfValue(from) ?? '', fn);
}

function httpWrite(call: ts.CallExpression, names: readonly string[]): boolean {
  const last = names.at(-1) ?? '';
  // a route registered with its handler (`router.post('/x', async (req, res) => …)`) sends nothing;
  // a store's method given a filter or an item (`prisma.desk.delete({ where })`, `docClient.put({ Item })`)
  // is the store's write, not a request (only `post` is never a store's method)
  if (HTTP_WRITE.has(last) && names.length >= 2) {
    const first = call.arguments[0] && skipOuter(call.arguments[0]);
    if (last !== 'post' && first && ts.isObjectLiteralExpression(first)) return false;
    // (a request is waited for or handed on; `this.pending.delete(id)` as a statement is a collection's own, synchronous)
    if (last !== 'post' && ts.isExpressionStatement(call.parent)) return false;
    return !call.arguments.some((a) => isFunctionLike(skipOuter(a)));
  }
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
 * The command object a client's `send` is given: `new UpdateCommand({ … })`, a name bound to one, or
 * what a function of the app that builds one returns (`ddb.send(setOpening(gate, pct))`).
 */
export function commandMade(arg: ts.Expression, valueOf?: (e: ts.Expression) => ts.Node | undefined): ts.NewExpression | undefined {
  const made = (e: ts.Expression): ts.Node | undefined => {
    const x = skipOuter(e);
    if (ts.isNewExpression(x)) return x;
    const v = valueOf?.(x);
    return v && ts.isVariableDeclaration(v) && v.initializer ? skipOuter(v.initializer) : v;
  };
  const v = made(arg);
  if (v && ts.isNewExpression(v)) return v;
  if (!v || !ts.isCallExpression(v)) return undefined;
  const fn = valueOf?.(v.expression);
  if (!fn || !isFunctionLike(fn)) return undefined;
  for (const r of returnedExpressions(fn)) {
    const x = made(r);
    if (x && ts.isNewExpression(x)) return x;
  }
  return undefined;
}

/**
 * The operation a call (or tagged template) is, if it changes protected state. `resolve` finds the
 * project's own functions: a call of one that performs an operation (two calls deep) is one.
 */
export function operationOf(node: ts.Node, resolve?: CallResolver, depth = 0): Operation | undefined {
  if (ts.isTaggedTemplateExpression(node)) {
    const names = chainNames(node.tag);
    // (a tag the tables do not know runs the statement when its promise is waited for: postgres.js's `` await sql`INSERT …` ``,
    // `` this.sql`UPDATE …` `` returned; a fragment handed to a runner, `db.execute(sql`…`)`, is the runner's)
    const runs = SQL.has(names.at(-1) ?? '') || awaitedOrReturned(node);
    return runs && isSqlWrite(sqlText(node.template) ?? '') && !recordsActivityOnly(node) ? { node, kind: 'sql' } : undefined;
  }
  if (!ts.isCallExpression(node) || continues(node)) return undefined;
  const names = chainNames(node.expression);
  if (names.length === 0) return undefined;
  const last = names[names.length - 1];
  const root = names[0];
  // (`ctx.cookies.set(…)` answers the client; `ctx.redis.hSet(…)` is a client the app keeps in its context)
  if (NOT_STORE.has(root) && names.length <= 3 && !(names.length === 3 && !isFrameworkContextMember(names[1]))) return undefined;
  // raw SQL: only a statement that changes rows
  if (SQL.has(last) && names.length >= 2) {
    const text = sqlText(node.arguments[0]);
    if (text !== undefined) return isSqlWrite(text) && !recordsActivityOnly(node, valuesOf(resolve)) ? { node, kind: 'sql' } : undefined;
  }
  const command = last === 'send' && node.arguments[0] ? commandMade(node.arguments[0], (e) => resolve?.valueOf?.(e)) : undefined;
  if (command) {
    const cmd = command.expression;
    if (!ts.isIdentifier(cmd) || !COMMANDS.has(cmd.text)) return undefined;
    // (a command another module builds: only a model of both files knows the call writes)
    return command.getSourceFile() === node.getSourceFile() ? { node, kind: 'store' } : { node, kind: 'store', elsewhere: true };
  }
  if (FS_WRITES.has(last.replace(/Sync$/, '')) && (FS_ROOTS.has(root) || names.includes('promises') || (names.length === 1 && importedFromFs(node.expression, resolve))))
    return preparesDirectory(node, last) ? undefined : { node, kind: 'file' };
  // a write on a store client the code made or was given (`redis.set(k, v)`, `this.redis.del(k)`): the store's own table says
  if (names.length >= 2 && resolve?.declarationOf) {
    const spec = storeClientOf(skipOuter(node.expression), resolve);
    const method = spec && storeMethod(spec, last);
    // (a client another module makes and exports, `import { redis } from './redis'`: only a model of both files knows it)
    if (method && !method.readOnly)
      return awaitedOrReturned(node) ? { node, kind: 'store', ...(importedClient(skipOuter(node.expression), resolve) ? { elsewhere: true as const } : {}) } : undefined;
    // a client the app's context factory hands every request (`const { redis } = ctx; await redis.set(…)`)
    const held = spec ? undefined : contextClientOf(skipOuter(node.expression), resolve);
    const heldMethod = held && storeMethod(held, last);
    if (heldMethod && !heldMethod.readOnly) return awaitedOrReturned(node) ? { node, kind: 'store', elsewhere: true } : undefined;
  }
  // a job added to a job library's queue: the work it stands for will run (`broadcastQueue.add('broadcast', …)`)
  // (awaited, or called for its effect: `setTimeout(() => refundQueue.add('refund', job), grace)`)
  if (isQueueCall(last) && names.length >= 2 && resolve?.valueOf && (awaitedOrReturned(node) || ts.isExpressionStatement(node.parent))) {
    const queue = jobQueueOf(skipOuter(node.expression), resolve);
    if (queue) return queue.getSourceFile() === node.getSourceFile() ? { node, kind: 'store' } : { node, kind: 'store', elsewhere: true };
  }
  if (httpWrite(node, names)) return { node, kind: 'http' };
  // a batch a store client made, run: `const multi = redis.multi(); multi.hSet(…); await multi.exec()` writes what was queued
  if (isBatchRun(last) && names.length === 2 && awaitedOrReturned(node) && queuesWrites(node)) return { node, kind: 'store' };
  // a builder chain or a store call that writes: `db.update(t).set(…)`, `knex('t').where(…).del()`
  // (asked last: naming a collection of another module parses that module)
  const inMemory = (): boolean => resolve?.valueOf !== undefined && inMemoryCollection(node.expression, resolve);
  const writer = names.slice(names.length >= 2 ? 1 : 0).some((n, i, all) => WRITES.has(n.toLowerCase()) && (i === all.length - 1 || !BUILDERS.has(n)));
  if (writer && names.length >= 2) {
    // an entity built in memory (`repo.create(dto)` kept in a variable), a hash fed (`createHash().update(b).digest()`)
    if (!awaitedOrReturned(node)) return undefined;
    // bookkeeping: a write of the clock alone (`data: { lastUsedAt: new Date() }`, `this.lastActiveAt = now; this.save()`),
    // whatever the function it calls does with the record
    if (recordsActivityOnly(node, valuesOf(resolve))) return undefined;
    // (a request the code opened to another server, `req.destroy(err)` on `const req = https.request(…)`: its own stream)
    if (openedNodeRequest(node.expression, resolve)) return undefined;
    if (depth === 0 || resolve?.(node) === undefined) return inMemory() ? undefined : { node, kind: 'store' };
  }
  if (names.length >= 2 && VERB.test(last) && awaitedOrReturned(node) && !NOT_STORE.has(names.at(-2)!) && !resolve?.(node) && !unseenProjectModule(node, resolve)) {
    // a method the tool cannot see into that records activity by its name: `apiKey.updateActiveAt()`
    return namesActivityRecord(last) || inMemory() ? undefined : { node, kind: 'store', guessed: true };
  }
  if (resolve && depth < 2) {
    const fn = resolve(node);
    if (fn && inMemory()) return undefined;
    const inner = fn && performedOperation(fn, resolve, depth + 1);
    if (inner) return { node, kind: inner === 'http' ? 'http' : 'helper', via: fn };
    // the request's options handed to a helper that sends them (`json(path, { method: 'PUT', body })`
    // where `json` calls `fetch(url, init)`)
    if (fn && (writeMethodOption(node) || writeMethodArgument(node, fn)) && sendsRequest(fn, resolve, depth)) return { node, kind: 'http', via: fn };
  }
  return undefined;
}

/** An argument that names an HTTP method that changes things: `{ method: 'PUT', … }`. */
function writeMethodOption(call: ts.CallExpression): boolean {
  return call.arguments.some((arg) => {
    const a = skipOuter(arg);
    const method = ts.isObjectLiteralExpression(a) ? member(a, 'method') : undefined;
    return method !== undefined && ts.isStringLiteralLike(skipOuter(method)) && HTTP_WRITE.has((skipOuter(method) as ts.StringLiteralLike).text.toLowerCase());
  });
}

/**
 * A write verb given for the parameter a helper sends as the request's method: `call('PUT', path, body)`
 * where `call(method, path, body)` passes `{ method }` to its client.
 */
function writeMethodArgument(call: ts.CallExpression, fn: ts.FunctionLikeDeclaration): boolean {
  return fn.parameters.some((p, i) => {
    const arg = call.arguments[i] && skipOuter(call.arguments[i]);
    if (!arg || !ts.isStringLiteralLike(arg) || !HTTP_WRITE.has(arg.text.toLowerCase()) || !ts.isIdentifier(p.name)) return false;
    const param = p.name.text;
    let sent = false;
    const visit = (n: ts.Node): void => {
      if (sent) return;
      if (ts.isShorthandPropertyAssignment(n) && n.name.text === 'method' && param === 'method') sent = true;
      else if (
        ts.isPropertyAssignment(n) &&
        propertyNameText(n.name) === 'method' &&
        ts.isIdentifier(skipOuter(n.initializer)) &&
        (skipOuter(n.initializer) as ts.Identifier).text === param
      )
        sent = true;
      else ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    return sent;
  });
}

/**
 * A request to another service, any method: `fetch(url)`, `axios.get(url)`, `got(url)` (the HTTP client
 * functions of the tables), or a function imported from an HTTP client package (undici's `request(url, …)`).
 */
export function isOutboundRequest(call: ts.CallExpression): boolean {
  const names = chainNames(call.expression);
  if (HTTP_FN.has(names.at(-1) ?? '') || HTTP_FN.has(names[0] ?? '')) return true;
  const root = names[0];
  const binding = root !== undefined ? topLevelBindings(call.getSourceFile()).get(root) : undefined;
  return binding !== undefined && isHttpClientModule(binding.module);
}

/** A function that calls an HTTP client (`fetch`, `axios`…), itself or through a helper of the project. */
function sendsRequest(fn: ts.FunctionLikeDeclaration, resolve: CallResolver, depth: number): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (n !== fn && isFunctionLike(n))) return;
    if (ts.isCallExpression(n)) {
      if (isOutboundRequest(n)) found = true;
      else if (depth < 1) {
        const inner = resolve(n);
        if (inner && inner !== fn && sendsRequest(inner, resolve, depth + 1)) found = true;
      }
    }
    if (!found) ts.forEachChild(n, visit);
  };
  visit(fn);
  return found;
}

/** `mkdir(dir, { recursive: true })`: makes sure a directory exists, an idempotent step before the write it prepares. */
function preparesDirectory(call: ts.CallExpression, name: string): boolean {
  if (name.replace(/Sync$/, '') !== 'mkdir') return false;
  const options = call.arguments[1] && skipOuter(call.arguments[1]);
  return (
    options !== undefined &&
    ts.isObjectLiteralExpression(options) &&
    options.properties.some((p) => ts.isPropertyAssignment(p) && propertyNameText(p.name) === 'recursive' && p.initializer.kind === SK.TrueKeyword)
  );
}

/** A function imported by name from a file-system module: `import { writeFile } from 'node:fs/promises'`. */
function importedFromFs(callee: ts.Expression, resolve: CallResolver | undefined): boolean {
  const e = skipOuter(callee);
  const made = ts.isIdentifier(e) ? (resolve?.declarationOf?.(e) ?? resolve?.valueOf?.(e)) : resolve?.valueOf?.(e);
  return FS_MODULES.has((moduleOfValue(made) ?? '').replace(/^node:/, ''));
}

/**
 * The receiver of `q.add(…)` is a queue made by a job library (`new Queue('alerts')` imported from
 * `bullmq`), or a field declared with a job library's queue type (`@InjectQueue('runner-jobs')
 * private readonly jobs: Queue`, the container making it): the node that makes or declares it.
 */
function jobQueueOf(callee: ts.Expression, resolve: CallResolver): ts.Node | undefined {
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const recv = skipOuter(callee.expression);
  if (ts.isPropertyAccessExpression(recv) && recv.expression.kind === SK.ThisKeyword) {
    let cls: ts.Node | undefined = recv;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    const decl = cls && ts.isClassLike(cls) ? fieldDeclaration(cls, recv.name.text) : undefined;
    const type = decl && (decl as ts.PropertyDeclaration | ts.ParameterDeclaration).type;
    if (type && ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const from = importOf(resolve.declarationOf?.(type.typeName)) ?? importOf(typeOnlyImport(type.typeName));
      if (from && jobQueueLibrary(from.module) !== undefined) return decl;
    }
  }
  let v = resolve.valueOf?.(callee.expression);
  if (v && ts.isVariableDeclaration(v) && v.initializer) v = skipOuter(v.initializer);
  if (!v || !ts.isNewExpression(v)) return undefined;
  const made = ts.isIdentifier(v.expression) ? (resolve.declarationOf?.(v.expression) ?? resolve.valueOf?.(v.expression)) : resolve.valueOf?.(v.expression);
  return jobQueueLibrary(moduleOfValue(made) ?? '') !== undefined ? v : undefined;
}

/**
 * The store whose client a call's receiver is (STORE_CLIENTS): made by a factory of a store library
 * (`new Redis()`, `createClient()`), or declared with its type (`private readonly redis: Redis`).
 */
function storeClientOf(callee: ts.Expression, resolve: CallResolver): StoreClientSpec | undefined {
  return ts.isPropertyAccessExpression(callee) ? clientOfReceiver(skipOuter(callee.expression), resolve) : undefined;
}

/** The store whose client an expression is: a name or `this.field` declared with its type or made by its factory. */
function clientOfReceiver(receiver: ts.Expression, resolve: CallResolver): StoreClientSpec | undefined {
  let recv = receiver;
  let decl: ts.Node | undefined;
  if (ts.isIdentifier(recv)) {
    decl = resolve.declarationOf?.(recv);
    // a client another module makes and exports: its declaration there
    if (decl && isImportBinding(decl)) {
      const v = resolve.valueOf?.(recv);
      if (v && (ts.isNewExpression(v) || ts.isCallExpression(v) || ts.isAwaitExpression(v)) && ts.isVariableDeclaration(v.parent)) decl = v.parent;
      else if (v && ts.isVariableDeclaration(v)) decl = v;
      // made as the module's value, `module.exports = new Redis(url)`: the call that made it
      else if (v && (ts.isNewExpression(v) || ts.isCallExpression(v)) && requiredModule(v) === undefined) return madeClient(v, resolve);
    }
  } else if (ts.isPropertyAccessExpression(recv) && recv.expression.kind === SK.ThisKeyword) {
    const name = recv.name.text;
    let cls: ts.Node | undefined = recv;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    if (cls && ts.isClassLike(cls)) decl = fieldDeclaration(cls, name);
  } else return undefined;
  if (!decl) return undefined;
  const typed = decl as ts.VariableDeclaration | ts.PropertyDeclaration | ts.ParameterDeclaration;
  // declared with a client type
  if (typed.type && ts.isTypeReferenceNode(typed.type)) {
    const name = ts.isIdentifier(typed.type.typeName) ? typed.type.typeName : undefined;
    // a type is all a type-only import brings (`import type { Redis } from 'ioredis'`), and all it takes here
    const from = name && (importOf(resolve.declarationOf?.(name)) ?? importOf(typeOnlyImport(name)));
    if (from) {
      const spec = storeType(from.module, from.path);
      if (spec) return spec;
    }
  }
  // made by a factory
  recv = typed.initializer ? skipOuter(typed.initializer) : recv;
  if (ts.isAwaitExpression(recv)) recv = skipOuter(recv.expression);
  if (!(ts.isNewExpression(recv) || ts.isCallExpression(recv))) return undefined;
  return madeClient(recv, resolve);
}

/** The store a client is of, by the factory or class that made it: `new Redis(url)`, `createClient()`, `new DynamoDBClient({})`. */
function madeClient(recv: ts.NewExpression | ts.CallExpression, resolve: CallResolver): StoreClientSpec | undefined {
  const made = skipOuter(recv.expression);
  const root = ts.isIdentifier(made) ? made : ts.isPropertyAccessExpression(made) && ts.isIdentifier(made.expression) ? made.expression : undefined;
  const from = root && importOf(resolve.declarationOf?.(root));
  if (!from) return undefined;
  const path = ts.isPropertyAccessExpression(made) ? [...from.path, made.name.text] : from.path;
  return storeFactory(from.module, path);
}

/**
 * A call on a module of the project this resolver cannot see into (`repo.deleteAnimalIfLead(…)` with
 * `import * as repo from './studies.repo.mjs'`, judged with one file): what it does is for a model
 * that loads the module to say, not for a guess from its name.
 */
function unseenProjectModule(call: ts.CallExpression, resolve: CallResolver | undefined): boolean {
  if (!resolve?.declarationOf) return false;
  let root: ts.Expression = skipOuter(call.expression);
  let first: ts.PropertyAccessExpression | undefined;
  while (ts.isPropertyAccessExpression(root)) {
    first = root;
    root = skipOuter(root.expression);
  }
  // `this.accounts.debit(…)` on a field holding an instance of a class another module of the project
  // declares (`accounts = new CreditAccountRepository()`, `private readonly accounts: CreditAccountRepository`)
  if (root.kind === ts.SyntaxKind.ThisKeyword && first && first !== skipOuter(call.expression)) {
    let cls: ts.Node | undefined = call.parent;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    const field = cls && fieldDeclaration(cls, first.name.text);
    if (!field || !(ts.isPropertyDeclaration(field) || ts.isParameter(field))) return false;
    const init = field.initializer && skipOuter(field.initializer);
    const named = init && ts.isNewExpression(init) ? init.expression : field.type && ts.isTypeReferenceNode(field.type) ? field.type.typeName : undefined;
    return named !== undefined && ts.isIdentifier(named) && importedFromProject(named, resolve);
  }
  if (!ts.isIdentifier(root)) return false;
  return importedFromProject(root, resolve);
}

/** A name bound by an import of a module of the project (`./…`) whose value a file alone cannot see. */
function importedFromProject(root: ts.Identifier, resolve: CallResolver): boolean {
  const decl = resolve.declarationOf?.(root);
  const importDecl =
    decl && (ts.isImportSpecifier(decl) ? decl.parent.parent.parent : ts.isImportClause(decl) ? decl.parent : ts.isNamespaceImport(decl) ? decl.parent.parent : undefined);
  if (!importDecl || !ts.isStringLiteral(importDecl.moduleSpecifier) || !importDecl.moduleSpecifier.text.startsWith('.')) return false;
  const v = resolve.valueOf?.(root);
  return v === undefined || ts.isImportDeclaration(v) || ts.isImportSpecifier(v) || ts.isImportClause(v) || ts.isNamespaceImport(v);
}

/**
 * A name bound by an import or a `require`: `import { redis } from './redis'`, `import redis from './redis'`,
 * `const { redis } = require('./stores')`, `const redis = require('./redis')`.
 */
function isImportBinding(decl: ts.Node): boolean {
  if (ts.isImportSpecifier(decl) || ts.isImportClause(decl)) return true;
  const owner = ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) ? decl.parent.parent : decl;
  return ts.isVariableDeclaration(owner) && owner.initializer !== undefined && requiredModule(owner.initializer) !== undefined;
}

/** A store client's call on a name another module exports (`import { redis } from './redis'`). */
function importedClient(callee: ts.Expression, resolve: CallResolver): boolean {
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const recv = skipOuter(callee.expression);
  const decl = ts.isIdentifier(recv) ? resolve.declarationOf?.(recv) : undefined;
  return decl !== undefined && isImportBinding(decl);
}

/** The store client a per-request context holds, read as `ctx.redis` or destructured `const { redis } = ctx`. */
function contextClientOf(callee: ts.Expression, resolve: CallResolver): StoreClientSpec | undefined {
  if (!resolve.contextValues || !ts.isPropertyAccessExpression(callee)) return undefined;
  const recv = skipOuter(callee.expression);
  let owner: ts.Expression | undefined;
  let key: string | undefined;
  if (ts.isPropertyAccessExpression(recv)) [owner, key] = [recv.expression, recv.name.text];
  else if (ts.isIdentifier(recv)) {
    const decl = resolve.declarationOf?.(recv);
    const pattern = decl && ts.isBindingElement(decl) ? decl.parent : undefined;
    const holder = pattern && ts.isObjectBindingPattern(pattern) ? pattern.parent : undefined;
    const name = decl && ts.isBindingElement(decl) ? (decl.propertyName ?? decl.name) : undefined;
    if (holder && ts.isVariableDeclaration(holder) && holder.initializer && name && ts.isIdentifier(name)) [owner, key] = [holder.initializer, name.text];
  }
  if (!owner || key === undefined) return undefined;
  for (const v of resolve.contextValues(owner, key)) {
    // the context hands out a client the app made (`export const redis = new Redis(…)`, `{ redis }`)
    const spec = ts.isExpression(v) ? clientOfReceiver(skipOuter(v), resolve) : undefined;
    if (spec) return spec;
  }
  return undefined;
}

/** The module and export path an import or `require` binding names: `import { Redis } from 'ioredis'` → `ioredis`, `['Redis']`. */
function importOf(decl: ts.Node | undefined): { module: string; path: string[] } | undefined {
  if (!decl) return undefined;
  if (ts.isImportSpecifier(decl)) {
    const spec = decl.parent.parent.parent.moduleSpecifier;
    return ts.isStringLiteral(spec) ? { module: spec.text, path: [(decl.propertyName ?? decl.name).text] } : undefined;
  }
  if (ts.isImportClause(decl)) return ts.isStringLiteral(decl.parent.moduleSpecifier) ? { module: decl.parent.moduleSpecifier.text, path: [] } : undefined;
  if (ts.isNamespaceImport(decl)) {
    const spec = decl.parent.parent.moduleSpecifier;
    return ts.isStringLiteral(spec) ? { module: spec.text, path: [] } : undefined;
  }
  if (ts.isVariableDeclaration(decl) && decl.initializer) {
    const module = requiredModule(decl.initializer);
    return module ? { module, path: [] } : undefined;
  }
  if (ts.isBindingElement(decl)) {
    const owner = decl.parent.parent;
    const module = ts.isVariableDeclaration(owner) && owner.initializer ? requiredModule(owner.initializer) : undefined;
    const key = decl.propertyName ?? decl.name;
    return module && ts.isIdentifier(key) ? { module, path: [key.text] } : undefined;
  }
  return undefined;
}

/** The package a value was imported or required from: `import { Queue } from 'bullmq'`, `const { Queue } = require('bullmq')`. */
function moduleOfValue(value: ts.Node | undefined): string | undefined {
  for (let n = value; n && !ts.isSourceFile(n); n = n.parent) {
    if (ts.isImportDeclaration(n)) return ts.isStringLiteral(n.moduleSpecifier) ? n.moduleSpecifier.text : undefined;
    if (ts.isVariableDeclaration(n)) return n.initializer ? requiredModule(n.initializer) : undefined;
    const required = ts.isCallExpression(n) ? requiredModule(n) : undefined;
    if (required) return required;
  }
  return undefined;
}

/**
 * A synchronous evaluation of a feature flag by an SDK client the code made (FLAG_SDKS):
 * `flags.isEnabled('ota-rollout', ctx)` with `const flags = initialize({ … })` from `unleash-client`,
 * `gb.isOn('exchange')` with `new GrowthBook(…)`, or the SDK's own `isEnabled(…)` imported.
 */
export function flagEvaluation(call: ts.CallExpression, resolve: CallResolver | undefined): boolean {
  if (!resolve?.valueOf || !resolve.declarationOf) return false;
  const callee = skipOuter(call.expression);
  const named = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  if (named === undefined || !mayEvaluateFlag(named)) return false;
  if (ts.isIdentifier(callee)) {
    const decl = resolve.declarationOf(callee);
    const sdk = flagSdk(moduleOfValue(decl) ?? '');
    const imported = decl && ts.isImportSpecifier(decl) ? (decl.propertyName ?? decl.name).text : callee.text;
    return sdk !== undefined && isDirectFlagEvaluation(sdk, imported);
  }
  if (!ts.isPropertyAccessExpression(callee)) return false;
  let made = resolve.valueOf(skipOuter(callee.expression));
  if (made && ts.isVariableDeclaration(made)) made = made.initializer && skipOuter(made.initializer);
  if (made && ts.isAwaitExpression(made)) made = skipOuter(made.expression);
  // a client handed in, declared with the SDK's type (`{ flags }: { flags: Unleash }`, `private readonly ld: LDClient`)
  if (!made || !(ts.isCallExpression(made) || ts.isNewExpression(made))) return typedFlagClient(skipOuter(callee.expression), callee.name.text, resolve);
  // the factory and the module it comes from: `initialize` imported, `LaunchDarkly.init` of a module required whole
  const factory = chainNames(made.expression);
  let root: ts.Expression = skipOuter(made.expression);
  while (ts.isPropertyAccessExpression(root)) root = skipOuter(root.expression);
  const decl = ts.isIdentifier(root) ? resolve.declarationOf(root) : undefined;
  const sdk = flagSdk(moduleOfValue(decl) ?? '');
  const name = decl && ts.isImportSpecifier(decl) && factory.length === 1 ? (decl.propertyName ?? decl.name).text : factory.at(-1);
  return sdk !== undefined && name !== undefined && makesFlagClient(sdk, name) && isFlagEvaluation(sdk, callee.name.text);
}

/** What a name holds, through the resolver. */
function valuesOf(resolve: CallResolver | undefined): ((e: ts.Expression) => ts.Node | undefined) | undefined {
  return resolve?.valueOf ? (e) => resolve.valueOf?.(e) : undefined;
}

/** `map.delete(k)`, `items.push(x)` on a `Map`, `Set`, array or object literal: no store. */
function inMemoryCollection(callee: ts.Expression, resolve: CallResolver): boolean {
  let e = skipOuter(callee);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = skipOuter(e.expression);
  if (!ts.isIdentifier(e)) return false;
  const v = resolve.valueOf!(e);
  if (!v) return false;
  if (ts.isArrayLiteralExpression(v)) return true;
  // an object of methods (`export const repo = { archive(id) { … } }`) is a service, not a collection: its own method runs
  if (ts.isObjectLiteralExpression(v)) {
    const called = ts.isPropertyAccessExpression(skipOuter(callee)) ? (skipOuter(callee) as ts.PropertyAccessExpression).name.text : undefined;
    const member = called === undefined ? undefined : v.properties.find((p) => p.name !== undefined && propertyNameText(p.name) === called);
    // (a method, a function, or a name of one: `module.exports = { debit }`, `{ archive: archiveRun }`)
    const isMethod =
      member !== undefined &&
      (ts.isMethodDeclaration(member) ||
        ts.isShorthandPropertyAssignment(member) ||
        (ts.isPropertyAssignment(member) && (isFunctionLike(skipOuter(member.initializer)) || ts.isIdentifier(skipOuter(member.initializer)))));
    return !isMethod;
  }
  return ts.isNewExpression(v) && ts.isIdentifier(v.expression) && IN_MEMORY_COLLECTION_CLASSES.includes(v.expression.text);
}

/** Answers per resolver and depth: each model (a file alone, across imports, an app) sees different helpers, and a shallower ask sees further. */
const performsBy = new WeakMap<object, Map<number, WeakMap<ts.Node, OperationKind | null>>>();
const NO_RESOLVER = {};
function performsCache(resolve: CallResolver | undefined, depth: number): WeakMap<ts.Node, OperationKind | null> {
  const key = resolve ?? NO_RESOLVER;
  let byDepth = performsBy.get(key);
  if (!byDepth) performsBy.set(key, (byDepth = new Map()));
  let cache = byDepth.get(depth);
  if (!cache) byDepth.set(depth, (cache = new WeakMap()));
  return cache;
}

/** The operation a function performs in its own body (not in functions it only declares): a store or file write first, else a request. */
export function performedOperation(fn: ts.FunctionLikeDeclaration, resolve: CallResolver | undefined, depth: number): OperationKind | undefined {
  const performs = performsCache(resolve, depth);
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

/** Keys of a write's options whose values are what it stores: Prisma `data`, MongoDB `$set`, Sequelize `values`, Drizzle `set`. */
const VALUE_PAYLOAD_KEYS = new Set(['data', 'values', 'update', '$set', 'set', '$setOnInsert', '$currentDate']);
/** Builder calls whose argument is what a chain stores: `knex('t').update({…})`, `db.update(t).set({…})`. */
const PAYLOAD_CALLS = new Set(['update', 'set', 'updateTable', 'save']);

/**
 * A value that is the clock and nothing else (tables in `vocabulary/clock.ts`): `new Date()`,
 * `Date.now()`, `knex.fn.now()`, `dayjs()`, `sequelize.fn('NOW')`, `sql\`now()\``,
 * `new Date().toISOString()`, or a local holding one. `Date.now() + ttl` is not: it is a time
 * the code chose (an expiry pushed out).
 */
export function isClockValue(expr: ts.Expression, valueOf?: (e: ts.Expression) => ts.Node | undefined, depth = 0): boolean {
  if (depth > 4) return false;
  const e = skipOuter(expr);
  if (ts.isAwaitExpression(e)) return false;
  if (ts.isNewExpression(e)) {
    const args = e.arguments ?? [];
    return ts.isIdentifier(e.expression) && isClockClass(e.expression.text) && (args.length === 0 || (args.length === 1 && isClockValue(args[0], valueOf, depth + 1)));
  }
  if (ts.isCallExpression(e)) {
    const callee = skipOuter(e.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    if (name === undefined) return false;
    if (e.arguments.length === 0 && (isClockCall(name) || isClockFactory(name))) return true;
    if (ts.isPropertyAccessExpression(callee) && isClockForm(name) && isClockValue(callee.expression, valueOf, depth + 1)) return true;
    const arg = e.arguments.length === 1 ? skipOuter(e.arguments[0]) : undefined;
    return isSqlWrapper(name) && arg !== undefined && ts.isStringLiteralLike(arg) && (isSqlClock(arg.text) || isSqlClock(`${arg.text}()`));
  }
  if (ts.isTaggedTemplateExpression(e)) return ts.isNoSubstitutionTemplateLiteral(e.template) && isSqlClock(e.template.text);
  if (ts.isIdentifier(e) && valueOf) {
    const v = valueOf(e);
    return v !== undefined && v !== e && ts.isExpression(v) && isClockValue(v, valueOf, depth + 1);
  }
  return false;
}

/**
 * A moment the code works out from the clock: the current time (`isClockValue`), or one a span away
 * from it (`Date.now() + minutes * 60_000`, an expiry; `new Date(Date.now() + ttl)`), also written as
 * text or a number (`String(closesAt)`). What a record says happened when, not a time the client chose.
 */
export function isMoment(expr: ts.Expression, valueOf?: (e: ts.Expression) => ts.Node | undefined, depth = 0): boolean {
  if (depth > 4) return false;
  if (isClockValue(expr, valueOf)) return true;
  const e = skipOuter(expr);
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && isConversion(e.expression.text) && e.arguments.length === 1) return isMoment(e.arguments[0], valueOf, depth + 1);
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && isClockClass(e.expression.text) && e.arguments?.length === 1) return isMoment(e.arguments[0], valueOf, depth + 1);
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.PlusToken || e.operatorToken.kind === ts.SyntaxKind.MinusToken))
    return isMoment(e.left, valueOf, depth + 1) || (e.operatorToken.kind === ts.SyntaxKind.PlusToken && isMoment(e.right, valueOf, depth + 1));
  if (ts.isIdentifier(e) && valueOf) {
    const v = valueOf(e);
    return v !== undefined && v !== e && ts.isExpression(v) && isMoment(v, valueOf, depth + 1);
  }
  return false;
}

/** A field a write stores and the value it stores there. */
type Stored = [field: string | undefined, value: ts.Expression];

/**
 * A write that only records activity: it stores the clock (`new Date()`, `NOW()`) in fields that
 * say when the record was last used (`lastActiveAt`, `updatedOn`, `last_used_at`), and nothing
 * else. Such a write keeps a record's bookkeeping; it is not what an authorization decision
 * guards. A timestamp that is a state (`revoked_at = now()`, `used_at` of a single-use token) is
 * not bookkeeping. What it stores, when the tool can see all of it:
 *   - options with a value payload (`data`, `$set`, `values`, `set`): the payload's fields;
 *   - plain objects (Sequelize/Knex `update({…})`, TypeORM's partial after its criteria): one of
 *     them all clock, and none mixing the clock with other values;
 *   - `save()` of a record: the fields the same function assigned on it before;
 *   - raw SQL `UPDATE … SET a = NOW(), b = $2`: every assignment of its SET clause.
 */
export function recordsActivityOnly(call: ts.CallExpression | ts.TaggedTemplateExpression, valueOf?: (e: ts.Expression) => ts.Node | undefined): boolean {
  const bookkeeping = (stored: readonly Stored[]): boolean =>
    stored.length > 0 && stored.every(([field, value]) => field !== undefined && isActivityField(field) && isClockValue(value, valueOf));
  if (ts.isTaggedTemplateExpression(call)) return bookkeeping(sqlSets(call.template, []) ?? []);
  const names = chainNames(call.expression);
  const last = names.at(-1) ?? '';
  if (SQL.has(last) && call.arguments[0]) {
    const a = skipOuter(call.arguments[0]);
    const p = call.arguments[1] && skipOuter(call.arguments[1]);
    const params = p && ts.isArrayLiteralExpression(p) ? [...p.elements] : [];
    if (ts.isStringLiteralLike(a) || ts.isTemplateExpression(a) || ts.isTaggedTemplateExpression(a))
      return bookkeeping(sqlSets(ts.isTaggedTemplateExpression(a) ? a.template : a, params) ?? []);
  }
  // `this.lastActiveAt = now; return this.save({ silent: true })`
  const callee = skipOuter(call.expression);
  if (last === 'save' && ts.isPropertyAccessExpression(callee) && call.arguments.every((a) => !ts.isIdentifier(skipOuter(a)))) {
    const assigned = fieldsAssignedBefore(call, callee.expression);
    if (assigned !== undefined) return bookkeeping(assigned);
  }
  // the arguments along a builder chain: `db.update(t).set({ lastUsedAt: new Date() }).where(…)`
  const args: ts.Expression[] = [];
  for (let e: ts.Expression = call; ;) {
    e = skipOuter(e);
    if (ts.isCallExpression(e)) {
      const c = skipOuter(e.expression);
      if (e === call || (ts.isPropertyAccessExpression(c) && PAYLOAD_CALLS.has(c.name.text))) args.push(...e.arguments);
      e = c;
    } else if (ts.isPropertyAccessExpression(e)) e = e.expression;
    else break;
  }
  const payload: Stored[] = [];
  const plain: Stored[][] = [];
  for (const arg of args) {
    const v = skipOuter(arg);
    const obj = ts.isObjectLiteralExpression(v) ? v : valueOf && ts.isIdentifier(v) ? valueOf(v) : undefined;
    if (!obj || !ts.isObjectLiteralExpression(obj)) continue;
    const keys = obj.properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined));
    const explicit = obj.properties.filter((p, i) => keys[i] !== undefined && VALUE_PAYLOAD_KEYS.has(keys[i]) && ts.isPropertyAssignment(p)) as ts.PropertyAssignment[];
    if (explicit.length > 0) {
      for (const p of explicit) {
        const fields = fieldsOf(p.initializer);
        if (fields === undefined) return false;
        payload.push(...fields);
      }
      continue;
    }
    if (keys.some((k) => k !== undefined && FILTER.has(k))) continue;
    const fields = fieldsOf(obj);
    if (fields === undefined) return false;
    plain.push(fields);
  }
  if (payload.length > 0) return bookkeeping(payload);
  const clockIn = (fields: readonly Stored[]): boolean => fields.some(([, value]) => isClockValue(value, valueOf));
  return plain.some(bookkeeping) && !plain.some((fields) => clockIn(fields) && !bookkeeping(fields));
}

const FILTER = new Set(FILTER_KEYS);

/** The fields an object literal sets, nested objects opened (`$set: { 'a.b': … }` keeps the last key); `undefined` with a spread or a computed key. */
function fieldsOf(expr: ts.Expression): Stored[] | undefined {
  const e = skipOuter(expr);
  if (!ts.isObjectLiteralExpression(e)) return [[undefined, e]];
  const out: Stored[] = [];
  for (const p of e.properties) {
    if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name))) {
      const key = p.name.text;
      const inner = skipOuter(p.initializer);
      if (ts.isObjectLiteralExpression(inner)) {
        const nested = fieldsOf(inner);
        if (nested === undefined) return undefined;
        out.push(...nested);
      } else out.push([key.split('.').at(-1), inner]);
    } else if (ts.isShorthandPropertyAssignment(p)) out.push([p.name.text, p.name]);
    else return undefined;
  }
  return out;
}

/** What the enclosing function assigns to fields of `receiver` before `call`: `this.lastActiveAt = now`. `undefined` if the receiver has no name. */
function fieldsAssignedBefore(call: ts.Node, receiver: ts.Expression): Stored[] | undefined {
  const key = receiverKey(receiver);
  if (key === undefined) return undefined;
  let fn: ts.Node | undefined = call.parent;
  while (fn && !isFunctionLike(fn)) fn = fn.parent;
  if (!fn) return undefined;
  const out: Stored[] = [];
  const visit = (n: ts.Node): void => {
    if (n.pos >= call.pos) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === SK.EqualsToken && ts.isPropertyAccessExpression(skipOuter(n.left))) {
      const target = skipOuter(n.left) as ts.PropertyAccessExpression;
      if (receiverKey(target.expression) === key) out.push([target.name.text, n.right]);
    }
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return out;
}

function receiverKey(e: ts.Expression): string | undefined {
  const x = skipOuter(e);
  if (x.kind === SK.ThisKeyword) return 'this';
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) {
    const inner = receiverKey(x.expression);
    return inner === undefined ? undefined : `${inner}.${x.name.text}`;
  }
  return undefined;
}

/**
 * The assignments of an `UPDATE`'s SET clause, each with the value stored: SQL text itself
 * (`NOW()`, as a synthetic SQL clock marker) or the parameter (`$n`, `?`, a template's `${…}`) bound
 * to it. `undefined` for any other statement or a value the tool cannot place.
 */
function sqlSets(template: ts.TemplateLiteral | ts.StringLiteralLike, params: readonly ts.Expression[]): Stored[] | undefined {
  let text: string;
  let values: ts.Expression[] = [...params];
  if (ts.isTemplateExpression(template)) {
    text = template.head.text + template.templateSpans.map((s) => ' ? ' + s.literal.text).join('');
    values = template.templateSpans.map((s) => s.expression);
  } else text = template.text;
  const m = /^\s*update\b[\s\S]*?\bset\b([\s\S]*?)(?:\bwhere\b|\breturning\b|$)/i.exec(text);
  if (!m) return undefined;
  // parameters before the SET clause (in a CTE, say) come first
  let ordinal = (text.slice(0, m.index + m[0].search(/\bset\b/i)).match(/\?/g) ?? []).length;
  const out: Stored[] = [];
  for (const assignment of m[1].split(',')) {
    const [column, ...rest] = assignment.split('=');
    const value = rest.join('=').trim();
    const field = column
      .trim()
      .replace(/^["`[]|["`\]]$/g, '')
      .split('.')
      .at(-1);
    if (!field || value === '') return undefined;
    if (isSqlClock(value)) {
      out.push([field, SQL_CLOCK_VALUE]);
      continue;
    }
    const dollar = /^\$(\d+)$/.exec(value);
    const bound = dollar ? values[Number(dollar[1]) - 1] : value === '?' ? values[ordinal++] : undefined;
    if (!bound) return undefined;
    out.push([field, bound]);
  }
  return out;
}

/** SQL's own clock as a value: `Date.now()` stands for `NOW()` in what a SET clause stores. */
const SQL_CLOCK_VALUE: ts.Expression = ts.factory.createCallExpression(ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier('Date'), 'now'), undefined, []);

/**
 * The batch a run is called on (`multi.exec()`, `multi` made by `redis.multi()` in the same function)
 * had a write queued on it (`multi.hSet(…)`, `multi.del(…)`).
 */
function queuesWrites(run: ts.CallExpression): boolean {
  const callee = skipOuter(run.expression);
  const batch = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
  if (!batch || !ts.isIdentifier(batch)) return false;
  let scope: ts.Node | undefined = run.parent;
  while (scope && !isFunctionLike(scope) && !ts.isSourceFile(scope)) scope = scope.parent;
  if (!scope) return false;
  let made = false;
  let writes = false;
  const visit = (n: ts.Node): void => {
    if (writes && made) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === batch.text && n.initializer) {
      const init = skipOuter(n.initializer);
      made = ts.isCallExpression(init) && isBatchMaker(chainNames(init.expression).at(-1) ?? '');
    }
    if (ts.isCallExpression(n) && n !== run) {
      const names = chainNames(n.expression);
      if (names[0] === batch.text && names.length >= 2 && names.slice(1).some((m) => WRITES.has(m.toLowerCase()))) writes = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return made && writes;
}

/** A receiver declared with a flag SDK's client type whose method evaluates a flag: `flags.isEnabled(…)` with `flags: Unleash`. */
function typedFlagClient(receiver: ts.Expression, method: string, resolve: CallResolver): boolean {
  const type = declaredType(receiver, resolve);
  if (!type || !ts.isIdentifier(type.typeName)) return false;
  const decl = resolve.declarationOf?.(type.typeName) ?? typeOnlyImport(type.typeName);
  const from = importOf(decl);
  const sdk = from && flagSdk(from.module);
  return sdk !== undefined && from!.path.length === 1 && isFlagClientType(sdk, from!.path[0]) && isFlagEvaluation(sdk, method);
}

/**
 * The type a name or field is declared with: a variable's or parameter's annotation, a class field's,
 * or the member of the annotated type a destructured parameter takes (`{ flags }: Deps` with
 * `interface Deps { flags: Unleash }` in the file: `typeMember`).
 */
function declaredType(e: ts.Expression, resolve: CallResolver): ts.TypeReferenceNode | undefined {
  let decl: ts.Node | undefined;
  if (ts.isIdentifier(e)) decl = resolve.declarationOf?.(e);
  else if (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword) {
    let cls: ts.Node | undefined = e;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    decl = cls && ts.isClassLike(cls) ? fieldDeclaration(cls, e.name.text) : undefined;
  }
  if (!decl) return undefined;
  const own = (decl as ts.VariableDeclaration | ts.ParameterDeclaration | ts.PropertyDeclaration).type;
  if (own && ts.isTypeReferenceNode(own)) return own;
  if (!ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent) || !ts.isParameter(decl.parent.parent)) return undefined;
  const holder = decl.parent.parent.type;
  const key = decl.propertyName ? propertyNameText(decl.propertyName) : ts.isIdentifier(decl.name) ? decl.name.text : undefined;
  const t = holder && key !== undefined ? typeMember(holder, key) : undefined;
  return t && ts.isTypeReferenceNode(t) ? t : undefined;
}
