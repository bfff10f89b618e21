import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import { fieldDeclaration, isFunctionLike, member, propertyNameText, returnedExpressions, typeMember } from './modules';
import { isDiResolve } from './vocabulary/di';
import type { Project } from './project';
import { receiverDeclaration } from './request-values';
import { commandMade } from './operations';
import { label, objectOf, recordParts, type Sink } from './sinks';
import { splitSql } from './sql';
import {
  COMMAND_PRESIGNERS,
  STORE_CLIENTS,
  isStoreItemKey,
  storeCommand,
  storeFactory,
  storeMethod,
  storeType,
  type StoreClientSpec,
  type StoreOperation,
} from './vocabulary/stores';

/**
 * Data accesses of key-value, document, object and search stores (Redis, DynamoDB, S3,
 * Elasticsearch/OpenSearch), read from the tables in `vocabulary/stores.ts`. A call counts only
 * when its receiver is a client of that store by how it was made — a factory or constructor of
 * the store's module, a declaration typed with the client class, a plugin that decorates the
 * framework with it — or, for `client.send(new GetCommand(…))`, when the command class comes
 * from the store's module. A `Map`, an LRU cache or `req.session` never becomes a store.
 *
 * The sinks are put into `sinks`, replacing any generic guess at the same call (`ddb.update(…)`
 * looks like an ORM to the name lists): the store's own reading of its arguments is the better one.
 */
export function addStoreSinks(project: Project, sinks: Map<Sink['node'], Sink>): void {
  const clients = new StoreClients(project);
  for (const sink of findStoreSinks(project, clients)) {
    // `docClient.get(p).promise()`: the sink is the whole request; a guess at the inner call goes
    if (sink.node !== sink.inner) sinks.delete(sink.inner);
    sinks.set(sink.node, { node: sink.node, label: sink.label, kind: sink.kind, selectors: sink.selectors, scope: sink.scope, readOnly: sink.readOnly });
  }
}

/** A store sink, and the call the operation itself is (`get` in `docClient.get(p).promise()`). */
export interface StoreSink extends Sink {
  store: StoreClientSpec['store'];
  inner: ts.CallExpression;
}

export function findStoreSinks(project: Project, clients = new StoreClients(project)): StoreSink[] {
  const out: StoreSink[] = [];
  // method names are matched lower-cased: ioredis `hgetall`, node-redis `hGetAll`
  const names = new Set<string>();
  for (const spec of STORE_CLIENTS) for (const m of Object.keys(spec.methods ?? {})) names.add(m.split('.').at(-1)!);
  const known = (name: string): boolean => {
    const lower = name.toLowerCase();
    return names.has(lower) || (lower.endsWith('buffer') && names.has(lower.slice(0, -6)));
  };
  // methods of a client: `redis.hget(key, field)`, `es.get({ index, id })`, `docClient.get(params).promise()`
  for (const facts of project.facts.values()) {
    for (const [name, calls] of facts.callsByName) {
      if (!known(name)) continue;
      for (const call of calls) {
        if (!ts.isCallExpression(call)) continue;
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee)) continue;
        let receiver = skipOuter(callee.expression);
        let spec = clients.clientOf(receiver);
        let op = spec && storeMethod(spec, name);
        // node-redis modules: `client.json.get(key)`
        if (!op && ts.isPropertyAccessExpression(receiver)) {
          const namespaced = `${receiver.name.text}.${name}`;
          receiver = skipOuter(receiver.expression);
          spec = clients.clientOf(receiver);
          op = spec && storeMethod(spec, namespaced);
        }
        if (!spec || !op) continue;
        const built = operationSink(project, call, spec, op, call.arguments, label(call));
        if (built) out.push(built);
      }
    }
  }
  // command objects: `ddb.send(new GetCommand({ … }))`, `getSignedUrl(s3, new GetObjectCommand({ … }))`
  const sent: { call: ts.CallExpression; arg: ts.Expression | undefined }[] = [];
  for (const call of project.callsNamed('send'))
    if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(skipOuter(call.expression))) sent.push({ call, arg: call.arguments[0] });
  for (const p of COMMAND_PRESIGNERS) {
    for (const call of project.callsNamed(p.name)) {
      if (!ts.isCallExpression(call)) continue;
      const imported = clients.importPath(skipOuter(call.expression));
      if (imported && imported.module === p.module && imported.path.join('.') === p.name) sent.push({ call, arg: call.arguments[p.commandArg] });
    }
  }
  for (const { call, arg } of sent) {
    if (!arg) continue;
    const command = clients.commandOf(arg);
    if (!command) continue;
    const built = operationSink(project, call, command.spec, command.operation, command.node.arguments ?? [], `${label(call)}(${command.name})`);
    if (built) out.push(builtBy(built, arg, project));
  }
  return out;
}

