import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { isCertHeaderName, isRequestLike } from './identity';
import { isFunctionLike, propertyNameText, returnedExpressions } from './modules';
import type { Project } from './project';
import { isConversion, iteratesElements, keepsValue } from './vocabulary/values';
import { isNestInputDecorator, isRequestBoundField, isRequestInputField, isRequestInputMethod, isRequestInputOwner, isRequestObjectOf, requestRoleOf } from './vocabulary/requests';

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

/** Parameters bound to the arguments of the call being followed into a function's return value. */
interface Env {
  params: Map<ts.ParameterDeclaration, ts.Expression | undefined>;
  parent?: Env;
}

/**
 * Where values come from, backwards through the code that computes them: locals, destructuring,
 * property reads, conversions (`Number`, `parseInt`, `new ObjectId`), templates, helper return
 * values (with the helper's parameters bound to the call's arguments), and parameters (through
 * every call site that can be told apart). Two questions use it: does a value come from the
 * request (`origin`), and does it carry the client identity (`carriesIdentity`, which adds
 * parameter flow to `Identity.isIdentity`: a service that gets `identity.tenantId` as an argument).
 */
export class RequestValues {
  private readonly origins = new Map<ts.Node, RequestRead | null>();
  private readonly identities = new Map<ts.Node, boolean>();
  private readonly callers = new Map<Fn, ts.CallExpression[]>();

  constructor(private readonly project: Project) {}

  /** The first request-controlled read that flows into `expr`. */
  origin(expr: ts.Node): RequestRead | undefined {
    const cached = this.origins.get(expr);
    if (cached !== undefined) return cached ?? undefined;
    this.origins.set(expr, null);
    const found = this.trace(expr, requestRead, undefined, 0, new Set());
    this.origins.set(expr, found ?? null);
    return found;
  }

  /** Whether `expr` carries client identity, through locals, helpers and parameters. */
  carriesIdentity(expr: ts.Node): boolean {
    const cached = this.identities.get(expr);
    if (cached !== undefined) return cached;
    this.identities.set(expr, false);
    const found = this.trace(expr, (n) => (this.project.identity.isIdentity(n) || this.identityParameter(n) ? { node: n, name: '', whole: true } : undefined), undefined, 0, new Set()) !== undefined;
    this.identities.set(expr, found);
    return found;
  }

  /** Any part of `node` carries identity: `{ id, tenantId: me.tenant }`, `` `…${cn}…` ``, `and(eq(…), eq(t.owner, cn))`. */
  mentionsIdentity(node: ts.Node): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (isValueExpression(n) && this.carriesIdentity(n)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(node);
    return found;
  }

