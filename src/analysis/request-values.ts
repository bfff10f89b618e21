import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { isCertHeaderName, isRequestLike } from './identity';
import { fieldDeclaration, isFunctionLike, propertyNameText, returnedExpressions } from './modules';
import { isNestGetRequest, type Leaf } from './values';
import type { Project } from './project';
import type { Sink } from './sinks';
import { isNestInputDecorator, isRequestBoundField, isRequestInputField, isRequestInputMethod, isRequestInputOwner, isRequestObjectOf, requestRoleOf } from './vocabulary/requests';
import { NEST_PARAM_DECORATOR_FACTORY } from './vocabulary/frameworks';
import { ROUTING_CONTROLLERS } from './vocabulary/api-layers';

const SK = ts.SyntaxKind;

/** A value the client chose: a route param, query or body field, header, or a NestJS `@Param()`. */
export interface RequestRead {
  /** The read: `req.params.id`, `c.req.param('id')`, the `@Param('id') id` parameter. */
  node: ts.Node;
  /** How it is written, for messages: `req.params.id`. */
  name: string;
  /** The field, when known: `id`. */
  key?: string;
  /** A whole bag (`req.body`, `@Body() dto`) rather than one field of it. */
  whole: boolean;
}

/**
 * The two questions the request rules ask of value flow (`values.ts`): did the client choose this
 * value (`origin`: a route param, query, body field, header, resolver argument, procedure input), and
 * does it carry the client identity (`carriesIdentity`: the identity model's sources, through the
 * same flow, plus NestJS param decorators whose factory returns identity).
 */
export class RequestValues {
  private readonly requestLeaf: Leaf<RequestRead>;
  private readonly identityLeaf: Leaf<RequestRead>;

  constructor(private readonly project: Project) {
    this.requestLeaf = Object.assign((n: ts.Node) => requestRead(n) ?? this.apiInput(n), { narrow });
    const whole = (n: ts.Node): RequestRead => ({ node: n, name: '', whole: true });
    this.identityLeaf = Object.assign(
      (n: ts.Node) => (this.project.identity.isSource(n) || this.identityParameter(n) || this.recordOfIdentity(n) ? whole(n) : undefined),
      // `req.query.memberNo ?? me.memberNo`: the identity is only the default of the client's choice
      { overriddenBy: (left: ts.Node) => this.origin(left) !== undefined },
    );
  }

  private readsBySink?: Map<ts.Node, Sink>;
  private readonly askingRecord = new Set<ts.Node>();

  /**
   * A record read by the client's identity is the client's own: `applicantByFingerprint(fp)`
   * returning `SELECT … WHERE fingerprint = $1`, `Operator.findOne({ where: { cn } })` — its fields
   * (`applicant.id`) carry the identity on.
   */
  private recordOfIdentity(n: ts.Node): boolean {
    if (!ts.isCallExpression(n) || this.askingRecord.has(n)) return false;
    this.readsBySink ??= new Map(this.project.sinks.filter((s) => s.readOnly && (s.kind === 'database' || s.kind === 'sql')).map((s) => [s.node, s]));
    const sink = this.readsBySink.get(n);
    if (!sink) return false;
    // a read whose own selection rests on its result (a loop re-reading) is not asked about again
    this.askingRecord.add(n);
    try {
      return sink.selectors.some((s) => this.mentionsIdentity(s));
    } finally {
      this.askingRecord.delete(n);
    }
  }

  /** The first request-controlled read that flows into `expr`. */
  origin(expr: ts.Node): RequestRead | undefined {
    return this.project.values.find(expr, this.requestLeaf);
  }

  /** Whether `expr` carries client identity, through locals, helpers, fields and parameters. */
  carriesIdentity(expr: ts.Node): boolean {
    return this.project.values.find(expr, this.identityLeaf) !== undefined;
  }

  /** Any part of `node` carries identity: `{ id, tenantId: me.tenant }`, `` `…${cn}…` ``, `and(eq(…), eq(t.owner, cn))`. */
  mentionsIdentity(node: ts.Node): boolean {
    return this.project.values.findIn(node, this.identityLeaf) !== undefined;
  }

