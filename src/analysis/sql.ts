import { ts } from '../ts';
import { skipOuter } from './facts/walk';
import { isReferenceKey } from './vocabulary/data-access';

/**
 * Which bound values of a raw SQL statement choose the rows it touches, and which are only data.
 * A value bound after the statement's `WHERE` (or `ON`/`USING` of a join, or `HAVING`) selects;
 * one in `SET`, `VALUES` or the column list is written. An `INSERT` with a column list splits by
 * column (see `insertSplit`); another statement without a `WHERE` gives no split: every value counts as both.
 */
export interface SqlSplit {
  selectors: ts.Node[];
  written: ts.Node[];
  /** An `INSERT` of new rows: the selectors are its references to other rows, and nothing it writes scopes it. */
  creates?: true;
}

/** A placeholder in the SQL text and where it stands. */
interface Placeholder {
  /** `$2` → 1, the second `?` → 1, `:tenant` → 'tenant', or the `${…}` expression of a template. */
  ref: number | string | ts.Expression;
  offset: number;
}

/**
 * Split the values bound to `sql` (a string, template or tagged template) and `params` (an array
 * literal, an object of named values, or the spread arguments of a prepared statement's call).
 */
export function splitSql(sql: ts.Expression, params: readonly ts.Expression[], resolve: (e: ts.Expression) => ts.Node | undefined): SqlSplit | undefined {
  const text = sqlText(sql, resolve);
  if (!text) return undefined;
  const where = selectionStart(text.text);
  const bound = boundValues(params, resolve);
  if (where === undefined) return insertSplit(text, bound);
  const selectors: ts.Node[] = [];
  const written: ts.Node[] = [];
  for (const p of text.placeholders) {
    const value = typeof p.ref === 'object' ? p.ref : bound(p.ref);
    if (!value) continue;
    // (a value the rows must differ from, `requested_by <> ?`, `id NOT IN (?, ?)`, leaves them out: it chooses none)
    if (p.offset >= where && excludes(text.text, p.offset)) continue;
    (p.offset >= where ? selectors : written).push(value);
  }
  return { selectors, written };
}

