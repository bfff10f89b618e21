import { ts } from '../ts';
import { calleeChain } from './facts/walk';
import type { FileFacts, Scope } from './facts/types';
import { isScope } from './facts/walk';
import { isStatementList, namesIn } from './flow';
import type { Fn } from './handlers';
import { isFunctionLike, isInlineCallback } from './modules';
import type { Project } from './project';
import { isErrorCallback, isRefusalCall, refusesWithStatus } from './vocabulary/refusals';
import { namesPerRequestScope } from './vocabulary/di';
import { DEFERRING_CALLEES } from './vocabulary/operations';
import { skipOuter } from './facts/walk';

const SK = ts.SyntaxKind;

/**
 * One answer to "does this check decide whether that use runs, on every path": the question every
 * rule asks in its own words (a certificate read after `authorized` was required, a record chosen
 * after the identity was compared, a file used after its check, a write after a decision). A rule
 * says what counts as its check (a `CheckSpec`); this module knows where a check can sit and what
 * "before, on every path" means:
 *   - in the node's own function: an enclosing condition (`if (ok) { use }`, `ok && use`,
 *     `ok ? use : …`), an earlier statement of an enclosing block (a rejecting `if`, a throwing
 *     call), or — for a value read first and used later — a check between the read and its first use;
 *   - up the request path: an inline callback is the rest of its caller (and the `next` of a gate it
 *     is passed to); a registered handler is decided by the middleware, hooks, guards and context
 *     factories that run before it (`Handlers.gatedBefore`); a helper is decided only when every
 *     call site is.
 * `decidesReach` answers the narrower in-file question for one check and one use (fs checks).
 */
export interface CheckSpec {
  /** A statement before the node, in its block or an enclosing one, that is the check. */
  statement(stmt: ts.Statement): boolean;
  /** A condition whose branch holds the node: `if (ok) { node }`, `ok && node`, `ok ? node : …`. */
  condition(expr: ts.Expression): boolean;
  /** A function earlier on the request path (middleware, hook, guard) that does the check. */
  gate(fn: Fn): boolean;
  /** `ok || deny()`: the left of `||` decides the right too. */
  orCondition?: boolean;
  /** The node is an argument of the check itself: `verify(req.headers['x-client-cert'], sig)`. */
  checksArgument?(call: ts.CallExpression): boolean;
  /** The node's statement keeps a value that `after` checks before its first use. */
  checkedBeforeUse?(statement: ts.Statement, after: readonly ts.Statement[]): boolean;
}

export class Dominance {
  constructor(private readonly project: Project) {}

  /**
   * Where the check that runs before `node` on every path sits (a statement, condition or function
   * to point at), or `undefined` when some path has none the tool can see. `callers` finds the call
   * sites of a helper (name-based or typed; the rule chooses how sure it must be).
   */
  /** A per-request provider's constructor that does the check, made before `fn` runs (`perRequestConstructors`). */
  private constructedBefore(fn: Fn, spec: CheckSpec): ts.Node | undefined {
    if (!ts.isMethodDeclaration(fn) && !ts.isGetAccessorDeclaration(fn)) return undefined;
    return perRequestConstructors(fn, this.project).find((c) => spec.gate(c));
  }

  checkBefore(node: ts.Node, spec: CheckSpec, callers: (fn: Fn) => readonly ts.Node[], depth = 0, seen = new Set<ts.Node>()): ts.Node | undefined {
    if (depth > 5 || seen.has(node)) return undefined;
    seen.add(node);
    const handlers = this.project.handlers;
    let n = node;
    for (let fn = enclosingFunction(n); fn; fn = enclosingFunction(n)) {
      const here = checkInFunction(n, fn, spec);
      if (here) return here;
      const constructed = this.constructedBefore(fn, spec);
      if (constructed) return constructed;
      const gated = handlers.gatedBefore(fn, (f) => f !== fn && spec.gate(f));
      if (gated !== undefined) return gated ? (this.project.requestPaths.chain(fn).find((f) => spec.gate(f)) ?? fn) : undefined;
      if (handlers.isEntry(fn)) return undefined;
      if (isInlineCallback(fn)) {
        // `clientCertAuth(req, res, () => { … })`: the callback is the `next` of a gate
        let holder: ts.Node = fn.parent;
        while (ts.isParenthesizedExpression(holder)) holder = holder.parent;
        const gate = ts.isCallExpression(holder) ? handlers.functionOf(holder.expression) : undefined;
        if (gate && spec.gate(gate)) return holder;
        n = fn.parent; // the call it is passed to, inside the outer function
        continue;
      }
      const sites = callers(fn);
      if (sites.length === 0) return undefined;
      let first: ts.Node | undefined;
      for (const site of sites) {
        const at = this.checkBefore(site, spec, callers, depth + 1, seen);
        if (!at) return undefined;
        first ??= at;
      }
      return first;
    }
    return undefined;
  }
}

