import { createHash } from 'node:crypto';
import type { Finding, Notification, Severity } from '../findings';
import type { Rule } from '../rule';
import { escapeControl } from './pretty';
import { relativePath, type ReportInput } from './types';

/** The GitLab security report schema release this report follows (SAST, 15.x). */
export const GITLAB_SCHEMA_VERSION = '15.2.1';
export const GITLAB_SCHEMA_URL = `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_SCHEMA_VERSION}/dist/sast-report-format.json`;

/** GitLab has no "warning": findings map by their level. */
const SEVERITY: Record<Severity, 'High' | 'Medium' | 'Low'> = { error: 'High', warning: 'Medium', note: 'Low' };
const MESSAGE_LEVEL: Record<Notification['level'], 'info' | 'warn'> = { error: 'warn', warning: 'warn', note: 'info' };

interface Identifier {
  type: string;
  name: string;
  value: string;
  url?: string;
}

/**
 * A GitLab SAST report (`artifacts: reports: sast:`), schema 15.x: the scan (analyzer, scanner,
 * type, start and end time, status, messages for what was skipped) and one vulnerability per
 * unsuppressed finding, identified first by its rule and then by its CWEs. Paths are relative
 * to the root (the repository root by default for this format).
 */
export function gitlabReport(input: ReportInput): string {
  const { result, tool } = input;
  const rel = (file: string): string => relativePath(result.root, file);
  const started = input.startedAt ?? new Date();
  const ended = new Date(started.getTime() + Math.max(0, Math.round(result.durationMs)));
  const component = { id: tool.name, name: tool.name, url: tool.informationUri, vendor: { name: tool.name }, version: tool.version };
  const rules = new Map(result.rules.map(({ rule }) => [rule.id, rule]));

  const report = {
    version: GITLAB_SCHEMA_VERSION,
    schema: GITLAB_SCHEMA_URL,
    scan: {
      analyzer: component,
      scanner: component,
      type: 'sast',
      start_time: timestamp(started),
      end_time: timestamp(ended),
      status: result.notifications.some((n) => n.kind === 'rule-error') ? 'failure' : 'success',
      messages: result.notifications.map((n) => ({
        level: MESSAGE_LEVEL[n.level],
        value: escapeControl(`${n.file ? `${rel(n.file)}${n.line ? `:${n.line}` : ''}: ` : ''}${n.message} (${n.kind})`),
      })),
      primary_identifiers: result.rules.map(({ rule }) => ruleIdentifier(rule)),
    },
    vulnerabilities: result.findings.filter((f) => f.suppressions.length === 0).map((f) => vulnerability(f, rules.get(f.ruleId), rel)),
  };
  return JSON.stringify(report, null, 2) + '\n';
}

function vulnerability(f: Finding, rule: Rule | undefined, rel: (file: string) => string): Record<string, unknown> {
  const file = rel(f.location.file);
  const identifiers: Identifier[] = [rule ? ruleIdentifier(rule) : { type: 'toctou_lint_rule_id', name: `toctou-lint ${f.ruleId}`, value: f.ruleId }];
  for (const n of rule?.cwe ?? []) identifiers.push({ type: 'cwe', name: `CWE-${n}`, value: String(n), url: `https://cwe.mitre.org/data/definitions/${n}.html` });
  const v: Record<string, unknown> = {
    id: uuid(`${f.ruleId}\0${file}\0${f.fingerprint}`),
    name: (rule?.title ?? f.ruleId).slice(0, 255),
    description: escapeControl(f.message),
    severity: SEVERITY[f.severity],
    identifiers,
    location: { file, start_line: f.location.line, end_line: f.location.endLine },
  };
  if (rule) {
    v.solution = `${rule.remediationSummary}\n\nMore: ${rule.helpUri}`.slice(0, 7000);
    v.links = [{ name: `toctou-lint rule ${rule.id}`, url: rule.helpUri }];
  }
  if (f.related.length > 0) {
    v.details = Object.fromEntries(
      f.related.map((r, i) => [
        `related_${i + 1}`,
        {
          name: 'Related location',
          description: escapeControl(r.message),
          type: 'file-location',
          file_name: rel(r.location.file),
          line_start: r.location.line,
          line_end: r.location.endLine,
        },
      ]),
    );
  }
  return v;
}

function ruleIdentifier(rule: Rule): Identifier {
  return { type: 'toctou_lint_rule_id', name: `toctou-lint ${rule.id}`, value: rule.id, url: rule.helpUri };
}

/** `yyyy-mm-ddThh:mm:ss`, UTC, as the schema's pattern wants. */
function timestamp(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** A stable UUID (version-5 layout) from a finding's identity, so the same finding keeps its id. */
function uuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex').split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}
