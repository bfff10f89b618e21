import { ts } from '../ts';
import { isRequestLike } from './identity';
import { calleeChain, calleeName, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { classAlongType, fieldDeclaration, heldValues, isFunctionLike, propertyNameText, returnedExpressions } from './modules';
import type { Modules } from './modules';
import type { Project } from './project';
import { isModuleLevel } from './shared-state';
import {
  DI_CLASS_REGISTRATIONS,
  DI_CRADLE,
  DI_FACTORY_REGISTRATIONS,
  DI_REGISTER_METHODS,
  diClassRegistration,
  diFactoryRegistration,
  diValueRegistration,
  isDiInjectDecorator,
  isDiResolve,
} from './vocabulary/di';
import { CRYPTO_FEED_METHOD, isCryptoFactory } from './vocabulary/data-access';
import { isContainerClass, isConversion, iteratesElements, mapsElements, PROMISE_CLASS } from './vocabulary/values';
import { isRequestInputField, isRequestObjectName, isSessionField } from './vocabulary/requests';
import { CONTEXT_ACCESSOR } from './vocabulary/api-layers';
import { NEST_GET_REQUEST, NEST_PARAM_DECORATOR_FACTORY, PASSPORT_NEST } from './vocabulary/frameworks';

const SK = ts.SyntaxKind;

/**
 * The leaf question a trace asks: does this expression itself stand for the value sought (a
 * certificate read, a request parameter…)? Return what it found, or `undefined` to trace on.
 */
export type Leaf<T> = ((node: ts.Node) => T | undefined) & {
  /** What a found value becomes when a field of it is read: `req.params` → `req.params.id`. */
  narrow?: (found: T, key: string) => T | undefined;
  /**
   * A default that applies only when `left` is absent (`left ?? right`, `left || right`) is not
   * followed when `left` passes this test: `req.query.memberNo ?? me.memberNo` is what the client
   * chose whenever it chose, so the identity after it does not make the value the client's own.
   */
  overriddenBy?: (left: ts.Node) => boolean;
};

/** Parameters bound to the arguments of the call being followed into a function's return value. */
interface Env {
  params: Map<ts.ParameterDeclaration, ts.Expression | undefined>;
  parent?: Env;
}

/** The nodes on the way of one question, per set of arguments they are walked with. */
type Seen = Map<Env | undefined, Set<ts.Node>>;

const MAX_DEPTH = 40;
/** Steps one question may take. */
const MAX_STEPS = 20_000;

interface TraceState {
  /** Some way was cut short (a cycle, the depth or the step limit). */
  cut: boolean;
  steps: number;
  /** Answers of this question that rested on a cut way, with the depth they were reached at. */
  local: Map<ts.Node, { result: unknown; depth: number }>;
}

/** Methods that put a value into a container (its last argument). */
const CONTAINER_WRITES: readonly string[] = ['set', 'push', 'add', 'unshift', 'append'];

/**
 * Value flow: where can an expression's value come from? One backwards trace that every rule's
 * question goes through — is this the client's identity, did the client choose it — with the leaf
 * test as the only difference. It follows:
 *   - locals and their reassignments, destructuring (narrowed to the key), object fields and spreads;
 *   - imports to the exported value, across files;
 *   - returns of local and imported helpers, with the helper's parameters bound to the call's
 *     arguments (each function followed once per question when no argument is bound);
 *   - parameters to the arguments at every call site that can be told apart, and callbacks of
 *     `map`/`forEach`… to the elements of their receiver;
 *   - fields of class instances: `this.f` (and `x.f` of a typed instance) to what the class writes
 *     to `this.f` and its initializer, so injected and request-scoped providers carry their values;
 *   - request-bound fields set by middleware anywhere in the app (`req.identity = …`,
 *     `ctx.state.x = …`, `request.tenant = …`, `res.locals.x = …`, `c.set('x', …)` / `c.get('x')`),
 *     `AsyncLocalStorage` stores (`als.run(store, …)` / `als.getStore()`), the per-request context of
 *     GraphQL resolvers and tRPC procedures;
 *   - conversions, string methods, containers built from a value, templates, `??`/`||`/`+`, ternaries.
 * A trace answers the first leaf it reaches. Answers are remembered per question when they did not
 * depend on a cut cycle, so the order questions are asked in never changes an answer.
 */
export class Values {
  private readonly memo = new Map<Leaf<unknown>, Map<ts.Node, unknown>>();
  private readonly callers = new Map<Fn, ts.CallExpression[]>();
  private fieldWritesCache?: Map<string, ts.Expression[]>;
  private objectFieldWritesCache?: Map<ts.ObjectLiteralExpression, Map<string, ts.Expression[]>>;
  private requestFieldWritesCache?: Map<string, ts.Expression[]>;
  private storesCache?: Map<ts.Node, ts.Expression[]>;

  constructor(private readonly project: Project) {}

  /** The first leaf `expr`'s value can come from. */
  find<T>(expr: ts.Node, leaf: Leaf<T>): T | undefined {
    const state: TraceState = { cut: false, steps: 0, local: new Map() };
    return this.trace(expr, leaf, undefined, 0, new Map(), state);
  }

  /** The first leaf anywhere inside `node` (outside nested functions) whose value passes `accept`. */
  findIn<T>(node: ts.Node, leaf: Leaf<T>, accept: (found: T) => boolean = () => true): T | undefined {
    let found: T | undefined;
    const visit = (n: ts.Node): void => {
      if (found !== undefined || isFunctionLike(n)) return;
      if (isValueExpression(n)) {
        const r = this.find(n, leaf);
        if (r !== undefined && accept(r)) found = r;
      }
      // (`query.accountId`, where every caller hands `query` an object literal, is that member alone: the rest of
      // the object, `requestedBy: me`, is not in it)
      if (found === undefined && ts.isPropertyAccessExpression(n) && this.parameterMembers(n.expression, n.name.text) !== undefined) return;
      if (found === undefined) ts.forEachChild(n, visit);
    };
    visit(node);
    return found;
  }

  private trace<T>(node: ts.Node, leaf: Leaf<T>, env: Env | undefined, depth: number, seen: Seen, state: TraceState): T | undefined {
    // a question answers within a bounded amount of work, whatever the code's shape (recursion,
    // helpers calling back into each other): past it, this way reads as "not found"
    // (a node on the way is a cycle only with the same arguments: a helper's body walked again for another call of it,
    // `splitUnquoted(element, ';')` inside what `splitUnquoted(header, ',')` answered, is another question)
    let here = seen.get(env);
    if (!here) seen.set(env, (here = new Set()));
    if (depth > MAX_DEPTH || here.has(node) || ++state.steps > MAX_STEPS) {
      state.cut = true;
      return undefined;
    }
    let memo = this.memo.get(leaf as Leaf<unknown>);
    if (!memo) this.memo.set(leaf as Leaf<unknown>, (memo = new Map()));
    if (env === undefined && memo.has(node)) return memo.get(node) as T | undefined;
    // within one question, a node already answered (even on a cut way) is not walked again — unless it is
    // reached now with more depth to spare than when its way was cut (a long way to it first, then a short one)
    const known = env === undefined ? state.local.get(node) : undefined;
    if (known && known.depth <= depth) return known.result as T | undefined;
    here.add(node);
    const inner: TraceState = { cut: false, steps: state.steps, local: state.local };
    let result: T | undefined;
    try {
      result = this.step(node, leaf, env, depth, seen, inner);
    } finally {
      here.delete(node);
    }
    state.steps = inner.steps;
    // an answer that rested on a cycle cut short may differ when asked from elsewhere: kept for this question only
    if (env === undefined) {
      if (!inner.cut || result !== undefined) memo.set(node, result);
      else state.local.set(node, { result, depth });
    }
    if (inner.cut) state.cut = true;
    return result;
  }

  private step<T>(node: ts.Node, leaf: Leaf<T>, env: Env | undefined, depth: number, seen: Seen, state: TraceState): T | undefined {
    const e = ts.isExpression(node) ? skipOuter(node) : node;
    const hit = leaf(e);
    if (hit !== undefined) return hit;
    const next = (n: ts.Node | undefined, en: Env | undefined = env): T | undefined => (n ? this.trace(n, leaf, en, depth + 1, seen, state) : undefined);
    const narrowed = (found: T | undefined, key: string | undefined): T | undefined => (found !== undefined && key !== undefined && leaf.narrow ? leaf.narrow(found, key) : found);
    const any = (nodes: readonly (ts.Node | undefined)[], en: Env | undefined = env): T | undefined => {
      for (const n of nodes) {
        const r = next(n, en);
        if (r !== undefined) return r;
      }
      return undefined;
    };

    if (ts.isIdentifier(e)) {
      const decl = this.project.modules.declarationOf(e.text, e);
      if (!decl) return undefined;
      if (ts.isVariableDeclaration(decl)) {
        // `for (const kv of element.split(';'))`: the elements of what is iterated
        const loop = decl.parent.parent;
        if ((ts.isForOfStatement(loop) || ts.isForInStatement(loop)) && loop.initializer === decl.parent) return next(loop.expression);
        return any([decl.initializer, ...this.reassignments(e, decl), ...this.containerWrites(e, decl)]);
      }
      if (ts.isBindingElement(decl) || ts.isParameter(decl)) return next(decl);
      if (ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl) || ts.isImportEqualsDeclaration(decl)) {
        const value = this.project.modules.valueOfDeclaration(decl);
        return value && value !== decl && !isFunctionLike(value) && !ts.isClassLike(value) ? next(value) : undefined;
      }
      return undefined;
    }
    if (ts.isVariableDeclaration(e)) return next(e.initializer);
    if (ts.isBindingElement(e)) {
      // awilix's cradle: `constructor({ technician })` is given what was registered as `technician`,
      // as is `const { analyst } = req.container.cradle`
      const injected = cradleName(e, e.name as ts.Expression) ?? cradleBinding(e);
      if (injected !== undefined) {
        const registered = this.diValuesByKey(`'${injected}'`);
        if (registered.length > 0) {
          const r = any(registered);
          if (r !== undefined) return r;
        }
      }
      // `const { id } = req.params`: the owner, narrowed to the key by the leaf test of the access
      const owner = e.parent.parent;
      const key = e.propertyName ?? (ts.isIdentifier(e.name) ? e.name : undefined);
      const k = key && (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) ? key.text : undefined;
      const from = ts.isBindingElement(owner) || ts.isParameter(owner) ? owner : ts.isVariableDeclaration(owner) ? owner.initializer : undefined;
      if (!from) return undefined;
      if (k !== undefined) {
        const r = any(this.fieldOf(from, k));
        if (r !== undefined) return r;
        // destructured in the parameter list (`function replace({ req, partner, body })`): that member of what each caller hands it
        const given = ts.isParameter(from) ? this.membersGiven(from, k) : undefined;
        if (given) return any(given);
      }
      return narrowed(next(from), k);
    }
    if (ts.isParameter(e)) {
      for (let en = env; en; en = en.parent) if (en.params.has(e)) return next(en.params.get(e), en.parent);
      // NestJS GraphQL `@Context('musician') musician`: the field the context factory puts there
      const fromContext = this.project.apiLayers.decoratedContextField(e);
      if (fromContext && fromContext.length > 0) return any(fromContext);
      // `constructor(@inject(OPERATOR) private readonly operator: FloorOperator)`: what the container was given for the token
      for (const dec of ts.canHaveDecorators(e) ? (ts.getDecorators(e) ?? []) : []) {
        const call = skipOuter(dec.expression);
        if (!ts.isCallExpression(call) || !call.arguments[0] || !isDiInjectDecorator(calleeChain(call.expression)?.at(-1) ?? '')) continue;
        const registered = this.diValues(call.arguments[0]);
        if (registered.length > 0) return any(registered);
      }
      // a custom parameter decorator (`@Haulier() haulier`): what its factory's function returns
      // (`ctx.switchToHttp().getRequest().haulier`, the field a guard bound to the request)
      for (const dec of ts.canHaveDecorators(e) ? (ts.getDecorators(e) ?? []) : []) {
        const expr = skipOuter(dec.expression);
        const made = this.project.modules.valueOf(ts.isCallExpression(expr) ? expr.expression : expr);
        if (!made || !ts.isCallExpression(made) || calleeChain(made.expression)?.at(-1) !== NEST_PARAM_DECORATOR_FACTORY || !made.arguments[0]) continue;
        const factory = this.project.handlers.functionOf(made.arguments[0]);
        const r = factory ? any(returnedExpressions(factory)) : undefined;
        if (r !== undefined) return r;
      }
      // awilix's CLASSIC injection: `constructor(db, auditTrail)` is given what was registered under each name
      if (ts.isConstructorDeclaration(e.parent) && ts.isIdentifier(e.name)) {
        const r = any(this.diValuesByKey(`'${e.name.text}'`));
        if (r !== undefined) return r;
      }
      const fn = e.parent;
      if (!isFunctionLike(fn) || this.project.handlers.isEntry(fn)) return undefined;
      // `ids.map((id) => repo.findOne(id))`: the elements of the receiver
      if (fn.parent && ts.isCallExpression(fn.parent) && fn.parent.arguments.includes(fn as ts.Expression) && fn.parameters.indexOf(e) === 0) {
        const callee = skipOuter(fn.parent.expression);
        if (ts.isPropertyAccessExpression(callee) && iteratesElements(callee.name.text)) return next(callee.expression);
      }
      for (const arg of this.argumentsFor(e)) {
        const r = next(arg, undefined);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      // awilix's cradle read by field (`constructor(deps) { this.operator = deps.operator }`, `req.container.cradle.analyst`): what was registered under the name
      const injected = ts.isPropertyAccessExpression(e) ? (cradleName(undefined, e) ?? cradleField(e)) : undefined;
      if (injected !== undefined) {
        const r = any(this.diValuesByKey(`'${injected}'`));
        if (r !== undefined) return r;
      }
      const key = this.project.modules.accessKey(e);
      if (key !== undefined) {
        const r = any(this.fieldOf(e.expression, key));
        if (r !== undefined) return r;
        // a member of a parameter every caller hands an object literal (`entries(query)` called as `entries({ accountId:
        // q.accountId, requestedBy: me })`): that member of each, not the whole object
        const members = this.parameterMembers(e.expression, key);
        if (members) return any(members);
      }
      return narrowed(next(e.expression), key);
    }
    if (ts.isAwaitExpression(e) || ts.isSpreadElement(e) || ts.isSpreadAssignment(e)) return next(e.expression);
    if (ts.isTemplateExpression(e)) return any(e.templateSpans.map((s) => s.expression));
    if (ts.isTaggedTemplateExpression(e)) return ts.isTemplateExpression(e.template) ? any(e.template.templateSpans.map((s) => s.expression)) : undefined;
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if ((op === SK.BarBarToken || op === SK.QuestionQuestionToken) && leaf.overriddenBy?.(e.left)) return next(e.left);
      if (op === SK.BarBarToken || op === SK.QuestionQuestionToken || op === SK.PlusToken || op === SK.CommaToken) return any([e.left, e.right]);
      if (op === SK.AmpersandAmpersandToken) return next(e.right);
      if (op === SK.EqualsToken) return next(e.right);
      return undefined;
    }
    if (ts.isConditionalExpression(e)) return any([e.whenTrue, e.whenFalse]);
    if (ts.isObjectLiteralExpression(e)) {
      return any(
        e.properties.map((p) => (ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : ts.isSpreadAssignment(p) ? p.expression : undefined)),
      );
    }
    if (ts.isArrayLiteralExpression(e)) return any(e.elements);
    if (ts.isNewExpression(e)) {
      // `new Promise((resolve) => … resolve(JSON.parse(raw)))`: what it is settled with
      const executor = calleeChain(e.expression)?.at(-1) === PROMISE_CLASS && e.arguments?.[0] ? skipOuter(e.arguments[0]) : undefined;
      if (executor && isFunctionLike(executor)) return any(settledWith(executor));
      const cls = this.project.modules.valueOf(e.expression);
      // a container or value object of a library built from the value (`new Map(entries)`, `new X509Certificate(pem)`)
      if (!cls || !ts.isClassLike(cls) || isContainerClass(calleeChain(e.expression)?.at(-1) ?? '')) return any(e.arguments ?? []);
      // a class of the project whose constructor keeps what it is given (`new BrokerSession(cert)` with
      // `this.brokerCode = cert.subject.O`): the instance holds it
      if (keepsConstructorArguments(cls)) return any(e.arguments ?? []);
      return undefined;
    }
    if (ts.isCallExpression(e)) {
      const callee = skipOuter(e.expression);
      const name = calleeChain(callee)?.at(-1) ?? (ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined);
      // `als.getStore()`: what the request's middleware stored with `als.run(store, …)`
      if (name === 'getStore' && ts.isPropertyAccessExpression(callee)) {
        const stores = this.storesOf(callee.expression);
        if (stores) return any(stores);
      }
      // `scope.resolve<Caller>(CALLER)`: what the container was given for the token
      // (also for a class used as its own token, when a value was registered for it: `registerInstance(GrowerContext, new GrowerContext(grower))`)
      if (ts.isPropertyAccessExpression(callee) && isDiResolve(callee.name.text) && e.arguments[0]) {
        const registered = this.diValues(e.arguments[0]);
        if (registered.length > 0) {
          const r = any(registered);
          if (r !== undefined) return r;
        }
      }
      // `c.get('identity')`: what middleware put there with `c.set('identity', …)`
      if (name === 'get' && ts.isPropertyAccessExpression(callee) && e.arguments.length === 1 && ts.isStringLiteralLike(e.arguments[0]) && isRequestLike(callee.expression)) {
        const r = any(this.requestFieldWrites().get(e.arguments[0].text) ?? []);
        if (r !== undefined) return r;
      }
      const fn = this.project.handlers.functionOf(e.expression);
      if (fn && fn.body) {
        const params = new Map<ts.ParameterDeclaration, ts.Expression | undefined>();
        fn.parameters.forEach((p, i) => params.set(p, e.arguments[i]));
        return any(returnedExpressions(fn), { params, parent: env });
      }
      // a function the caller passed in (`requireGrower(signedEdgeCert)` calling `readPem(ctx)`): what the functions it is given return
      for (const given of ts.isIdentifier(callee) ? this.functionsGiven(callee) : []) {
        const params = new Map<ts.ParameterDeclaration, ts.Expression | undefined>();
        given.parameters.forEach((p, i) => params.set(p, e.arguments[i]));
        const r = any(returnedExpressions(given), { params, parent: env });
        if (r !== undefined) return r;
      }
      if (name !== undefined && isConversion(name)) return any([...e.arguments, ts.isPropertyAccessExpression(callee) ? callee.expression : undefined]);
      // what a hash or HMAC is fed (`createHash('sha256').update(der).digest('hex')`): the digest is a form of it
      if (name === CRYPTO_FEED_METHOD && ts.isPropertyAccessExpression(callee) && fedCrypto(callee.expression)) return any([...e.arguments]);
      // an array mapped by a callback (`r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])`): what the callback
      // returns, each element made from the receiver's
      const mapper = name !== undefined && mapsElements(name) && ts.isPropertyAccessExpression(callee) ? e.arguments[0] && skipOuter(e.arguments[0]) : undefined;
      if (mapper && isFunctionLike(mapper)) {
        const r = any(returnedExpressions(mapper));
        if (r !== undefined) return r;
      }
      // a method of the value itself, not of the project: `id.trim()`, `dn.split(',').pop()`,
      // `cert.subject.CN.toLowerCase()`, `attrs.get('O')` on a Map built from it
      if (ts.isPropertyAccessExpression(callee)) return next(callee.expression);
      return undefined;
    }
    return undefined;
  }

  /**
   * What a function's parameter is given: the arguments of its call sites, and for a Fastify
   * plugin's second parameter the options it is registered with (`app.register(routes, { tolls })`).
   */
  argumentsFor(param: ts.ParameterDeclaration): ts.Expression[] {
    const fn = param.parent;
    if (!isFunctionLike(fn)) return [];
    const index = fn.parameters.indexOf(param);
    const out: ts.Expression[] = [];
    for (const call of this.callersOf(fn)) if (call.arguments[index]) out.push(call.arguments[index]);
    if (index === 1) out.push(...this.project.handlers.pluginOptions(fn));
    // (a GraphQL server's context factory is handed each request's server context by the server: `yoga.handleNodeRequestAndResponse(req, res, { shipper })`)
    if (index === 0) out.push(...this.project.apiLayers.serverContextsFor(fn));
    return out;
  }

  /** The functions the callers of a function pass for one of its parameters (`id` naming that parameter). */
  private functionsGiven(id: ts.Identifier): Fn[] {
    const decl = this.project.modules.declarationOf(id.text, id);
    if (!decl || !ts.isParameter(decl) || !isFunctionLike(decl.parent) || this.project.handlers.isEntry(decl.parent)) return [];
    const index = decl.parent.parameters.indexOf(decl);
    const out: Fn[] = [];
    for (const call of this.callersOf(decl.parent)) {
      const arg = call.arguments[index];
      const given = arg && this.project.handlers.functionOf(arg);
      if (given?.body && !out.includes(given)) out.push(given);
    }
    return out;
  }

  /** `let x = a; … x = b`: the other values a `let`/`var` binding is given (from the walk's assignments). */
  reassignments(id: ts.Identifier, decl: ts.VariableDeclaration): ts.Expression[] {
    if (!ts.isIdentifier(decl.name) || decl.parent.flags & ts.NodeFlags.Const) return [];
    const out: ts.Expression[] = [];
    for (const w of this.project.facts.get(id.getSourceFile().fileName)?.assignments.get(id.text) ?? []) {
      // (also what is appended or defaulted in: `raw += chunk` reading a body, `x ??= fallback`)
      const kind = ts.isBinaryExpression(w) ? w.operatorToken.kind : undefined;
      const assigns = kind === SK.EqualsToken || kind === SK.PlusEqualsToken || kind === SK.BarBarEqualsToken || kind === SK.QuestionQuestionEqualsToken;
      if (ts.isBinaryExpression(w) && assigns && w !== id.parent && this.project.modules.declarationOf(id.text, w) === decl) out.push(w.right);
    }
    return out;
  }

  /**
   * What a local container is filled with after it is made: `pairs.set(k, v)`, `list.push(v)`,
   * `seen.add(v)`, `bag[k] = v`, `out.subject = v`, also into a slot made on the way (`(out[key] ??=
   * []).push(v)` of a DN parser) — for a binding made empty (`new Map()`, `[]`, `{}`, or an object of
   * empty slots and constants, `{ dns: [] }`, that a parser fills field by field).
   */
  private containerWrites(id: ts.Identifier, decl: ts.VariableDeclaration): ts.Expression[] {
    const init = decl.initializer && skipOuter(decl.initializer);
    if (!init || !ts.isIdentifier(decl.name)) return [];
    const inert = (e: ts.Expression): boolean => {
      const x = skipOuter(e);
      return (
        ts.isLiteralExpression(x) ||
        x.kind === SK.TrueKeyword ||
        x.kind === SK.FalseKeyword ||
        x.kind === SK.NullKeyword ||
        (ts.isIdentifier(x) && x.text === 'undefined') ||
        (ts.isArrayLiteralExpression(x) && x.elements.length === 0) ||
        (ts.isObjectLiteralExpression(x) && x.properties.length === 0)
      );
    };
    const empty =
      (ts.isNewExpression(init) && (init.arguments?.length ?? 0) === 0) ||
      (ts.isArrayLiteralExpression(init) && init.elements.length === 0) ||
      (ts.isObjectLiteralExpression(init) && init.properties.every((p) => ts.isPropertyAssignment(p) && inert(p.initializer)));
    if (!empty) return [];
    const scope = decl.parent.parent.parent;
    const out: ts.Expression[] = [];
    // (the container itself, or a slot of it made on the way: `(out[key] ??= []).push(v)`, `out[k].push(v)`)
    const into = (e: ts.Expression, depth = 0): boolean => {
      const x = skipOuter(e);
      if (depth > 4) return false;
      if (ts.isIdentifier(x)) return x.text === id.text;
      if (
        ts.isBinaryExpression(x) &&
        (x.operatorToken.kind === SK.QuestionQuestionEqualsToken || x.operatorToken.kind === SK.BarBarEqualsToken || x.operatorToken.kind === SK.EqualsToken)
      )
        return into(x.left, depth + 1);
      if (ts.isElementAccessExpression(x)) return into(x.expression, depth + 1);
      return false;
    };
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && into(n.expression.expression)) {
        const method = n.expression.name.text;
        if (CONTAINER_WRITES.includes(method) && n.arguments.length > 0 && this.project.modules.declarationOf(id.text, n) === decl) out.push(n.arguments[n.arguments.length - 1]);
      }
      // (`bag[k] = v`, `bag[k][j] = v`, and an object filled field by field, `out.subject = v`)
      if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === SK.EqualsToken &&
        (ts.isElementAccessExpression(n.left) || (ts.isPropertyAccessExpression(n.left) && ts.isObjectLiteralExpression(init))) &&
        (ts.isIdentifier(n.left.expression) ? n.left.expression.text === id.text : ts.isElementAccessExpression(n.left) && into(n.left.expression)) &&
        this.project.modules.declarationOf(id.text, n) === decl
      )
        out.push(n.right);
      ts.forEachChild(n, visit);
    };
    if (scope) visit(scope);
    return out;
  }

  /**
   * What `owner.key` can hold, where something else than `owner` itself says: the per-request
   * context of a resolver or procedure (what the context factory put there), a field of a class
   * instance or of an object literal we can see, a field middleware bound to the request.
   */
  /** What the callers of a function put under `key` of the object literal they hand a parameter; undefined unless every argument is one. */
  parameterMembers(owner: ts.Expression, key: string): ts.Node[] | undefined {
    const x = skipOuter(owner);
    const decl = ts.isIdentifier(x) ? this.project.modules.declarationOf(x.text, x) : undefined;
    return decl && ts.isParameter(decl) ? this.membersGiven(decl, key) : undefined;
  }

  /** What every caller puts under `key` of the object literal it hands a parameter (`f({ req, partner, body })` for `function f({ body })`); undefined unless each is one. */
  membersGiven(decl: ts.ParameterDeclaration, key: string): ts.Node[] | undefined {
    if (!isFunctionLike(decl.parent) || this.project.handlers.isEntry(decl.parent)) return undefined;
    const args = this.argumentsFor(decl);
    if (args.length === 0) return undefined;
    const out: ts.Node[] = [];
    for (const a of args) {
      const obj = skipOuter(a);
      if (!ts.isObjectLiteralExpression(obj) || obj.properties.some((p) => ts.isSpreadAssignment(p))) return undefined;
      // (the value written there, as written: `accountId: req.params.id`)
      const p = obj.properties.find((q) => q.name !== undefined && propertyNameText(q.name) === key);
      if (p && ts.isPropertyAssignment(p)) out.push(p.initializer);
      else if (p && ts.isShorthandPropertyAssignment(p)) out.push(p.name);
    }
    return out;
  }

  private fieldOf(owner: ts.Node, key: string): ts.Node[] {
    const fromContext = this.project.apiLayers.contextField(owner, key);
    if (fromContext && fromContext.length > 0) return fromContext;
    if (!ts.isExpression(owner)) return [];
    const fields = this.fieldValues(owner, key);
    if (fields && fields.length > 0) return fields;
    // what middleware bound to the request (`req.identity = …`); never the client's own input
    // fields, whatever a handler writes there (Koa's `ctx.body =` is the response)
    // (also off NestJS's `ctx.switchToHttp().getRequest()`, in a guard or a parameter decorator)
    if ((isRequestLike(owner) || isNestGetRequest(owner) || this.returnsRequest(owner)) && !isRequestInputField(key)) {
      const written = this.requestFieldWrites().get(sessionKey(owner, key)) ?? [];
      // `req.user`: what the passport strategies' `validate` return
      return key === PASSPORT_NEST.userField ? [...written, ...this.project.handlers.passportValidators().flatMap((fn) => returnedExpressions(fn))] : written;
    }
    return [];
  }

  /**
   * A call of a function of the app that hands back the request (`requestOf(context)` returning
   * `GqlExecutionContext.create(context).getContext().req`, or `ctx.switchToHttp().getRequest()`).
   */
  private returnsRequest(e: ts.Expression): boolean {
    const x = skipOuter(e);
    if (!ts.isCallExpression(x)) return false;
    const fn = this.project.handlers.functionOf(x.expression);
    if (!fn) return false;
    const returned = returnedExpressions(fn).map((r) => skipOuter(r));
    const request = (r: ts.Expression): boolean =>
      isRequestLike(r) ||
      isNestGetRequest(r) ||
      // the request a GraphQL context holds: `….getContext().req`
      (ts.isPropertyAccessExpression(r) &&
        isRequestObjectName(r.name.text) &&
        ts.isCallExpression(skipOuter(r.expression)) &&
        calleeName(skipOuter(r.expression) as ts.CallExpression) === CONTEXT_ACCESSOR);
    return returned.length > 0 && returned.every(request);
  }

  /**
   * What a field read can hold: `this.f` in a class, or `x.f` where `x` is an instance of a
   * project class (its declared type, `new C()`, a constructor parameter typed `C`): the values
   * the class writes to `this.f` and the field's initializer; `o.f` where `o` is an object literal.
   */
  private fieldValues(owner: ts.Expression, key: string): ts.Node[] | undefined {
    const cls = this.classOf(skipOuter(owner));
    if (cls) {
      const out: ts.Node[] = [];
      for (const m of cls.members) {
        if (ts.isPropertyDeclaration(m) && m.name && propertyNameText(m.name) === key && m.initializer) out.push(m.initializer);
        if (ts.isGetAccessorDeclaration(m) && m.name && propertyNameText(m.name) === key) out.push(...returnedExpressions(m));
        // a parameter property (`constructor(private readonly operator: Operator)`): what the constructor is given
        if (ts.isConstructorDeclaration(m)) {
          const p = m.parameters.find((q) => ts.isIdentifier(q.name) && q.name.text === key && (ts.getModifiers(q)?.length ?? 0) > 0);
          if (p) out.push(p);
        }
      }
      out.push(...(this.fieldWrites().get(`${classKey(cls)}.${key}`) ?? []));
      return out;
    }
    const value = this.project.modules.valueOf(owner);
    if (value && ts.isObjectLiteralExpression(value)) {
      const member = this.project.modules.memberOf(value, key, 0);
      // (and what is set on a module's object anywhere: `deckContext.operator = operator` in middleware of another file)
      const written = this.objectFieldWrites().get(value)?.get(key) ?? [];
      return member || written.length > 0 ? [...(member ? [member] : []), ...written] : undefined;
    }
    return undefined;
  }

  /**
   * Writes to a field of an object a module keeps (`export const deckContext = { operator: null }`),
   * by object and field: `x.f = v` anywhere `x` is that object.
   */
  private objectFieldWrites(): Map<ts.ObjectLiteralExpression, Map<string, ts.Expression[]>> {
    if (this.objectFieldWritesCache) return this.objectFieldWritesCache;
    const out = new Map<ts.ObjectLiteralExpression, Map<string, ts.Expression[]>>();
    this.objectFieldWritesCache = out;
    for (const facts of this.project.facts.values()) {
      for (const nodes of facts.assignments.values()) {
        for (const w of nodes) {
          if (!ts.isBinaryExpression(w) || w.operatorToken.kind !== SK.EqualsToken) continue;
          const left = skipOuter(w.left);
          if (!ts.isPropertyAccessExpression(left)) continue;
          const target = this.project.modules.valueOf(skipOuter(left.expression));
          const decl = target?.parent;
          if (!target || !ts.isObjectLiteralExpression(target) || !decl || !ts.isVariableDeclaration(decl) || !isModuleLevel(decl)) continue;
          const byKey = out.get(target) ?? new Map<string, ts.Expression[]>();
          out.set(target, byKey);
          byKey.set(left.name.text, [...(byKey.get(left.name.text) ?? []), w.right]);
        }
      }
    }
    return out;
  }

  /**
   * The method a call's callee names on an instance of a project class (`this.opCtx.canOperate`
   * where `opCtx` is a constructor parameter typed `OperatorContext`): its method or arrow field.
   */
  methodOf(callee: ts.Expression): Fn | undefined {
    const e = skipOuter(callee);
    if (!ts.isPropertyAccessExpression(e)) return undefined;
    const member = fieldDeclaration(this.classOf(skipOuter(e.expression)), e.name.text);
    if (member && ts.isMethodDeclaration(member) && member.body) return member;
    const init = member && ts.isPropertyDeclaration(member) && member.initializer ? skipOuter(member.initializer) : undefined;
    return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : undefined;
  }

  /** The project class an expression is an instance of: `this`, a typed field/parameter/variable, `new C()`. */
  private classOf(e: ts.Expression): ts.ClassLikeDeclaration | undefined {
    // `(ctx.state.harvest as HarvestService)`: the class the code says it is
    for (let x: ts.Expression = e; ts.isParenthesizedExpression(x) || ts.isAsExpression(x) || ts.isTypeAssertionExpression(x) || ts.isNonNullExpression(x); x = x.expression) {
      if ((ts.isAsExpression(x) || ts.isTypeAssertionExpression(x)) && ts.isTypeReferenceNode(x.type)) {
        const cls = this.project.modules.typeValueOf(x.type.typeName);
        if (cls && ts.isClassLike(cls)) return cls;
      }
    }
    e = skipOuter(e);
    // a fluent method that hands back its own instance (`as(clerk) { this.actingClerk = …; return this }`): what it is called on
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression))) {
      const callee = skipOuter(e.expression) as ts.PropertyAccessExpression;
      const owner = this.classOf(callee.expression);
      const member = owner ? fieldDeclaration(owner, callee.name.text) : undefined;
      const returned = member && ts.isMethodDeclaration(member) ? returnedExpressions(member) : [];
      if (owner && returned.length > 0 && returned.every((r) => skipOuter(r).kind === SK.ThisKeyword)) return owner;
    }
    if (e.kind === SK.ThisKeyword) {
      for (let n: ts.Node | undefined = e.parent; n; n = n.parent) {
        if (ts.isClassLike(n)) return n;
        // `function () { this… }` is not the class's `this`
        if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n)) return undefined;
      }
      return undefined;
    }
    const made = this.instanceMadeBy(e);
    if (made) return made;
    let decl: ts.Node | undefined;
    if (ts.isPropertyAccessExpression(e) && e.expression.kind === SK.ThisKeyword) {
      const cls = this.classOf(e.expression);
      const name = e.name.text;
      decl = fieldDeclaration(cls, name);
      // a field without a declared type, set in the constructor (`this.repo = bookingRepository`)
      if (cls && !this.buildingFieldWrites && (!decl || !(decl as ts.PropertyDeclaration).type)) {
        const ctor = cls.members.find(ts.isConstructorDeclaration);
        for (const v of ctor ? (this.fieldWrites().get(`${classKey(cls)}.${name}`) ?? []) : []) {
          if (v.pos < ctor!.pos || v.end > ctor!.end || this.classing.has(v)) continue;
          this.classing.add(v);
          try {
            const c = this.classOf(skipOuter(v));
            if (c) return c;
          } finally {
            this.classing.delete(v);
          }
        }
      }
    } else if (ts.isIdentifier(e)) decl = this.project.modules.declarationOf(e.text, e);
    // an instance middleware bound to the request (`ctx.state.harvest = scope.resolve(HarvestService)`)
    else if (ts.isPropertyAccessExpression(e) && isRequestLike(e.expression) && !isRequestInputField(e.name.text)) {
      for (const v of this.requestFieldWrites().get(e.name.text) ?? []) {
        const made = this.instanceMadeBy(v);
        if (made) return made;
      }
    }
    // awilix's cradle: what a constructor is given by name (`constructor({ bookingRepository })`, `deps.bookingRepository`),
    // or what is read off a container's cradle in place (`ctx.scope.cradle.refundService`) or destructured off it
    // (`const { photoStore } = req.scope.cradle`)
    const injected = cradleName(decl, e) ?? (ts.isPropertyAccessExpression(e) ? cradleField(e) : decl && ts.isBindingElement(decl) ? cradleBinding(decl) : undefined);
    if (injected !== undefined) {
      const c = this.diClassByName(injected);
      if (c) return c;
    }
    // a member of a typed parameter or variable (`ctx.medications` with `ctx: GraphContext`, `interface GraphContext
    // { medications: MedicationRepository }`): the class its type gives that member
    if (!decl && ts.isPropertyAccessExpression(e)) return classAlongType(e, this.project.modules);
    if (!decl) return undefined;
    // destructured off the request (`const { buyer } = ctx.state`): the instance middleware bound there
    if (ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent) && decl.parent.parent.initializer) {
      const owner = skipOuter(decl.parent.parent.initializer);
      const key = decl.propertyName ?? decl.name;
      if (isRequestLike(owner) && (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && !isRequestInputField(key.text)) {
        for (const v of this.requestFieldWrites().get(key.text) ?? []) {
          const made = this.instanceMadeBy(v);
          if (made) return made;
        }
      }
      // taken out of what a function of the app returns (`const { tickets } = scoped(ctx)`, returning `{ tickets:
      // ctx.state.container.resolve<TicketSearch>('ticketSearch') }`): the instance under that key
      const call = ts.isAwaitExpression(owner) ? skipOuter(owner.expression) : owner;
      const fn = ts.isCallExpression(call) && (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) ? this.project.modules.valueOf(call.expression) : undefined;
      for (const r of fn && isFunctionLike(fn) ? returnedExpressions(fn) : []) {
        const obj = skipOuter(r);
        const member = ts.isObjectLiteralExpression(obj) ? this.project.modules.memberOf(obj, (key as ts.Identifier).text, 0) : undefined;
        const made = member && ts.isExpression(member) ? this.instanceMadeBy(member) : undefined;
        if (made) return made;
      }
    }
    // an instance another module made and exports (`export const cardService = new CardService()`)
    if (ts.isImportSpecifier(decl) || ts.isImportClause(decl)) {
      const value = this.project.modules.valueOfDeclaration(decl);
      return value && ts.isExpression(value) ? this.instanceMadeBy(value) : undefined;
    }
    const typed = decl as ts.PropertyDeclaration | ts.ParameterDeclaration | ts.VariableDeclaration;
    if (typed.type && ts.isTypeReferenceNode(typed.type)) {
      const cls = this.project.modules.typeValueOf(typed.type.typeName);
      if (cls && ts.isClassLike(cls)) return cls;
    }
    // a plugin's option (`async (fastify, { tolls }) => …` registered with `{ tolls: new TollService(…) }`)
    const given = this.givenInstance(decl);
    if (given) return given;
    return typed.initializer ? this.instanceMadeBy(skipOuter(typed.initializer)) : undefined;
  }

  /** The class of what callers pass for a parameter, or for a field destructured off one (`(app, { tolls })`). */
  private givenInstance(decl: ts.Node): ts.ClassLikeDeclaration | undefined {
    let param = decl;
    let key: string | undefined;
    if (ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isParameter(decl.parent.parent)) {
      const name = decl.propertyName ?? decl.name;
      if (!ts.isIdentifier(name) && !ts.isStringLiteralLike(name)) return undefined;
      key = name.text;
      param = decl.parent.parent;
    } else if (ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent) && decl.parent.parent.initializer) {
      // `const { devices } = opts` in the body, where `opts` is the parameter (a Fastify plugin's options)
      const name = decl.propertyName ?? decl.name;
      const from = skipOuter(decl.parent.parent.initializer);
      if ((!ts.isIdentifier(name) && !ts.isStringLiteralLike(name)) || !ts.isIdentifier(from)) return undefined;
      const d = this.project.modules.declarationOf(from.text, from);
      if (!d || !ts.isParameter(d)) return undefined;
      key = name.text;
      param = d;
    }
    if (!ts.isParameter(param) || !isFunctionLike(param.parent) || this.giving.has(decl) || this.project.handlers.isEntry(param.parent)) return undefined;
    this.giving.add(decl);
    try {
      for (const arg of this.argumentsFor(param)) {
        let value: ts.Node | undefined = this.project.modules.valueOf(arg);
        if (value && key !== undefined) value = this.project.modules.memberOf(value, key, 0);
        // (a parameter handed on: `startConsoleListener(store)` calling `handleForfeit(store, …)`, the class its callers give)
        const cls =
          (value && ts.isExpression(value) ? this.instanceMadeBy(value) : undefined) ?? (key === undefined && ts.isIdentifier(skipOuter(arg)) ? this.classOf(arg) : undefined);
        if (cls) return cls;
      }
      return undefined;
    } finally {
      this.giving.delete(decl);
    }
  }

  /** The values containers were given for a token (a symbol, a string, a class used as a token). */
  private diValues(token: ts.Expression): ts.Expression[] {
    const key = tokenKey(token, this.project);
    return key === undefined ? [] : this.diValuesByKey(key);
  }

  /**
   * What a name taken off awilix's cradle was registered as: `const { es } = req.container.cradle` (or off a cradle a
   * constructor was given) is the value of `container.register({ es: asValue(new Client(…)) })`.
   */
  injectedValues(binding: ts.BindingElement): ts.Expression[] {
    const name = cradleName(binding, binding.name as ts.Expression) ?? cradleBinding(binding);
    return name === undefined ? [] : this.diValuesByKey(`'${name}'`);
  }

  /** The values registered under a token's key (`'name'` for a name). */
  private diValuesByKey(key: string): ts.Expression[] {
    if (!this.diCache) {
      this.diCache = new Map();
      const add = (t: ts.Expression | undefined, v: ts.Expression | undefined): void => {
        const k = t && tokenKey(t, this.project);
        if (k === undefined || !v) return;
        const list = this.diCache!.get(k);
        if (list) list.push(v);
        else this.diCache!.set(k, [v]);
      };
      const unwrap = (v: ts.Expression): ts.Expression => {
        const e = skipOuter(v);
        return ts.isCallExpression(e) && diValueRegistration(calleeChain(e.expression)?.at(-1) ?? '')?.form === 'wrapper' && e.arguments[0] ? e.arguments[0] : e;
      };
      const addNamed = (k: string, v: ts.Expression): void => {
        const list = this.diCache!.get(k);
        if (list) list.push(v);
        else this.diCache!.set(k, [v]);
      };
      for (const method of DI_REGISTER_METHODS) {
        for (const call of this.project.callsNamed(method)) {
          if (!ts.isCallExpression(call)) continue;
          const [t, v] = call.arguments;
          const registration = diValueRegistration(method);
          // `registerInstance(T, v)`
          if (registration?.form === 'method' && registration.valueArg === 1) {
            add(t, v);
            continue;
          }
          // inversify `bind(T).toConstantValue(v)`: the token is in the call before
          if (registration?.form === 'method') {
            const callee = skipOuter(call.expression);
            const bind = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
            if (bind && ts.isCallExpression(bind)) add(bind.arguments[0], call.arguments[registration.valueArg ?? 0]);
            continue;
          }
          if (t && v) {
            const opts = skipOuter(v);
            if (ts.isObjectLiteralExpression(opts)) {
              // `register(T, { useValue: v })`
              for (const p of opts.properties) {
                if (ts.isPropertyAssignment(p) && p.name && diValueRegistration(propertyNameText(p.name) ?? '')?.form === 'option') add(t, p.initializer);
              }
            } else add(t, unwrap(v));
          } else if (t && ts.isObjectLiteralExpression(skipOuter(t))) {
            // awilix `register({ caller: asValue(caller) })`
            for (const p of (skipOuter(t) as ts.ObjectLiteralExpression).properties) {
              if (ts.isPropertyAssignment(p) && p.name && propertyNameText(p.name) !== undefined) addNamed(`'${propertyNameText(p.name)}'`, unwrap(p.initializer));
            }
          }
        }
      }
    }
    return this.diCache.get(key) ?? [];
  }
  private diCache?: Map<string, ts.Expression[]>;

  /**
   * `new C()`, and `await moduleRef.resolve(C, id)` / `container.get(C)` (see `instanceOfClass`);
   * a container handing out what was registered under a name or token (awilix
   * `req.scope.resolve('bookingService')` after `register({ bookingService: asClass(BookingService) })`);
   * a helper of the project that returns one of those (`const bookings = (req) => req.scope.resolve(…)`).
   */
  private instanceMadeBy(expr: ts.Expression, depth = 0): ts.ClassLikeDeclaration | undefined {
    const made = instanceOfClass(expr, this.project.modules);
    if (made || depth > 2) return made;
    let init = skipOuter(expr);
    if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
    if (!ts.isCallExpression(init)) return undefined;
    const callee = skipOuter(init.expression);
    if (ts.isPropertyAccessExpression(callee) && isDiResolve(callee.name.text) && init.arguments[0]) return this.diClasses(init.arguments[0])[0];
    const fn = this.project.handlers.functionOf(init.expression);
    if (!fn || !fn.body) return undefined;
    for (const r of returnedExpressions(fn)) {
      const cls = this.instanceMadeBy(r, depth + 1);
      if (cls) return cls;
    }
    return undefined;
  }

  /** The classes containers were told to make for a token (a name, a symbol, a class). */
  private diClasses(token: ts.Expression): ts.ClassLikeDeclaration[] {
    const key = tokenKey(token, this.project);
    return key === undefined ? [] : (this.diClassRegistry().get(key) ?? []);
  }

  private diClassRegistry(): Map<string, ts.ClassLikeDeclaration[]> {
    if (!this.diClassCache) {
      const cache = (this.diClassCache = new Map<string, ts.ClassLikeDeclaration[]>());
      const add = (k: string | undefined, registration: ts.Expression | undefined): void => {
        const cls = registration && this.registeredClass(registration);
        if (k === undefined || !cls) return;
        const list = cache.get(k);
        if (list) list.push(cls);
        else cache.set(k, [cls]);
      };
      for (const call of this.project.callsNamed('register')) {
        if (!ts.isCallExpression(call)) continue;
        const [t, v] = call.arguments;
        const first = t && skipOuter(t);
        if (first && ts.isObjectLiteralExpression(first)) {
          // awilix `register({ bookingService: asClass(BookingService).scoped() })`
          for (const p of first.properties) if (ts.isPropertyAssignment(p) && propertyNameText(p.name) !== undefined) add(`'${propertyNameText(p.name)}'`, p.initializer);
        } else if (t && v) {
          const opts = skipOuter(v);
          // tsyringe `register(T, { useClass: C })`; awilix `register('name', asClass(C))`
          if (ts.isObjectLiteralExpression(opts)) {
            for (const p of opts.properties)
              if (ts.isPropertyAssignment(p) && (diClassRegistration(propertyNameText(p.name) ?? '') ?? diFactoryRegistration(propertyNameText(p.name) ?? ''))?.form === 'option')
                add(tokenKey(t, this.project), p.initializer);
          } else add(tokenKey(t, this.project), v);
        }
      }
      // inversify `bind(T).to(C)`, `bind(T).toDynamicValue(() => new C(…))`
      for (const reg of [...DI_CLASS_REGISTRATIONS, ...DI_FACTORY_REGISTRATIONS].filter((r) => r.form === 'method')) {
        for (const call of this.project.callsNamed(reg.name)) {
          if (!ts.isCallExpression(call)) continue;
          const callee = skipOuter(call.expression);
          const bind = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
          if (bind && ts.isCallExpression(bind) && bind.arguments[0]) add(tokenKey(bind.arguments[0], this.project), call.arguments[reg.valueArg ?? 0]);
        }
      }
    }
    return this.diClassCache;
  }
  private diClassCache?: Map<string, ts.ClassLikeDeclaration[]>;
  private readonly classing = new Set<ts.Node>();
  /** Parameters whose callers are being asked for the class they pass (calls can lead back to the same parameter). */
  private readonly giving = new Set<ts.Node>();
  private buildingFieldWrites = false;

  /** The class a container registers under a name (awilix `register({ loanStore: asClass(LoanStore) })`). */
  diClassByName(name: string): ts.ClassLikeDeclaration | undefined {
    return this.diClassRegistry().get(`'${name}'`)?.[0];
  }

  /** The class a registration makes: `asClass(C)`, `asClass(C).scoped()`, a class itself (`useClass: C`, `.to(C)`). */
  private registeredClass(registration: ts.Expression): ts.ClassLikeDeclaration | undefined {
    let e = skipOuter(registration);
    // the lifetime and options chained on (`.scoped()`, `.singleton()`, `.inject(…)`)
    while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression))) e = skipOuter((skipOuter(e.expression) as ts.PropertyAccessExpression).expression);
    if (ts.isCallExpression(e) && diClassRegistration(calleeChain(e.expression)?.at(-1) ?? '')?.form === 'wrapper' && e.arguments[0]) e = skipOuter(e.arguments[0]);
    // a factory (`asFunction(({ s3 }) => new PhotoStore(s3))`, a `useFactory` option's function): the class it makes
    else if (ts.isCallExpression(e) && diFactoryRegistration(calleeChain(e.expression)?.at(-1) ?? '')?.form === 'wrapper' && e.arguments[0]) e = skipOuter(e.arguments[0]);
    if (isFunctionLike(e)) {
      const made = returnedExpressions(e).map((r) => skipOuter(r));
      const classes = new Set(made.map((r) => (ts.isNewExpression(r) ? this.project.modules.valueOf(skipOuter(r.expression)) : undefined)));
      const [only] = classes;
      return classes.size === 1 && only && ts.isClassLike(only) ? only : undefined;
    }
    const cls = this.project.modules.valueOf(e);
    return cls && ts.isClassLike(cls) ? cls : undefined;
  }

  /**
   * Writes to a field of a class instance, keyed `class.f`: `this.f = v` in the class, and
   * `x.f = v` anywhere `x` is an instance of it (`this.session.current = v` in a guard that was
   * given the session).
   */
  private fieldWrites(): Map<string, ts.Expression[]> {
    if (this.fieldWritesCache) return this.fieldWritesCache;
    this.buildingFieldWrites = true;
    const out = new Map<string, ts.Expression[]>();
    for (const facts of this.project.facts.values()) {
      for (const nodes of facts.assignments.values()) {
        for (const w of nodes) {
          if (!ts.isBinaryExpression(w) || w.operatorToken.kind !== SK.EqualsToken) continue;
          const left = skipOuter(w.left);
          if (!ts.isPropertyAccessExpression(left)) continue;
          const cls = this.classOf(skipOuter(left.expression));
          if (!cls) continue;
          const k = `${classKey(cls)}.${left.name.text}`;
          const list = out.get(k);
          if (list) list.push(w.right);
          else out.set(k, [w.right]);
        }
      }
    }
    this.buildingFieldWrites = false;
    return (this.fieldWritesCache = out);
  }

  /**
   * Values middleware binds to the request, by field: `req.identity = v`, `res.locals.identity = v`,
   * `ctx.state.identity = v`, `request.identity = v`, `req.session.operator = v`, `c.set('identity', v)`.
   */
  requestFieldWrites(): Map<string, ts.Expression[]> {
    if (this.requestFieldWritesCache) return this.requestFieldWritesCache;
    const out = new Map<string, ts.Expression[]>();
    const add = (key: string, v: ts.Expression): void => {
      const list = out.get(key);
      if (list) list.push(v);
      else out.set(key, [v]);
    };
    for (const facts of this.project.facts.values()) {
      for (const [, nodes] of facts.assignments) {
        for (const w of nodes) {
          if (!ts.isBinaryExpression(w) || w.operatorToken.kind !== SK.EqualsToken) continue;
          const left = skipOuter(w.left);
          if (!ts.isPropertyAccessExpression(left) && !ts.isElementAccessExpression(left)) continue;
          if (!isRequestLike(left.expression)) continue;
          const key = this.project.modules.accessKey(left);
          if (key !== undefined) add(sessionKey(left.expression, key), w.right);
        }
      }
    }
    for (const call of this.project.callsNamed('set')) {
      if (!ts.isCallExpression(call) || call.arguments.length !== 2 || !ts.isStringLiteralLike(call.arguments[0])) continue;
      const callee = skipOuter(call.expression);
      if (ts.isPropertyAccessExpression(callee) && isRequestLike(callee.expression)) add(call.arguments[0].text, call.arguments[1]);
    }
    return (this.requestFieldWritesCache = out);
  }

  /** The stores an `AsyncLocalStorage` holds: the first argument of its `run(store, …)` and `enterWith(store)`. */
  private storesOf(als: ts.Expression): ts.Expression[] | undefined {
    const target = this.project.modules.valueOf(als);
    if (!target) return undefined;
    if (!this.storesCache) {
      this.storesCache = new Map();
      for (const name of ['run', 'enterWith']) {
        for (const call of this.project.callsNamed(name)) {
          if (!ts.isCallExpression(call) || !call.arguments[0]) continue;
          const callee = skipOuter(call.expression);
          if (!ts.isPropertyAccessExpression(callee)) continue;
          const owner = this.project.modules.valueOf(callee.expression);
          if (!owner) continue;
          const list = this.storesCache.get(owner);
          if (list) list.push(call.arguments[0]);
          else this.storesCache.set(owner, [call.arguments[0]]);
        }
      }
    }
    return this.storesCache.get(target);
  }

  /**
   * The calls that may reach a function: `callersOf`, and calls of its name whose receiver cannot be
   * told apart (an instance the model cannot type); not those that reach another function or class.
   */
  possibleCallersOf(fn: Fn): ts.CallExpression[] {
    const known = this.callersOf(fn);
    const cls = ts.isMethodDeclaration(fn) && ts.isClassLike(fn.parent) ? fn.parent : undefined;
    const out = [...known];
    for (const call of this.project.handlers.callersOf(fn)) {
      if (!ts.isCallExpression(call) || known.includes(call)) continue;
      const callee = skipOuter(call.expression);
      const value = this.project.modules.valueOf(callee);
      if (value && value !== callee && isFunctionLike(value)) continue; // another function
      if (ts.isPropertyAccessExpression(callee)) {
        const other = this.classOf(callee.expression);
        if (other && other !== cls) continue; // a method of another class
      }
      out.push(call);
    }
    return out;
  }

  /**
   * The call sites of a function that can be told apart: the callee resolves to it, or it is a
   * method called on `this.x` / a local whose declared type or `new` names its class.
   */
  callersOf(fn: Fn): ts.CallExpression[] {
    const cached = this.callers.get(fn);
    if (cached) return cached;
    const out: ts.CallExpression[] = [];
    this.callers.set(fn, out);
    const cls = ts.isMethodDeclaration(fn) && ts.isClassLike(fn.parent) ? fn.parent : undefined;
    for (const call of this.project.handlers.callersOf(fn)) {
      if (!ts.isCallExpression(call)) continue;
      const callee = skipOuter(call.expression);
      const value = this.project.modules.valueOf(callee);
      // (also a choice of two, `const run = ok ? setpoint : close`, or an entry of a dispatch table, `{ checkout, seal }[action]`)
      const held = (v: ts.Node): boolean =>
        (ts.isConditionalExpression(v) || ts.isElementAccessExpression(v)) &&
        heldValues(v, (id) => this.project.modules.declarationOf(id.text, id)).some((h) => this.project.modules.valueOf(h) === fn);
      // (or an entry of a table of routes walked or looked up: `route.handler(…)` in `for (const route of routes)`)
      const entry = (): boolean => ts.isPropertyAccessExpression(callee) && this.project.handlers.dispatchedMembers(callee).some((h) => this.project.modules.valueOf(h) === fn);
      if (value === fn || (value !== undefined && held(value)) || held(callee) || entry()) out.push(call);
      else if (cls && ts.isPropertyAccessExpression(callee) && this.classOf(callee.expression) === cls) out.push(call);
    }
    return out;
  }
}