  /** The first request-controlled read anywhere in `node` that passes `accept`. */
  requestReadIn(node: ts.Node, accept: (r: RequestRead) => boolean = () => true): RequestRead | undefined {
    let found: RequestRead | undefined;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (isValueExpression(n)) {
        const r = this.origin(n);
        if (r && accept(r)) found = r;
      }
      if (!found) ts.forEachChild(n, visit);
    };
    visit(node);
    return found;
  }

  /** A NestJS parameter filled by a custom decorator whose factory returns identity: `@ClientIdentity() id`. */
  private identityParameter(n: ts.Node): boolean {
    if (!ts.isParameter(n)) return false;
    for (const dec of ts.getDecorators(n) ?? []) {
      const e = dec.expression;
      const callee = ts.isCallExpression(e) ? e.expression : e;
      const value = this.project.modules.valueOf(callee);
      if (!value || !ts.isCallExpression(value) || calleeChain(value.expression)?.at(-1) !== 'createParamDecorator') continue;
      const factory = value.arguments[0] && this.project.handlers.functionOf(value.arguments[0]);
      if (factory && returnedExpressions(factory).some((r) => this.project.identity.isIdentity(r) || this.boundIdentityRead(r))) return true;
    }
    return false;
  }

  /** `ctx.switchToHttp().getRequest().client`: a request-bound identity field read off `getRequest()`. */
  private boundIdentityRead(expr: ts.Expression): boolean {
    const e = skipOuter(expr);
    if (!ts.isPropertyAccessExpression(e) && !ts.isElementAccessExpression(e)) return false;
    const key = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
    if (key === undefined || !this.project.identity.requestBound().has(key)) return false;
    const base = skipOuter(e.expression);
    if (isGetRequest(base)) return true;
    if (ts.isIdentifier(base)) {
      const decl = this.project.modules.declarationOf(base.text, base);
      return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && isGetRequest(skipOuter(decl.initializer));
    }
    return false;
  }

  private trace(node: ts.Node, leaf: (n: ts.Node) => RequestRead | undefined, env: Env | undefined, depth: number, seen: Set<ts.Node>): RequestRead | undefined {
    if (depth > 14 || seen.has(node)) return undefined;
    seen.add(node);
    try {
      return this.step(node, leaf, env, depth, seen);
    } finally {
      seen.delete(node);
    }
  }

  private step(node: ts.Node, leaf: (n: ts.Node) => RequestRead | undefined, env: Env | undefined, depth: number, seen: Set<ts.Node>): RequestRead | undefined {
    const e = ts.isExpression(node) ? skipOuter(node) : node;
    const hit = leaf(e);
    if (hit) return hit;
    const next = (n: ts.Node | undefined, en: Env | undefined = env): RequestRead | undefined => (n ? this.trace(n, leaf, en, depth + 1, seen) : undefined);
    const any = (nodes: readonly (ts.Node | undefined)[], en: Env | undefined = env): RequestRead | undefined => {
      for (const n of nodes) {
        const r = next(n, en);
        if (r) return r;
      }
      return undefined;
    };
    if (ts.isIdentifier(e)) {
      const decl = this.project.modules.declarationOf(e.text, e);
      if (!decl) return undefined;
      if (ts.isVariableDeclaration(decl)) return next(decl.initializer);
      if (ts.isBindingElement(decl) || ts.isParameter(decl)) return next(decl);
      return undefined;
    }
    if (ts.isBindingElement(e)) {
      // `const { id } = req.params`: the owner's origin, narrowed to the key
      const key = e.propertyName ?? (ts.isIdentifier(e.name) ? e.name : undefined);
      const owner = e.parent.parent;
      const from = ts.isBindingElement(owner) || ts.isParameter(owner) ? next(owner) : ts.isVariableDeclaration(owner) ? next(owner.initializer) : undefined;
      const k = key && (ts.isIdentifier(key) || ts.isStringLiteralLike(key)) ? key.text : undefined;
      return from && narrow(from, k);
    }
    if (ts.isParameter(e)) {
      for (let en = env; en; en = en.parent) if (en.params.has(e)) return next(en.params.get(e), en.parent);
      const fn = e.parent;
      if (!isFunctionLike(fn) || this.project.handlers.isEntry(fn)) return undefined;
      // `ids.map((id) => repo.findOne(id))`: the elements of the receiver
      if (fn.parent && ts.isCallExpression(fn.parent) && fn.parent.arguments.includes(fn as ts.Expression) && fn.parameters.indexOf(e) === 0) {
        const callee = skipOuter(fn.parent.expression);
        if (ts.isPropertyAccessExpression(callee) && iteratesElements(callee.name.text)) return next(callee.expression);
      }
      const index = fn.parameters.indexOf(e);
      for (const call of this.callersOf(fn)) {
        const arg = call.arguments[index];
        const r = next(arg, undefined);
        if (r) return r;
      }
      return undefined;
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const key = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
      const from = next(e.expression);
      return from && narrow(from, key);
    }
    if (ts.isAwaitExpression(e) || ts.isSpreadElement(e)) return next(e.expression);
    if (ts.isSpreadAssignment(e)) return next(e.expression);
    if (ts.isTemplateExpression(e)) return any(e.templateSpans.map((s) => s.expression));
    if (ts.isTaggedTemplateExpression(e)) return ts.isTemplateExpression(e.template) ? any(e.template.templateSpans.map((s) => s.expression)) : undefined;
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      if (op === SK.BarBarToken || op === SK.QuestionQuestionToken || op === SK.PlusToken || op === SK.AmpersandAmpersandToken || op === SK.CommaToken) return any([e.left, e.right]);
      return undefined;
    }
    if (ts.isConditionalExpression(e)) return any([e.whenTrue, e.whenFalse]);
    if (ts.isObjectLiteralExpression(e)) {
      return any(e.properties.map((p) => (ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : ts.isSpreadAssignment(p) ? p.expression : undefined)));
    }
    if (ts.isArrayLiteralExpression(e)) return any(e.elements);
    if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
      const callee = skipOuter(e.expression);
      const name = calleeChain(callee)?.at(-1) ?? (ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined);
      if (name !== undefined && isConversion(name)) return any([...(e.arguments ?? []), ts.isPropertyAccessExpression(callee) ? callee.expression : undefined]);
      // a method on the value: `id.trim()`, `String(id).padStart(…)`, `dto.ids.map(Number)`
      if (ts.isPropertyAccessExpression(callee) && name !== undefined && keepsValue(name)) return next(callee.expression);
      const fn = ts.isCallExpression(e) ? this.project.handlers.functionOf(e.expression) : undefined;
      if (fn && fn.body) {
        const params = new Map<ts.ParameterDeclaration, ts.Expression | undefined>();
        fn.parameters.forEach((p, i) => params.set(p, e.arguments?.[i]));
        return any(returnedExpressions(fn), { params, parent: env });
      }
      return undefined;
    }
    return undefined;
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
      const value = this.project.modules.valueOf(call.expression);
      if (value === fn) out.push(call);
      else if (cls && cls.name && instanceOf(skipOuter(call.expression), cls.name.text, this.project)) out.push(call);
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