  /** The first request-controlled read anywhere in `node` that passes `accept`. */
  requestReadIn(node: ts.Node, accept: (r: RequestRead) => boolean = () => true): RequestRead | undefined {
    return this.project.values.findIn(node, this.requestLeaf, accept);
  }

  /** Every request-controlled read inside `node`. */
  requestReadsIn(node: ts.Node): RequestRead[] {
    const out: RequestRead[] = [];
    this.project.values.findIn(node, this.requestLeaf, (r) => {
      out.push(r);
      return false;
    });
    return out;
  }

  /** A GraphQL resolver's arguments or a tRPC procedure's input. */
  private apiInput(n: ts.Node): RequestRead | undefined {
    const read = this.project.apiLayers.inputRead(n);
    return read && { node: n, name: read.name, key: read.key, whole: read.key === undefined };
  }

  /** A NestJS parameter filled by a custom decorator whose factory returns identity: `@ClientIdentity() id`. */
  private identityParameter(n: ts.Node): boolean {
    if (!ts.isParameter(n)) return false;
    for (const dec of ts.getDecorators(n) ?? []) {
      const e = dec.expression;
      const callee = ts.isCallExpression(e) ? e.expression : e;
      // routing-controllers' `@CurrentUser()`: what the server's `currentUserChecker` hands back
      if (ts.isIdentifier(callee)) {
        const binding = this.project.facts.get(n.getSourceFile().fileName)?.bindings.get(callee.text);
        if (binding?.module === ROUTING_CONTROLLERS.module && (binding.path[0] ?? callee.text) === ROUTING_CONTROLLERS.currentUser) {
          if (this.currentUserCheckers().some((f) => returnedExpressions(f).some((r) => this.project.identity.isIdentity(r) || this.boundIdentityRead(r, f)))) return true;
          continue;
        }
      }
      const value = this.project.modules.valueOf(callee);
      // NestJS `const Agent = createParamDecorator(factory)`; routing-controllers `function CurrentAgent() { return
      // createParamDecorator({ value: (action) => action.request.agent }) }`
      const made =
        value && isFunctionLike(value)
          ? returnedExpressions(value)
              .map((r) => skipOuter(r))
              .find(ts.isCallExpression)
          : value;
      if (!made || !ts.isCallExpression(made) || calleeChain(made.expression)?.at(-1) !== NEST_PARAM_DECORATOR_FACTORY || !made.arguments[0]) continue;
      const arg = skipOuter(made.arguments[0]);
      const option = ts.isObjectLiteralExpression(arg)
        ? arg.properties.find((p) => p.name !== undefined && propertyNameText(p.name) === ROUTING_CONTROLLERS.paramDecoratorValue)
        : undefined;
      const given = option ? (ts.isPropertyAssignment(option) ? option.initializer : ts.isMethodDeclaration(option) ? option : undefined) : arg;
      const factory = given && (isFunctionLike(given) ? given : this.project.handlers.functionOf(given));
      if (factory && returnedExpressions(factory).some((r) => this.project.identity.isIdentity(r) || this.boundIdentityRead(r, factory))) return true;
    }
    return false;
  }

  private checkers?: ts.FunctionLikeDeclaration[];
  /** The `currentUserChecker` functions routing-controllers servers are made with (`useExpressServer(app, { currentUserChecker })`). */
  private currentUserCheckers(): ts.FunctionLikeDeclaration[] {
    if (this.checkers) return this.checkers;
    this.checkers = [];
    for (const name of ROUTING_CONTROLLERS.servers)
      for (const call of this.project.callsNamed(name)) {
        if (!ts.isCallExpression(call)) continue;
        for (const arg of call.arguments) {
          const options = skipOuter(arg);
          if (!ts.isObjectLiteralExpression(options)) continue;
          const option = options.properties.find((p) => p.name !== undefined && propertyNameText(p.name) === ROUTING_CONTROLLERS.currentUserChecker);
          const given = option && (ts.isPropertyAssignment(option) ? option.initializer : ts.isMethodDeclaration(option) ? option : undefined);
          const fn = given && (isFunctionLike(given) ? given : this.project.handlers.functionOf(given));
          if (fn) this.checkers.push(fn);
        }
      }
    return this.checkers;
  }

