import type * as Sarif from 'sarif';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location, Notification, Severity } from '../findings';
import type { Rule } from '../rule';
import { relativePath, type ReportInput } from './types';

const SRCROOT = '%SRCROOT%';

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', note: 'note' };

/**
 * SARIF 2.1.0, shaped for GitHub code scanning: relative URIs under %SRCROOT%, CWE tags,
 * security-severity, line-shift-proof `partialFingerprints`. Suppressed findings are left out
 * unless `sarif.includeSuppressed` (code scanning would show them as open alerts); with a
 * baseline, each result carries its `baselineState`.
 */
export function sarifReport(input: ReportInput): string {
  const { result, tool } = input;
  const includeSuppressed = input.sarif?.includeSuppressed ?? false;
  const ruleIndex = new Map(result.rules.map(({ rule }, i) => [rule.id, i]));
  const physical = (l: Location): Sarif.PhysicalLocation => ({
    artifactLocation: artifact(relativePath(result.root, l.file)),
    region: { startLine: l.line, startColumn: l.column, endLine: l.endLine, endColumn: l.endColumn },
  });

  const reported = includeSuppressed ? result.findings : result.findings.filter((f) => f.suppressions.length === 0);
  const results: Sarif.Result[] = reported.map((f) => {
    const r: Sarif.Result = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: physical(f.location) }],
      partialFingerprints: { primaryLocationLineHash: f.fingerprint },
    };
    if (f.baselineState) r.baselineState = f.baselineState;
    if (f.related.length > 0) {
      r.relatedLocations = f.related.map((rel, i) => ({ id: i + 1, message: { text: rel.message }, physicalLocation: physical(rel.location) }));
    }
    if (f.suppressions.length > 0) {
      r.suppressions = f.suppressions.map((s) => ({ kind: 'inSource', justification: s.justification || undefined, location: { physicalLocation: physical(s.location) } }));
    }
    return r;
  });
  // directive problems fail the run like findings: code scanning must show them too, as ESLint
  // reports unused directives as lint messages
  const directiveProblems = result.notifications.filter((n) => n.countsAsProblem && n.file);
  const directiveIndex = result.rules.length;
  const occurrences = new Map<string, number>();
  for (const n of directiveProblems) {
    const file = relativePath(result.root, n.file!);
    const base = createHash('sha256').update(`${DIRECTIVE_RULE_ID}\0${file}\0${n.kind}\0${n.message}`).digest('hex').slice(0, 16);
    const k = (occurrences.get(base) ?? 0) + 1;
    occurrences.set(base, k);
    const line = n.line ?? 1;
    results.push({
      ruleId: DIRECTIVE_RULE_ID,
      ruleIndex: directiveIndex,
      level: n.level === 'note' ? 'note' : n.level === 'error' ? 'error' : 'warning',
      message: { text: `${n.message} (${n.kind})` },
      locations: [{ physicalLocation: { artifactLocation: artifact(file), region: { startLine: line, startColumn: n.column ?? 1 } } }],
      partialFingerprints: { primaryLocationLineHash: `${base}:${k}` },
    });
  }

  const notifications = result.notifications.map((n) => notification(n, result.root));
  const category = input.sarif?.category;
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            informationUri: tool.informationUri,
            rules: [...result.rules.map(({ rule, severity }) => ruleDescriptor(rule, severity)), ...(directiveProblems.length > 0 ? [DIRECTIVE_RULE] : [])],
          },
        },
        // code scanning takes the part of the id up to its last `/` as the analysis category
        ...(category ? { automationDetails: { id: category.endsWith('/') ? category : `${category}/` } } : {}),
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(result.root).href.replace(/\/?$/, '/') } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: !result.notifications.some((n) => n.kind === 'rule-error'),
            toolExecutionNotifications: notifications,
            // which config file applied (relative to the root), or null for none
            properties: { configFile: result.config ? relativePath(result.root, result.config) : null },
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

/** The rule of directive problems: suppression comments that are themselves a problem. */
export const DIRECTIVE_RULE_ID = 'toctou-lint-directive';
const DIRECTIVE_RULE: Sarif.ReportingDescriptor = {
  id: DIRECTIVE_RULE_ID,
  name: 'SuppressionCommentProblem',
  shortDescription: { text: 'Suppression comment problem' },
  fullDescription: {
    text: 'A toctou-lint suppression comment that is itself a problem: it has no reason, names an unknown rule, uses an unsupported form, or suppresses nothing (with --report-unused-disable-directives).',
  },
  help: {
    text: 'Write suppression comments as `// toctou-lint-disable-next-line <rule-id> -- <reason>` (or `-disable-line`), naming rules that exist, and remove those that no longer suppress anything.',
    markdown:
      'Write suppression comments as `// toctou-lint-disable-next-line <rule-id> -- <reason>` (or `-disable-line`), naming rules that exist, and remove those that no longer suppress anything.',
  },
  defaultConfiguration: { level: 'warning' },
  properties: { tags: ['maintainability'], precision: 'very-high' },
};

function ruleDescriptor(rule: Rule, severity: Severity): Sarif.ReportingDescriptor {
  const cweTags = rule.cwe.map((n) => `external/cwe/cwe-${n}`);
  return {
    id: rule.id,
    name: rule.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: helpText(rule), markdown: helpMarkdown(rule) },
    helpUri: rule.helpUri,
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      tags: ['security', ...cweTags],
      precision: rule.precision,
      'security-severity': rule.securitySeverity.toFixed(1),
    },
  };
}

function references(rule: Rule): string[] {
  return [...rule.cwe.map((n) => `[CWE-${n}](https://cwe.mitre.org/data/definitions/${n}.html)`), ...rule.seeds.map((s) => `Seed document: ${s.title} (${s.section})`)];
}

function helpMarkdown(rule: Rule): string {
  return `# ${rule.title}\n\n${rule.description}\n\n${rule.remediation}\n\n## References\n\n${references(rule)
    .map((r) => `- ${r}`)
    .join('\n')}\n`;
}

function helpText(rule: Rule): string {
  return `${rule.description}\n\n${rule.remediation.replace(/`/g, '')}\n\nReferences: ${rule.cwe.map((n) => `CWE-${n}`).join(', ')}; ${rule.seeds.map((s) => s.title).join('; ')}.`;
}

function notification(n: Notification, root: string): Sarif.Notification {
  const out: Sarif.Notification = { level: n.level, message: { text: n.message }, descriptor: { id: n.kind } };
  if (n.file) {
    const physicalLocation: Sarif.PhysicalLocation = { artifactLocation: artifact(relativePath(root, n.file)) };
    if (n.line !== undefined) physicalLocation.region = { startLine: n.line, startColumn: n.column ?? 1 };
    out.locations = [{ physicalLocation }];
  }
  return out;
}

/**
 * Files under the root are relative to %SRCROOT% (what code scanning resolves against the
 * checkout); a file outside it keeps an absolute `file:` URI and no base.
 */
function artifact(rel: string): Sarif.ArtifactLocation {
  if (path.isAbsolute(rel)) return { uri: pathToFileURL(rel).href };
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}
