import { ts } from '../ts';
import { propertyChain } from './expressions';
import type { CallFact, FileFacts, Scope } from './facts/types';
import { isScope } from './facts/walk';

const SK = ts.SyntaxKind;

/**
 * Cheap, syntactic answers about the order code runs in, from the facts of the one walk:
 * whether a later call is part of the same flow as an earlier one, and whether a name was
 * given a new value in between. No control-flow graph; each answer errs towards "same flow".
 */

/**
 * Whether `call` runs as part of the flow of code in `scope`: in `scope` itself, or in functions
 * nested in it that run in that flow — callbacks handed to a call (`fs.stat(p, cb)`, `.then(cb)`,
 * `new Promise(cb)`) and functions called in place. A function declared, assigned or defined as a
 * method runs whenever someone calls it, so a check outside it says nothing about its calls.
 */
export function runsWithin(call: CallFact, scope: Scope): boolean {
  const at = call.scopes.indexOf(scope);
  if (at === -1) return false;
  return call.scopes.slice(at + 1).every(isInlineFunction);
}

function isInlineFunction(fn: Scope): boolean {
  if (fn.kind !== SK.ArrowFunction && fn.kind !== SK.FunctionExpression) return false;
  let node: ts.Node = fn;
  while (node.parent && node.parent.kind === SK.ParenthesizedExpression) node = node.parent;
  const parent = node.parent;
  if (!parent || (parent.kind !== SK.CallExpression && parent.kind !== SK.NewExpression)) return false;
  const call = parent as ts.CallExpression | ts.NewExpression;
  return call.expression === node || (call.arguments ?? []).some((arg) => arg === node);
}

/**
 * Whether a variable or property path that `expr` reads is given a new value after `from` and
 * before `use` on every way to the use: an assignment or declaration whose block also holds the
 * use (`p = other;` on its own line, a callback parameter of the same name). One made only in a
 * branch the use is not in (`if (!exists(p)) p = fallback;`) leaves the checked value possible.
 */
export function reboundBetween(expr: ts.Expression, from: number, use: ts.Node, facts: FileFacts): boolean {
  const useStart = use.getStart(facts.sourceFile);
  for (const name of namesIn(expr)) {
    for (const node of facts.assignments.get(name) ?? []) {
      if (node.pos >= from && node.end <= useStart && dominates(node, use)) return true;
    }
  }
  return false;
}

/** Variables and property paths an expression reads: `${this.dir}/${name}` → `this.dir`, `name`. */
export function namesIn(expr: ts.Node): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (n.kind === SK.PropertyAccessExpression || n.kind === SK.ElementAccessExpression) {
      const chain = propertyChain(n as ts.Expression);
      if (chain) {
        for (let i = 1; i <= chain.length; i++) if (i > 1 || chain[0] !== 'this') out.push(chain.slice(0, i).join('.'));
        return;
      }
    } else if (n.kind === SK.Identifier) {
      out.push((n as ts.Identifier).text);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(expr);
  return out;
}

/** Whether `node` (an assignment or declaration) runs on every way from its block to `use`. */
function dominates(node: ts.Node, use: ts.Node): boolean {
  const block = blockOf(node);
  for (let n: ts.Node | undefined = use; n; n = n.parent) if (n === block) return true;
  return false;
}

/** The block a value-giving node belongs to: the statement list holding it, the function of a parameter. */
function blockOf(node: ts.Node): ts.Node | undefined {
  if (node.kind === SK.Parameter) return node.parent;
  let n: ts.Node = node;
  for (;;) {
    const parent = n.parent;
    if (!parent) return undefined;
    if (isScope(parent)) return parent;
    if (isStatement(parent)) {
      // a loop's own declaration (`for (const f of files)`) lives in the loop
      if (parent.kind === SK.ForStatement || parent.kind === SK.ForOfStatement || parent.kind === SK.ForInStatement) return parent;
      const list = parent.parent;
      // a statement that is itself a branch or loop body (`if (c) p = x;`) runs only sometimes
      return list && isStatementList(list) ? list : parent;
    }
    n = parent;
  }
}

function isStatement(n: ts.Node): boolean {
  return n.kind >= SK.FirstStatement && n.kind <= SK.LastStatement;
}

export function isStatementList(n: ts.Node): boolean {
  return n.kind === SK.Block || n.kind === SK.SourceFile || n.kind === SK.ModuleBlock || n.kind === SK.CaseClause || n.kind === SK.DefaultClause;
}
