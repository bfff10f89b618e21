import { ts } from '../ts';
import { isStatementList } from './flow';
import { enclosingFunction } from './guards';
import type { Fn } from './handlers';
import { isInlineCallback } from './modules';
import type { Project } from './project';

/** What counts as a check, asked at the three places a check can sit. */
export interface CheckSpec {
  /** A statement before the node, in its block or an enclosing one, that is the check. */
  statement(stmt: ts.Statement): boolean;
  /** A condition whose branch holds the node: `if (ok) { node }`, `ok && node`, `ok ? node : …`. */
  condition(expr: ts.Expression): boolean;
  /** A function earlier on the request path (middleware, hook, guard) that does the check. */
  gate(fn: Fn): boolean;
}

/**
 * Request paths: for each handler the ordered chain of functions that run before it (built once
 * per handler from the registrations of `Handlers.chainBefore`), and whether a check runs before a
 * node on every path to it — in the node's function, in the functions that call it on the way from
 * the handler, or in the chain before the handler.
 */
export class RequestPaths {
  private readonly chains = new Map<Fn, Fn[]>();

  constructor(private readonly project: Project) {}

  /** The functions that run before `handler`, outermost first. */
  chain(handler: Fn): Fn[] {
    let c = this.chains.get(handler);
    if (!c) this.chains.set(handler, (c = this.project.handlers.chainBefore(handler)));
    return c;
  }

  /**
   * Where the check that runs before `node` on every path sits (a statement, condition or
   * function to point at), or `undefined` when some path has none the tool can see.
   */
  checkBefore(node: ts.Node, spec: CheckSpec, callers: (fn: Fn) => readonly ts.Node[], depth = 0, seen = new Set<ts.Node>()): ts.Node | undefined {
    if (depth > 5 || seen.has(node)) return undefined;
    seen.add(node);
    let n = node;
    for (let fn = enclosingFunction(n); fn; fn = enclosingFunction(n)) {
      const here = checkInFunction(n, fn, spec);
      if (here) return here;
      if (this.project.handlers.isEntry(fn)) {
        if (!this.project.handlers.gatedBefore(fn, spec.gate)) return undefined;
        return this.chain(fn).find(spec.gate) ?? fn;
      }
      if (isInlineCallback(fn)) {
        n = fn.parent;
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

/** A check in `fn` before `node`: an enclosing condition, or a statement earlier in an enclosing block. */
export function checkInFunction(node: ts.Node, fn: ts.Node, spec: CheckSpec): ts.Node | undefined {
  for (let n: ts.Node = node; n !== fn && n.parent; n = n.parent) {
    const p = n.parent;
    if (ts.isIfStatement(p) && n !== p.expression && spec.condition(p.expression)) return p.expression;
    if (ts.isConditionalExpression(p) && n !== p.condition && spec.condition(p.condition)) return p.condition;
    if (ts.isBinaryExpression(p) && n === p.right && p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && spec.condition(p.left)) return p.left;
    if (isStatementList(p)) {
      const statements = (p as ts.Block).statements;
      const at = statements.indexOf(n as ts.Statement);
      for (let i = 0; i < at; i++) if (spec.statement(statements[i])) return statements[i];
    }
  }
  return undefined;
}