/** An expression that stands for a value (not a property name, nor a literal container whose parts are visited anyway). */
export function isValueExpression(n: ts.Node): boolean {
  if (!ts.isExpression(n) || ts.isObjectLiteralExpression(n) || ts.isArrayLiteralExpression(n)) return false;
  const p = n.parent;
  if (ts.isIdentifier(n) && p && ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n))) return false;
  return true;
}

/**
 * The project class an expression makes an instance of: `new C()`, or a container handing one out
 * for the class it is given (`await moduleRef.resolve(C, id)`, `container.resolve(C)`, `container.get(C)`).
 */
export function instanceOfClass(expr: ts.Expression, modules: Modules): ts.ClassLikeDeclaration | undefined {
  let init = skipOuter(expr);
  if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
  if (ts.isNewExpression(init)) {
    const cls = modules.valueOf(init.expression);
    return cls && ts.isClassLike(cls) ? cls : undefined;
  }
  if (
    ts.isCallExpression(init) &&
    init.arguments[0] &&
    ts.isPropertyAccessExpression(skipOuter(init.expression)) &&
    isDiResolve((skipOuter(init.expression) as ts.PropertyAccessExpression).name.text)
  ) {
    const cls = modules.valueOf(init.arguments[0]);
    if (cls && ts.isClassLike(cls)) return cls;
    // a token, with the class the call says it hands back: `container.get<FlightService>(TYPES.FlightService)`
    const typeArg = init.typeArguments?.[0];
    if (typeArg && ts.isTypeReferenceNode(typeArg) && ts.isIdentifier(typeArg.typeName)) {
      const named = modules.typeValueOf(typeArg.typeName);
      return named && ts.isClassLike(named) ? named : undefined;
    }
  }
  return undefined;
}

