import type { RunResult } from '../engine';

/** What every reporter is given: the run's result and facts about the tool. Reporters never analyse. */
export interface ReportInput {
  result: RunResult;
  tool: { name: string; version: string; informationUri: string };
  /** The lowest severity that fails the run (`--fail-on`). */
  failOn: 'note' | 'warning' | 'error';
  /** `--fail-on-skipped`: a file that was not analysed fails the run too. */
  failOnSkipped?: boolean;
  /** When the scan started (GitLab's `scan.start_time`); the end is this plus `result.durationMs`. */
  startedAt?: Date;
  /** Set when a baseline was applied: its path as given, and how many findings it held (left out of `result.findings`). */
  baseline?: { file: string; matched: number };
  /** SARIF only: `runs[0].automationDetails.id` (`--sarif-category`), and whether suppressed findings are kept (`--sarif-include-suppressed`). */
  sarif?: { category?: string; includeSuppressed?: boolean };
}

/** Text styling for the pretty reporter; identity functions when colour is off. */
export interface Style {
  enabled: boolean;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  underline(s: string): string;
  green(s: string): string;
}

const same = (s: string): string => s;
export const plainStyle: Style = { enabled: false, red: same, yellow: same, blue: same, dim: same, bold: same, underline: same, green: same };

export { relativePath } from '../findings';