/**
 * A command a function of the app builds (`ddb.send(manifestsOf(req.params.carrier))`) chooses with
 * what this call gives it: the builder's parameters among the sink's selectors are this call's
 * arguments (another call of the same builder may pass the caller's identity instead).
 */
function builtBy(sink: StoreSink, arg: ts.Expression, project: Project): StoreSink {
  const call = skipOuter(arg);
  if (!ts.isCallExpression(call)) return sink;
  const fn = project.modules.valueOf(call.expression);
  if (!fn || !isFunctionLike(fn)) return sink;
  const given = (n: ts.Node): ts.Node => {
    if (!ts.isIdentifier(n)) return n;
    const decl = project.modules.declarationOf(n.text, n);
    const i = decl ? fn.parameters.indexOf(decl as ts.ParameterDeclaration) : -1;
    return i >= 0 && call.arguments[i] ? call.arguments[i] : n;
  };
  return { ...sink, selectors: sink.selectors.map(given), scope: sink.scope.map(given) };
}

/** The sink of one operation, from the call's arguments (or the command's). */
function operationSink(project: Project, call: ts.CallExpression, spec: StoreClientSpec, op: StoreOperation, args: readonly ts.Expression[], name: string): StoreSink | undefined {
  const selectors: ts.Node[] = [];
  const scope: ts.Node[] = [];
  let readOnly = op.readOnly;
  if (op.args || op.restFrom !== undefined) {
    args.forEach((a, i) => {
      // `hset(key, { status, closedBy })`: the object form holds values written, not a field chosen
      if (i > 0 && ts.isObjectLiteralExpression(skipOuter(a))) return;
      if (op.args?.includes(i) || (op.restFrom !== undefined && i >= op.restFrom)) selectors.push(a);
    });
    scope.push(...selectors);
  } else {
    const first = args[0];
    if (!first) return undefined;
    const params = objectOf(first, project);
    if (!params) {
      // parameters built elsewhere: every part of them may choose, and may scope
      selectors.push(first);
      scope.push(first);
    } else {
      // a whole record put (`Item`): its key and its references to other records choose, when it is in sight
      // (`{ tripId, riderId: me, amount }`), and what it records of the writer scopes nothing
      let record = false;
      const keyed: ts.Node[] = [];
      for (const path of op.fields ?? []) {
        const v = field(params, path, project);
        const parts = v && op.record ? recordParts(v, project, true) : undefined;
        if (parts) record = true;
        if (parts) selectors.push(...parts);
        else if (v) selectors.push(v);
        // (the item's key, `pk: \`SHIPMENT#${id}\``: the put writes the item there, so it chooses, and scopes)
        const item = v && op.record ? objectOf(v, project) : undefined;
        for (const p of item?.properties ?? []) {
          const key = p.name && propertyNameText(p.name);
          if (key === undefined || !isStoreItemKey(key)) continue;
          if (ts.isPropertyAssignment(p)) keyed.push(p.initializer);
          else if (ts.isShorthandPropertyAssignment(p)) keyed.push(p.name);
        }
      }
      selectors.push(...keyed);
      scope.push(...keyed);
      const values = member(params, 'ExpressionAttributeValues');
      for (const key of op.selectingExpressions ?? []) selectors.push(...placeholderValues(params, key, values, project));
      if (!record) scope.push(...selectors);
      for (const key of op.conditionExpressions ?? []) scope.push(...placeholderValues(params, key, values, project));
      if (op.statement) {
        const text = member(params, op.statement.text);
        const bound = member(params, op.statement.params);
        if (text) {
          const split = splitSql(text, bound ? [bound] : [], (e) => project.modules.valueOf(e));
          const chosen = split ? split.selectors : [text, ...(bound ? [bound] : [])];
          selectors.push(...chosen);
          scope.push(...chosen);
          readOnly = /^\W*select\b/i.test(literalText(text, project) ?? '');
        }
      }
    }
  }
  if (selectors.length === 0) return undefined;
  const node = promiseOf(call);
  return { node, inner: call, label: name, kind: spec.store === 's3' ? 'file' : 'database', selectors, scope, readOnly, store: spec.store };
}