/** The values a promise's executor passes to its first parameter: `resolve(x)` anywhere in it, its callbacks included. */
function settledWith(executor: ts.FunctionLikeDeclaration): ts.Expression[] {
  const resolve = executor.parameters[0]?.name;
  if (!resolve || !ts.isIdentifier(resolve) || !executor.body) return [];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.Identifier).text === resolve.text && n.arguments[0])
      out.push(n.arguments[0]);
    ts.forEachChild(n, visit);
  };
  visit(executor.body);
  return out;
}

/** What identifies a DI token: the declaration a name resolves to, or a string's text. */
function tokenKey(token: ts.Expression, project: Project): string | undefined {
  const e = skipOuter(token);
  if (ts.isStringLiteralLike(e)) return `'${e.text}'`;
  // a name, or a member of a token table (`TYPES.BurialRepository`, wherever the table is imported from)
  const decl = ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) ? project.modules.valueOf(e) : undefined;
  if (!decl) return undefined;
  // `Symbol.for('BurialRepository')` is one symbol wherever it is written
  if (ts.isCallExpression(decl) && calleeChain(decl.expression)?.join('.') === 'Symbol.for' && decl.arguments[0] && ts.isStringLiteralLike(decl.arguments[0])) {
    return `Symbol.for:'${decl.arguments[0].text}'`;
  }
  const sf = decl.getSourceFile();
  return `${sf.fileName}:${decl.pos}`;
}