/**
 * The class's per-request dependencies are made before any of its methods runs on that request
 * (NestJS builds a `Scope.REQUEST` provider, and everything it is injected into, before the
 * handler): a constructor of one that does the check — its own, or that of a provider its
 * constructor is given (`constructor(private readonly operator: OperatorContext)`) — runs before.
 */
function perRequestConstructors(fn: Fn, project: Project): ts.ConstructorDeclaration[] {
  const cls = ts.isMethodDeclaration(fn) || ts.isGetAccessorDeclaration(fn) ? fn.parent : undefined;
  if (!cls || !ts.isClassLike(cls)) return [];
  const out: ts.ConstructorDeclaration[] = [];
  const perRequest = (c: ts.ClassLikeDeclaration): ts.ConstructorDeclaration | undefined => {
    const scoped = ((ts.canHaveDecorators(c) && ts.getDecorators(c)) || []).some((d) => namesPerRequestScope(d.getText()));
    return scoped ? c.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined) : undefined;
  };
  const own = perRequest(cls);
  if (own) out.push(own);
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  for (const p of ctor?.parameters ?? []) {
    const type = p.type && ts.isTypeReferenceNode(p.type) ? project.modules.typeValueOf(p.type.typeName) : undefined;
    const made = type && ts.isClassLike(type) ? perRequest(type) : undefined;
    if (made) out.push(made);
  }
  return out;
}

/** A check in `fn` before `node`: an enclosing condition, or a statement earlier in an enclosing block. */
export function checkInFunction(node: ts.Node, fn: ts.Node, spec: CheckSpec): ts.Node | undefined {
  for (let n: ts.Node = node; n !== fn && n.parent; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && n !== p.expression && spec.condition(p.expression)) return p.expression;
    if (ts.isConditionalExpression(p) && n !== p.condition && spec.condition(p.condition)) return p.condition;
    if (ts.isBinaryExpression(p) && n === p.right) {
      const op = p.operatorToken.kind;
      if ((op === SK.AmpersandAmpersandToken || (spec.orCondition && op === SK.BarBarToken)) && spec.condition(p.left)) return p.left;
    }
    if (spec.checksArgument && ts.isCallExpression(p) && p.arguments.some((a) => a === n) && spec.checksArgument(p)) return p;
    if (isStatementList(p)) {
      const statements = (p as ts.Block).statements;
      const at = statements.indexOf(n as ts.Statement);
      for (let i = 0; i < at; i++) if (spec.statement(statements[i])) return statements[i];
      if (spec.checkedBeforeUse?.(n as ts.Statement, statements.slice(at + 1))) return n;
    }
  }
  return undefined;
}

/** Statements that end the request or the flow: return, throw, 4xx responses, `next(err)`, `destroy()`. */
export function rejects(stmt: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) || ts.isThrowStatement(n)) {
      found = true;
      return;
    }
    if (ts.isCallExpression(n)) {
      const chain = calleeChain(n.expression);
      const name = chain?.at(-1) ?? '';
      if (isRefusalCall(name)) found = true;
      if (n.arguments[0] && ts.isNumericLiteral(n.arguments[0]) && refusesWithStatus(name, Number(n.arguments[0].text))) found = true;
      if (isErrorCallback(name) && n.arguments.length > 0) found = true;
      if (chain?.join('.') === 'process.exit') found = true;
    }
    if (!found) ts.forEachChild(n, visit);
  };
  visit(stmt);
  return found;
}

/**
 * A branch that turns the request away, not one that may let it go on (`return next()`): a throw,
 * a refusal call, a refusing status (`res.status(401)`, Hono's `c.json(body, 401)`), `next(err)`.
 */