/** `params.body.query`: a field path through object literals; where one is not a literal, that value as a whole. */
function field(obj: ts.ObjectLiteralExpression, path: string, project: Project): ts.Expression | undefined {
  let current: ts.ObjectLiteralExpression = obj;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const v = member(current, parts[i]);
    if (!v) return undefined;
    if (i === parts.length - 1) return v;
    const next = objectOf(v, project);
    if (!next) return v;
    current = next;
  }
  return undefined;
}

/**
 * The values of `ExpressionAttributeValues` that an expression (`KeyConditionExpression`,
 * `ConditionExpression`) names by `:placeholder`. When either cannot be read, all the values.
 */
function placeholderValues(params: ts.ObjectLiteralExpression, key: string, values: ts.Expression | undefined, project: Project): ts.Node[] {
  const expr = member(params, key);
  if (!expr) return [];
  const text = literalText(expr, project);
  const valuesObj = values && objectOf(values, project);
  if (text === undefined || !valuesObj) return values ? [expr, values] : [expr];
  const out: ts.Node[] = [];
  for (const m of text.matchAll(/:[A-Za-z0-9_]+/g)) {
    const v = member(valuesObj, m[0]);
    if (v) out.push(v);
  }
  // an interpolated expression (`${field} = :v`) still counts by its placeholders; its own values too
  const e = skipOuter(ts.isIdentifier(skipOuter(expr)) ? ((project.modules.valueOf(expr) as ts.Expression | undefined) ?? expr) : expr);
  if (ts.isTemplateExpression(e)) out.push(...e.templateSpans.map((s) => s.expression));
  return out;
}

/** The text of a string, template (interpolations blanked) or a name bound to one. */
function literalText(expr: ts.Expression, project: Project): string | undefined {
  let e = skipOuter(expr);
  if (ts.isIdentifier(e)) {
    const v = project.modules.valueOf(e);
    if (!v || !ts.isExpression(v)) return undefined;
    e = skipOuter(v);
  }
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e)) return e.head.text + e.templateSpans.map((s) => ` ${s.literal.text}`).join('');
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = literalText(e.left, project);
    const r = literalText(e.right, project);
    return l === undefined && r === undefined ? undefined : `${l ?? ''} ${r ?? ''}`;
  }
  return undefined;
}

/** `client.get(p).promise()` (AWS SDK v2): the request is the outer call. */
function promiseOf(call: ts.CallExpression): ts.CallExpression {
  const p = call.parent;
  if (p && ts.isPropertyAccessExpression(p) && p.expression === call && p.name.text === 'promise' && p.parent && ts.isCallExpression(p.parent) && p.parent.expression === p)
    return p.parent;
  return call;
}

/** A module export an expression names: `S3Client` from `@aws-sdk/client-s3` → `{ module, path: ['S3Client'] }`. */
export interface ImportPath {
  module: string;
  path: string[];
}

/** Which values are clients of a store, and which objects are store commands. */
export class StoreClients {
  private readonly cache = new Map<ts.Node, StoreClientSpec | null>();

  constructor(private readonly project: Project) {}

  /** The store whose client this expression is, by how the value was made or declared. */
  clientOf(expr: ts.Expression, depth = 0): StoreClientSpec | undefined {
    const e = skipOuter(expr);
    const known = this.cache.get(e);
    if (known !== undefined) return known ?? undefined;
    if (depth > 8) return undefined;
    this.cache.set(e, null); // cycles end here
    const found = this.compute(e, depth);
    this.cache.set(e, found ?? null);
    return found;
  }

