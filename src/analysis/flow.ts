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

/**
 * Whether what `check` finds can decide if `use` runs, or on what: the use is in the check's own
 * statement (a branch of its `if`, a callback of it, the rest of a promise chain), or a later
 * statement of the same block after something that can stop the flow — the check throwing
 * (`await access(p)`, `statSync(p)`), a `return`/`throw`/`continue`/`process.exit()` between them —
 * or after the check's result was kept in a variable, or the path given a value in the check's
 * statement. Otherwise the use runs whatever the check said (`if (exists(p)) log(); write(p)`) and
 * the check decided nothing about it.
 */
export function checkDecidesReach(check: ts.Node, checkThrows: boolean, use: ts.Node, path: ts.Expression, facts: FileFacts): boolean {
  for (let n = use.parent; n; n = n.parent) if (n === check) return true;
  if (inExclusiveBranches(check, use)) return false;
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
  if (resultKept(check, checkStatement)) return true;
  if (checkThrows && !caughtWithin(check, checkStatement)) return true;
  const scope = scopeOf(list);
  const from = checkStatement.pos;
  const to = useStatement.pos;
  if (facts.exits.some((e) => e.scope === scope && e.node.pos >= from && e.node.end <= to)) return true;
  for (const name of namesIn(path)) {
    if (facts.assignments.get(name)?.some((a) => a.pos >= from && a.end <= checkStatement.end)) return true;
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
    if (ts.isTryStatement(n.parent) && n.parent.tryBlock === n) return true;
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