/** `ctx.switchToHttp().getRequest<Req>()`. */
function isGetRequest(e: ts.Expression): boolean {
  if (!ts.isCallExpression(e)) return false;
  const callee = skipOuter(e.expression);
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'getRequest';
}

/** A bag narrowed to one of its fields: `req.params` + `id` → `req.params.id`. */
function narrow(from: RequestRead, key: string | undefined): RequestRead | undefined {
  if (!from.whole || key === undefined) return from;
  if (from.name.endsWith('headers') && isCertHeaderName(key)) return undefined; // a forwarded certificate is identity, not a choice
  return { node: from.node, name: `${from.name}.${key}`, key, whole: false };
}

/** Reads of request input, as the frameworks spell them. */
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
  if (ts.isParameter(n)) {
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

/** `this.invoices.find(…)` where `invoices: InvoicesService`, or `svc.find(…)` where `svc = new InvoicesService()`. */
function instanceOf(callee: ts.Expression, className: string, project: Project): boolean {
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const decl = receiverDeclaration(callee.expression, project);
  if (!decl) return false;
  const typed = decl as ts.PropertyDeclaration | ts.ParameterDeclaration | ts.VariableDeclaration;
  if (typed.type && ts.isTypeReferenceNode(typed.type) && ts.isIdentifier(typed.type.typeName) && typed.type.typeName.text === className) return true;
  const init = typed.initializer && skipOuter(typed.initializer);
  return init !== undefined && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === className;
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
    const field = cls?.members.find((m) => m.name && propertyNameText(m.name) === name);
    return field ?? cls?.members.find(ts.isConstructorDeclaration)?.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === name);
  }
  return ts.isIdentifier(e) ? project.modules.declarationOf(e.text, e) : undefined;
}

function classOf(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return n;
  return undefined;
}
