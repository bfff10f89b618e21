import { githubReport } from './github';
import { gitlabReport } from './gitlab';
import { jsonReport } from './json';
import { prettyReport } from './pretty';
import { sarifReport } from './sarif';
import type { ReportInput, Style } from './types';

export const FORMATS = ['pretty', 'json', 'sarif', 'github', 'gitlab'] as const;
export type Format = (typeof FORMATS)[number];

/** Formats read by a code host, whose paths must be relative to the repository root. */
export const REPOSITORY_FORMATS: readonly Format[] = ['sarif', 'github', 'gitlab'];

/** Render a run in one format. Pure: the CLI decides where the text goes. */
export function render(format: Format, input: ReportInput, opts: { style?: Style; quiet?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return jsonReport(input);
    case 'sarif':
      return sarifReport(input);
    case 'github':
      return githubReport(input);
    case 'gitlab':
      return gitlabReport(input);
    case 'pretty':
      return prettyReport(input, opts.style, { quiet: opts.quiet });
  }
}

export { isFailing } from './json';
export type { ReportInput, Style } from './types';
export { plainStyle } from './types';
