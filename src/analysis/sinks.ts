import { ts } from '../ts';
import { configuredConstant } from './decisions';
import { enclosingFunction } from './dominance';
import { startsSubquery } from './expressions';
import type { CallFact } from './facts/types';
import { calleeChain, calleeName, skipOuter } from './facts/walk';
import { FS_CALL_NAMES, resolveFsCalls } from './fs';
import { isRequestLike } from './identity';
import { isFunctionLike, member, propertyNameText, returnedExpressions, typeOnlyImport } from './modules';
import type { Project } from './project';
import { receiverDeclaration } from './request-values';
import { splitSql } from './sql';
import { isNonDatabaseReceiver } from './vocabulary/containers';
import {
  CREATE_METHOD_NAMES,
  CREATE_METHODS,
  FILTER_KEYS,
  RECORD_ID_KEYS,
  PREPARE_METHOD,
  QUERY_FILTER_CALLS,
  RECORD_METHODS,
  SQL_CONFIG_KEYS,
  SQL_CONNECTION_METHODS,
  SQL_STATEMENT_METHODS,
  continuesQuery,
  initializesDatabaseHandle,
  injectsDatabase,
  isCryptoFactory,
  isDatabaseType,
  isNonDatabaseClass,
  isPayloadKey,
  isQueryFilterCall,
  isQueryPayloadCall,
  isQueryWriteCall,
  isReferenceKey,
  namesDatabase,
  recordMethodOf,
  returnsDatabaseHandle,
  UPSERT_CONFLICT,
} from './vocabulary/data-access';
import { FILE_SENDS } from './vocabulary/fs';
import {
  isHttpClientFactory,
  HTTP_CLIENT_FUNCTIONS,
  HTTP_METHODS,
  HTTP_SCOPE_OPTIONS,
  HTTP_TARGET_OPTIONS,
  isHttpClientField,
  isHttpClientModule,
  isHttpMethod,
  isReadOnlyHttpMethod,
} from './vocabulary/http-clients';
import { looksLikeSqlText, selectsOnlySql } from './vocabulary/sql';
import { isIdLikeName } from './vocabulary/requests';
import { addStoreSinks } from './store-sinks';
import { OBSERVABLE_AWAITERS } from './vocabulary/deferral';
import { jobQueues } from './job-queues';

/**
 * A data access or sensitive operation that picks its target from its arguments: an ORM or
 * driver query, raw SQL, a file-system call, or a request to another service.
 */
export interface Sink {
  /** The whole call chain: `prisma.invoice.findUnique({ … })`, `knex('t').where({ id }).first()`; or a tagged SQL template that runs (`prisma.$queryRaw`…``). */
  node: ts.CallExpression | ts.TaggedTemplateExpression;
  /** How it is written, for messages: `prisma.invoice.findUnique`. */
  label: string;
  kind: 'database' | 'sql' | 'file' | 'service' | 'configured';
  /** Where a client-chosen value selects the target: the `where`, the filter, the SQL and its parameters, the path, the URL. */
  selectors: ts.Node[];
  /** Where the client identity scopes the operation: the selectors, the other filters of the chain, the receiver (`repoFor(tenant)`), a service call's headers. */
  scope: ts.Node[];
  /** It only reads: a record it returns can still be checked before use. */
  readOnly: boolean;
}

const RECORD_METHOD_NAMES = RECORD_METHODS.map((m) => m.name);
const HTTP_METHOD_NAMES = HTTP_METHODS.map((m) => m.name);
/** `axios.get(…)`, `got(…)`, `fetch(…)`: each name once (`fetch` is both). */
const SERVICE_CALL_NAMES = [...HTTP_METHOD_NAMES, ...HTTP_CLIENT_FUNCTIONS.filter((f) => !HTTP_METHOD_NAMES.includes(f))];

/** Every call of a sink's method name the walk must have indexed. */
export function sinkCallNames(extra: readonly string[]): string[] {
  return [
    ...RECORD_METHOD_NAMES,
    ...CREATE_METHOD_NAMES,
    ...INSERT_VALUES_CALLS,
    ...QUERY_FILTER_CALLS,
    ...SQL_CONNECTION_METHODS,
    ...SQL_STATEMENT_METHODS,
    ...HTTP_METHOD_NAMES,
    ...FILE_SENDS.map((f) => f.name),
    ...FS_CALL_NAMES,
    ...HTTP_CLIENT_FUNCTIONS,
    ...extra.map((s) => s.split('.').at(-1)!),
  ];
}