  private compute(e: ts.Expression, depth: number): StoreClientSpec | undefined {
    if (ts.isAwaitExpression(e)) return this.clientOf(e.expression, depth + 1);
    if (ts.isNewExpression(e) || ts.isCallExpression(e)) {
      const made = this.importPath(skipOuter(e.expression));
      const factory = made && storeFactory(made.module, made.path);
      if (factory) return factory;
      if (ts.isNewExpression(e)) return undefined;
      // what a call says it hands back (`req.di.resolve<Redis>(REDIS)`, `container.get<DynamoDBClient>(…)`)
      const typeArg = e.typeArguments?.[0];
      if (typeArg) {
        const spec = this.typeOf(typeArg, e.getSourceFile(), depth);
        if (spec) return spec;
      }
      const callee = skipOuter(e.expression);
      if (ts.isPropertyAccessExpression(callee)) {
        // `createClient().connect()`, `redis.duplicate()`, `redis.multi().set(k, v).del(k2)`
        const inner = this.clientOf(callee.expression, depth + 1);
        if (inner && (inner.passThrough?.includes(callee.name.text) || (this.isPipeline(callee.expression) && storeMethod(inner, callee.name.text)))) return inner;
      }
      // a function of the project that returns a client: `getRedis()`, `makeDocClient(region)`
      const fn = this.project.handlers.functionOf(e.expression);
      if (fn)
        for (const r of returnedExpressions(fn)) {
          const spec = this.clientOf(r, depth + 1);
          if (spec) return spec;
        }
      return undefined;
    }
    if (ts.isPropertyAccessExpression(e) && skipOuter(e.expression).kind === ts.SyntaxKind.ThisKeyword) {
      const decl = receiverDeclaration(e, this.project);
      if (decl) {
        const spec = this.declared(decl, depth);
        if (spec) return spec;
      }
      // `this.redis = new Redis()` in the constructor or any method of the class
      for (const value of thisAssignments(e)) {
        const spec = this.clientOf(value, depth + 1);
        if (spec) return spec;
      }
      return this.decorated(e, depth);
    }
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const value = this.project.modules.valueOf(e);
      if (value && value !== e) {
        if (ts.isParameter(value) || ts.isVariableDeclaration(value) || ts.isPropertyDeclaration(value)) {
          const spec = this.declared(value, depth);
          if (spec) return spec;
        } else if (ts.isExpression(value)) {
          const spec = this.clientOf(value, depth + 1);
          if (spec) return spec;
        }
      }
      if (ts.isIdentifier(e)) {
        // a local the value model does not follow (`const redis = container.resolve(RedisStore).client`): its initializer
        const decl = value === undefined ? this.project.modules.declarationOf(e.text, e) : undefined;
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer) return this.clientOf(decl.initializer, depth + 1);
        // taken off awilix's cradle, `const { es } = req.container.cradle`: what the container was given under that name
        if (decl && ts.isBindingElement(decl))
          for (const registered of this.project.values.injectedValues(decl)) {
            const spec = this.clientOf(registered, depth + 1);
            if (spec) return spec;
          }
        return this.assignedLater(e, depth);
      }
      // a field of an instance made or handed out here (`container.resolve(RedisStore).client`, `new Stores().redis`)
      if (ts.isPropertyAccessExpression(e)) {
        const field = fieldDeclaration(this.instanceClass(e.expression), e.name.text);
        const spec = field && this.declared(field, depth);
        if (spec) return spec;
        // a member of a name typed with an interface or type that declares it (`ctx.es` with `ctx: GraphQLContext`,
        // `interface GraphQLContext { es: Client }`, the client type imported from its package)
        const owner = skipOuter(e.expression);
        const ownerDecl = ts.isIdentifier(owner) ? this.project.modules.declarationOf(owner.text, owner) : undefined;
        const ownerType = ownerDecl && (ts.isParameter(ownerDecl) || ts.isVariableDeclaration(ownerDecl)) ? ownerDecl.type : undefined;
        const memberType = ownerType && typeMember(ownerType, e.name.text, (n) => this.project.modules.typeDeclarationOf(n));
        const typed = memberType && this.typeOf(memberType, memberType.getSourceFile(), depth);
        if (typed) return typed;
      }
      if (ts.isPropertyAccessExpression(e)) return this.decorated(e, depth);
    }
    return undefined;
  }

  /** The class of an instance an expression makes or has a DI container hand out: `new Stores()`, `container.resolve(RedisStore)`. */
  private instanceClass(expr: ts.Expression): ts.ClassLikeDeclaration | undefined {
    const e = skipOuter(expr);
    let named: ts.Expression | undefined;
    if (ts.isNewExpression(e)) named = e.expression;
    else if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && isDiResolve((skipOuter(e.expression) as ts.PropertyAccessExpression).name.text))
      named = e.arguments[0];
    const cls = named && this.project.modules.valueOf(skipOuter(named));
    return cls && ts.isClassLike(cls) ? cls : undefined;
  }

  /** A variable, field or parameter: its type, its injection, its initializer, or (a parameter) what its callers pass. */
  private declared(decl: ts.Node, depth: number): StoreClientSpec | undefined {
    const typed = decl as ts.PropertyDeclaration | ts.ParameterDeclaration | ts.VariableDeclaration;
    if (typed.type) {
      const spec = this.typeOf(typed.type, decl.getSourceFile(), depth);
      if (spec) return spec;
    }
    if (typed.initializer) {
      const spec = this.clientOf(typed.initializer, depth + 1);
      if (spec) return spec;
    }
    if (ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name)) return this.assignedLater(decl.name, depth);
    if (ts.isParameter(decl) && !typed.type) {
      const fn = decl.parent;
      if (!isFunctionLike(fn)) return undefined;
      const index = fn.parameters.indexOf(decl);
      for (const call of this.project.handlers.callersOf(fn)) {
        const arg = call.arguments?.[index];
        const spec = arg && this.clientOf(arg, depth + 1);
        if (spec) return spec;
      }
    }
    return undefined;
  }

  /** `let redis; … redis = createClient()`: a name declared without a value and assigned a client in its file. */
  private assignedLater(id: ts.Identifier, depth: number): StoreClientSpec | undefined {
    const decl = this.project.modules.declarationOf(id.text, id);
    if (!decl || !ts.isVariableDeclaration(decl) || decl.initializer) return undefined;
    for (const node of this.project.facts.get(id.getSourceFile().fileName)?.assignments.get(id.text) ?? []) {
      if (!ts.isBinaryExpression(node) || node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
      if (this.project.modules.declarationOf(id.text, node) !== decl) continue;
      const spec = this.clientOf(node.right, depth + 1);
      if (spec) return spec;
    }
    return undefined;
  }

  /** A type that names a client: `Redis`, `IORedis.Cluster`, `RedisClientType`, `ReturnType<typeof createClient>`, a local alias of one. */
  private typeOf(type: ts.TypeNode, file: ts.SourceFile, depth: number): StoreClientSpec | undefined {
    if (depth > 8) return undefined;
    if (ts.isUnionTypeNode(type) || ts.isIntersectionTypeNode(type)) {
      for (const t of type.types) {
        const spec = this.typeOf(t, file, depth + 1);
        if (spec) return spec;
      }
      return undefined;
    }
    if (ts.isParenthesizedTypeNode(type)) return this.typeOf(type.type, file, depth + 1);
    // `typeof redis`
    if (ts.isTypeQueryNode(type)) return ts.isIdentifier(type.exprName) ? this.clientOf(type.exprName, depth + 1) : undefined;
    if (!ts.isTypeReferenceNode(type)) return undefined;
    const chain = entityChain(type.typeName);
    if (!chain) return undefined;
    if ((chain[0] === 'ReturnType' || chain[0] === 'InstanceType' || chain[0] === 'Awaited') && type.typeArguments?.[0]) {
      const arg = type.typeArguments[0];
      if (ts.isTypeQueryNode(arg)) {
        // `ReturnType<typeof createClient>`: what the factory makes
        const path = this.importOfName(entityChain(arg.exprName) ?? [], file, arg);
        if (path) return storeFactory(path.module, path.path);
      }
      return this.typeOf(arg, file, depth + 1);
    }
    const path = this.importOfName(chain, file, type);
    if (path) return storeType(path.module, path.path) ?? storeFactory(path.module, path.path);
    // a local alias: `type Cache = RedisClientType`
    const alias = file.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === chain[0]);
    return alias ? this.typeOf(alias.type, file, depth + 1) : undefined;
  }

  /** The module export a chain of names (`AWS.DynamoDB.DocumentClient`) stands for in a file, by its imports — type-only ones too. */
  private importOfName(chain: readonly string[], file: ts.SourceFile, at: ts.Node): ImportPath | undefined {
    if (chain.length === 0) return undefined;
    const [root, ...rest] = chain;
    const imported = importedBinding(root, file) ?? this.valueImport(root, at);
    // (a name a module of the app passes on from the package, `export { GetObjectCommand }` in `storage/reports.ts`)
    const base = imported && (this.reexported(file, imported) ?? imported);
    return base && { module: base.module, path: normalize([...base.path, ...rest]) };
  }

  /**
   * What a module of the app re-exports under the name imported from it: `export { GetObjectCommand }` of a name it
   * imported from `@aws-sdk/client-s3`, or `export { GetObjectCommand } from '@aws-sdk/client-s3'` — the package's export.
   */
  private reexported(from: ts.SourceFile, imported: ImportPath, depth = 0): ImportPath | undefined {
    if (depth > 4 || imported.path.length === 0) return undefined;
    const target = this.project.modules.resolveSpecifier(from.fileName, imported.module);
    const sf = target !== undefined ? this.project.modules.sourceFile(target) : undefined;
    if (!sf) return undefined;
    for (const st of sf.statements) {
      if (!ts.isExportDeclaration(st) || st.isTypeOnly || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
      const el = st.exportClause.elements.find((e) => e.name.text === imported.path[0]);
      if (!el) continue;
      const local = (el.propertyName ?? el.name).text;
      const next =
        st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? { module: st.moduleSpecifier.text.replace(/^node:/, ''), path: [local] } : importedBinding(local, sf);
      if (!next) return undefined;
      const further = { module: next.module, path: [...next.path, ...imported.path.slice(1)] };
      return this.reexported(sf, further, depth + 1) ?? further;
    }
    return undefined;
  }

  /** `const { S3Client } = require('@aws-sdk/client-s3')`, `const Redis = require('ioredis')`: bindings the walk recorded. */
  private valueImport(name: string, at: ts.Node): ImportPath | undefined {
    const decl = this.project.modules.declarationOf(name, at);
    if (!decl || !(ts.isVariableDeclaration(decl) || ts.isBindingElement(decl))) return undefined;
    const binding = this.project.facts.get(at.getSourceFile().fileName)?.bindings.get(name);
    return binding && { module: binding.module, path: binding.path };
  }

  /** The module export a callee or class expression names: `createClient`, `DynamoDBDocumentClient.from`, `require('ioredis')`. */
  importPath(expr: ts.Expression): ImportPath | undefined {
    const chain = calleeChain(expr);
    if (!chain) return undefined;
    if (chain[0].startsWith('require:')) return { module: chain[0].slice(8).replace(/^node:/, ''), path: normalize(chain.slice(1)) };
    if (chain[0] === 'this') return undefined;
    const root = findRoot(expr);
    if (!root) return undefined;
    // a name declared in an inner scope (`const Redis = new Map()`) is not the import
    const decl = this.project.modules.declarationOf(root.text, root);
    if (decl && !isImportDeclarationPart(decl) && !ts.isVariableDeclaration(decl) && !ts.isBindingElement(decl)) return undefined;
    return this.importOfName(chain, root.getSourceFile(), root);
  }

  /**
   * `new GetCommand({ … })`, or a name bound to one, or a function of the app that builds one
   * (`ddb.send(setOpening(gate, pct))`): the command, its class and its store.
   */
  commandOf(arg: ts.Expression): { node: ts.NewExpression; name: string; spec: StoreClientSpec; operation: StoreOperation } | undefined {
    const e = commandMade(arg, (x) => this.project.modules.valueOf(x));
    if (!e) return undefined;
    const path = this.importPath(skipOuter(e.expression));
    if (!path || path.path.length !== 1) return undefined;
    const command = storeCommand(path.module, path.path[0]);
    return command && { node: e, name: path.path[0], ...command };
  }

  /** `redis.multi()`, `redis.pipeline()`, and commands queued on them. */
  private isPipeline(expr: ts.Expression): boolean {
    for (let e = skipOuter(expr); ts.isCallExpression(e);) {
      const callee = skipOuter(e.expression);
      if (!ts.isPropertyAccessExpression(callee)) return false;
      if (callee.name.text === 'multi' || callee.name.text === 'pipeline') return true;
      e = skipOuter(callee.expression);
    }
    return false;
  }

  /**
   * `fastify.redis`, `request.server.redis`, `this.redis` in a Fastify handler: a property a plugin
   * of the store (`app.register(fastifyRedis, …)`) or `decorate('redis', client)` put on the instance.
   */
  private decorated(e: ts.PropertyAccessExpression, depth: number): StoreClientSpec | undefined {
    const property = e.name.text;
    for (const spec of STORE_CLIENTS) {
      for (const d of spec.decorations ?? []) {
        if (d.property !== property) continue;
        const registered = this.project.callsNamed('register').some((c) => {
          const plugin = c.arguments?.[0];
          const path = plugin && this.importPath(skipOuter(plugin));
          return path !== undefined && path.module === d.module;
        });
        if (registered) return spec;
      }
    }
    for (const c of this.project.callsNamed('decorate')) {
      const [key, value] = c.arguments ?? [];
      if (!key || !value || !ts.isStringLiteralLike(key) || key.text !== property) continue;
      const spec = this.clientOf(value, depth + 1);
      if (spec) return spec;
    }
    return undefined;
  }
}

