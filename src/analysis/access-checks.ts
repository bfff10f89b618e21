import { ts } from '../ts';
import { isEqualityOperator } from './expressions';
import { calleeChain, skipOuter } from './facts/walk';
import { enclosingFunction, rejects, type CheckSpec } from './dominance';
import { collectNames, references } from './guards';
import type { Fn } from './handlers';
import { isFunctionLike, isInlineCallback, propertyNameText, returnedExpressions } from './modules';
import type { Project } from './project';
import { isValueExpression, type RequestRead } from './request-values';
import { isRequestLike } from './identity';
import type { Sink } from './sinks';
import { isCollectionTest } from './vocabulary/authorization';
import { keptIn } from './decisions';
import { isThrowingCheck, isTransportFlag } from './vocabulary/refusals';
import { isIdLikeName, isPathInputDecorator } from './vocabulary/requests';

/**
 * Access checks: whether the client's choice of a record (an id from the URL, the query, the body)
 * is tied to the client identity before a data access uses it — scoped by the identity in the
 * access itself, compared with it by a check that rejects on a mismatch (in the function, up the
 * request path, in a helper, in an Express `router.param` callback), or the fetched record's owner
 * checked against it afterwards. "Before, on every path" is `dominance.ts`'s answer; this module
 * says what counts as the check. A project part (`project.accessChecks`).
 */
export class AccessChecks {
  private readonly readers = new Map<ts.Node, boolean>();
  private readonly identified: CheckSpec;
  private readonly callers = (fn: Fn): readonly ts.Node[] => this.project.requestValues.callersOf(fn);

  constructor(private readonly project: Project) {
    const authorized = project.guards('authorized');
    this.identified = {
      statement: (s) => this.readsIdentity(s),
      condition: (e) => this.readsIdentity(e) || authorized.mentions(e),
      gate: (fn) => this.readsIdentity(fn) || authorized.isGate(fn),
    };
  }

  /**
   * The first identifier the client chose among the access's selectors: for a path or URL whatever
   * part of it the client sent, for a query an identifier-like field or a route param.
   */
  clientChoice(sink: Sink): RequestRead | undefined {
    const accept = (read: RequestRead): boolean =>
      sink.kind === 'file' ||
      read.whole ||
      // a route parameter names a record whatever it is called (`req.params.awb`, `c.req.param('awb')`, NestJS `@Param('awb') awb`)
      read.name.includes('params') ||
      read.name.includes('param(') ||
      isPathInputDecorator(/^@(\w+)\(/.exec(read.name)?.[1] ?? '') ||
      // a part of the request's path (`/^\/pads\/([\w-]+)/.exec(url.pathname)` in a `node:http` handler): a route parameter by another name
      URL_PATH_READ.test(read.name) ||
      (read.key !== undefined && (isIdLikeName(read.key) || this.identityFields().has(read.key) || this.identityHeldAs(sink.node, read.key)));
    for (const selector of sink.selectors) {
      const read = this.project.requestValues.requestReadIn(selector, accept);
      if (read) return read;
    }
    for (const selector of sink.selectors) {
      const read = this.namedChoice(selector, !sink.readOnly && sink.kind === 'database');
      if (read) return read;
    }
    // a value the client sends in place of the identity (`req.query.holder ?? me.subject`, an "act as"
    // parameter) names whose record, whatever it is called
    for (const selector of sink.selectors) {
      if (!this.project.requestValues.mentionsIdentity(selector) || !this.wayWithoutIdentity(selector, 0)) continue;
      const read = this.project.requestValues.requestReadIn(selector);
      if (read) return read;
    }
    return undefined;
  }

  /**
   * The code keeps the client identity under this name where the access runs: a local or parameter
   * of an enclosing function (`const ward = wardFromSocket(req.socket)`, `route(req, res, station)`
   * called with the identity) or a request field (`req.ward = …`).
   * A request value of the same name (`?ward=`) names whose records, as the identity would.
   */
  private identityHeldAs(node: ts.Node, name: string): boolean {
    const fields = this.project.values.requestFieldWrites().get(name);
    if (fields?.some((v) => this.project.requestValues.carriesIdentity(v))) return true;
    const decl = this.project.modules.declarationOf(name, node);
    if (decl !== undefined && ts.isParameter(decl)) return ts.isIdentifier(decl.name) && this.project.requestValues.carriesIdentity(decl.name);
    return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && this.project.requestValues.carriesIdentity(decl.initializer);
  }

  private identityFieldsCache?: Set<string>;
  /**
   * The fields of the identity the app binds to the request (`request.carrier = { scac: cert.subject.O,
   * … }`): a request value under one of those names (`?scac=`) is the client naming whose records,
   * whatever the name.
   */
  private identityFields(): Set<string> {
    if (this.identityFieldsCache) return this.identityFieldsCache;
    const out = new Set<string>();
    for (const values of this.project.values.requestFieldWrites().values()) {
      for (const v of values) {
        const made = skipOuter(v);
        const literal = ts.isObjectLiteralExpression(made) ? made : this.project.modules.valueOf(made);
        if (!literal || !ts.isObjectLiteralExpression(literal)) continue;
        for (const p of literal.properties) {
          const value = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
          const name = p.name && propertyNameText(p.name);
          if (name && value && this.project.requestValues.carriesIdentity(value)) out.add(name);
        }
      }
    }
    return (this.identityFieldsCache = out);
  }

  /**
   * A request value the code itself names as a record's key where the access uses it, whatever
   * the request called it: a local or parameter (`const meterId = url.searchParams.get('meter')`,
   * `[, , runId] = url.pathname.split('/')`) or a filter field (`{ traderId: onBehalfOf }`).
   */
  private namedChoice(selector: ts.Node, write = false): RequestRead | undefined {
    let found: RequestRead | undefined;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      let named: ts.Node | undefined;
      // (named like an identifier, or like a field of the identity: `{ desk }` where the identity has a `desk`)
      const choosing = (name: string): boolean => isIdLikeName(name) || this.identityFields().has(name);
      if (ts.isIdentifier(n) && choosing(n.text) && !isNameOfMember(n)) named = n;
      else if (ts.isPropertyAssignment(n) && choosing(propertyNameText(n.name) ?? '')) named = n.initializer;
      // the criteria of a write pick the rows it changes whatever the field is called (`update({ sku }, …)`)
      else if (write && ts.isPropertyAssignment(n) && isValueExpression(n.initializer)) named = n.initializer;
      else if (write && ts.isShorthandPropertyAssignment(n)) named = n.name;
      if (named) found = this.project.requestValues.requestReadIn(named);
      if (!found) ts.forEachChild(n, visit);
    };
    visit(selector);
    return found;
  }