const classKeys = new WeakMap<ts.ClassLikeDeclaration, string>();
let nextClassKey = 0;
function classKey(cls: ts.ClassLikeDeclaration): string {
  let k = classKeys.get(cls);
  if (!k) classKeys.set(cls, (k = `c${nextClassKey++}`));
  return k;
}

/** A class whose constructor writes what one of its parameters holds to a field (`this.code = cert.subject.O`, a parameter property). */
function keepsConstructorArguments(cls: ts.ClassLikeDeclaration): boolean {
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  if (!ctor?.body) return false;
  const params = new Set(ctor.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
  if (ctor.parameters.some((p) => (ts.getModifiers(p)?.length ?? 0) > 0)) return true;
  let kept = false;
  const visit = (n: ts.Node): void => {
    if (kept) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === SK.EqualsToken && ts.isPropertyAccessExpression(n.left) && n.left.expression.kind === SK.ThisKeyword) {
      let root: ts.Expression = skipOuter(n.right);
      while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root) || ts.isCallExpression(root)) root = skipOuter(root.expression);
      if (ts.isIdentifier(root) && params.has(root.text)) kept = true;
    }
    if (!kept) ts.forEachChild(n, visit);
  };
  visit(ctor.body);
  return kept;
}

/** `scope.cradle.analyst`: the name read off a container's cradle. */
function cradleField(e: ts.PropertyAccessExpression): string | undefined {
  const owner = skipOuter(e.expression);
  return ts.isPropertyAccessExpression(owner) && owner.name.text === DI_CRADLE ? e.name.text : undefined;
}

