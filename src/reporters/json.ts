import type { Finding, Location, Notification, Severity } from '../findings';
import { severityRank } from '../findings';
import { relativePath, type ReportInput } from './types';

/**
 * The JSON report, format version 1 (documented in README.md, "JSON output"). Fields are only
 * ever added within a version; a rename or removal bumps `version`.
 */
export const JSON_FORMAT_VERSION = 1;

export interface JsonLocation {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface JsonReport {
  format: 'toctou-lint';
  version: typeof JSON_FORMAT_VERSION;
  tool: { name: string; version: string };
  root: string;
  config: string | null;
  summary: {
    filesScanned: number;
    filesSkipped: number;
    /** Files given or found that were not analysed, or not completely (each has a notification). */
    filesNotAnalysed: number;
    findings: number;
    suppressed: number;
    bySeverity: Record<Severity, number>;
    failOn: Severity;
    /** With `--fail-on-skipped`: a file that was not analysed fails the run. */
    failOnSkipped: boolean;
    failed: boolean;
    /** With `--baseline`: the file, and how many findings it held (they are not in `findings`). */
    baseline?: { file: string; matched: number };
  };
  rules: { id: string; title: string; severity: Severity; precision: string; cwe: string[]; helpUri: string }[];
  findings: {
    ruleId: string;
    severity: Severity;
    message: string;
    location: JsonLocation;
    related: { message: string; location: JsonLocation }[];
    fingerprint: string;
    suppressed: boolean;
    suppressions: { kind: 'inSource'; justification: string }[];
    /** With `--baseline`: `new` on every unsuppressed finding (the baseline's own are left out). */
    baselineState?: 'new' | 'unchanged';
  }[];
  notifications: { level: Notification['level']; kind: string; message: string; path: string | null; line: number | null; column: number | null }[];
}

export function jsonReport(input: ReportInput): string {
  const { result, tool, failOn } = input;
  const loc = (l: Location): JsonLocation => ({ path: relativePath(result.root, l.file), line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn });
  const active = result.findings.filter((f) => f.suppressions.length === 0);
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, note: 0 };
  for (const f of active) bySeverity[f.severity]++;
  const report: JsonReport = {
    format: 'toctou-lint',
    version: JSON_FORMAT_VERSION,
    tool: { name: tool.name, version: tool.version },
    root: result.root,
    config: result.config ?? null,
    summary: {
      filesScanned: result.filesScanned,
      filesSkipped: result.filesSkipped,
      filesNotAnalysed: notAnalysed(result.notifications),
      findings: active.length,
      suppressed: result.findings.length - active.length,
      bySeverity,
      failOn,
      failOnSkipped: input.failOnSkipped ?? false,
      failed: isFailing(result.findings, result.notifications, failOn, input.failOnSkipped),
      ...(input.baseline ? { baseline: { file: input.baseline.file, matched: input.baseline.matched } } : {}),
    },
    rules: result.rules.map(({ rule, severity }) => ({
      id: rule.id,
      title: rule.title,
      severity,
      precision: rule.precision,
      cwe: rule.cwe.map((n) => `CWE-${n}`),
      helpUri: rule.helpUri,
    })),
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      location: loc(f.location),
      related: f.related.map((r) => ({ message: r.message, location: loc(r.location) })),
      fingerprint: f.fingerprint,
      suppressed: f.suppressions.length > 0,
      suppressions: f.suppressions.map((s) => ({ kind: s.kind, justification: s.justification })),
      ...(f.baselineState ? { baselineState: f.baselineState } : {}),
    })),
    notifications: result.notifications.map((n) => ({
      level: n.level,
      kind: n.kind,
      message: n.message,
      path: n.file ? relativePath(result.root, n.file) : null,
      line: n.line ?? null,
      column: n.column ?? null,
    })),
  };
  return JSON.stringify(report, null, 2) + '\n';
}

/**
 * Whether the run fails: an unsuppressed finding at or above `failOn`, a directive problem that
 * counts, or, with `failOnSkipped` (`--fail-on-skipped`), a file that was not analysed.
 */
export function isFailing(findings: readonly Finding[], notifications: readonly Notification[], failOn: Severity, failOnSkipped = false): boolean {
  const bar = severityRank(failOn);
  if (findings.some((f) => f.suppressions.length === 0 && severityRank(f.severity) >= bar)) return true;
  if (failOnSkipped && notifications.some((n) => n.incomplete && n.file)) return true;
  return notifications.some((n) => n.countsAsProblem && severityRank(n.level) >= bar);
}

/** How many files were not analysed, or not completely: each has a notification marked `incomplete`. */
export function notAnalysed(notifications: readonly Notification[]): number {
  return new Set(notifications.filter((n) => n.incomplete && n.file).map((n) => n.file)).size;
}