/** The sinks of a project, each call chain once. */
export function findSinks(project: Project, configured: readonly string[]): Sink[] {
  const out = new Map<Sink['node'], Sink>();
  const add = (found: Sink | undefined, lifted = false): void => {
    if (!found) return;
    // (a request made as an Observable is made where its answer is awaited: `await firstValueFrom(this.http.post(…))`)
    const sink = awaitedObservable(found);
    // a function of the project (`repo.remove(id)` from `./db/devices-repo`) is followed into, not taken as the sink
    // (unless the access is made at that call, by what it hands a helper that passes it on whole)
    if (!lifted && sink.kind !== 'configured' && sink.kind !== 'file' && ts.isCallExpression(sink.node) && ownFunction(sink.node, project)) return;
    const known = out.get(sink.node);
    if (!known) out.set(sink.node, sink);
    else {
      // `db.update(t).set(v).where(eq(t.id, id))`: the update and its where are one query
      known.selectors.push(...sink.selectors);
      known.scope.push(...sink.scope);
      known.readOnly &&= sink.readOnly;
    }
  };
  // an access whose target a helper of the app is handed whole is made at each of the helper's call sites
  const addAt = (call: ts.CallExpression, target: number, make: Make): void => {
    // (a call of the project's own function is no access to lift: its body holds the access)
    const lifted = target < 0 || ownFunction(outermost(call), project) ? undefined : liftedSinks(call.arguments, target, call, make, project, 0);
    if (lifted) for (const sink of lifted) add(sink, true);
    else add(make(call.arguments));
  };
  for (const name of RECORD_METHOD_NAMES)
    for (const call of project.callsNamed(name))
      if (ts.isCallExpression(call)) addAt(call, databaseTarget(call, name, project), (given, at) => databaseSink(call, name, project, given, at));
  for (const name of QUERY_FILTER_CALLS) for (const call of project.callsNamed(name)) if (ts.isCallExpression(call)) add(builderSink(call));
  for (const name of [...CREATE_METHOD_NAMES, ...INSERT_VALUES_CALLS])
    for (const call of project.callsNamed(name)) if (ts.isCallExpression(call)) add(createSink(call, name, project));
  for (const name of SQL_CONNECTION_METHODS)
    for (const call of project.callsNamed(name)) if (ts.isCallExpression(call)) addAt(call, 0, (given, at) => sqlSink(call, project, given, at));
  for (const tagged of taggedSqlRuns(project)) add(taggedSqlSink(tagged, project));
  for (const name of SQL_STATEMENT_METHODS) for (const call of project.callsNamed(name)) if (ts.isCallExpression(call)) add(statementSink(call, project));
  for (const name of SERVICE_CALL_NAMES)
    for (const call of project.callsNamed(name)) if (ts.isCallExpression(call)) addAt(call, 0, (given, at) => serviceSink(call, project, given, at));
  // `res.sendFile(p)`, `res.download(p)`; koa-send's `send(ctx, path)` only as the imported function
  for (const send of FILE_SENDS) {
    for (const call of project.callsNamed(send.name)) {
      if (!ts.isCallExpression(call) || !call.arguments[send.pathArgument]) continue;
      if (send.module !== undefined && !(ts.isIdentifier(skipOuter(call.expression)) && importedFrom(call, send.module, project))) continue;
      add(simple(call, 'file', [call.arguments[send.pathArgument]]));
    }
  }
  for (const facts of project.facts.values()) {
    const calls: CallFact[] = [];
    for (const name of FS_CALL_NAMES) {
      for (const node of facts.callsByName.get(name) ?? []) {
        const callee = calleeChain((node as ts.CallExpression).expression);
        if (callee) calls.push({ node: node, callee, scope: facts.sourceFile, scopes: [] });
      }
    }
    if (calls.length === 0) continue;
    for (const fsCall of resolveFsCalls(facts, calls)) {
      if (ts.isCallExpression(fsCall.fact.node)) {
        add({
          node: fsCall.fact.node,
          label: fsCall.display,
          kind: 'file',
          selectors: fsCall.paths.map((p) => p.path),
          scope: fsCall.paths.map((p) => p.path),
          readOnly: fsCall.paths.every((p) => p.access === 'read'),
        });
      }
    }
  }
  for (const spec of configured) {
    const parts = spec.split('.');
    for (const call of project.callsNamed(parts[parts.length - 1])) {
      if (!ts.isCallExpression(call)) continue;
      const chain = calleeChain(call.expression);
      if (!chain || chain.length < parts.length || chain.slice(-parts.length).join('.') !== spec) continue;
      add(simple(call, 'configured', [...call.arguments]));
    }
  }
  addStoreSinks(project, out);
  // a job added to a queue of the app is work its worker does on the records the job names: the
  // job's data chooses them. Identity in a field of its own says who asked, as in a record created or
  // a request's body, and scopes nothing; bound into the same key as the choice, it scopes
  // (`holderKey: \`holder:${officer.employer}:${employeeNo}\``)
  for (const queue of jobQueues(project)) {
    for (const { call, payload } of queue.adds) {
      // (its fields that name records, `{ orderId }`; the rest, and a body handed on whole, is data for the worker)
      const job = objectOf(payload, project);
      if (!job) continue;
      const parts = job.properties.flatMap((p) => {
        const key = p.name && propertyNameText(p.name);
        if (key === undefined || !isIdLikeName(key)) return [];
        return ts.isPropertyAssignment(p) ? [p.initializer] : ts.isShorthandPropertyAssignment(p) ? [p.name] : [];
      });
      if (parts.length === 0) continue;
      const bound = parts.filter((e) => {
        const v = skipOuter(e);
        return ts.isTemplateExpression(v) || (ts.isBinaryExpression(v) && v.operatorToken.kind === ts.SyntaxKind.PlusToken) || ts.isArrayLiteralExpression(v);
      });
      add({ node: outermost(call), label: label(call), kind: 'service', selectors: parts, scope: bound, readOnly: false });
    }
  }
  return [...out.values()].sort((a, b) => a.node.getSourceFile().fileName.localeCompare(b.node.getSourceFile().fileName) || a.node.pos - b.node.pos);
}

/** The sink at the rxjs call that awaits it, `firstValueFrom(this.http.get(url))`, where it is one; else itself. */
function awaitedObservable(sink: Sink): Sink {
  let n: ts.Node = sink.node;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  if (!p || !ts.isCallExpression(p) || p.arguments[0] !== n || !OBSERVABLE_AWAITERS.includes(calleeName(p) ?? '')) return sink;
  return { ...sink, node: p };
}