export function refusesRequest(stmt: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isThrowStatement(n)) found = true;
    else if (ts.isCallExpression(n)) {
      const name = calleeChain(n.expression)?.at(-1) ?? '';
      const status = n.arguments.find((a) => ts.isNumericLiteral(a) && Number(a.text) >= 400 && Number(a.text) < 600);
      if (isRefusalCall(name) || (name !== '' && isErrorCallback(name) && n.arguments.length > 0) || status !== undefined) found = true;
    }
    if (!found) ts.forEachChild(n, visit);
  };
  visit(stmt);
  return found;
}

export function enclosingFunction(node: ts.Node): Fn | undefined {
  for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

/**
 * Whether what `check` finds can decide if `use` runs, or on what: the use is in the check's own
 * statement (a branch of its `if`, a callback of it, the rest of a promise chain), or a later
 * statement of the same block after something that can stop the flow — the check throwing
 * (`await access(p)`, `statSync(p)`), a `return`/`throw`/`continue`/`process.exit()` between them —
 * or after the check's result was kept in a variable, or the path given a value in the check's
 * statement. Otherwise the use runs whatever the check said (`if (exists(p)) log(); write(p)`) and
 * the check decided nothing about it.
 */
export function decidesReach(check: ts.Node, checkThrows: boolean, use: ts.Node, path: ts.Expression, facts: FileFacts, gatedOnly = false): boolean {
  for (let n = use.parent; n; n = n.parent) if (n === check) return true;
  if (inExclusiveBranches(check, use)) return false;
  if (inFinallyAfter(check, use)) return false;
  const checkAncestors = new Set<ts.Node>();
  for (let n: ts.Node | undefined = check; n; n = n.parent) checkAncestors.add(n);
  let useStatement: ts.Node = use;
  let list: ts.Node | undefined;
  for (let n = use.parent; n; useStatement = n, n = n.parent) {
    if (checkAncestors.has(n) && isStatementList(n)) {
      list = n;
      break;
    }
  }
  if (!list) return true;
  let checkStatement: ts.Node = check;
  while (checkStatement.parent && checkStatement.parent !== list) checkStatement = checkStatement.parent;
  if (checkStatement === useStatement || isLoop(checkStatement)) return true;
  if (!gatedOnly && resultKept(check, checkStatement)) return true;
  if (checkThrows && !caughtWithin(check, checkStatement)) return true;
  const scope = scopeOf(list);
  const from = checkStatement.pos;
  const to = useStatement.pos;
  if (facts.exits.some((e) => e.scope === scope && e.node.pos >= from && e.node.end <= to)) return true;
  // a branch between them that refuses through the framework (`ctx.throw(410)`, `res.status(403).end(); return`) stops the flow as `throw` does
  if (refusesBetween(list, from, to)) return true;
  for (const name of namesIn(path)) {
    if (facts.assignments.get(name)?.some((a) => a.pos >= from && a.end <= checkStatement.end)) return true;
  }
  return false;
}

/** An `if` within [from, to) of a statement list, in its own function, one of whose branches rejects. */
function refusesBetween(list: ts.Node, from: number, to: number): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n) || n.end <= from || n.pos >= to) return;
    if (n.pos >= from && n.end <= to && ts.isIfStatement(n) && (rejects(n.thenStatement) || (n.elseStatement !== undefined && rejects(n.elseStatement)))) found = true;
    else ts.forEachChild(n, visit);
  };
  ts.forEachChild(list, visit);
  return found;
}

/**
 * The use is in the `finally` of a `try` whose block holds the check, and no condition on the way
 * to it tests what the check kept (`const st = await stat(p)` … `finally { if (st) … }`): it runs
 * whether the check passed, failed or threw — cleanup of the task's own file, say — so the check
 * decided nothing about it.
 */
function inFinallyAfter(check: ts.Node, use: ts.Node): boolean {
  let kept: string | undefined;
  for (let n: ts.Node = check; n.parent && !isFunctionLike(n.parent); n = n.parent) {
    if (ts.isVariableDeclaration(n.parent) && n.parent.initializer === n && ts.isIdentifier(n.parent.name)) kept = n.parent.name.text;
    if (ts.isBinaryExpression(n.parent) && n.parent.right === n && n.parent.operatorToken.kind === SK.EqualsToken && ts.isIdentifier(n.parent.left)) kept = n.parent.left.text;
    if (ts.isTryStatement(n.parent) && n.parent.tryBlock === n && n.parent.finallyBlock) {
      const fin = n.parent.finallyBlock;
      if (use.pos < fin.pos || use.end > fin.end) continue;
      for (let u: ts.Node = use; u !== fin && u.parent; u = u.parent) {
        const p = u.parent;
        const condition = ts.isIfStatement(p) ? p.expression : ts.isConditionalExpression(p) ? p.condition : undefined;
        if (kept !== undefined && condition && condition !== u && namesIn(condition).includes(kept)) return false;
      }
      return true;
    }
  }
  return false;
}

