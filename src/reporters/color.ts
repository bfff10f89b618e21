import type { Style } from './types';

/** Colour for the pretty reporter. chalk 5 is ESM-only, so it is loaded with `import()` and only when colour is on. */
export async function colorStyle(): Promise<Style> {
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return {
    enabled: true,
    red: (s) => c.red(s),
    yellow: (s) => c.yellow(s),
    blue: (s) => c.cyan(s),
    dim: (s) => c.dim(s),
    bold: (s) => c.bold(s),
    underline: (s) => c.underline(s),
    green: (s) => c.green(s),
  };
}

/**
 * Colour is on only for a terminal, unless the user says otherwise:
 * `--color` / `--no-color` decide; otherwise `NO_COLOR` turns it off and `FORCE_COLOR` (other than 0) on.
 */
export function wantsColor(flag: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  // a flag on the command line wins over the environment (no-color.org)
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY && env.TERM !== 'dumb';
}
