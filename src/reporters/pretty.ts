import { splitLines, type Finding, type Notification, type Severity } from '../findings';
import type { Rule } from '../rule';
import { isFailing, notAnalysed } from './json';
import { plainStyle, relativePath, type ReportInput, type Style } from './types';

/**
 * The terminal report: findings grouped by file with a code frame of each primary line and
 * its related locations, then what was skipped, then how to fix each rule once, then a summary.
 * Everything taken from scanned files is escaped, so scanned code cannot drive the terminal.
 */
export function prettyReport(input: ReportInput, style: Style = plainStyle, options: { quiet?: boolean } = {}): string {
  const { result } = input;
  const shown = result.findings.filter((f) => f.suppressions.length === 0 && (!options.quiet || f.severity === 'error'));
  const out: string[] = [];
  const rel = (file: string): string => escapeControl(relativePath(result.root, file));

  const byFile = new Map<string, Finding[]>();
  for (const f of shown) {
    const list = byFile.get(f.location.file);
    if (list) list.push(f);
    else byFile.set(f.location.file, [f]);
  }
  for (const [file, findings] of byFile) {
    out.push(style.underline(rel(file)));
    const lines = splitLines(result.sources.get(file) ?? '');
    for (const f of findings) {
      const pos = style.dim(`${f.location.line}:${f.location.column}`.padEnd(7));
      out.push(`  ${pos} ${severityLabel(f.severity, style)}  ${escapeControl(f.message)}  ${style.dim(f.ruleId)}`);
      out.push(indent(codeFrame(lines, f, style), 10));
      for (const r of f.related) {
        const where = r.location.file === f.location.file ? `${r.location.line}:${r.location.column}` : `${rel(r.location.file)}:${r.location.line}:${r.location.column}`;
        out.push(`          ${style.blue('↳')} ${style.dim(where)} ${escapeControl(r.message)}`);
      }
    }
    out.push('');
  }

  const problems = result.notifications.filter((n) => !options.quiet || n.level === 'error' || n.countsAsProblem || n.incomplete);
  if (problems.length > 0) {
    out.push(style.bold('Notes from the scan'));
    for (const n of problems)
      out.push(`  ${notificationLabel(n, style)} ${n.file ? rel(n.file) + (n.line ? `:${n.line}${n.column ? `:${n.column}` : ''}` : '') + ' ' : ''}${escapeControl(n.message)}`);
    out.push('');
  }

  const rulesSeen = [...new Set(shown.map((f) => f.ruleId))];
  if (rulesSeen.length > 0) {
    out.push(style.bold('How to fix'));
    for (const id of rulesSeen) {
      const rule = result.rules.find((r) => r.rule.id === id)?.rule;
      if (rule) out.push(...remediation(rule, style));
    }
    out.push('');
  }
  out.push(summary(input, shown, style));
  return out.join('\n') + '\n';
}

function remediation(rule: Rule, style: Style): string[] {
  return [
    `  ${style.bold(rule.id)} ${style.dim(`— ${rule.title} (${rule.cwe.map((n) => `CWE-${n}`).join(', ')})`)}`,
    ...wrap(rule.remediationSummary, 76).map((l) => `    ${l}`),
    `    ${style.dim(`More: ${rule.helpUri}`)}`,
  ];
}

/** The closing line: counts, what else can fail the run, what was left out, files and time. */
export function summary(input: ReportInput, shown: readonly Finding[], style: Style = plainStyle): string {
  const { result, failOn } = input;
  const active = result.findings.filter((f) => f.suppressions.length === 0);
  const count = (s: Severity): number => shown.filter((f) => f.severity === s).length;
  const suppressed = result.findings.length - active.length;
  const hidden = active.length - shown.length;
  const directiveProblems = result.notifications.filter((n) => n.countsAsProblem).length;
  const incomplete = notAnalysed(result.notifications);
  const files = `${result.filesScanned} file${plural(result.filesScanned)} scanned${result.filesSkipped ? `, ${result.filesSkipped} skipped` : ''}`;
  const time = `${(result.durationMs / 1000).toFixed(2)}s`;
  // everything that can fail the run is named here, so a failing run never reads as clean
  const extras = [
    incomplete > 0 ? `${incomplete} file${plural(incomplete)} not analysed (see the notes)` : '',
    hidden > 0 ? `${hidden} hidden by --quiet` : '',
    directiveProblems > 0 ? `${directiveProblems} directive problem${plural(directiveProblems)}` : '',
    suppressed > 0 ? `${suppressed} suppressed` : '',
    input.baseline && input.baseline.matched > 0 ? `${input.baseline.matched} in the baseline` : '',
  ].filter(Boolean);
  const extra = extras.length > 0 ? `, ${extras.join(', ')}` : '';
  const failing = isFailing(result.findings, result.notifications, failOn, input.failOnSkipped);
  const config = `config: ${result.config ? escapeControl(relativePath(result.root, result.config)) : 'none'}`;
  if (shown.length === 0 && !failing) return `${style.green('✔')} no problems found${extra} · ${files} in ${time} · ${config}`;
  const mark = failing ? style.red('✖') : style.yellow('!');
  const n = shown.length;
  return `${mark} ${style.bold(`${n} problem${plural(n)}`)} (${count('error')} error${plural(count('error'))}, ${count('warning')} warning${plural(count('warning'))}, ${count('note')} note${plural(count('note'))})${extra} · ${files} in ${time} · ${config}`;
}

const plural = (n: number): string => (n === 1 ? '' : 's');

function severityLabel(s: Severity, style: Style): string {
  if (s === 'error') return style.red('error  ');
  if (s === 'warning') return style.yellow('warning');
  return style.blue('note   ');
}

function notificationLabel(n: Notification, style: Style): string {
  if (n.level === 'error') return style.red('error  ');
  if (n.level === 'warning') return style.yellow('warning');
  return style.blue('note   ');
}

/** The primary line with the finding underlined; escaped first, columns shifted to match. */
function codeFrame(lines: readonly string[], f: Finding, style: Style): string {
  const raw = lines[f.location.line - 1] ?? '';
  const { text, column } = escapeWithColumns(raw);
  const start = column(f.location.column);
  const end = f.location.endLine === f.location.line ? column(f.location.endColumn) : text.length + 1;
  const line = f.location.line;
  // loaded on first use: a clean run never needs it
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- loaded lazily
  const { codeFrameColumns } = require('@babel/code-frame') as typeof import('@babel/code-frame');
  // earlier lines are blank: the frame only shows this one, but numbers it truly
  return codeFrameColumns(
    '\n'.repeat(line - 1) + text,
    { start: { line, column: start }, end: { line, column: Math.max(end, start + 1) } },
    { highlightCode: style.enabled, forceColor: style.enabled, linesAbove: 0, linesBelow: 0 },
  );
}

const indent = (s: string, n: number): string =>
  s
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

// C0/C1 controls, DEL, line separators and the bidi overrides of "Trojan Source"; a code
// frame keeps its tabs, everything else (paths, messages) escapes tab and newline too
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BREAK_RE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Make text from a scanned file safe to print on one line: control characters become `\u001b`-style escapes. */
export function escapeControl(s: string): string {
  return s.replace(CONTROL_OR_BREAK_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function escapeWithColumns(line: string): { text: string; column: (c: number) => number } {
  const shifts: number[] = []; // original 0-based index of each escaped char
  const text = line.replace(CONTROL_RE, (c, offset: number) => {
    shifts.push(offset);
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return { text, column: (c) => c + 5 * shifts.filter((o) => o < c - 1).length };
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