/**
 * Whether the two nodes sit in branches that never both run: the then and else of one `if`, the
 * two arms of a `?:`, two clauses of a `switch` (`if (a) { if (exists(p)) rm(p) } else write(p)`).
 */
export function inExclusiveBranches(a: ts.Node, b: ts.Node): boolean {
  const aPath = new Map<ts.Node, ts.Node>(); // ancestor → the child of it on the way to `a`
  for (let n: ts.Node = a; n.parent; n = n.parent) aPath.set(n.parent, n);
  for (let n: ts.Node = b; n.parent; n = n.parent) {
    const fromA = aPath.get(n.parent);
    if (fromA === undefined) continue;
    const common = n.parent;
    if (fromA === n) return false;
    if (ts.isIfStatement(common)) return fromA !== common.expression && n !== common.expression;
    if (ts.isConditionalExpression(common)) return fromA !== common.condition && n !== common.condition;
    return ts.isCaseBlock(common);
  }
  return false;
}

/** The check's value is stored (`const st = statSync(p)`, `ok = await exists(p)`) for later decisions. */
function resultKept(check: ts.Node, statement: ts.Node): boolean {
  for (let n = check; n !== statement && n.parent; n = n.parent) {
    const p = n.parent;
    if (ts.isVariableDeclaration(p) && p.initializer === n) return true;
    if (ts.isBinaryExpression(p) && p.right === n && p.operatorToken.kind >= SK.FirstAssignment && p.operatorToken.kind <= SK.LastAssignment) return true;
  }
  return false;
}

/** A `try` inside the statement catches what the check throws: `try { await access(p) } catch {}`. */
function caughtWithin(check: ts.Node, statement: ts.Node): boolean {
  for (let n = check; n !== statement && n.parent; n = n.parent) {
    // (a `catch` that refuses in turn, `catch { ctx.throw(410, 'purged') }`, lets the failure end the request all the same)
    if (ts.isTryStatement(n.parent) && n.parent.tryBlock === n) return !(n.parent.catchClause && rejects(n.parent.catchClause.block));
  }
  return false;
}

function isLoop(n: ts.Node): boolean {
  return n.kind === SK.WhileStatement || n.kind === SK.DoStatement || n.kind === SK.ForStatement || n.kind === SK.ForOfStatement || n.kind === SK.ForInStatement;
}

function scopeOf(node: ts.Node): Scope {
  let n: ts.Node = node;
  while (n.parent && !isScope(n)) n = n.parent;
  return n as Scope;
}

const DEFERRING_NAMES = new Set(DEFERRING_CALLEES);

/**
 * The listener or timer call a function declared by name is handed to later in the function that
 * declares it: `const onDone = async (e) => { … }; bus.on('done', onDone)`.
 */
export function handedByName(decl: ts.VariableDeclaration): ts.CallExpression | undefined {
  if (!ts.isIdentifier(decl.name)) return undefined;
  const name = decl.name.text;
  const scope = enclosingFunction(decl)?.body;
  if (!scope) return undefined;
  let found: ts.CallExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (found || (n !== scope && isFunctionLike(n))) return;
    if (
      ts.isCallExpression(n) &&
      n.pos > decl.end &&
      DEFERRING_NAMES.has(calleeChain(n.expression)?.at(-1) ?? '') &&
      n.arguments.some((a) => ts.isIdentifier(skipOuter(a)) && (skipOuter(a) as ts.Identifier).text === name)
    )
      found = n;
    else ts.forEachChild(n, visit);
  };
  visit(scope);
  return found;
}

/** A function declared by name (`const onDone = async () => …`) that a listener or timer call is handed later. */
export function isHandedByName(fn: ts.Node): boolean {
  let n: ts.Node = fn;
  while (n.parent && ts.isParenthesizedExpression(n.parent)) n = n.parent;
  return n.parent !== undefined && ts.isVariableDeclaration(n.parent) && n.parent.initializer === n && handedByName(n.parent) !== undefined;
}
