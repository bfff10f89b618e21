import { ts } from '../ts';
import { calleeName, skipOuter } from './facts/walk';
import { isSubqueryCall } from './vocabulary/data-access';

const SK = ts.SyntaxKind;

/**
 * A key that is equal for two expressions naming the same value as written: the same
 * variable, the same property path, the same string (whatever its quotes) or the same
 * template or call text. `undefined` for expressions we cannot compare honestly.
 */
export function valueKey(expr: ts.Expression, sf: ts.SourceFile): string | undefined {
  expr = skipOuter(expr);
  switch (expr.kind) {
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      return `s:${(expr as ts.StringLiteralLike).text}`;
    case SK.Identifier:
      return `v:${(expr as ts.Identifier).text}`;
    case SK.PropertyAccessExpression:
    case SK.ElementAccessExpression: {
      const chain = propertyChain(expr);
      return chain ? `p:${chain.join('.')}` : undefined;
    }
    case SK.TemplateExpression:
    case SK.CallExpression:
    case SK.BinaryExpression:
      return `t:${compactText(expr, sf)}`;
    default:
      return undefined;
  }
}

/** `a.b["c"]` → `['a','b','c']`; only identifiers, `this` and literal keys. */
export function propertyChain(expr: ts.Expression): string[] | undefined {
  const out: string[] = [];
  for (;;) {
    expr = skipOuter(expr);
    if (ts.isPropertyAccessExpression(expr)) {
      out.push(expr.name.text);
      expr = expr.expression;
    } else if (ts.isElementAccessExpression(expr) && ts.isStringLiteralLike(expr.argumentExpression)) {
      out.push(expr.argumentExpression.text);
      expr = expr.expression;
    } else if (ts.isIdentifier(expr)) {
      out.push(expr.text);
      return out.reverse();
    } else if (expr.kind === SK.ThisKeyword) {
      out.push('this');
      return out.reverse();
    } else {
      return undefined;
    }
  }
}

/** Source text with whitespace and comments dropped and quotes unified, for comparisons. */
function compactText(node: ts.Node, sf: ts.SourceFile): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, sf.languageVariant, sf.text, undefined, node.getStart(sf), node.end - node.getStart(sf));
  let out = '';
  for (let tok = scanner.scan(); tok !== SK.EndOfFileToken; tok = scanner.scan()) {
    if (tok === SK.StringLiteral) out += JSON.stringify(scanner.getTokenValue());
    else out += scanner.getTokenText();
    out += ' ';
  }
  return out.trim();
}

/** Source text for a message: one line, at most `max` characters. */
export function snippet(node: ts.Node, sf: ts.SourceFile, max = 60): string {
  const text = node.getText(sf).replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Markdown inline code that survives backticks inside (template literals). */
export function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** `===`, `!==`, `==`, `!=`: a comparison of two values (operators, not vocabulary). */
export function isEqualityOperator(kind: ts.SyntaxKind): boolean {
  return kind === SK.EqualsEqualsEqualsToken || kind === SK.ExclamationEqualsEqualsToken || kind === SK.EqualsEqualsToken || kind === SK.ExclamationEqualsToken;
}

/** A constant answer: `true`, `false`, `null`, `undefined`, a literal. */
export function isLiteralAnswer(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return x.kind === SK.TrueKeyword || x.kind === SK.FalseKeyword || x.kind === SK.NullKeyword || (ts.isIdentifier(x) && x.text === 'undefined') || ts.isLiteralExpression(x);
}

/**
 * A condition callback that starts a query of its own inside it (`selectFrom('t')`, `exists(…)`,
 * `qb.from('t')`): a sub-query, not a group of conditions on the query's own rows.
 */
export function startsSubquery(fn: ts.FunctionLikeDeclaration): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && isSubqueryCall(calleeName(n) ?? '')) found = true;
    else ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  return found;
}