/**
 * `const { analyst } = req.container.cradle`: the name destructured off a container's cradle; also off the cradle a
 * constructor was given and its class keeps in a field (`const { staff } = this.deps`).
 */
function cradleBinding(e: ts.BindingElement): string | undefined {
  const decl = e.parent.parent;
  const init = ts.isVariableDeclaration(decl) && decl.initializer ? skipOuter(decl.initializer) : undefined;
  if (!init || !ts.isPropertyAccessExpression(init) || (init.name.text !== DI_CRADLE && !keptCradle(init))) return undefined;
  const key = e.propertyName ?? e.name;
  return ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : undefined;
}

/** Structural, not vocabulary: the modifiers that make a constructor parameter a field (`private readonly deps`). */
const PARAMETER_PROPERTY_MODIFIERS: readonly ts.SyntaxKind[] = [
  ts.SyntaxKind.PrivateKeyword,
  ts.SyntaxKind.ProtectedKeyword,
  ts.SyntaxKind.PublicKeyword,
  ts.SyntaxKind.ReadonlyKeyword,
];

/**
 * `this.deps` where the class's constructor keeps the object it is given whole: a parameter property
 * (`constructor(private readonly deps: Deps)`) or a field set from a parameter (`this.deps = deps`). In awilix's
 * proxy mode that object is the cradle.
 */
