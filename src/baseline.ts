import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { relativePath, splitLines, type Finding } from './findings';
import { LIMITS, readTextSafely, type ReadError } from './read';

/**
 * Baselines, for adopting the tool on an existing codebase: a file that lists the findings that
 * are already there, so that a run reports only new ones.
 *
 *   { "version": 1, "files": { "<path>": { "<rule id>": { "<finding key>": <count> } } } }
 *
 * Paths are relative to the baseline file's own folder (so the file works from any working
 * folder), with `/` separators. A finding key hashes the rule id and the text of the finding's
 * lines (primary and related, whitespace folded), never a line number or a path, so code moving
 * up or down, or the file being renamed along with its entry, keeps the match. The count says
 * how many findings with that key the file may have, the way ESLint's bulk-suppressions file
 * counts per rule: one more identical finding is new. Keys are sorted so diffs are reviewable.
 */
export const BASELINE_VERSION = 1;

/** file → rule id → finding key → count. */
export type BaselineEntries = Record<string, Record<string, Record<string, number>>>;

export interface Baseline {
  version: typeof BASELINE_VERSION;
  files: BaselineEntries;
}

/** A baseline file that cannot be read or is not a baseline. */
export class BaselineError extends Error {}

export interface BaselineContext {
  /** The folder baseline paths are relative to: the baseline file's folder. */
  dir: string;
  /** The text of every file that has a finding (`RunResult.sources`). */
  sources: ReadonlyMap<string, string>;
}

/** What a run looked at: entries outside it are kept as they are by `--write-baseline` and `--prune-baseline`. */
export interface BaselineScope {
  /** Absolute paths of the files the run analysed. */
  files: ReadonlySet<string>;
  /** Ids of the rules that ran. */
  rules: ReadonlySet<string>;
}

const fold = (line: string): string => line.replace(/\s+/g, ' ').trim();

/** Key of a finding within its file and rule: the rule and the text of its own lines (primary and same-file related), nothing positional. */
export function findingKey(f: Finding, sources: ReadonlyMap<string, string>): string {
  const lines = new Map<string, string[]>();
  const text = (file: string, line: number): string => {
    let l = lines.get(file);
    if (!l) lines.set(file, (l = splitLines(sources.get(file) ?? '')));
    return fold(l[line - 1] ?? '');
  };
  const h = createHash('sha256').update(f.ruleId).update('\0').update(text(f.location.file, f.location.line));
  // related lines in other files are left out, as in fingerprints: a finding keeps its key whether
  // or not this run read those files (a pre-commit run, `--rule`, other rules off)
  for (const r of f.related) if (r.location.file === f.location.file) h.update('\0').update(text(r.location.file, r.location.line));
  return h.digest('hex').slice(0, 16);
}

/** Unsuppressed findings grouped by baseline path, rule and key, in report order. */
function group(findings: readonly Finding[], ctx: BaselineContext): Map<string, Map<string, Map<string, Finding[]>>> {
  const out = new Map<string, Map<string, Map<string, Finding[]>>>();
  for (const f of findings) {
    if (f.suppressions.length > 0) continue;
    const file = relativePath(ctx.dir, f.location.file);
    let rules = out.get(file);
    if (!rules) out.set(file, (rules = new Map()));
    let keys = rules.get(f.ruleId);
    if (!keys) rules.set(f.ruleId, (keys = new Map()));
    const key = findingKey(f, ctx.sources);
    const list = keys.get(key);
    if (list) list.push(f);
    else keys.set(key, [f]);
  }
  return out;
}

/** A baseline holding every unsuppressed finding of a run. */
export function baselineFromFindings(findings: readonly Finding[], ctx: BaselineContext): Baseline {
  const files: BaselineEntries = {};
  for (const [file, rules] of group(findings, ctx)) {
    for (const [rule, keys] of rules) {
      for (const [key, list] of keys) ((files[file] ??= {})[rule] ??= {})[key] = list.length;
    }
  }
  return { version: BASELINE_VERSION, files };
}

