import { createHash } from 'node:crypto';
import * as path from 'node:path';

/** Severity ladder, lowest first. `off` only appears in configuration. */
export const SEVERITIES = ['note', 'warning', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeveritySetting = Severity | 'off';

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A span in a scanned file. Lines and columns are 1-based; `endColumn` is exclusive. */
export interface Location {
  /** Absolute path on disk. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface RelatedLocation {
  message: string;
  location: Location;
}

export interface Suppression {
  kind: 'inSource';
  justification: string;
  /** Where the directive is. */
  location: Location;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  /** The message id of the rule's `messages` table this finding was built from. */
  messageId: string;
  location: Location;
  related: RelatedLocation[];
  /** Stable under line shifts and unrelated edits: see `assignFingerprints`. */
  fingerprint: string;
  suppressions: Suppression[];
  /**
   * Set by the CLI when a baseline is in use (`--baseline`): `new` for a finding the baseline
   * does not hold. Findings the baseline holds are left out of the report altogether.
   */
  baselineState?: 'new' | 'unchanged';
}

/** A problem of the tool rather than of the scanned code (skipped file, syntax error, bad directive). */
export interface Notification {
  level: 'error' | 'warning' | 'note';
  /** Short machine-readable kind, e.g. `syntax-error`, `file-too-large`, `unused-directive`. */
  kind: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** Directive problems count towards the exit code like findings; skipped files do not (unless `--fail-on-skipped`). */
  countsAsProblem?: boolean;
  /** The file was not analysed, or not completely (skipped, too deeply nested, a rule failed on it). */
  incomplete?: boolean;
}

export function compareLocations(a: Location, b: Location): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column || a.endLine - b.endLine || a.endColumn - b.endColumn;
}

/** Deterministic order: file, position, rule id, message. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => compareLocations(a.location, b.location) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** `root`-relative path with forward slashes; files outside the root keep their absolute path. */
export function relativePath(root: string, file: string): string {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return file.split(path.sep).join('/');
  return rel.split(path.sep).join('/');
}

/** Lines as the TypeScript scanner counts them (CRLF, LF, CR, U+2028, U+2029), so line numbers agree. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|[\n\r\u2028\u2029]/);
}

const normalise = (line: string): string => line.replace(/\s+/g, ' ').trim();

/**
 * Fingerprints hash what the finding is about, never where it is: the rule, the file's
 * relative path, the text of the primary line and of each related line in the same file
 * (whitespace folded). Related lines in other files are left out: whether their text is at hand
 * must not depend on what else a run scanned, and an edit there is not a change of this finding.
 * Identical hashes in one file get an occurrence suffix (`:2`, `:3`) in position order, the
 * way GitHub's `primaryLocationLineHash` does, so moving code up or down keeps the value.
 */
export function assignFingerprints(findings: Finding[], lineText: (file: string, line: number) => string, relativePath: (file: string) => string): void {
  const seen = new Map<string, number>();
  for (const f of findings) {
    const h = createHash('sha256');
    h.update(f.ruleId).update('\0').update(relativePath(f.location.file)).update('\0');
    h.update(normalise(lineText(f.location.file, f.location.line)));
    for (const r of f.related) if (r.location.file === f.location.file) h.update('\0').update(normalise(lineText(r.location.file, r.location.line)));
    const base = h.digest('hex').slice(0, 16);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    f.fingerprint = `${base}:${n}`;
  }
}