function keptCradle(e: ts.PropertyAccessExpression): boolean {
  if (skipOuter(e.expression).kind !== ts.SyntaxKind.ThisKeyword) return false;
  let cls: ts.Node | undefined = e.parent;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  const ctor = cls && ts.isClassLike(cls) ? cls.members.find(ts.isConstructorDeclaration) : undefined;
  if (!ctor) return false;
  const name = e.name.text;
  const param = (p: ts.ParameterDeclaration): boolean => ts.isIdentifier(p.name) && p.dotDotDotToken === undefined;
  if (ctor.parameters.some((p) => param(p) && (p.name as ts.Identifier).text === name && ts.getModifiers(p)?.some((m) => PARAMETER_PROPERTY_MODIFIERS.includes(m.kind))))
    return true;
  const given = new Set(ctor.parameters.filter(param).map((p) => (p.name as ts.Identifier).text));
  return (ctor.body?.statements ?? []).some((st) => {
    if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression) || st.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return false;
    const left = skipOuter(st.expression.left);
    const right = skipOuter(st.expression.right);
    return ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword && left.name.text === name && ts.isIdentifier(right) && given.has(right.text);
  });
}

/**
 * The name a constructor is given a dependency under, by destructuring its parameter
 * (`constructor({ bookingRepository })`) or reading a field of it (`deps.bookingRepository`).
 */