export interface Applied {
  /** Suppressed findings as they were, and the unsuppressed ones the baseline does not hold, marked `new`. */
  findings: Finding[];
  /** How many findings the baseline held (left out of `findings`). */
  matched: number;
}

/** Leave out the findings a baseline holds; up to its count per key, the first ones in report order. */
export function applyBaseline(findings: readonly Finding[], baseline: Baseline, ctx: BaselineContext): Applied {
  const held = new Set<Finding>();
  for (const [file, rules] of group(findings, ctx)) {
    for (const [rule, keys] of rules) {
      for (const [key, list] of keys) {
        const allowed = baseline.files[file]?.[rule]?.[key] ?? 0;
        for (const f of list.slice(0, allowed)) held.add(f);
      }
    }
  }
  return {
    findings: findings.filter((f) => !held.has(f)).map((f) => (f.suppressions.length > 0 ? f : { ...f, baselineState: 'new' as const })),
    matched: held.size,
  };
}

/** Entries of files the run analysed, for rules that ran, that hold more than the run found: fixed or changed code. */
export function staleEntries(baseline: Baseline, findings: readonly Finding[], ctx: BaselineContext, scope: BaselineScope): number {
  const current = group(findings, ctx);
  const inScope = scopeFiles(scope, ctx);
  let stale = 0;
  for (const [file, rules] of Object.entries(baseline.files)) {
    if (!inScope.has(file)) continue;
    for (const [rule, keys] of Object.entries(rules)) {
      if (!scope.rules.has(rule)) continue;
      for (const [key, count] of Object.entries(keys)) stale += Math.max(0, count - (current.get(file)?.get(rule)?.get(key)?.length ?? 0));
    }
  }
  return stale;
}

export interface Updated {
  baseline: Baseline;
  /** Findings counted by the new baseline and not by the old one. */
  added: number;
  /** Findings counted by the old baseline and not by the new one. */
  removed: number;
}

/**
 * `--write-baseline`: the entries of the files the run analysed (for the rules that ran) become
 * what the run found; other entries stay, except those of files that no longer exist.
 * `--prune-baseline`: the same, but counts only ever go down: nothing new is taken in.
 */
export function updateBaseline(
  old: Baseline,
  findings: readonly Finding[],
  ctx: BaselineContext,
  scope: BaselineScope,
  mode: 'write' | 'prune',
  exists: (absolutePath: string) => boolean = fs.existsSync,
): Updated {
  const current = baselineFromFindings(findings, ctx).files;
  const inScope = scopeFiles(scope, ctx);
  const files: BaselineEntries = {};
  const set = (file: string, rule: string, key: string, count: number): void => {
    if (count > 0) ((files[file] ??= {})[rule] ??= {})[key] = count;
  };
  for (const [file, rules] of Object.entries(old.files)) {
    if (!exists(path.resolve(ctx.dir, file))) continue;
    for (const [rule, keys] of Object.entries(rules)) {
      const replaced = inScope.has(file) && scope.rules.has(rule);
      for (const [key, count] of Object.entries(keys)) {
        if (!replaced) set(file, rule, key, count);
        else if (mode === 'prune') set(file, rule, key, Math.min(count, current[file]?.[rule]?.[key] ?? 0));
      }
    }
  }
  if (mode === 'write') {
    for (const [file, rules] of Object.entries(current)) {
      for (const [rule, keys] of Object.entries(rules)) {
        // a finding in a file outside the scope, or of a rule that did not run, cannot happen; keep the old entry if it does
        if (!inScope.has(file) || !scope.rules.has(rule)) continue;
        for (const [key, count] of Object.entries(keys)) set(file, rule, key, count);
      }
    }
  }
  const total = (b: BaselineEntries, f: string, r: string, k: string): number => b[f]?.[r]?.[k] ?? 0;
  let added = 0;
  let removed = 0;
  for (const [f, r, k] of triples(files)) added += Math.max(0, total(files, f, r, k) - total(old.files, f, r, k));
  for (const [f, r, k] of triples(old.files)) removed += Math.max(0, total(old.files, f, r, k) - total(files, f, r, k));
  return { baseline: { version: BASELINE_VERSION, files }, added, removed };
}