  /** The access is scoped by the identity itself: `where: { id, tenantId: identity.tenantId }`, `AND tenant_id = $2`. */
  scopedByIdentity(sink: Sink): boolean {
    const values = this.project.requestValues;
    return sink.scope.some((s) => (values.carriesIdentity(s) || values.mentionsIdentity(s)) && !this.wayWithoutIdentity(s, 0));
  }

  /** The request entry (route handler, resolver, procedure) a node is in, through the callbacks around it. */
  private entryAround(node: ts.Node): Fn | undefined {
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionLike(n) && this.project.handlers.isEntry(n)) return n;
    return undefined;
  }

  /**
   * The identity reaches `node` on some ways only: an arm of a `?:`, a side of `??`/`||` that the client's
   * value takes instead (`holder = req.query.holder ?? me.subject`), also through a local's
   * initializer and in every part of a key, filter or list that carries it. A scope the client can
   * swap for its own value scopes nothing.
   */
  private wayWithoutIdentity(node: ts.Node, depth: number): boolean {
    if (depth > 4) return false;
    const values = this.project.requestValues;
    // (a way the client's own value takes: `undefined` when no identity came is no such way)
    const lacks = (e: ts.Node): boolean => (!values.carriesIdentity(e) && values.origin(e) !== undefined) || this.wayWithoutIdentity(e, depth + 1);
    const n = skipOuter(node as ts.Expression);
    if (ts.isConditionalExpression(n)) return lacks(n.whenTrue) || lacks(n.whenFalse);
    if (ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || n.operatorToken.kind === ts.SyntaxKind.BarBarToken))
      return lacks(n.left) || lacks(n.right);
    // a member of an identity bound to the request that another write there sets from the client's input
    // (`req.clinician = { ...req.clinician, practiceId: req.header('x-practice-id') }`): the bound value is the
    // client's choice on that way
    if (ts.isPropertyAccessExpression(n)) {
      const path: string[] = [];
      let e: ts.Expression = n;
      while (ts.isPropertyAccessExpression(e)) {
        path.unshift(e.name.text);
        e = skipOuter(e.expression);
      }
      if (path.length >= 2 && isRequestLike(e)) {
        // (by a write that runs for this request: in the handler, or in what its chain runs before it)
        const handler = this.entryAround(n);
        const before = handler ? new Set<ts.Node>([handler, ...this.project.handlers.chainBefore(handler)]) : undefined;
        const writes = this.project.values.requestFieldWrites().get(path[0]) ?? [];
        return writes.some((w) => {
          const v = memberWritten(w, path.slice(1));
          return v !== undefined && before !== undefined && before.has(enclosingFunction(w) as ts.Node) && lacks(v);
        });
      }
    }
    if (ts.isIdentifier(n)) {
      const decl = this.project.modules.declarationOf(n.text, n);
      if (decl !== undefined && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) && decl.initializer !== undefined)
        return this.wayWithoutIdentity(decl.initializer, depth + 1);
      // a parameter: what some caller hands in (`getProfile(holder)` called with `req.query.holder ?? me.cn`)
      if (!decl || !ts.isParameter(decl) || !ts.isIdentifier(decl.name) || !isFunctionLike(decl.parent)) return false;
      const fn = decl.parent;
      const at = fn.parameters.indexOf(decl);
      return this.project.requestValues.callersOf(fn).some((c) => c.arguments[at] !== undefined && this.wayWithoutIdentity(c.arguments[at], depth + 1));
    }
    // a composite: every part that carries the identity can go without it
    const parts: ts.Node[] = ts.isTemplateExpression(n)
      ? n.templateSpans.map((t) => t.expression)
      : ts.isObjectLiteralExpression(n)
        ? n.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? [p.initializer] : ts.isShorthandPropertyAssignment(p) ? [p.name] : []))
        : ts.isArrayLiteralExpression(n)
          ? [...n.elements]
          : [];
    const carrying = parts.filter((e) => values.carriesIdentity(e));
    return carrying.length > 0 && carrying.every((e) => this.wayWithoutIdentity(e, depth + 1));
  }

  /**
   * The access is scoped by another value the client sent that was compared with the identity
   * first: `delete({ where: { id, fleetId } })` after a membership of `fleetId` was required.
   */
  scopedByCheckedChoice(sink: Sink, read: RequestRead): boolean {
    return sink.scope.some((s) => this.project.requestValues.requestReadsIn(s).some((r) => !sameChoice(r, read) && this.before(sink.node, this.compared(r))));
  }

  /**
   * The access is scoped by a field of a record whose owner was compared with the identity: `where({ id:
   * buoyId, plot_id: plot.id })` after `if (!plot || plot.permit_no !== leaseholder.permitNo) ctx.throw(404)`.
   */
  scopedByCheckedRecord(sink: Sink): boolean {
    const checked = (e: ts.Node): boolean => {
      if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(skipOuter(e.expression))) {
        const id = skipOuter(e.expression) as ts.Identifier;
        const decl = this.project.modules.declarationOf(id.text, id);
        // what it was made with, or given later when declared bare (`let current; try { current = await es.get(…) } …`)
        const given =
          decl && ts.isVariableDeclaration(decl) && ts.isIdentifier(decl.name) ? (decl.initializer ? [decl.initializer] : this.project.values.reassignments(decl.name, decl)) : [];
        for (let init of given) {
          init = skipOuter(init);
          if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
          if (ts.isCallExpression(init) && init !== sink.node && this.ownershipChecked(init)) return true;
        }
      }
      return ts.forEachChild(e, (c) => (checked(c) ? true : undefined)) === true;
    };
    return sink.scope.some(checked);
  }

  /** Where the client was identified (its identity read, or `authorized` required) before `node` on every path. */
  identifiedBefore(node: ts.Node): ts.Node | undefined {
    return this.before(node, this.identified);
  }

  /** The client's choice is compared with the identity, rejecting on a mismatch, before `sink` on every path (or in a `router.param` check). */
  choiceCompared(sink: ts.Node, read: RequestRead): boolean {
    return this.before(sink, this.compared(read)) !== undefined || this.paramChecked(sink, read);
  }

  /** The identity a check looked at, for messages: `req.identity`, `req.socket.getPeerCertificate().subject.CN`. */
  identityIn(check: ts.Node): ts.Node | undefined {
    let found: ts.Node | undefined;
    const identity = this.project.identity;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if ((ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) && identity.isIdentity(n)) found = n;
      else ts.forEachChild(n, visit);
    };
    visit(check);
    if (!found) return undefined;
    let top = found;
    // `req.socket.getPeerCertificate().subject.CN` rather than `req.socket.getPeerCertificate()`
    while (top.parent && ts.isPropertyAccessExpression(top.parent) && top.parent.expression === top) top = top.parent;
    return top;
  }

  private before(node: ts.Node, spec: CheckSpec): ts.Node | undefined {
    return this.project.dominance.checkBefore(node, spec, this.callers);
  }

  /** A check that compares the client's choice with the identity and rejects on a mismatch. */
  private compared(read: RequestRead): CheckSpec {
    const both = (n: ts.Node): boolean => this.mentionsBoth(n, read);
    const statement = (s: ts.Statement): boolean => {
      // `try { await assertMeterOwnership(serial, me.utilityId) } catch (err) { …; throw err }`: the `try` as a
      // whole lets only what passed the check go on, when its `catch` always ends the request
      if (ts.isTryStatement(s)) return s.catchClause !== undefined && rejects(s.catchClause.block) && s.tryBlock.statements.some(statement);
      if (ts.isIfStatement(s)) return (both(s.expression) || this.predicateCompares(s.expression, read) || this.refusesInside(s.expression, read)) && refusingIf(s);
      // `assertSameTenant(identity, req.params.tenantId)`, `await ensureOwner(me, id)`, `ctx.assert(id === me, 403)`
      const call = statementCall(s);
      return call !== undefined && this.throwsOrAsserts(call) && (both(call) || this.comparesInside(call, read));
    };
    return {
      statement,
      condition: both,
      gate: (fn) => {
        if (ts.isMethodDeclaration(fn) && fn.name && propertyNameText(fn.name) === 'canActivate' && returnedExpressions(fn).some(both)) return true;
        return containsStatement(fn, statement);
      },
    };
  }

  /**
   * Express `router.param('accountNo', (req, res, next, accountNo) => { if (accountNo !== me) … })`: a
   * check that runs before every route of that router whose path has the param.
   */
  private paramChecked(sink: ts.Node, read: RequestRead): boolean {
    if (read.key === undefined) return false;
    const entries = this.project.handlers.entriesReaching(sink);
    if (entries.length === 0) return false;
    const checks = this.project.callsNamed('param').filter((c): c is ts.CallExpression => {
      if (!ts.isCallExpression(c) || !c.arguments[0] || !ts.isStringLiteralLike(c.arguments[0]) || c.arguments[0].text !== read.key) return false;
      const fn = c.arguments[1] && this.project.handlers.functionOf(c.arguments[1]);
      return fn !== undefined && containsStatement(fn, (s) => this.compared(read).statement(s));
    });
    if (checks.length === 0) return false;
    return entries.every((entry) => {
      const receivers = this.project.handlers.receiversOf(entry);
      return checks.some((c) => receivers.has(this.project.handlers.keyOf((skipOuter(c.expression) as ts.PropertyAccessExpression).expression)));
    });
  }

  /** The fetched record's owner is checked against the identity: `const inv = await repo.findOne(…); if (inv.ownerId !== me.id) throw …`, here or in the caller that gets the record. */
  ownershipChecked(sink: ts.Node, depth = 0): boolean {
    if (depth > 2) return false;
    let n: ts.Node = sink;
    for (;;) {
      const q = n.parent;
      if (q && (ts.isAwaitExpression(q) || ts.isParenthesizedExpression(q) || ts.isAsExpression(q) || ts.isNonNullExpression(q))) n = q;
      // the rest of a builder chain the access starts (`….where('id', '=', id).executeTakeFirst()`)
      else if (q && ts.isPropertyAccessExpression(q) && q.expression === n && q.parent && ts.isCallExpression(q.parent) && q.parent.expression === q) n = q.parent;
      else break;
    }
    // one of the reads `Promise.all` waits for: `const [appearance, filing] = await Promise.all([…, repo.findOne(…)])`
    // keeps it in the element of the same place
    let index: number | undefined;
    const list = n.parent;
    const gather = list && ts.isArrayLiteralExpression(list) && list.parent && ts.isCallExpression(list.parent) ? list.parent : undefined;
    if (gather && gather.arguments[0] === list && /^Promise\.(all|allSettled)$/.test(calleeChain(gather.expression)?.join('.') ?? '')) {
      index = (list as ts.ArrayLiteralExpression).elements.indexOf(n as ts.Expression);
      n = gather;
      while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent))) n = n.parent;
    }
    const p = n.parent;
    // (kept in a local declared before it: `let current; try { current = await es.get(…) } catch …`)
    const assigned =
      index === undefined && p && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === n && ts.isIdentifier(skipOuter(p.left));
    if (p && ((ts.isVariableDeclaration(p) && p.initializer === n) || assigned)) {
      const names = new Set<string>();
      if (ts.isVariableDeclaration(p)) {
        if (index === undefined) collectNames(p.name, names);
        else if (ts.isArrayBindingPattern(p.name) && p.name.elements[index] && ts.isBindingElement(p.name.elements[index]))
          collectNames((p.name.elements[index] as ts.BindingElement).name, names);
        else return false;
      } else names.add((skipOuter(p.left) as ts.Identifier).text);
      const statement = ts.isVariableDeclaration(p) ? p.parent.parent : p;
      const fn = enclosingFunction(p);
      if (!fn || !fn.body) return false;
      copiesOf(fn, statement, names);
      if (this.laterComparison(statement, fn, names)) return true;
      // the record is handed back (`return raw.memberNo ? (raw as Booking) : null`): its callers check it
      if (this.project.handlers.isEntry(fn) || !returnedExpressions(fn).some((r) => references(r, names))) return false;
      const sites = this.project.requestValues.callersOf(fn);
      return sites.length > 0 && sites.every((c) => this.ownershipChecked(c, depth + 1));
    }
    if (p && (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === n))) {
      const fn = enclosingFunction(n);
      if (!fn || this.project.handlers.isEntry(fn)) return false;
      const sites = this.project.requestValues.callersOf(fn);
      return sites.length > 0 && sites.every((c) => this.ownershipChecked(c, depth + 1));
    }
    return false;
  }

  /**
   * A read whose selection the client chose, where that choice is compared with the identity right after the
   * read and before what it found is used (`SELECT … WHERE id = $1 AND zone_id = $2`, then `await
   * requireZoneRole(pool, zoneId, me.accountId, 'editor')`): between the two, the result is only kept or
   * tested for existence, so nothing of it reaches the client or a write unless the check passed.
   */
  selectionCheckedAfter(sink: Sink): boolean {
    if (!sink.readOnly) return false;
    const fn = enclosingFunction(sink.node);
    if (!fn || !fn.body || !ts.isBlock(fn.body)) return false;
    let statement: ts.Node = sink.node;
    while (statement.parent && statement.parent !== fn.body) statement = statement.parent;
    if (statement.parent !== fn.body || !ts.isVariableStatement(statement)) return false;
    const names = new Set<string>();
    for (const d of statement.declarationList.declarations) collectNames(d.name, names);
    const choices = sink.scope.flatMap((e) => this.project.requestValues.requestReadsIn(e));
    if (choices.length === 0) return false;
    const specs = choices.map((r) => this.compared(r));
    for (const s of fn.body.statements) {
      if (s.pos < statement.end) continue;
      // (the choice itself compared, not what the read found: that is `ownershipChecked`'s question)
      if (!references(s, names) && specs.some((spec) => spec.statement(s))) return true;
      // (kept in another name, `const record = rows[0]`, or refused when missing: nothing of it leaves yet)
      if (ts.isVariableStatement(s) && s.declarationList.declarations.every((d) => !d.initializer || !containsCall(d.initializer))) {
        for (const d of s.declarationList.declarations) if (d.initializer && references(d.initializer, names)) collectNames(d.name, names);
        continue;
      }
      if (ts.isIfStatement(s) && !s.elseStatement && rejects(s.thenStatement) && !containsCall(s.expression)) continue;
      if (references(s, names)) return false;
    }
    return false;
  }

  /** After `statement`, a comparison of one of `names` with the identity: `if (doc.owner !== me)`, `assertOwner(doc, me)`. */
  private laterComparison(statement: ts.Node, fn: Fn, names: ReadonlySet<string>): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || (isFunctionLike(n) && !isInlineCallback(n))) return;
      if (n.pos >= statement.end) {
        if (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind) && decides(n)) {
          const l = references(n.left, names);
          const r = references(n.right, names);
          // (or with a value the client chose that was compared with the identity before: `job.pool !== pool` after
          // `if (!me.pools.includes(pool)) throw …`)
          const vouched = (e: ts.Expression): boolean =>
            this.project.requestValues.mentionsIdentity(e) || this.project.requestValues.requestReadsIn(e).some((read) => this.before(n, this.compared(read)) !== undefined);
          if ((l && vouched(n.right)) || (r && vouched(n.left))) found = true;
        } else if (
          ts.isCallExpression(n) &&
          n.arguments.some((a) => references(a, names)) &&
          n.arguments.some((a) => this.project.requestValues.mentionsIdentity(a)) &&
          (this.throwsOrAsserts(n, true) || refusedWhenAbsent(n, fn))
        ) {
          found = true;
        } else if (
          ts.isCallExpression(n) &&
          isCollectionTest(calleeChain(n.expression)?.at(-1) ?? '', 'membership', 'quantifier') &&
          references(n, names) &&
          this.project.requestValues.mentionsIdentity(n)
        ) {
          found = true; // `doc.members.includes(me.cn)`
        } else if (
          ts.isCallExpression(n) &&
          n.arguments.some((a) => references(a, names)) &&
          n.arguments.some((a) => this.project.requestValues.mentionsIdentity(a)) &&
          decides(n) &&
          this.comparesItsParameters(n)
        ) {
          found = true; // `if (!sameStudio(me, contract.studioId)) return 404`
        } else if (
          ts.isCallExpression(n) &&
          ts.isPropertyAccessExpression(skipOuter(n.expression)) &&
          n.arguments.some((a) => references(a, names)) &&
          this.project.requestValues.carriesIdentity((skipOuter(n.expression) as ts.PropertyAccessExpression).expression) &&
          decides(n) &&
          this.comparesItsParameters(n, true)
        ) {
          found = true; // `if (!buyer.ownsContract(contract)) ctx.throw(404)`: a method of the identity comparing with its own fields
        }
      }
      if (!found) ts.forEachChild(n, visit);
    };
    if (fn.body) ts.forEachChild(fn.body, visit);
    return found;
  }

  /**
   * A predicate of the app that returns a comparison of what it is given: `sameStudio(a, b)` returning
   * `a.id === b`; with `ownFields`, a method comparing what it is given with its own object's fields
   * (`ownsContract(c) { return c.breweryId === this.breweryId }`).
   */
  private comparesItsParameters(call: ts.CallExpression, ownFields = false): boolean {
    const fn = this.project.handlers.functionOf(call.expression) ?? this.project.values.methodOf(call.expression);
    if (!fn) return false;
    const params = parameterNames(fn);
    const side = (e: ts.Node): boolean => references(e, params) || (ownFields && readsThis(e));
    return returnedExpressions(fn).some((r) => comparesParameters(r, params, side));
  }

  /**
   * `if (!this.opCtx.canOperate(substationId)) throw …`: a call in the condition whose function
   * returns a test of the parameter it gets the choice in against the identity
   * (`return this.req.operator.substations.includes(substationId)`).
   */
  private predicateCompares(cond: ts.Expression, read: RequestRead): boolean {
    return this.helperInCondition(cond, (call, fn) => {
      const names = this.parametersGiven(call, fn, read);
      return names.size > 0 && returnedExpressions(fn).some((r) => references(r, names) && this.readsIdentity(r));
    });
  }

  /**
   * `if (!assertOwnModel(request, reply)) return reply`: a helper in the condition that compares the client's
   * choice with the identity itself and turns the request away on a mismatch (`reply.code(403)…; return false`),
   * its caller leaving on its answer.
   */
  private refusesInside(cond: ts.Expression, read: RequestRead): boolean {
    return this.helperInCondition(cond, (_, fn) => containsStatement(fn, (st) => ts.isIfStatement(st) && this.mentionsBoth(st.expression, read) && refusingIf(st)));
  }

  /** A call in a condition of a function of the app (or a method of a class of the app) that `asks` says yes of. */
  private helperInCondition(cond: ts.Expression, asks: (call: ts.CallExpression, fn: Fn) => boolean): boolean {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (ts.isCallExpression(n)) {
        const fn = this.project.handlers.functionOf(n.expression) ?? this.project.values.methodOf(n.expression);
        if (fn && asks(n, fn)) found = true;
      }
      if (!found) ts.forEachChild(n, visit);
    };
    visit(cond);
    return found;
  }

  /** The names of `fn`'s parameters that `call` hands the client's choice to. */
  private parametersGiven(call: ts.CallExpression, fn: Fn, read: RequestRead): Set<string> {
    const names = new Set<string>();
    call.arguments.forEach((a, i) => {
      const r = this.project.requestValues.origin(a);
      const param = fn.parameters[i];
      if (r && sameChoice(r, read) && param && ts.isIdentifier(param.name)) names.add(param.name.text);
    });
    return names;
  }

  /** `assertOwnLab(ctx, ctx.params.lab)`: the helper compares the parameter it gets the choice in with the identity and rejects. */
  private comparesInside(call: ts.CallExpression, read: RequestRead): boolean {
    const fn = this.project.handlers.functionOf(call.expression);
    if (!fn) return false;
    const names = this.parametersGiven(call, fn, read);
    if (names.size === 0) return false;
    return containsStatement(fn, (s) => ts.isIfStatement(s) && references(s.expression, names) && this.readsIdentity(s.expression) && refusingIf(s));
  }

  /** A call that is a check: its callee throws or ends the response, or is named like an assertion. */
  private throwsOrAsserts(call: ts.CallExpression, comparing = false): boolean {
    const name = calleeChain(call.expression)?.at(-1) ?? '';
    if (isThrowingCheck(name)) return true;
    const fn = this.project.handlers.functionOf(call.expression);
    if (!fn) return false;
    // (`comparing`: the throw follows a test that compares what it was given — `if (rec.ownerId !== me.id) throw …` — not one
    // of something else, `if (existsSync(receipt)) throw new SpoolExistsError(…)` in a helper handed the record and a note)
    const params = parameterNames(fn);
    return containsStatement(
      fn,
      (s) => (!comparing && ts.isThrowStatement(s)) || (ts.isIfStatement(s) && rejects(s.thenStatement) && (!comparing || comparesParameters(s.expression, params))),
    );
  }

  /** An expression that looks at both the client's choice (the same field) and the identity, following locals one step. */
  private mentionsBoth(node: ts.Node, read: RequestRead): boolean {
    // `delegated && me.roles.includes('broker')` tests each on its own: one of the parts must look at both
    const e = ts.isExpression(node) ? skipOuter(node) : node;
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      return this.mentionsBoth(e.left, read) || this.mentionsBoth(e.right, read);
    }
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return this.mentionsBoth(e.operand, read);
    const values = this.project.requestValues;
    let chosen = false;
    let identity = false;
    const visit = (n: ts.Node, depth: number, inRead = false): void => {
      if ((chosen && identity) || (isFunctionLike(n) && !isInlineCallback(n))) return;
      if (isValueExpression(n)) {
        const r = !chosen && !inRead ? values.origin(n) : undefined;
        // `req.params.userId` is not `req.params.keyId`; its inner `req.params` says nothing more
        // (the identity bound to the request read by its field, `request.examiner.grade`, is the identity, though a
        // write on another way may set the field from the same input: it is no comparison with the choice)
        if (r && sameChoice(r, read) && !this.project.identity.isIdentity(n)) chosen = true;
        if (r && (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n))) inRead = true;
        if (!identity && values.carriesIdentity(n)) identity = true;
      }
      if (ts.isIdentifier(n) && depth < 2) {
        // `const owned = await repo.exist({ where: { id, ownerId: me } }); if (!owned) …`
        // `const { count } = await prisma.x.deleteMany({ where: { id, owner: me } }); if (count === 0) …`
        // (a field of a lookup's result, not a field of the request: `const { id } = req.params` stays `id`)
        let decl: ts.Node | undefined = this.project.modules.declarationOf(n.text, n);
        while (decl && ts.isBindingElement(decl) && isLookupResult(decl)) decl = decl.parent.parent;
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.initializer.end <= n.pos) visit(decl.initializer, depth + 1);
        // (declared bare and given its value later: `let current; try { current = await es.get({ id }) } …`)
        else if (decl && ts.isVariableDeclaration(decl) && !decl.initializer && ts.isIdentifier(decl.name))
          for (const v of this.project.values.reassignments(decl.name, decl)) if (v.end <= n.pos) visit(v, depth + 1);
      }
      ts.forEachChild(n, (c) => visit(c, depth, inRead));
    };
    visit(node, 0);
    return chosen && identity;
  }

  /** Reads client identity somewhere in it (a certificate, a forwarded header, a request-bound identity field). */
  readsIdentity(node: ts.Node): boolean {
    const cached = this.readers.get(node);
    if (cached !== undefined) return cached;
    let found = false;
    const identity = this.project.identity;
    const visit = (n: ts.Node): void => {
      if (found || (n !== node && isFunctionLike(n) && !isInlineCallback(n))) return;
      if ((ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) && identity.isIdentity(n)) found = true;
      else if (ts.isParameter(n) && this.project.requestValues.carriesIdentity(n)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(node);
    this.readers.set(node, found);
    return found;
  }
}

/** Two reads of the client's choice name the same value: the same field, or a bag and a field of it (`req.params` / `req.params.id`). */
/** An `if` one of whose branches turns the request away. */
function refusingIf(s: ts.IfStatement): boolean {
  return rejects(s.thenStatement) || (s.elseStatement !== undefined && rejects(s.elseStatement));
}

function sameChoice(a: RequestRead, b: RequestRead): boolean {
  // the same field of different parts of the request (`req.params.planId`, `req.body.planId`) are two choices
  if (a.key !== undefined && b.key !== undefined) return a.key === b.key && sameBag(a, b);
  return a.name.startsWith(b.name) || b.name.startsWith(a.name);
}

/** Where in the request a read takes its value (`params`, `query`, `body`, `headers`), when its name says. */
const BAG = /\b(params|param|query|body|headers|header|searchParams)\b/;
/** A read of the request's URL or its path (`req.url`, `req.url.pathname`), not of its query string. */
const URL_PATH_READ = /\.url(?:\.pathname)?$/;
function sameBag(a: RequestRead, b: RequestRead): boolean {
  const x = BAG.exec(a.name)?.[1]?.replace(/s$/, '');
  const y = BAG.exec(b.name)?.[1]?.replace(/s$/, '');
  return x === undefined || y === undefined || x === y;
}

/** A comparison that decides something: the condition of an `if` that rejects or returns, a ternary, `&&`, a `filter`/`find` callback, an assertion. */
function decides(comparison: ts.Node): boolean {
  for (let n: ts.Node = comparison; n.parent; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && p.expression === n) return rejects(p.thenStatement) || (p.elseStatement !== undefined && rejects(p.elseStatement));
    if (ts.isConditionalExpression(p) && p.condition === n) return true;
    if (ts.isReturnStatement(p) || ts.isArrowFunction(p)) return true;
    if (ts.isCallExpression(p)) return true;
    if (ts.isBinaryExpression(p) || ts.isPrefixUnaryExpression(p) || ts.isParenthesizedExpression(p)) continue;
    return false;
  }
  return false;
}