/** `import { Redis } from 'ioredis'` (type-only too), `import * as AWS from 'aws-sdk'`, `import Redis = require('ioredis')`. */
export function importedBinding(name: string, file: ts.SourceFile): ImportPath | undefined {
  for (const st of file.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.importClause) {
      const module = st.moduleSpecifier.text.replace(/^node:/, '');
      const clause = st.importClause;
      if (clause.name?.text === name) return { module, path: [] };
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb) && nb.name.text === name) return { module, path: [] };
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) if (el.name.text === name) return { module, path: normalize([(el.propertyName ?? el.name).text]) };
      }
    } else if (ts.isImportEqualsDeclaration(st) && st.name.text === name) {
      const ref = st.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) return { module: ref.expression.text.replace(/^node:/, ''), path: [] };
    }
  }
  return undefined;
}

function isImportDeclarationPart(decl: ts.Node): boolean {
  return ts.isImportClause(decl) || ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl) || ts.isImportEqualsDeclaration(decl);
}

/** CommonJS default interop: `default` names the module itself. */
function normalize(path: string[]): string[] {
  return path[0] === 'default' ? path.slice(1) : path;
}

function findRoot(expr: ts.Expression): ts.Identifier | undefined {
  let e = skipOuter(expr);
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = skipOuter(e.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

function entityChain(name: ts.EntityName): string[] | undefined {
  if (ts.isIdentifier(name)) return [name.text];
  const left = entityChain(name.left);
  return left && [...left, name.right.text];
}

/** Values assigned to `this.<name>` anywhere in the class of `access`. */
function thisAssignments(access: ts.PropertyAccessExpression): readonly ts.Expression[] {
  let cls: ts.Node | undefined = access.parent;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  if (!cls) return [];
  return thisAssignmentsIn(cls).get(access.name.text) ?? [];
}

/** Syntax only, so one walk per class serves every name and every model. */
const thisAssignmentsByClass = new WeakMap<ts.Node, Map<string, ts.Expression[]>>();

/** Every `this.<name> = value` in a class (not in classes nested in it), by name, in source order. */
function thisAssignmentsIn(cls: ts.Node): Map<string, ts.Expression[]> {
  let byName = thisAssignmentsByClass.get(cls);
  if (byName) return byName;
  const found = (byName = new Map());
  const visit = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuter(n.left);
      if (ts.isPropertyAccessExpression(left) && skipOuter(left.expression).kind === ts.SyntaxKind.ThisKeyword) {
        const list = found.get(left.name.text);
        if (list) list.push(n.right);
        else found.set(left.name.text, [n.right]);
      }
    }
    if (!ts.isClassLike(n) || n === cls) ts.forEachChild(n, visit);
  };
  visit(cls);
  thisAssignmentsByClass.set(cls, byName);
  return byName;
}
