import type { RunResult } from '../engine';

/** What every reporter is given: the run's result and facts about the tool. Reporters never analyse. */
export interface ReportInput {
  result: RunResult;
  tool: { name: string; version: string; informationUri: string };
  /** The lowest severity that fails the run (`--fail-on`). */
  failOn: 'note' | 'warning' | 'error';
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