/** Locals copied from the record after it is fetched: `const doc = rows[0]`, `const { owner } = doc`. */
function copiesOf(fn: Fn, after: ts.Node, names: Set<string>): void {
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n) && n !== fn && !isInlineCallback(n)) return;
    if (ts.isVariableDeclaration(n) && n.pos >= after.end && n.initializer && references(n.initializer, names)) collectNames(n.name, names);
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
}

function statementCall(s: ts.Statement): ts.CallExpression | undefined {
  let e: ts.Expression | undefined;
  if (ts.isExpressionStatement(s)) e = s.expression;
  else if (ts.isVariableStatement(s) && s.declarationList.declarations.length === 1) e = s.declarationList.declarations[0].initializer;
  if (!e) return undefined;
  e = skipOuter(e);
  if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
  return ts.isCallExpression(e) ? e : undefined;
}

/** Some statement in `fn` (not in nested functions other than inline callbacks) passes `test`. */
function containsStatement(fn: Fn, test: (s: ts.Statement) => boolean): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (isFunctionLike(n) && !isInlineCallback(n))) return;
    if (ts.isStatement(n) && test(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  if (fn.body) ts.forEachChild(fn.body, visit);
  return found;
}

/** A destructured name whose owner is the result of a call (`const { count } = await db.x.deleteMany(…)`). */
function isLookupResult(element: ts.BindingElement): boolean {
  let owner: ts.Node = element.parent.parent;
  while (ts.isBindingElement(owner)) owner = owner.parent.parent;
  if (!ts.isVariableDeclaration(owner) || !owner.initializer) return false;
  let init = skipOuter(owner.initializer);
  if (ts.isAwaitExpression(init)) init = skipOuter(init.expression);
  return ts.isCallExpression(init);
}

/** The name of a member, not a value: `x.id`'s `id`, `{ id: … }`'s key. */
function isNameOfMember(id: ts.Identifier): boolean {
  const p = id.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === id) || (ts.isPropertyAssignment(p) && p.name === id) || (ts.isQualifiedName(p) && p.right === id);
}

