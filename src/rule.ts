import type { FactNeeds, FileFacts } from './analysis/facts/types';
import type { Project } from './analysis/project';
import type { Modules } from './analysis/modules';
import type { Location, Severity } from './findings';
import { type ts } from './ts';

export type Precision = 'very-high' | 'high' | 'medium' | 'low';

/** The seed document a rule's remediation follows (see `shared/seeds/`). */
export interface Seed {
  title: string;
  /** What of the document the rule rests on, in a phrase. */
  section: string;
}

export interface RuleMeta {
  id: string;
  /** Short name, Title Case; SARIF `rules[].name` is its PascalCase form. */
  title: string;
  /** One sentence: what it finds. */
  description: string;
  /** The highest severity the rule reports; single findings may be lower (see `RuleReport.severity`). */
  severity: Severity;
  precision: Precision;
  /** 0.0–10.0, the CVSS-like score code scanning sorts by. */
  securitySeverity: number;
  cwe: readonly number[];
  seeds: readonly Seed[];
  /**
   * Message templates keyed by message id; `{{name}}` placeholders are filled from `data`. Listed
   * from the strongest claim to the weakest: when two applications report one place differently,
   * the engine keeps the stronger report.
   */
  messages: Readonly<Record<string, string>>;
  /** One line for terminal summaries. */
  remediationSummary: string;
  /** The full remediation, markdown: shown once per rule in reports and as SARIF `help`. */
  remediation: string;
  /** JSON schema of the rule's options (an object), documented property by property. */
  optionsSchema?: Record<string, unknown>;
}

export interface RelatedReport {
  node?: ts.Node;
  location?: Location;
  message: string;
}

export interface RuleReport {
  messageId: string;
  data?: Record<string, string | number>;
  node: ts.Node;
  /** Lower than the rule's severity for the weaker cases (e.g. a read after a check is a `note`). */
  severity?: Severity;
  related?: RelatedReport[];
}

export interface RuleContext {
  readonly options: Readonly<Record<string, unknown>>;
  report(report: RuleReport): void;
}

export interface RuleHooks {
  /** Called once per file whose text passed the rule's prefilter, with the facts of the one walk. */
  file?(facts: FileFacts): void;
  /**
   * Called once per scan with the project model, when some file can be a source of client
   * identity; the model and its parts are shared by every rule that asks.
   */
  project?(project: Project): void;
  /**
   * Called once per file that passed the rule's `projectSeed`, after every file was read, with the
   * file's facts and a model of names that loads the files its imports name on demand. The rule
   * judges the file by what it reaches (a finding may point into a module it reaches).
   */
  imports?(facts: FileFacts, modules: Modules): void;
}

export interface RuleDefinition extends RuleMeta {
  /**
   * A cheap test on the raw text for the per-file hook. A file that cannot match is neither
   * walked nor analysed for this rule, which is what keeps a scan close to the parse floor.
   * Project rules leave it out: the project model has its own test.
   */
  prefilter?(text: string): boolean;
  /**
   * A cheap test on the raw text: a file that passes it seeds a project model even where no file
   * can carry client identity, because this rule's project hook can find something across the
   * file's imports (a helper, guard or shared state in another module).
   */
  projectSeed?(text: string): boolean;
  /**
   * `application`: what the rule looks for runs for a request or a job, so in a folder scan only the
   * files of an application are judged, by the per-file hook and across imports alike: a file where
   * requests or jobs arrive, what it reaches by imports, and a file connected to no other file of the
   * scan (`servedFiles`). A library or client SDK no server in the scan reaches is not. A file given by
   * name is judged the same way against the project read as context, and as it is when none is read.
   */
  seedScope?: 'application';
  /** What the single walk must collect for this rule's per-file hook. */
  facts?: FactNeeds;
  create(context: RuleContext): RuleHooks;
}

export interface Rule extends RuleDefinition {
  helpUri: string;
}

export const DOCS_BASE = 'https://github.com/toctou-lint/toctou-lint/blob/main/docs/rules/';

/** The one way to declare a rule: adds the docs URL and checks that the metadata is whole. */
export function defineRule(def: RuleDefinition): Rule {
  if (!/^[a-z]+(-[a-z]+)*$/.test(def.id)) throw new Error(`rule id ${def.id} is not kebab-case`);
  if (def.cwe.length === 0) throw new Error(`rule ${def.id} names no CWE`);
  if (def.seeds.length === 0) throw new Error(`rule ${def.id} names no seed document`);
  return { ...def, helpUri: `${DOCS_BASE}${def.id}.md` };
}

/** Fill `{{name}}` placeholders; an unknown placeholder is a bug in the rule, so it throws. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => {
    if (!(key in data)) throw new Error(`message placeholder {{${key}}} has no value`);
    return String(data[key]);
  });
}