  /**
   * `ctx.switchToHttp().getRequest().client`: a request-bound identity field read off `getRequest()`; in a
   * routing-controllers decorator's `value(action)`, off `action.request` (`(action.request as AgentRequest).agent`),
   * also through a local kept of it.
   */
  private boundIdentityRead(expr: ts.Expression, factory?: ts.FunctionLikeDeclaration, depth = 0): boolean {
    let e = skipOuter(expr);
    if (ts.isIdentifier(e) && depth < 2) {
      const decl = this.project.modules.declarationOf(e.text, e);
      if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isIdentifier(decl.name)) return this.boundIdentityRead(decl.initializer, factory, depth + 1);
    }
    e = skipOuter(e);
    if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return false;
    const key = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
    if (key === undefined || !this.project.identity.requestBound().has(key)) return false;
    const base = skipOuter(e.expression);
    if (isNestGetRequest(base)) return true;
    const action = factory?.parameters[0]?.name;
    if (
      action &&
      ts.isIdentifier(action) &&
      ts.isPropertyAccessExpression(base) &&
      base.name.text === ROUTING_CONTROLLERS.actionRequest &&
      ts.isIdentifier(skipOuter(base.expression)) &&
      (skipOuter(base.expression) as ts.Identifier).text === action.text
    )
      return true;
    if (ts.isIdentifier(base)) {
      const decl = this.project.modules.declarationOf(base.text, base);
      return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && isNestGetRequest(skipOuter(decl.initializer));
    }
    return false;
  }

  /** The call sites of a function that can be told apart (see `Values.callersOf`). */
  callersOf(fn: Fn): ts.CallExpression[] {
    return this.project.values.callersOf(fn);
  }
}

export { isValueExpression } from './values';

/** A bag narrowed to one of its fields: `req.params` + `id` → `req.params.id`. */
function narrow(from: RequestRead, key: string | undefined): RequestRead | undefined {
  if (!from.whole || key === undefined) return from;
  if (from.name.endsWith('headers') && isCertHeaderName(key)) return undefined; // a forwarded certificate is identity, not a choice
  return { node: from.node, name: `${from.name}.${key}`, key, whole: false };
}

/** Reads of request input, as the frameworks spell them. */
/** Whether any part of `node` reads request input by its syntax alone (`request.headers['x-sig']`, `c.req.param('id')`): no value flow. */
export function readsRequestInput(node: ts.Node): boolean {
  if (requestRead(node)) return true;
  return ts.forEachChild(node, (c) => (readsRequestInput(c) ? true : undefined)) === true;
}