export function cradleName(decl: ts.Node | undefined, e: ts.Expression): string | undefined {
  if (decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isParameter(decl.parent.parent) && ts.isConstructorDeclaration(decl.parent.parent.parent)) {
    const key = decl.propertyName ?? decl.name;
    return ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : undefined;
  }
  // (`this.deps.staff`, the cradle kept in a field)
  if (ts.isPropertyAccessExpression(e) && ts.isPropertyAccessExpression(skipOuter(e.expression)) && keptCradle(skipOuter(e.expression) as ts.PropertyAccessExpression))
    return e.name.text;
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    for (let n: ts.Node | undefined = e.parent; n; n = n.parent) {
      if (!ts.isConstructorDeclaration(n)) continue;
      const owner = e.expression.text;
      return n.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === owner) ? e.name.text : undefined;
    }
  }
  return undefined;
}

/** NestJS's request, from the execution context: `ctx.switchToHttp().getRequest()`. */
export function isNestGetRequest(e: ts.Expression): boolean {
  const x = skipOuter(e);
  if (!ts.isCallExpression(x)) return false;
  const callee = skipOuter(x.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === NEST_GET_REQUEST;
}

/**
 * The key a request field is bound under: the client's session (`ctx.session.employer`, `req.session.user`) is
 * a place of its own, kept between requests and found again by a cookie, so what middleware binds to the
 * request (`ctx.state.employer`) is never read back through it, nor the other way round, whatever the name.
 */
function sessionKey(container: ts.Expression, key: string): string {
  const e = skipOuter(container);
  const last = ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  return last !== undefined && isSessionField(last) ? `${SESSION_PREFIX}${key}` : key;
}
const SESSION_PREFIX = 'session:';

/** Whether a receiver is what a crypto factory made, perhaps already fed: `createHash('sha256')`, `crypto.createHmac(…).update(a)`. */
function fedCrypto(receiver: ts.Expression): boolean {
  let e = skipOuter(receiver);
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === CRYPTO_FEED_METHOD) e = skipOuter(e.expression.expression);
  return ts.isCallExpression(e) && isCryptoFactory(calleeName(e) ?? '');
}