/** Makes the sink of an access from the arguments it is given, at a call site of a helper that hands them on (`at`) or at itself. */
type Make = (given: readonly ts.Expression[], at?: ts.CallExpression) => Sink | undefined;

/**
 * A helper of the app that is handed the whole description of what an access targets and passes it on
 * (`getJson(url)` around `request(url)`, `one(sql, values)` around `pool.query(sql, values)`,
 * `findOne(filter)` around `model.findOne(filter)`) leaves the target to its callers: the URL, the SQL,
 * the filter and whether the identity scopes them are written at each call site. So the access is made
 * there, once per call site, from what that site hands in (the target at `target` and every other
 * parameter passed on); through helpers that pass the description on in turn, at the site that builds
 * it. A helper handed only a value the target holds (`byId(id)` around `findByPk(id)`) chooses the
 * target itself and stays the access. Undefined when the target is not a parameter, or its function is
 * a request's entry or has no call site in sight: then the access stands where it is.
 */
function liftedSinks(args: readonly ts.Expression[], target: number, site: ts.CallExpression, make: Make, project: Project, depth: number): Sink[] | undefined {
  if (depth > 3 || !args[target]) return undefined;
  const fn = enclosingFunction(site);
  if (!fn || project.handlers.isEntry(fn)) return undefined;
  // (the target may come with a fixed part the helper adds, `${BASE_URL}${path}`: the rest is still the caller's)
  const positions = args.map((a, i) => (i === target ? decoratedParameter(a, fn) : parameterIndex(a, fn)));
  if (positions[target] < 0) return undefined;
  const callers = project.values.callersOf(fn);
  if (callers.length === 0) return undefined;
  const out: Sink[] = [];
  for (const caller of callers) {
    const handed = positions.map((p) => (p >= 0 ? caller.arguments[p] : undefined));
    // (a caller that spreads its arguments, or leaves one out, hands in nothing that can be read)
    if (handed.some((a, i) => positions[i] >= 0 && (a === undefined || ts.isSpreadElement(a)))) continue;
    const given = args.map((a, i) => handed[i] ?? a);
    const further = liftedSinks(given, target, caller, make, project, depth + 1);
    if (further) out.push(...further);
    else {
      const sink = make(given, caller);
      if (sink) out.push({ ...sink, label: `${label(caller)} → ${sink.label}` });
    }
  }
  // (no call site hands in what can be read, every one spreading its arguments: the access stands where it is)
  return out.length > 0 ? out : undefined;
}

/**
 * Where a record method is handed the description of its target: the filter (`findOne(filter)`,
 * after an entity manager's entity); -1 for a method by id or a save, whose argument is a value of
 * the target, not its description.
 */
function databaseTarget(call: ts.CallExpression, name: string, project: Project): number {
  const method = recordMethodOf(name);
  if (method?.byId || name === 'save') return -1;
  const first = call.arguments.length > 1 && namesEntity(call.arguments[0], project) ? 1 : 0;
  // Sequelize `update(values, { where })`: the values are written, the options choose
  const options = call.arguments[first + 1] && objectOf(call.arguments[first + 1], project);
  return name === 'update' && options && has(options, 'where') ? first + 1 : first;
}

/**
 * The position of the parameter of `fn` an access's target is, whole or with only fixed parts around it
 * (`${BASE_URL}${path}`, `API + '/' + path`: settings of the module, joined); -1 when it is anything else.
 */
function decoratedParameter(arg: ts.Expression, fn: ts.SignatureDeclaration): number {
  const whole = parameterIndex(arg, fn);
  if (whole >= 0) return whole;
  const e = skipOuter(arg);
  const parts: ts.Expression[] = [];
  // (text around it only joins, `${BASE_URL}/${path}`: text that names a resource, `/plans/${id}`, builds the target from a value)
  const texts: string[] = [];
  const collect = (x: ts.Expression): void => {
    const y = skipOuter(x);
    if (ts.isBinaryExpression(y) && y.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      collect(y.left);
      collect(y.right);
    } else if (ts.isStringLiteralLike(y)) texts.push(y.text);
    else parts.push(y);
  };
  if (ts.isTemplateExpression(e)) {
    texts.push(e.head.text, ...e.templateSpans.map((t) => t.literal.text));
    e.templateSpans.forEach((t) => parts.push(skipOuter(t.expression)));
  } else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) collect(e);
  else return -1;
  if (!texts.every((t) => /^\/?$/.test(t))) return -1;
  const given = parts.map((p) => parameterIndex(p, fn));
  const fixed = parts.filter((_, i) => given[i] < 0).every((p) => ts.isIdentifier(p) && configuredConstant(p));
  const handed = given.filter((g) => g >= 0);
  return fixed && handed.length === 1 ? handed[0] : -1;
}

/** The position of the parameter of `fn` an argument is, whole; -1 when it is anything else. */
function parameterIndex(arg: ts.Expression, fn: ts.SignatureDeclaration): number {
  const e = skipOuter(arg);
  if (!ts.isIdentifier(e)) return -1;
  return fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === e.text && !p.dotDotDotToken);
}

function simple(call: ts.CallExpression, kind: Sink['kind'], selectors: ts.Node[]): Sink {
  return { node: call, label: label(call), kind, selectors, scope: [...call.arguments], readOnly: kind === 'file' };
}