/** `this.breweryId`: a field of the object a method runs on. */
function readsThis(e: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || (isFunctionLike(n) && !ts.isArrowFunction(n))) return;
    if (n.kind === ts.SyntaxKind.ThisKeyword) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(e);
  return found;
}

/**
 * The value a write to a request field gives one of its members: `{ ...req.clinician, practiceId: x }` gives
 * `practiceId` the value `x`; a spread of what was there before gives nothing new (undefined).
 */
function memberWritten(value: ts.Expression, path: readonly string[]): ts.Expression | undefined {
  let v = skipOuter(value);
  for (const key of path) {
    if (!ts.isObjectLiteralExpression(v)) return undefined;
    const p = [...v.properties].reverse().find((q) => (ts.isPropertyAssignment(q) || ts.isShorthandPropertyAssignment(q)) && propertyNameText(q.name) === key);
    if (!p) return undefined;
    v = ts.isPropertyAssignment(p) ? skipOuter(p.initializer) : (p as ts.ShorthandPropertyAssignment).name;
  }
  return v;
}

/** Some call in `node` (outside nested functions). */
function containsCall(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * A lookup whose answer a refusal tests (`const reg = await db.registration.findFirst({ where: { auctionId: lot.auctionId,
 * fingerprint: me.fp } }); if (!reg) throw new ForbiddenError(…)`, or `if (role !== 'PI') throw …` on a role so found): asked
 * with the record and the identity, it answers whether they belong together.
 */
function refusedWhenAbsent(call: ts.CallExpression, fn: Fn): boolean {
  const name = keptIn(call);
  if (name === undefined) return false;
  return containsStatement(fn, (st) => {
    // (or what it found tested: `if (role !== 'PI' && role !== 'CO_I') throw …` with `role = await roleOnProposal(db, slot.proposalId, me.cn)`;
    // not whether a change it made went through, `if (!charged.ok) ctx.throw(402)` after charging the record's account)
    return ts.isIfStatement(st) && st.pos >= call.end && rejects(st.thenStatement) && references(st.expression, new Set([name])) && !testsOutcome(st.expression, name);
  });
}

/** A test of a result's transport flag only (`!charged.ok`): whether the call went through, not what it answered. */
function testsOutcome(cond: ts.Expression, name: string): boolean {
  let outcome = false;
  let other = false;
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.Identifier).text === name) {
      if (isTransportFlag(n.name.text)) outcome = true;
      else other = true;
      return;
    }
    if (ts.isIdentifier(n) && n.text === name) other = true;
    ts.forEachChild(n, visit);
  };
  visit(cond);
  return outcome && !other;
}

function parameterNames(fn: ts.FunctionLikeDeclaration): Set<string> {
  return new Set(fn.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
}

/**
 * A test in `node` of what a function was given (`params`): an equality with a parameter on one side (and, with `side`,
 * both sides passing it: `rec.ownerId === me.id`), or a membership test of a parameter (`team.members.includes(cn)`).
 */
function comparesParameters(node: ts.Node, params: ReadonlySet<string>, side: (e: ts.Node) => boolean = () => true): boolean {
  let hit = false;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if (ts.isBinaryExpression(n) && isEqualityOperator(n.operatorToken.kind) && side(n.left) && side(n.right) && (references(n.left, params) || references(n.right, params)))
      hit = true;
    else if (ts.isCallExpression(n) && isCollectionTest(calleeChain(n.expression)?.at(-1) ?? '', 'membership') && references(n, params)) hit = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return hit;
}
