import type { Finding, Notification, Severity } from '../findings';
import { escapeControl, summary } from './pretty';
import { plainStyle, relativePath, type ReportInput } from './types';

/**
 * GitHub Actions workflow commands, one per finding, so findings show as annotations on the
 * pull request without code scanning:
 *
 *   ::warning file=src/a.ts,line=4,endLine=4,col=5,endColumn=30,title=File-system check then use (fs-check-then-use)::`p` is checked …
 *
 * Paths are relative to the root (the repository root by default for this format). Values are
 * escaped as the runner requires (`%`, CR and LF in the message; also `:` and `,` in properties),
 * and text from scanned files has its control characters escaped first, so scanned code can
 * neither end a command early nor start one of its own. Suppressed findings are left out.
 * Every notification (skipped files, syntax errors, directive problems, rule errors) is annotated
 * too; a plain summary line ends the output.
 */
export function githubReport(input: ReportInput): string {
  const { result } = input;
  const rel = (file: string): string => relativePath(result.root, file);
  const out: string[] = [];
  const shown = result.findings.filter((f) => f.suppressions.length === 0);
  for (const f of shown) out.push(findingCommand(f, input, rel));
  // every notification: a skipped file must never pass without a visible annotation
  for (const n of result.notifications) out.push(notificationCommand(n, rel));
  out.push(summary(input, shown, plainStyle));
  return out.join('\n') + '\n';
}

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', note: 'notice' };

function findingCommand(f: Finding, input: ReportInput, rel: (file: string) => string): string {
  const rule = input.result.rules.find((r) => r.rule.id === f.ruleId)?.rule;
  const l = f.location;
  const props: [string, string | number][] = [
    ['file', rel(l.file)],
    ['line', l.line],
    ['endLine', l.endLine],
  ];
  // columns only mean something on a one-line span
  if (l.endLine === l.line) props.push(['col', l.column], ['endColumn', l.endColumn]);
  props.push(['title', rule ? `${rule.title} (${rule.id})` : f.ruleId]);
  const lines = [`${escapeControl(f.message)} [${f.ruleId}]`];
  for (const r of f.related) {
    const where = r.location.file === l.file ? `line ${r.location.line}` : `${escapeControl(rel(r.location.file))}:${r.location.line}`;
    lines.push(`↳ ${where}: ${escapeControl(r.message)}`);
  }
  if (rule) lines.push(`How to fix: ${rule.remediationSummary}`, `More: ${rule.helpUri}`);
  return command(COMMAND[f.severity], props, lines.join('\n'));
}

function notificationCommand(n: Notification, rel: (file: string) => string): string {
  const props: [string, string | number][] = [];
  if (n.file) props.push(['file', rel(n.file)]);
  if (n.file && n.line !== undefined) props.push(['line', n.line]);
  if (n.file && n.column !== undefined) props.push(['col', n.column]);
  props.push(['title', `toctou-lint: ${n.kind}`]);
  return command(n.level === 'note' ? 'notice' : n.level, props, escapeControl(n.message));
}

function command(name: string, props: [string, string | number][], message: string): string {
  const p = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${name}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

/** The runner's escaping of a command's message. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The runner's escaping of a property value: the message's, plus `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