function requestRead(n: ts.Node): RequestRead | undefined {
  if (ts.isPropertyAccessExpression(n)) {
    const key = n.name.text;
    // Koa's `ctx.body` is the response; its request body is `ctx.request.body`
    if (key === 'body' && isRequestObjectOf(n.expression.getText(), 'koa', 'context')) return undefined;
    if (isRequestInputField(key) && isRequestInput(n.expression)) {
      return { node: n, name: text(n), whole: true };
    }
    return undefined;
  }
  if (ts.isCallExpression(n)) {
    const callee = skipOuter(n.expression);
    if (!ts.isPropertyAccessExpression(callee)) return undefined;
    const method = callee.name.text;
    const arg = n.arguments[0];
    const literal = arg && ts.isStringLiteralLike(arg) ? arg.text : undefined;
    const owner = skipOuter(callee.expression);
    // Hono: `c.req.param('id')`, `c.req.query('q')`, `c.req.json()`, `c.req.valid('json')`
    if (ts.isPropertyAccessExpression(owner) && owner.name.text === 'req' && isRequestInputMethod(method, 'hono-req')) {
      if (method === 'header' && literal !== undefined && isCertHeaderName(literal)) return undefined;
      return { node: n, name: text(n), key: literal, whole: literal === undefined };
    }
    // Express `req.param('id')`, `req.get('x-account')`, `ctx.get('x-account')`
    if (isRequestInputMethod(method, 'request') && literal !== undefined && isRequestLike(owner) && !boundInside(owner.getText())) {
      if (method !== 'param' && isCertHeaderName(literal)) return undefined;
      if (method === 'get' && owner.getText() === 'c') return undefined; // Hono `c.get('identity')`
      return { node: n, name: text(n), key: literal, whole: false };
    }
    // `url.searchParams.get('id')`
    if (method === 'get' && ts.isPropertyAccessExpression(owner) && owner.name.text === 'searchParams' && literal !== undefined) {
      return { node: n, name: text(n), key: literal, whole: false };
    }
    // a Fetch `Request` in Hono or Next: `await request.json()`
    if (isRequestInputMethod(method, 'fetch-request') && n.arguments.length === 0 && requestRoleOf(owner.getText()) === 'request') return { node: n, name: text(n), whole: true };
    return undefined;
  }
  // the body read off the request stream: `for await (const chunk of req)` (node:http/https)
  if (ts.isIdentifier(n) && n.parent && ts.isForOfStatement(n.parent) && n.parent.expression === n && isRequestInput(n)) {
    return { node: n, name: `${n.text} body`, whole: true };
  }
  if (ts.isParameter(n)) {
    // `req.on('data', (chunk) => …)`: the body read off the request stream
    const cb = n.parent;
    const on = isFunctionLike(cb) && cb.parameters[0] === n && cb.parent && ts.isCallExpression(cb.parent) ? cb.parent : undefined;
    const onCallee = on && skipOuter(on.expression);
    if (
      on &&
      onCallee &&
      ts.isPropertyAccessExpression(onCallee) &&
      onCallee.name.text === 'on' &&
      on.arguments[1] === cb &&
      on.arguments[0] &&
      ts.isStringLiteralLike(on.arguments[0]) &&
      on.arguments[0].text === 'data' &&
      isRequestInput(onCallee.expression)
    )
      return { node: n, name: `${onCallee.expression.getText()} body`, whole: true };
    // NestJS `@Param('id') id`, `@Query() q`, `@Body() dto`, `@Headers('x-tenant') t`
    for (const dec of ts.getDecorators(n) ?? []) {
      const e = dec.expression;
      if (!ts.isCallExpression(e) || !ts.isIdentifier(e.expression) || !isNestInputDecorator(e.expression.text)) continue;
      const a = e.arguments[0];
      const key = a && ts.isStringLiteralLike(a) ? a.text : undefined;
      if (e.expression.text === 'Headers' && key !== undefined && isCertHeaderName(key)) return undefined;
      return { node: n, name: `@${e.expression.text}(${key ? `'${key}'` : ''}) ${n.name.getText()}`, key, whole: key === undefined };
    }
    // `router.param('id', (req, res, next, id) => …)`
    const fn = n.parent;
    if (isFunctionLike(fn) && fn.parameters.indexOf(n) === 3 && ts.isCallExpression(fn.parent)) {
      const owner = fn.parent;
      if (calleeChain(owner.expression)?.at(-1) === 'param' && owner.arguments[0] && ts.isStringLiteralLike(owner.arguments[0])) {
        return { node: n, name: `router.param('${owner.arguments[0].text}')`, key: owner.arguments[0].text, whole: false };
      }
    }
  }
  return undefined;
}

/** The request (or a framework's wrapper of it) whose input bags hold client-chosen values. */
function isRequestInput(expr: ts.Expression): boolean {
  const e = skipOuter(expr);
  const t = calleeChain(e)?.join('.');
  if (t === undefined) return false;
  return isRequestInputOwner(t);
}

/** `res.locals`, `ctx.state.user`, `c.var`: somewhere in the chain a field bound by middleware, not input. */
function boundInside(chain: string): boolean {
  return chain.split('.').some((part) => isRequestBoundField(part));
}

function text(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 60 ? t.slice(0, 57) + '…' : t;
}

/**
 * Where an instance a method is called on is declared: the class field or constructor parameter
 * of `this.x` (NestJS injection), or the local or import `x`.
 */
export function receiverDeclaration(receiver: ts.Expression, project: Project): ts.Node | undefined {
  const e = skipOuter(receiver);
  if (ts.isPropertyAccessExpression(e) && e.expression.kind === SK.ThisKeyword) {
    const cls = classOf(e);
    const name = e.name.text;
    return fieldDeclaration(cls, name);
  }
  return ts.isIdentifier(e) ? project.modules.declarationOf(e.text, e) : undefined;
}

function classOf(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return n;
  return undefined;
}