/** The callee is a function of the scanned project: its body holds the real sink, if any. */
function ownFunction(call: ts.CallExpression, project: Project): boolean {
  for (const c of chainCalls(call)) {
    // a helper that hands out the receiver (`repo().findOneBy(…)`) is not the access
    if (!ts.isPropertyAccessExpression(skipOuter(c.expression))) continue;
    const value = project.modules.valueOf(c.expression);
    if (value && isFunctionLike(value)) return true;
    // a method of a class of the project the receiver is an instance of (a typed field, a DI registration)
    if (project.values.methodOf(c.expression)) return true;
  }
  return false;
}

function databaseSink(call: ts.CallExpression, name: string, project: Project, given: readonly ts.Expression[] = call.arguments, at?: ts.CallExpression): Sink | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const receiver = skipOuter(callee.expression);
  if (notADatabase(receiver, project)) return undefined;
  const method = recordMethodOf(name);
  // an entity manager names the entity first: `em.findOne(Shipment, { id })`, `manager.update(Invoice, criteria, data)`
  // (so a method plain collections share is its, whatever the receiver is called: `em.find(Sample, { … })`)
  const entityFirst = given.length > 1 && namesEntity(given[0], project);
  if (method?.ambiguous && !entityFirst && !looksLikeDatabase(receiver, project)) return undefined;
  const args = entityFirst ? given.slice(1) : given;
  const first = args[0];
  if (!first) return undefined;
  if (isFunctionLike(skipOuter(first))) return undefined; // `list.find((x) => …)`
  const selectors: ts.Node[] = [];
  const second = args[1] && objectOf(args[1], project);
  // an entity saved: the record its id names, and the records it refers to (`{ id, matterId }`), not the values it holds
  const saved = name === 'save' ? recordParts(savedEntity(first, project), project, true) : undefined;
  if (saved) selectors.push(...saved);
  else if (name === 'update' && second && has(second, 'where'))
    selectors.push(...filterParts(second, project)); // Sequelize `update(values, { where })`
  else if (method?.byId) selectors.push(first);
  else selectors.push(...filterParts(first, project));
  const chainTop = outermost(call);
  // identity in the saved entity records who wrote it; it does not choose which record is written
  const scope = name === 'save' ? [] : [...selectors, ...receiverArgs(receiver), ...chainArgs(chainTop, call)];
  return { node: at ?? chainTop, label: label(call), kind: 'database', selectors, scope, readOnly: method?.access === 'read' };
}

/** Calls that give the values of a record a query builder inserts: Drizzle's and Kysely's `db.insert(t).values(obj)`. */
const INSERT_VALUES_CALLS: readonly string[] = ['values'];

/**
 * A record created from an object literal the call is given (`prisma.note.create({ data })`,
 * `Model.create(obj)`, `knex('t').insert(obj)`, `db.insert(t).values(obj)`): a client-chosen
 * reference to another record in it (`patientId`, `trip_id`) picks the record the new one is
 * attached to. Identity written into the record records who wrote it; it scopes nothing.
 */
function createSink(call: ts.CallExpression, name: string, project: Project): Sink | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !call.arguments[0]) return undefined;
  const receiver = skipOuter(callee.expression);
  if (notADatabase(receiver, project)) return undefined;
  // (an entity built for a save is the save's: `repo.save(repo.create({ … }))`, or `const t = repo.create({ … }); repo.save(t)`)
  if (builtForSave(call)) return undefined;
  let record: ts.Expression | undefined = call.arguments[0];
  if (INSERT_VALUES_CALLS.includes(name)) {
    // only the values of an insert: `db.insert(t).values(…)`, `db.insertInto('t').values(…)`
    const inner = ts.isCallExpression(receiver) ? calleeName(receiver) : undefined;
    if (inner === undefined || !isQueryWriteCall(inner) || !['insert', 'insertInto'].includes(inner)) return undefined;
  } else {
    const methods = CREATE_METHODS.filter((m) => m.name === name);
    if (!looksLikeDatabase(receiver, project)) return undefined;
    const keyed = methods.find((m) => m.recordKey !== undefined);
    const obj = objectOf(record, project);
    // Prisma's `create({ data })`, or the record itself
    if (keyed?.recordKey && obj && has(obj, keyed.recordKey)) record = member(obj, keyed.recordKey);
  }
  const references = record ? recordParts(record, project, false) : undefined;
  // an insert that overwrites the row it collides with (Knex `.insert({ account_number, … }).onConflict('account_number').merge()`):
  // the values of the conflict columns choose that row
  const obj = record ? objectOf(record, project) : undefined;
  const collided = obj ? mergedOnConflict(call).flatMap((key) => member(obj, key) ?? []) : [];
  const selectors = [...(references ?? []), ...collided];
  if (selectors.length === 0) return undefined;
  return { node: outermost(call), label: label(call), kind: 'database', selectors, scope: [], readOnly: false };
}

/** The columns an insert's chain merges on when they collide: `.onConflict('account_number').merge()`, `.onConflict(['a', 'b']).merge(…)`. */
function mergedOnConflict(call: ts.CallExpression): string[] {
  let keys: string[] = [];
  let merges = false;
  let n: ts.Node = call;
  while (n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n && n.parent.parent && ts.isCallExpression(n.parent.parent)) {
    const step = n.parent.parent;
    const name = n.parent.name.text;
    if (name === UPSERT_CONFLICT.on) {
      const a = step.arguments[0] && skipOuter(step.arguments[0]);
      keys = !a ? [] : ts.isStringLiteralLike(a) ? [a.text] : ts.isArrayLiteralExpression(a) ? a.elements.flatMap((x) => (ts.isStringLiteralLike(x) ? [x.text] : [])) : [];
    } else if (name === UPSERT_CONFLICT.merge) merges = true;
    n = step;
  }
  return merges ? keys : [];
}