function scopeFiles(scope: BaselineScope, ctx: BaselineContext): Set<string> {
  return new Set([...scope.files].map((f) => relativePath(ctx.dir, f)));
}

function* triples(files: BaselineEntries): Generator<[string, string, string]> {
  for (const [f, rules] of Object.entries(files)) for (const [r, keys] of Object.entries(rules)) for (const k of Object.keys(keys)) yield [f, r, k];
}

/** How many findings and files a baseline holds. */
export function baselineSize(b: Baseline): { findings: number; files: number } {
  let findings = 0;
  for (const [f, r, k] of triples(b.files)) findings += b.files[f][r][k];
  return { findings, files: Object.keys(b.files).length };
}

/** The file's text: keys sorted at every level, two-space indent, trailing newline. */
export function serializeBaseline(b: Baseline): string {
  const sorted = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort((a, c) => (a < c ? -1 : a > c ? 1 : 0))) {
      const v = o[k];
      out[k] = v !== null && typeof v === 'object' ? sorted(v as Record<string, unknown>) : v;
    }
    return out;
  };
  return JSON.stringify({ version: b.version, files: sorted(b.files) }, null, 2) + '\n';
}

/** Parse and check a baseline; `where` names it in errors. */
export function parseBaseline(text: string, where: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // the parser's message may quote the file: keep only what kind of error it is
    throw new BaselineError(`${where}: not a baseline: invalid JSON (${(err as Error).message.replace(/,? ".*$/s, '').slice(0, 120)})`);
  }
  const bad = (at: string, what: string): never => {
    throw new BaselineError(`${where}: not a baseline: ${at} ${what} (expected { "version": 1, "files": { "<path>": { "<rule id>": { "<key>": <count> } } } })`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(data)) return bad('the file', 'is not a JSON object');
  if (data.version !== BASELINE_VERSION) {
    return bad('"version"', `is ${JSON.stringify(data.version)}; this version of toctou-lint reads version ${BASELINE_VERSION}`);
  }
  for (const key of Object.keys(data)) if (key !== 'version' && key !== 'files' && key !== '$schema') bad(`"${key}"`, 'is not a known key');
  if (!isObject(data.files)) return bad('"files"', 'is not an object');
  for (const [file, rules] of Object.entries(data.files)) {
    if (!isObject(rules)) bad(`files["${file}"]`, 'is not an object');
    for (const [rule, keys] of Object.entries(rules as Record<string, unknown>)) {
      if (!isObject(keys)) bad(`files["${file}"]["${rule}"]`, 'is not an object');
      for (const [key, count] of Object.entries(keys as Record<string, unknown>)) {
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
          bad(`files["${file}"]["${rule}"]["${key}"]`, `is ${JSON.stringify(count)}, not a count (a whole number of at least 1)`);
      }
    }
  }
  return { version: BASELINE_VERSION, files: data.files as BaselineEntries };
}

/** Read a baseline file; a missing or broken file is a `BaselineError` naming it. */
export function readBaselineFile(file: string, shown: string = file): Baseline {
  let text: string;
  try {
    text = readTextSafely(file, LIMITS.baseline);
  } catch (err) {
    const e = err as ReadError;
    const hint = e.code === 'ENOENT' ? ' (write one with --write-baseline)' : '';
    const why = e.code === 'not-regular' || e.code === 'too-large' || e.code === 'timeout' ? e.message : e.code;
    throw new BaselineError(`cannot read the baseline ${shown}: ${why}${hint}`);
  }
  return parseBaseline(text, shown);
}

/** Write a baseline through a temporary file and a rename, so a reader never sees half a file. */
export function writeBaselineFile(file: string, b: Baseline, shown: string = file): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, serializeBaseline(b), { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new BaselineError(`cannot write the baseline ${shown}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
