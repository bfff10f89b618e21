/**
 * How tables become tests. Every prefilter and every name test of the analysis is built here from
 * a table, never written by hand, so the text a prefilter lets through and the names the analysis
 * then looks for cannot drift apart.
 */

/** A name as a literal piece of a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `a|b|c`, escaped, longest first so that a longer name wins over its prefix. */
export function alternation(names: Iterable<string>): string {
  const list = [...new Set(names)].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  if (list.length === 0) throw new Error('an alternation needs at least one name');
  return list.map(escapeRegExp).join('|');
}

export interface TextPatternOptions {
  /** Regular-expression source put before the alternation (not escaped). */
  before?: string;
  /** Regular-expression source put after it (not escaped). */
  after?: string;
  /** Only where a name starts a word: `\b` before it. */
  wordStart?: boolean;
  /** Only where a name ends a word: `\b` after it. */
  wordEnd?: boolean;
  flags?: string;
}

/**
 * A text test that finds any of the names: a prefilter. Built from the table it guards, so every
 * name the table holds passes it (the vocabulary tests check this for each prefilter).
 */
export function textPattern(names: Iterable<string>, options: TextPatternOptions = {}): RegExp {
  const { before = '', after = '', wordStart = false, wordEnd = false, flags = '' } = options;
  return new RegExp(`${before}${wordStart ? '\\b' : ''}(?:${alternation(names)})${wordEnd ? '\\b' : ''}${after}`, flags);
}

/** A test that a whole name is one of the names: `^(?:a|b)$`. */
export function exactPattern(names: Iterable<string>, flags = ''): RegExp {
  return new RegExp(`^(?:${alternation(names)})$`, flags);
}

/** The names of a table's entries. */
export function namesOf<T extends { name: string }>(table: readonly T[], keep: (entry: T) => boolean = () => true): string[] {
  return table.filter(keep).map((e) => e.name);
}

/** A set of the names, for `has` tests. */
export function nameSet(names: Iterable<string>): ReadonlySet<string> {
  return new Set(names);
}

/**
 * Whether `name` starts with one of the verbs as a camel-case word: `findById`, `can`, `is_admin`,
 * `$executeRaw`; not `issue` for `is`, not `finder` for `find`.
 */
export function startsWithWord(name: string, verbs: Iterable<string>): string | undefined {
  for (const verb of verbs) {
    if (!name.startsWith(verb)) continue;
    const next = name.charAt(verb.length);
    if (next === '' || !/[a-z]/.test(next)) return verb; // a letter other than lower case starts a new word
  }
  return undefined;
}