/** The placeholder at `offset` is compared for inequality: after `<>`, `!=`, or inside a `NOT IN (…)` list. */
function excludes(text: string, offset: number): boolean {
  const before = text.slice(Math.max(0, offset - 200), offset);
  return /(?:<>|!=)\s*$/.test(before) || /\bnot\s+in\s*\((?:[^()]*,)?\s*$/i.test(before);
}

/**
 * `INSERT INTO t (a, b_id) VALUES ($1, $2)` (or `SELECT $1, $2 FROM …`): the values put in columns that refer to other rows
 * (`patient_id`, `tripId`) choose the row the new one is attached to; the others are only data.
 * Without a column list, or a `VALUES` list to match it, no split.
 */
function insertSplit(text: { text: string; placeholders: Placeholder[] }, bound: (ref: number | string) => ts.Node | undefined): SqlSplit | undefined {
  const blank = text.text.replace(/'(?:[^']|'')*'/g, (x) => ' '.repeat(x.length));
  // (the values of the first row, or the list of an `INSERT … SELECT $1, $2, r.at FROM …`)
  const head = /^\s*insert\s+(?:ignore\s+)?into\s+[\w."`[\]]+\s*\(([^)]*)\)\s*(?:values\s*\(|(select)\s)/i.exec(blank);
  if (!head) return undefined;
  const selected = head[2] !== undefined;
  const columns = head[1].split(',').map((c) => c.trim().replace(/^["`[]|["`\]]$/g, ''));
  // the first row's values, split at the commas of its own level
  const start = head.index + head[0].length;
  const ends: number[] = [];
  let depth = 0;
  let at = start;
  for (; at < blank.length; at++) {
    const ch = blank[at];
    if (selected && depth === 0 && /^\s(?:from|where|on\s+conflict|returning|union)\b/i.test(blank.slice(at, at + 13))) break;
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) ends.push(at);
  }
  ends.push(at);
  if (ends.length !== columns.length) return undefined;
  const selectors: ts.Node[] = [];
  const written: ts.Node[] = [];
  for (const p of text.placeholders) {
    if (p.offset < start || p.offset > at) continue;
    const column = columns[ends.findIndex((end) => p.offset < end)];
    const value = typeof p.ref === 'object' ? p.ref : bound(p.ref);
    if (!value || column === undefined) continue;
    (isReferenceKey(column) ? selectors : written).push(value);
  }
  return { selectors, written, creates: true };
}

/** The SQL text a statement argument holds (a literal, a template with its values blanked, or a name bound to one). */
export function statementText(sql: ts.Expression, resolve: (e: ts.Expression) => ts.Node | undefined): string | undefined {
  return sqlText(sql, resolve)?.text;
}

/** The SQL text with its placeholders, from a literal, a template, or a name bound to one. */
function sqlText(sql: ts.Expression, resolve: (e: ts.Expression) => ts.Node | undefined): { text: string; placeholders: Placeholder[] } | undefined {
  let e = skipOuter(sql);
  if (ts.isIdentifier(e)) {
    const v = resolve(e);
    if (!v || !ts.isExpression(v)) return undefined;
    e = skipOuter(v);
  }
  if (ts.isTaggedTemplateExpression(e)) e = e.template;
  if (ts.isNoSubstitutionTemplateLiteral(e) || ts.isStringLiteral(e)) return { text: e.text, placeholders: scan(e.text, 0) };
  if (ts.isTemplateExpression(e)) {
    let text = e.head.text;
    const placeholders = scan(text, 0);
    for (const span of e.templateSpans) {
      placeholders.push({ ref: span.expression, offset: text.length });
      text += '\u0000'; // the interpolated value, never read as SQL
      placeholders.push(...scan(span.literal.text, text.length));
      text += span.literal.text;
    }
    return { text, placeholders };
  }
  return undefined;
}

/** `$1`, `?`, `:name`, `@name` placeholders in SQL text (string literals inside it are skipped). */
function scan(text: string, base: number): Placeholder[] {
  const out: Placeholder[] = [];
  let question = 0;
  const re = /'(?:[^']|'')*'|\$(\d+)|(\?)|(?<![:\w]):([A-Za-z_]\w*)|@([A-Za-z_]\w*)/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) out.push({ ref: Number(m[1]) - 1, offset: base + m.index });
    else if (m[2] !== undefined) out.push({ ref: question++, offset: base + m.index });
    else if (m[3] !== undefined) out.push({ ref: m[3], offset: base + m.index });
    else if (m[4] !== undefined) out.push({ ref: m[4], offset: base + m.index });
  }
  return out;
}

/** Where the part of the statement that chooses rows begins: its first `WHERE`, `ON`, `USING` or `HAVING`. */
function selectionStart(text: string): number | undefined {
  const m = /\b(?:where|on(?!\s+(?:conflict|duplicate)\b)|using|having)\b/i.exec(text.replace(/'(?:[^']|'')*'/g, (s) => ' '.repeat(s.length)));
  return m ? m.index : undefined;
}

/** The value bound to a positional or named placeholder. */
function boundValues(params: readonly ts.Expression[], resolve: (e: ts.Expression) => ts.Node | undefined): (ref: number | string) => ts.Node | undefined {
  const list = (e: ts.Expression | undefined): ts.Expression | undefined => {
    if (!e) return undefined;
    let v: ts.Node = skipOuter(e);
    if (ts.isIdentifier(v)) v = resolve(v) ?? v;
    return ts.isExpression(v) ? skipOuter(v) : undefined;
  };
  const first = list(params[0]);
  return (ref) => {
    if (typeof ref === 'number') {
      // one array of values, or the values spread as arguments (`stmt.get(a, b)`)
      if (first && ts.isArrayLiteralExpression(first) && params.length === 1) return first.elements[ref];
      return params[ref];
    }
    if (first && ts.isObjectLiteralExpression(first)) {
      for (const p of first.properties) {
        if (p.name && ts.isIdentifier(p.name) && p.name.text === ref) return ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
      }
    }
    return undefined;
  };
}