/** The entity a save is given, or the object an in-memory build of it was given (`repo.save(repo.create({ … }))`, also kept in a local first). */
function savedEntity(arg: ts.Expression, project: Project): ts.Expression {
  let e: ts.Node = skipOuter(arg);
  if (ts.isIdentifier(e)) e = project.modules.valueOf(e) ?? e;
  return ts.isCallExpression(e) && CREATE_METHOD_NAMES.includes(calleeName(e) ?? '') && e.arguments[0] ? e.arguments[0] : arg;
}

/** An in-memory build of an entity that a save writes: handed to `save` directly, or kept in a local a `save` is given. */
function builtForSave(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAwaitExpression(n.parent) || ts.isAsExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (p && ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression)) return calleeName(p) === 'save';
  if (!p || !ts.isVariableDeclaration(p) || !ts.isIdentifier(p.name)) return false;
  const name = p.name.text;
  let saved = false;
  const visit = (m: ts.Node): void => {
    if (saved) return;
    if (ts.isCallExpression(m) && calleeName(m) === 'save' && m.arguments.some((a) => ts.isIdentifier(skipOuter(a)) && (skipOuter(a) as ts.Identifier).text === name)) saved = true;
    else ts.forEachChild(m, visit);
  };
  const scope = p.parent.parent.parent;
  if (scope) visit(scope);
  return saved;
}

/**
 * The values of a record written that choose records: its references to other records, and with
 * `ids`, its own id (a save of `{ id, … }` writes that record). A list of records, each. Undefined
 * when the record is not an object literal in sight: what it holds is unknown.
 */
export function recordParts(arg: ts.Expression, project: Project, ids: boolean): ts.Node[] | undefined {
  const e = skipOuter(arg);
  const items = ts.isArrayLiteralExpression(e) ? [...e.elements] : [e];
  const out: ts.Node[] = [];
  for (const item of items) {
    const obj = objectOf(item, project);
    if (!obj) return undefined;
    for (const p of obj.properties) {
      const key = p.name ? propertyNameText(p.name) : undefined;
      if (key === undefined || !(isReferenceKey(key) || (ids && RECORD_ID_KEYS.includes(key)))) continue;
      if (ts.isPropertyAssignment(p)) out.push(p.initializer);
      else if (ts.isShorthandPropertyAssignment(p)) out.push(p.name);
    }
  }
  return out;
}

/** An argument that names an entity rather than a record: a class of the project (`Shipment` in `em.findOne(Shipment, { id })`) or an entity's name. */
function namesEntity(arg: ts.Expression, project: Project): boolean {
  const e = skipOuter(arg);
  // or by its name: `em.findOne('PaymentInstruction', { id })`
  if (ts.isStringLiteralLike(e)) return /^[A-Z][A-Za-z0-9]*$/.test(e.text);
  if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return false;
  const value = project.modules.valueOf(e);
  // a class imported from a module the scan does not hold (`import { Incident } from '../entities'`): by its form
  if (value !== undefined && ts.isImportDeclaration(value)) return ts.isIdentifier(e) && /^[A-Z][a-z]/.test(e.text);
  return value !== undefined && ts.isClassLike(value);
}

/** `knex('t').where({ id }).first()`, `repo.createQueryBuilder('i').where('i.id = :id', { id }).getOne()`, drizzle `.where(eq(t.id, id))`. */
function builderSink(call: ts.CallExpression): Sink | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  if (isRequestLike(callee.expression) || call.arguments.length === 0) return undefined;
  if (call.arguments.some((a) => isFunctionLike(skipOuter(a)))) return undefined; // grouped `.where((qb) => …)` is read through the chain's other calls
  const top = outermost(call);
  const calls = chainCalls(top);
  const selectors: ts.Node[] = [];
  for (const c of calls) {
    const n = calleeName(c);
    if (n !== undefined && isQueryFilterCall(n)) selectors.push(...c.arguments);
  }
  const scope: ts.Node[] = [];
  for (const c of calls) {
    const n = calleeName(c);
    // a grouped condition built in a callback (`.andWhere((q) => q.where('owner', org).orWhere(…))`) scopes
    // by its body; a sub-query over another table in it (`exists(selectFrom('brewers')…)`) does not
    if (n === undefined || !isQueryPayloadCall(n)) scope.push(...c.arguments.map((a) => groupedCondition(skipOuter(a)) ?? a));
  }
  const readOnly = !calls.some((c) => isQueryWriteCall(calleeName(c) ?? ''));
  return { node: top, label: label(call), kind: 'database', selectors, scope, readOnly };
}

function sqlSink(call: ts.CallExpression, project: Project, given: readonly ts.Expression[] = call.arguments, at?: ts.CallExpression): Sink | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  if (isRequestLike(callee.expression) || notADatabase(skipOuter(callee.expression), project)) return undefined;
  const first = given[0];
  if (!first || !looksLikeSql(first, project)) return undefined;
  const config = objectOf(first, project);
  const text = config ? SQL_CONFIG_KEYS.map((k) => member(config, k)).find((v) => v !== undefined) : first;
  const values = config ? [member(config, 'values')].filter((v): v is ts.Expression => v !== undefined) : given.slice(1);
  const split = text && splitSql(text, values, (e) => project.modules.valueOf(e));
  // the values bound after WHERE choose the rows; those in SET or VALUES are only written
  const selectors = split ? split.selectors : [...given];
  return {
    node: at ?? outermost(call),
    label: label(call),
    kind: 'sql',
    selectors,
    scope: split?.creates ? [] : [...selectors, ...receiverArgs(skipOuter(callee.expression))],
    readOnly: selectsOnly(first, project),
  };
}

