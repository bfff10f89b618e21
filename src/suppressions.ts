import type { Finding, Location, Notification } from './findings';
import { ts } from './ts';

/**
 * Inline directives, applied after every rule has run:
 *   // toctou-lint-disable-next-line <id>[, <id>] -- <reason>
 *   // toctou-lint-disable-line <id>[, <id>] -- <reason>
 * Only comments count; the same words inside a string or template suppress nothing.
 */
export interface Directive {
  kind: 'disable-line' | 'disable-next-line';
  /** Empty means every rule. */
  ruleIds: string[];
  justification: string;
  /** The line whose findings it suppresses (1-based). */
  targetLine: number;
  location: Location;
  /** Rule ids it suppressed something for (`*` for a bare directive). */
  used: Set<string>;
}

const MARKER = 'toctou-lint-disable';
const DIRECTIVE_RE = /^\s*(?:\/\/|\/\*+)\s*toctou-lint-(disable-next-line|disable-line)\b([\s\S]*?)(?:\*\/)?\s*$/;

/** Find the directives of one file. Cheap for files that never mention the marker. */
export function findDirectives(file: string, sf: ts.SourceFile, knownRuleIds: ReadonlySet<string>): { directives: Directive[]; problems: Notification[] } {
  const text = sf.text;
  const directives: Directive[] = [];
  const problems: Notification[] = [];
  let from = 0;
  for (let at = text.indexOf(MARKER); at !== -1; at = text.indexOf(MARKER, from)) {
    const comment = commentAt(sf, at);
    from = comment ? comment.end : at + MARKER.length;
    if (!comment) continue;
    const commentText = text.slice(comment.pos, comment.end);
    const match = DIRECTIVE_RE.exec(commentText);
    if (!match) {
      // a block form (`toctou-lint-disable` … `-enable`) people bring from ESLint: say it does nothing
      const other = /^\s*(?:\/\/|\/\*+)\s*(toctou-lint-(?:disable|enable)[\w-]*)/.exec(commentText);
      if (other) {
        const { line, character } = sf.getLineAndCharacterOfPosition(comment.pos);
        const at: Location = { file, line: line + 1, column: character + 1, endLine: line + 1, endColumn: character + 1 };
        problems.push(directiveProblem('unsupported-directive', `\`${other[1]}\` is not a directive; use \`toctou-lint-disable-next-line\` or \`toctou-lint-disable-line\``, at));
      }
      continue;
    }
    const kind = match[1] as Directive['kind'];
    const [idsText, ...reasonParts] = match[2].split(/\s--\s?|^--\s?/);
    const justification = reasonParts.join(' -- ').trim();
    const start = sf.getLineAndCharacterOfPosition(comment.pos);
    const end = sf.getLineAndCharacterOfPosition(comment.end);
    const location: Location = { file, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
    const ruleIds: string[] = [];
    for (const id of idsText.split(/[\s,]+/).filter(Boolean)) {
      if (knownRuleIds.has(id)) ruleIds.push(id);
      else problems.push(directiveProblem('unknown-rule-in-directive', `directive names unknown rule \`${id}\``, location));
    }
    if (!justification) {
      problems.push(directiveProblem('directive-without-reason', `\`toctou-lint-${kind}\` needs a reason after \` -- \``, location));
    }
    // a directive whose every id was unknown suppresses nothing, rather than everything
    if (ruleIds.length === 0 && idsText.trim() !== '') continue;
    const targetLine = kind === 'disable-line' ? start.line + 1 : end.line + 2;
    directives.push({ kind, ruleIds, justification, targetLine, location, used: new Set() });
  }
  return { directives, problems };
}

function directiveProblem(kind: string, message: string, at: Location): Notification {
  return { level: 'warning', kind, message, file: at.file, line: at.line, column: at.column, countsAsProblem: true };
}

/**
 * The comment that contains `pos`, or undefined when `pos` is in code, a string, a template or
 * JSX text. Descends to the innermost node around `pos`; comments live in the trivia before a
 * token, so scanning the gap between that node's children finds them without re-lexing code.
 */
function commentAt(sf: ts.SourceFile, pos: number): { pos: number; end: number } | undefined {
  let node: ts.Node = sf;
  let gapStart = 0;
  for (;;) {
    let next: ts.Node | undefined;
    ts.forEachChild(node, (child) => {
      if (child.pos <= pos && pos < child.end) {
        next = child;
        return true;
      }
      if (child.end <= pos) gapStart = child.end;
      return undefined;
    });
    if (!next) break;
    // inside the child's leading trivia: the child's full text starts with it
    node = next;
    gapStart = node.pos;
  }
  if (node !== sf && isLiteralToken(node.kind) && pos >= node.getStart(sf)) return undefined;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, sf.languageVariant, sf.text, undefined, gapStart);
  for (let tok = scanner.scan(); tok !== ts.SyntaxKind.EndOfFileToken; tok = scanner.scan()) {
    const start = scanner.getTokenFullStart();
    const end = scanner.getTokenEnd();
    if (start > pos) return undefined;
    if (pos < end) {
      return tok === ts.SyntaxKind.SingleLineCommentTrivia || tok === ts.SyntaxKind.MultiLineCommentTrivia ? { pos: start, end } : undefined;
    }
  }
  return undefined;
}

function isLiteralToken(kind: ts.SyntaxKind): boolean {
  return (kind >= ts.SyntaxKind.FirstLiteralToken && kind <= ts.SyntaxKind.LastTemplateToken) || kind === ts.SyntaxKind.JsxText || kind === ts.SyntaxKind.JsxTextAllWhiteSpaces;
}

/** Mark suppressed findings; return the problems of unused directives when asked for. */
export function applyDirectives(findings: readonly Finding[], directives: readonly Directive[], reportUnused: boolean): Notification[] {
  if (directives.length === 0) return [];
  for (const f of findings) {
    for (const d of directives) {
      if (d.targetLine !== f.location.line) continue;
      if (d.ruleIds.length > 0 && !d.ruleIds.includes(f.ruleId)) continue;
      d.used.add(d.ruleIds.length === 0 ? '*' : f.ruleId);
      if (f.suppressions.length === 0) f.suppressions.push({ kind: 'inSource', justification: d.justification, location: d.location });
    }
  }
  if (!reportUnused) return [];
  const problems: Notification[] = [];
  for (const d of directives) {
    const unused = d.ruleIds.length === 0 ? (d.used.size === 0 ? ['(all rules)'] : []) : d.ruleIds.filter((id) => !d.used.has(id));
    if (unused.length > 0) {
      problems.push(directiveProblem('unused-directive', `unused \`toctou-lint-${d.kind}\` for ${unused.join(', ')}: nothing to suppress on line ${d.targetLine}`, d.location));
    }
  }
  return problems;
}