/** A runner's method used as a template tag, in a file whose text shows one (derived from the table). */
const TAGGED_RUN_TEXT = new RegExp(String.raw`\.\s*(?:${SQL_CONNECTION_METHODS.map((m) => m.replace('$', '\\$')).join('|')})\s*(?:<[^\`]*?>)?\s*\``);

/** The tagged templates of the project whose tag is a SQL runner's method: `prisma.$queryRaw`SELECT …``. */
function taggedSqlRuns(project: Project): ts.TaggedTemplateExpression[] {
  const out: ts.TaggedTemplateExpression[] = [];
  for (const facts of project.facts.values()) {
    if (!TAGGED_RUN_TEXT.test(facts.text)) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isTaggedTemplateExpression(n)) {
        const tag = skipOuter(n.tag);
        if (ts.isPropertyAccessExpression(tag) && SQL_CONNECTION_METHODS.includes(tag.name.text)) out.push(n);
      }
      ts.forEachChild(n, visit);
    };
    visit(facts.sourceFile);
  }
  return out;
}

/**
 * `prisma.$queryRaw`SELECT … WHERE account_number = ${accountNumber}``: the template is the SQL and
 * its `${…}` are the values bound to it, as a string and its parameters are for a call.
 */
function taggedSqlSink(tagged: ts.TaggedTemplateExpression, project: Project): Sink | undefined {
  const tag = skipOuter(tagged.tag) as ts.PropertyAccessExpression;
  if (isRequestLike(tag.expression) || notADatabase(skipOuter(tag.expression), project) || !looksLikeSql(tagged, project)) return undefined;
  const split = splitSql(tagged, [], (e) => project.modules.valueOf(e));
  const selectors = split ? split.selectors : ts.isTemplateExpression(tagged.template) ? tagged.template.templateSpans.map((s) => s.expression) : [];
  return {
    node: tagged,
    label: calleeChain(tag)?.join('.') ?? tag.name.text,
    kind: 'sql',
    selectors,
    scope: split?.creates ? [] : [...selectors, ...receiverArgs(skipOuter(tag.expression))],
    readOnly: selectsOnly(tagged, project),
  };
}

function statementSink(call: ts.CallExpression, project: Project): Sink | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || call.arguments.length === 0) return undefined;
  const statement = project.modules.valueOf(callee.expression) ?? skipOuter(callee.expression);
  if (!ts.isCallExpression(statement) || calleeName(statement) !== PREPARE_METHOD || !statement.arguments[0] || !looksLikeSql(statement.arguments[0], project)) return undefined;
  const split = splitSql(statement.arguments[0], call.arguments, (e) => project.modules.valueOf(e));
  const selectors = split ? split.selectors : [...call.arguments, statement.arguments[0]];
  return { node: outermost(call), label: label(call), kind: 'sql', selectors, scope: split?.creates ? [] : selectors, readOnly: selectsOnly(statement.arguments[0], project) };
}

/** `fetch(url)`, `axios.get(url)`, `got(url)`, `this.httpService.get(url)` (NestJS), an axios instance. */
function serviceSink(call: ts.CallExpression, project: Project, given: readonly ts.Expression[] = call.arguments, at?: ts.CallExpression): Sink | undefined {
  const callee = skipOuter(call.expression);
  const chain = calleeChain(callee);
  if (!chain || !given[0]) return undefined;
  const root = chain[0];
  const file = call.getSourceFile().fileName;
  const module = root.startsWith('require:') ? root.slice(8) : project.facts.get(file)?.bindings.get(root)?.module;
  let client = false;
  if (chain.length === 1) client = root === 'fetch' || (module !== undefined && isHttpClientModule(module));
  else if (isHttpMethod(chain[chain.length - 1])) {
    if (module !== undefined && isHttpClientModule(module)) client = true;
    else if (isHttpClientField(chain[chain.length - 2]) && chain[0] === 'this') client = true;
    else {
      // an instance: `const billing = axios.create({ baseURL })`
      const value = project.modules.valueOf(ts.isPropertyAccessExpression(callee) ? callee.expression : callee);
      if (value && ts.isCallExpression(value) && isHttpClientFactory(calleeName(value) ?? '')) {
        const c = calleeChain(value.expression);
        const m = c && project.facts.get(value.getSourceFile().fileName)?.bindings.get(c[0])?.module;
        client = m !== undefined && isHttpClientModule(m);
      }
      // a field or parameter typed with a client library's type (`@inject(TYPES.Billing) private readonly billing: AxiosInstance`)
      if (!client && ts.isPropertyAccessExpression(callee)) client = typedAsHttpClient(callee.expression, project);
    }
  }
  if (!client) return undefined;
  const selectors: ts.Node[] = [given[0]];
  const config = objectOf(given[0], project);
  if (config) selectors.splice(0, 1, ...HTTP_TARGET_OPTIONS.map((k) => member(config, k)).filter((x): x is ts.Expression => x !== undefined));
  // the identity scopes the call in the URL or its query; in the body it is only data, and in a
  // header (`x-requested-by: email`) it says who asks, not which record the call names
  const scope: ts.Node[] = [...selectors];
  for (const a of given.slice(1)) {
    const options = objectOf(a, project);
    if (options) scope.push(...HTTP_SCOPE_OPTIONS.map((k) => member(options, k)).filter((x): x is ts.Expression => x !== undefined));
  }
  // `fetch(url)`, `got(url)`, `axios(url)` without a method, and `.get`/`.head`, only read
  const method = chain.length > 1 ? chain[chain.length - 1] : methodOption(given[1] ?? given[0], project);
  return { node: at ?? outermost(call), label: label(call), kind: 'service', selectors, scope, readOnly: isReadOnlyHttpMethod(method) };
}

/** The receiver is declared with a type of an HTTP client module (`billing: AxiosInstance`, `http: Got`). */
function typedAsHttpClient(receiver: ts.Expression, project: Project): boolean {
  const decl = receiverDeclaration(receiver, project) as ts.PropertyDeclaration | ts.ParameterDeclaration | ts.VariableDeclaration | undefined;
  const type = decl?.type;
  if (!type || !ts.isTypeReferenceNode(type)) return false;
  const root = ts.isIdentifier(type.typeName) ? type.typeName : ts.isIdentifier(type.typeName.left) ? type.typeName.left : undefined;
  // (its import may be type-only: `import type { AxiosInstance } from 'axios'`)
  let imported: ts.Node | undefined = root ? (project.modules.declarationOf(root.text, type) ?? typeOnlyImport(root)) : undefined;
  while (imported && !ts.isImportDeclaration(imported)) imported = imported.parent;
  return imported !== undefined && ts.isStringLiteral(imported.moduleSpecifier) && isHttpClientModule(imported.moduleSpecifier.text);
}

/** The `method` of a request's options, `GET` when absent. */
function methodOption(arg: ts.Expression | undefined, project: Project): string {
  const options = arg && objectOf(arg, project);
  const m = options && member(options, 'method');
  if (!m) return 'GET';
  return ts.isStringLiteralLike(m) ? m.text : 'POST';
}

/** The parts of a filter argument that select records: its `where`, or the object without payload keys. */
function filterParts(arg: ts.Expression, project: Project): ts.Node[] {
  const obj = objectOf(arg, project);
  if (!obj) return [arg];
  const where = FILTER_KEYS.map((k) => member(obj, k)).find((w) => w !== undefined);
  if (where) return [where];
  const out: ts.Node[] = [];
  for (const p of obj.properties) {
    const key = p.name ? propertyNameText(p.name) : undefined;
    if (key !== undefined && isPayloadKey(key)) continue;
    out.push(p);
  }
  return out;
}

export function objectOf(arg: ts.Expression, project: Project): ts.ObjectLiteralExpression | undefined {
  const e = skipOuter(arg);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const v = project.modules.valueOf(e);
    if (v && ts.isObjectLiteralExpression(v) && v.getSourceFile() === e.getSourceFile()) return v;
  }
  return undefined;
}

function has(obj: ts.ObjectLiteralExpression, key: string): boolean {
  return member(obj, key) !== undefined;
}

/** Climb `a.b().c().d()` to its last call: the whole query. */
function outermost(call: ts.CallExpression): ts.CallExpression {
  let top: ts.Expression = call;
  for (;;) {
    let p = top.parent;
    while (p && (ts.isParenthesizedExpression(p) || ts.isNonNullExpression(p))) p = p.parent;
    if (p && ts.isPropertyAccessExpression(p) && p.parent && ts.isCallExpression(p.parent) && p.parent.expression === p && continuesQuery(p.name.text)) top = p.parent;
    else return top as ts.CallExpression;
  }
}

/** The calls of a chain from its outermost call inwards. */
function chainCalls(top: ts.CallExpression): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  let e: ts.Expression = top;
  for (;;) {
    e = skipOuter(e);
    if (ts.isCallExpression(e)) {
      out.push(e);
      e = e.expression;
    } else if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression;
    else return out;
  }
}

/** Arguments of the calls in a chain other than the sink call and payload calls: `knex('t')`, `.andWhere(…)`. */
function chainArgs(top: ts.CallExpression, sink: ts.CallExpression): ts.Node[] {
  const out: ts.Node[] = [];
  for (const c of chainCalls(top)) {
    const n = calleeName(c);
    if (c !== sink && (n === undefined || !isQueryPayloadCall(n))) out.push(...c.arguments);
  }
  return out;
}

/** The body of a callback that groups conditions on the query's own rows, not a sub-query's. */
function groupedCondition(arg: ts.Expression): ts.Node | undefined {
  if (!isFunctionLike(arg) || !arg.body) return undefined;
  return startsSubquery(arg) ? undefined : arg.body;
}

/** Arguments of calls in the receiver: `this.repoFor(tenant).findOne(…)`, `db.collection('x')`. */
function receiverArgs(receiver: ts.Expression): ts.Node[] {
  const out: ts.Node[] = [];
  let e = skipOuter(receiver);
  for (;;) {
    if (ts.isCallExpression(e)) {
      out.push(...e.arguments);
      e = skipOuter(e.expression);
    } else if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = skipOuter(e.expression);
    else return out;
  }
}

/** Receivers that are never a database: the request, collections, headers, crypto hashes, `JSON`, `Object`. */
function notADatabase(receiver: ts.Expression, project: Project): boolean {
  if (isRequestLike(receiver)) return true;
  // (what the code declares it to be wins over a name: `@InjectRepository(TrackingEvent) private readonly events:
  // Repository<TrackingEvent>` is a repository, though `events` is often an emitter)
  if (declaredAsDatabase(receiver, project)) return false;
  const chain = calleeChain(receiver);
  const last = chain?.at(-1) ?? '';
  if (isNonDatabaseReceiver(last)) return true;
  const value = project.modules.valueOf(receiver);
  if (value && ts.isNewExpression(value)) {
    const cls = calleeChain(value.expression)?.at(-1) ?? '';
    if (isNonDatabaseClass(cls)) return true;
  }
  if (value && (ts.isArrayLiteralExpression(value) || ts.isObjectLiteralExpression(value))) return true;
  if (value && ts.isCallExpression(value) && isCryptoFactory(calleeName(value) ?? '')) return true;
  return false;
}

/** A receiver named or typed like a model, repository, collection, table, client or transaction. */
function looksLikeDatabase(receiver: ts.Expression, project: Project, depth = 0): boolean {
  if (declaredAsDatabase(receiver, project)) return true;
  const chain = calleeChain(receiver);
  if (!chain) {
    // `db.collection('x')`, `getRepository(X)`, `dataSource.getRepository(X)`, `knex('t')`
    const e = skipOuter(receiver);
    if (!ts.isCallExpression(e)) return false;
    if (returnsDatabaseHandle(calleeName(e) ?? '')) return true;
    // a function of the app that hands one out: `const pairs = () => dataSource.getRepository(Pair)`
    const fn = depth < 2 ? project.modules.valueOf(e.expression) : undefined;
    return fn !== undefined && isFunctionLike(fn) && returnedExpressions(fn).some((r) => looksLikeDatabase(r, project, depth + 1));
  }
  if (chain.some(namesDatabase)) return true;
  // a getter of the class that hands one out: `private get roommateRequests() { return dataSource.getRepository(RoommateRequest) }`
  const decl = depth < 2 ? receiverDeclaration(receiver, project) : undefined;
  return decl !== undefined && ts.isGetAccessorDeclaration(decl) && returnedExpressions(decl).some((r) => looksLikeDatabase(r, project, depth + 1));
}

/** `@InjectRepository(X) private readonly accounts: Repository<X>`, `const orders = dataSource.getRepository(Order)`. */
function declaredAsDatabase(receiver: ts.Expression, project: Project): boolean {
  const decl = receiverDeclaration(receiver, project);
  if (!decl) return false;
  const typed = decl as ts.PropertyDeclaration | ts.ParameterDeclaration | ts.VariableDeclaration;
  if (typed.type && ts.isTypeReferenceNode(typed.type) && isDatabaseType(typed.type.typeName.getText())) return true;
  if (ts.canHaveDecorators(decl) && (ts.getDecorators(decl) ?? []).some((d) => injectsDatabase(d.expression.getText()))) return true;
  const init = typed.initializer && skipOuter(typed.initializer);
  const call = init && ts.isAwaitExpression(init) ? skipOuter(init.expression) : init;
  return call !== undefined && ts.isCallExpression(call) && initializesDatabaseHandle(calleeName(call) ?? '');
}

/** The SQL only reads: `SELECT …`. */
function selectsOnly(arg: ts.Expression, project: Project): boolean {
  const e = skipOuter(arg);
  const value = ts.isIdentifier(e) ? project.modules.valueOf(e) : e;
  // (`Prisma.sql\`SELECT …\``: the template's text, not its tag)
  const text = value ? (ts.isTaggedTemplateExpression(value) ? value.template.getText().replace(/^`/, '') : value.getText()) : '';
  return selectsOnlySql(text);
}

function looksLikeSql(arg: ts.Expression, project: Project): boolean {
  const e = skipOuter(arg);
  const value = ts.isIdentifier(e) ? project.modules.valueOf(e) : e;
  const node = value && ts.isExpression(value) ? skipOuter(value) : e;
  const text = ts.isStringLiteralLike(node)
    ? node.text
    : ts.isTemplateExpression(node) || ts.isTaggedTemplateExpression(node)
      ? node.getText()
      : ts.isBinaryExpression(node)
        ? node.getText()
        : '';
  if (text === '') {
    // `query({ text, values })` (node-postgres config objects)
    if (ts.isObjectLiteralExpression(node)) return node.properties.some((p) => p.name && SQL_CONFIG_KEYS.includes(propertyNameText(p.name) ?? ''));
    return false;
  }
  return looksLikeSqlText(text);
}

export function label(call: ts.CallExpression): string {
  const callee = skipOuter(call.expression);
  const chain = calleeChain(callee);
  if (chain) return chain.map((p) => (p.startsWith('require:') ? `require('${p.slice(8)}')` : p)).join('.');
  if (ts.isPropertyAccessExpression(callee)) {
    // `knex('invoices').where` → `knex(…).where`
    const inner = skipOuter(callee.expression);
    const head = ts.isCallExpression(inner) ? `${calleeChain(inner.expression)?.join('.') ?? '…'}(…)` : '…';
    return `${head}.${callee.name.text}`;
  }
  return call.expression.getText().slice(0, 40);
}

function importedFrom(call: ts.CallExpression, module: string, project: Project): boolean {
  const id = skipOuter(call.expression) as ts.Identifier;
  return project.facts.get(call.getSourceFile().fileName)?.bindings.get(id.text)?.module === module;
}
