import { Command, CommanderError, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KNOWN_RULE_IDS, rules } from '../rules/index';
import {
  applyBaseline,
  BASELINE_VERSION,
  BaselineError,
  baselineSize,
  readBaselineFile,
  staleEntries,
  updateBaseline,
  writeBaselineFile,
  type Baseline,
  type BaselineContext,
  type BaselineScope,
} from './baseline';
import { ConfigError } from './config/index';
import { DEFAULT_MAX_FILE_SIZE, run, UsageError, type RunOptions, type RunResult } from './engine';
import { SEVERITIES, type Severity } from './findings';
import { Progress, wantsProgress } from './progress';
import { fileKind, readTextSafely } from './read';
import { colorStyle, wantsColor } from './reporters/color';
import { FORMATS, isFailing, plainStyle, render, REPOSITORY_FORMATS, type Format, type ReportInput } from './reporters/index';

export const EXIT = { clean: 0, findings: 1, error: 2 } as const;

/** The report could not be written where asked. */
class OutputError extends Error {}
export const INFORMATION_URI = 'https://github.com/toctou-lint/toctou-lint';

/** The version in the tool's package.json: the nearest one above this file named toctou-lint (dist/src/ when built, src/ under ts-jest). */
export function toolVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(readTextSafely(file, { maxBytes: 1024 * 1024 })) as { name?: string; version: string };
      if (pkg.name === 'toctou-lint') return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`package.json of toctou-lint not found above ${__dirname}`);
  }
}

interface CliFlags {
  format: Format;
  output?: string;
  config?: string;
  rule?: string[];
  failOn: Severity;
  quiet?: boolean;
  color?: boolean;
  ignore: string[];
  maxFileSize: number;
  reportUnusedDisableDirectives?: boolean;
  failOnSkipped?: boolean;
  gitignore: boolean;
  includeTests?: boolean;
  errorOnUnmatchedPattern: boolean;
  root?: string;
  baseline?: string;
  writeBaseline?: string;
  pruneBaseline?: boolean;
  sarifCategory?: string;
  sarifIncludeSuppressed?: boolean;
  progress: boolean;
  listRules?: boolean;
  debug?: boolean;
}

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  /** Errors, notes and, on a terminal, the progress line. */
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const EXAMPLES = `
Examples:
  $ toctou-lint ./src                                 scan a folder, readable report
  $ toctou-lint --format sarif -o toctou.sarif .      SARIF for GitHub code scanning
  $ toctou-lint --format github .                     annotations in GitHub Actions
  $ toctou-lint --format gitlab -o gl-sast-report.json .
                                                      GitLab SAST report
  $ toctou-lint --write-baseline toctou-baseline.json .
                                                      record the findings you have today
  $ toctou-lint --baseline toctou-baseline.json .     report only findings not in it
  $ toctou-lint --rule fs-check-then-use src/files    run one rule
  $ toctou-lint --fail-on error --quiet src           CI gate on errors only
  $ toctou-lint src/app.ts src/routes/*.ts            given files (pre-commit)

Exit codes: 0 no failing findings, 1 failing findings, 2 usage, config or internal error.
Docs: ${INFORMATION_URI}#readme`;

function program(io: Io): Command {
  return new Command('toctou-lint')
    .description('Find time-of-check-to-time-of-use flaws around mutual-TLS client identity in TypeScript/JavaScript web apps.')
    .argument('[paths...]', 'files, folders or globs to scan', ['.'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('pretty'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout (- for stdout)')
    .option('-c, --config <file>', 'use this config file instead of searching for one')
    .option('--rule <id...>', 'run only these rules (ids from --list-rules)')
    .addOption(new Option('--fail-on <severity>', 'lowest severity that makes the exit code 1').choices(SEVERITIES).default('warning'))
    .option('-q, --quiet', 'pretty output: report errors only (everything still counts for the exit code)')
    .option('--color', 'colour even when not on a terminal (over NO_COLOR)')
    .option('--no-color', 'no colour (over FORCE_COLOR); without either flag, colour is on for a terminal unless NO_COLOR is set, or FORCE_COLOR forces it')
    .option(
      '--ignore <glob>',
      'skip files matching this gitignore-style pattern, relative to the current folder (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--no-gitignore', 'scan files that .gitignore files ignore')
    .option('--include-tests', 'also report findings in test code (test/, tests/, __tests__/, e2e/, *.test.*, *.spec.*); by default it is read as context only')
    .option('--no-error-on-unmatched-pattern', 'a folder or glob with nothing to scan is a warning, not an error')
    .addOption(new Option('--max-file-size <size>', 'skip files larger than this (bytes, or with KB/MB)').argParser(parseSize).default(DEFAULT_MAX_FILE_SIZE, '2MB'))
    .option('--report-unused-disable-directives', 'report toctou-lint-disable comments that suppress nothing')
    .option(
      '--fail-on-skipped',
      'exit 1 when a file given or found could not be analysed (too large, binary, unreadable, too deeply nested, …); without it, such files are reported as notes and do not change the exit code',
    )
    .option('--root <dir>', 'folder that report paths are relative to (default: the current folder; for sarif, github and gitlab the repository root)')
    .option('--baseline <file>', 'report only findings that are not in this baseline file')
    .option('--write-baseline <file>', 'write the current findings to this baseline file (adopting the tool on existing code)')
    .option('--prune-baseline', 'with --baseline: drop baseline entries that no longer match and save the file')
    .option('--sarif-category <category>', 'sarif: the analysis category (runs[].automationDetails.id), to upload several analyses per commit')
    .option('--sarif-include-suppressed', 'sarif: keep findings suppressed in the source, with their suppressions (left out by default)')
    .option('--no-progress', 'no progress line on stderr (it shows on a terminal, outside CI, for scans of hundreds of files)')
    .option('--list-rules', 'list the rules and exit')
    .option('--debug', 'print stack traces of internal errors')
    .version(toolVersion(), '-v, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'toctou-lint: ')),
    });
}

function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`--max-file-size: "${value}" is not a size (try 2MB, 500KB or 1048576)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * factor);
}

/** Run the CLI; returns the exit code. Only this function writes to stdout, stderr or the output file. */
export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  if (io.cwd === '') {
    io.stderr.write('toctou-lint: the current folder no longer exists (it was removed or renamed); run from an existing folder\n');
    return EXIT.error;
  }
  const cmd = program(io);
  let debug = argv.includes('--debug');
  try {
    cmd.parse(argv);
    const flags = cmd.opts<CliFlags>();
    debug = flags.debug ?? false;
    if (flags.listRules) {
      io.stdout.write(listRules());
      return EXIT.clean;
    }
    const { onlyRules, paths } = splitRuleArgs(flags.rule, cmd.args, io.cwd);
    checkFormatFlags(flags);
    const baselines = loadBaselines(flags, io.cwd);
    const seen = new Set<string>();
    const progress = wantsProgress(io.stderr, io.env, { quiet: flags.quiet, progress: flags.progress }) ? new Progress(io.stderr, io.cwd) : undefined;
    const options: RunOptions = {
      targets: paths.length > 0 ? paths : ['.'],
      cwd: io.cwd,
      // code hosts resolve report paths against the repository root
      root: flags.root ?? (REPOSITORY_FORMATS.includes(flags.format) ? repositoryRoot(io.cwd) : undefined),
      configFile: flags.config,
      onlyRules,
      ignore: flags.ignore.map((p) => ignorePattern(p, io.cwd)),
      maxFileSize: flags.maxFileSize,
      reportUnusedDirectives: flags.reportUnusedDisableDirectives ?? false,
      gitignore: flags.gitignore,
      includeTests: flags.includeTests ?? false,
      allowNoMatch: !flags.errorOnUnmatchedPattern,
      onFile: (done, total, file) => {
        seen.add(file);
        progress?.update(done, total, file);
      },
    };
    const toFile = flags.output !== undefined && flags.output !== '-';
    const out = toFile ? path.resolve(io.cwd, flags.output!) : undefined;
    if (out) checkOutputPath(flags.output!, out, baselines?.file);
    const startedAt = new Date();
    let scanned: RunResult;
    try {
      scanned = await run(options);
    } finally {
      progress?.clear();
    }
    // what the scan used: its config and its sources are never overwritten
    if (out) checkOutputPath(flags.output!, out, baselines?.file, { config: scanned.config, sources: seen });
    const { result, baseline } = baselines ? useBaseline(scanned, baselines, flags, seen, io) : { result: scanned, baseline: undefined };
    const input: ReportInput = {
      result,
      tool: { name: 'toctou-lint', version: toolVersion(), informationUri: INFORMATION_URI },
      failOn: flags.failOn,
      failOnSkipped: flags.failOnSkipped ?? false,
      startedAt,
      baseline,
      sarif: { category: flags.sarifCategory, includeSuppressed: flags.sarifIncludeSuppressed ?? false },
    };
    const color = flags.format === 'pretty' && wantsColor(flags.color, !toFile && io.stdout.isTTY === true, io.env);
    const text = render(flags.format, input, { style: color ? await colorStyle() : plainStyle, quiet: flags.quiet });
    if (out) {
      try {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, text);
      } catch (err) {
        throw new OutputError(`cannot write the report to ${flags.output}: ${(err as Error).message}`);
      }
      if (flags.format !== 'pretty' || !flags.quiet) io.stderr.write(`toctou-lint: ${flags.format} report written to ${flags.output}\n`);
    } else {
      io.stdout.write(text);
    }
    if (result.notifications.some((n) => n.kind === 'rule-error')) return EXIT.error;
    return isFailing(result.findings, result.notifications, flags.failOn, flags.failOnSkipped) ? EXIT.findings : EXIT.clean;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.clean;
      return EXIT.error; // commander already printed the message
    }
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof OutputError || err instanceof BaselineError) {
      io.stderr.write(`toctou-lint: ${err.message}\n`);
      if (err instanceof UsageError) io.stderr.write(`Run 'toctou-lint --help' for usage.\n`);
      return EXIT.error;
    }
    const e = err as Error;
    io.stderr.write(`toctou-lint: internal error: ${e?.message ?? String(err)}\n`);
    io.stderr.write(debug ? `${e?.stack ?? ''}\n` : 'Run again with --debug to see the stack trace, and please report it.\n');
    return EXIT.error;
  }
}

/** Flags that only mean something with one format, or with another flag, are refused elsewhere. */
function checkFormatFlags(flags: CliFlags): void {
  if (flags.sarifCategory !== undefined) {
    if (flags.format !== 'sarif') throw new UsageError('--sarif-category applies to --format sarif only');
    // eslint-disable-next-line no-control-regex
    if (flags.sarifCategory.trim() === '' || /[\u0000-\u001f\u007f]/.test(flags.sarifCategory))
      throw new UsageError('--sarif-category: give a non-empty name without control characters, e.g. toctou-lint or backend/toctou');
  }
  if (flags.sarifIncludeSuppressed && flags.format !== 'sarif') throw new UsageError('--sarif-include-suppressed applies to --format sarif only');
  if (flags.pruneBaseline && !flags.baseline) throw new UsageError('--prune-baseline needs --baseline <file>: the baseline to prune');
  if (flags.pruneBaseline && flags.writeBaseline)
    throw new UsageError('--prune-baseline and --write-baseline: use one (--write-baseline already drops entries that no longer match)');
  for (const [flag, file] of [
    ['--baseline', flags.baseline],
    ['--write-baseline', flags.writeBaseline],
  ] as const) {
    if (file === undefined) continue;
    if (file.trim() === '' || file === '-') throw new UsageError(`${flag}: give a file name, e.g. toctou-baseline.json`);
    if (/\.(?:[mc]?[jt]s|[jt]sx)$/.test(file)) throw new UsageError(`${flag} ${file}: that is a source file name; give the baseline its own name (e.g. toctou-baseline.json)`);
  }
}

interface Baselines {
  /** Absolute path of the baseline file in use, and the path as given. */
  file: string;
  shown: string;
  /** The baseline as read (`--baseline`, or the existing file `--write-baseline` updates). */
  current: Baseline;
  mode: 'read' | 'write' | 'prune';
}

/** Read the baseline before scanning, so a missing or broken file fails fast. */
function loadBaselines(flags: CliFlags, cwd: string): Baselines | undefined {
  if (flags.writeBaseline !== undefined) {
    const file = path.resolve(cwd, flags.writeBaseline);
    if (flags.baseline !== undefined && path.resolve(cwd, flags.baseline) !== file) {
      throw new UsageError(
        `--baseline ${flags.baseline} and --write-baseline ${flags.writeBaseline} name different files; --write-baseline alone writes a baseline and reports against it`,
      );
    }
    let current: Baseline = { version: BASELINE_VERSION, files: {} };
    if (fs.existsSync(file)) {
      try {
        current = readBaselineFile(file, flags.writeBaseline);
      } catch (err) {
        throw new BaselineError(`--write-baseline: ${(err as Error).message}; it keeps the entries of files this run does not scan, so fix or delete it first`);
      }
    }
    return { file, shown: flags.writeBaseline, current, mode: 'write' };
  }
  if (flags.baseline === undefined) return undefined;
  const file = path.resolve(cwd, flags.baseline);
  return { file, shown: flags.baseline, current: readBaselineFile(file, flags.baseline), mode: flags.pruneBaseline ? 'prune' : 'read' };
}

/** Write or prune the baseline as asked, then leave out the findings it holds. */
function useBaseline(result: RunResult, b: Baselines, flags: CliFlags, seen: ReadonlySet<string>, io: Io): { result: RunResult; baseline: NonNullable<ReportInput['baseline']> } {
  const ctx: BaselineContext = { dir: path.dirname(b.file), sources: result.sources };
  // only what this run analysed completely: files skipped, too deep or failed on keep their entries,
  // and a rule that failed on the whole project keeps all of its entries
  const skipped = new Set([...result.incompleteFiles, ...result.notifications.filter((n) => n.file && (n.kind === 'ignored' || n.kind === 'not-source')).map((n) => n.file!)]);
  const projectFailed = new Set(result.notifications.filter((n) => n.kind === 'rule-error' && !n.file).map((n) => /^rule (\S+)/.exec(n.message)?.[1]));
  const scope: BaselineScope = {
    files: new Set([...seen, ...result.findings.map((f) => f.location.file)].filter((f) => !skipped.has(f))),
    rules: new Set(result.rules.map(({ rule }) => rule.id).filter((id) => !projectFailed.has(id))),
  };
  let baseline = b.current;
  if (b.mode === 'write' || b.mode === 'prune') {
    const updated = updateBaseline(b.current, result.findings, ctx, scope, b.mode);
    baseline = updated.baseline;
    if (b.mode === 'write' || updated.removed > 0) writeBaselineFile(b.file, baseline, b.shown);
    const size = baselineSize(baseline);
    const held = `${size.findings} finding${size.findings === 1 ? '' : 's'} in ${size.files} file${size.files === 1 ? '' : 's'}`;
    if (b.mode === 'write') io.stderr.write(`toctou-lint: baseline written to ${b.shown}: ${held} (${updated.added} added, ${updated.removed} removed)\n`);
    else
      io.stderr.write(
        `toctou-lint: baseline ${b.shown}: ${updated.removed > 0 ? `pruned ${updated.removed} finding${updated.removed === 1 ? '' : 's'} that no longer match; ` : 'nothing to prune; '}${held}\n`,
      );
  } else if (!flags.quiet) {
    const stale = staleEntries(baseline, result.findings, ctx, scope);
    if (stale > 0)
      io.stderr.write(
        `toctou-lint: ${stale} finding${stale === 1 ? '' : 's'} in the baseline ${b.shown} no longer match${stale === 1 ? 'es' : ''} (fixed or changed); --prune-baseline drops ${stale === 1 ? 'it' : 'them'}\n`,
      );
  }
  const applied = applyBaseline(result.findings, baseline, ctx);
  return { result: { ...result, findings: applied.findings }, baseline: { file: b.shown, matched: applied.matched } };
}

/** Names a report must never be written over, wherever they are: the project's own files. */
const PROTECTED_NAMES = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'bun.lock',
  'bun.lockb',
  '.gitignore',
  '.gitattributes',
  '.npmrc',
  '.git',
  'toctou-lint.config.json',
  '.toctoulintrc.json',
  'tsconfig.json',
  'jsconfig.json',
]);

/**
 * `-o` writes only a report: never over a source, a project or lock file, a config, a `.gitignore`,
 * the baseline in use, or a file the scan read (`used`, compared by real path, so a symbolic link
 * cannot smuggle one in); never through a symbolic link; and never into a FIFO or device, which
 * would block or swallow the report.
 */
function checkOutputPath(shown: string, out: string, baseline: string | undefined, used: { config?: string; sources?: ReadonlySet<string> } = {}): void {
  const refuse = (why: string): never => {
    throw new UsageError(`-o ${shown}: refusing to write the report over ${why}; give the report its own name (e.g. toctou-lint.sarif)`);
  };
  const base = path.basename(out);
  if (/\.(?:[mc]?[jt]s|[jt]sx)$/.test(base)) refuse('a source file');
  if (PROTECTED_NAMES.has(base) || /^tsconfig\..*\.json$/.test(base)) refuse(`the project file ${base}`);
  let link: fs.Stats | undefined;
  try {
    link = fs.lstatSync(out);
  } catch {
    link = undefined;
  }
  if (link?.isSymbolicLink() && !out.startsWith('/dev/')) refuse('a symbolic link (it would write wherever the link points)');
  let real = out;
  try {
    real = fs.realpathSync(out);
    const st = fs.statSync(real);
    if (!st.isFile() && !out.startsWith('/dev/')) refuse(fileKind(st));
  } catch (err) {
    if (err instanceof UsageError) throw err;
  }
  if (baseline !== undefined && (real === baseline || out === baseline || realOf(baseline) === real)) refuse('the baseline in use');
  if (used.config !== undefined && (used.config === out || realOf(used.config) === real)) refuse('the config file in use');
  // scanned files are real paths
  if (used.sources && (used.sources.has(out) || used.sources.has(real))) refuse('a file this scan read');
}

function realOf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** The nearest folder at or above `from` that holds `.git` (a folder, or a file for worktrees and submodules). */
function repositoryRoot(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * `--rule` takes several ids, so `--rule a ./src` would swallow the path: values that are
 * not rule ids but exist on disk are given back to the paths.
 */
function splitRuleArgs(ruleArgs: string[] | undefined, args: string[], cwd: string): { onlyRules?: string[]; paths: string[] } {
  if (!ruleArgs) return { paths: args };
  const onlyRules: string[] = [];
  const paths = [...args];
  const shipped = new Set(rules.map((r) => r.id));
  for (const raw of ruleArgs) {
    if (looksLikePath(raw, cwd)) {
      paths.push(raw);
      continue;
    }
    for (const id of raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      if (shipped.has(id)) onlyRules.push(id);
      else if (KNOWN_RULE_IDS.includes(id)) throw new UsageError(`--rule: ${id} is not available in this version yet; available: ${[...shipped].join(', ')}`);
      else throw new UsageError(`--rule: unknown rule id "${id}" (and no such path); available: ${[...shipped].join(', ')}`);
    }
  }
  if (onlyRules.length === 0) throw new UsageError(`--rule: no rule id given; available: ${[...shipped].join(', ')}`);
  return { onlyRules, paths };
}

/** Rule ids are kebab-case words; a value with a slash, a dot, a glob character, or naming something on disk is a path. */
function looksLikePath(value: string, cwd: string): boolean {
  if (value.includes(',')) return false;
  if (KNOWN_RULE_IDS.includes(value)) return false;
  return /[/\\.*?[\]{}]/.test(value) || fs.existsSync(path.resolve(cwd, value));
}

/** `--ignore` patterns are relative to the current folder; an absolute or `./` path is made so. */
function ignorePattern(pattern: string, cwd: string): string {
  if (pattern.trim() === '') throw new UsageError('--ignore: empty pattern');
  if (!path.isAbsolute(pattern) && !pattern.startsWith('./') && !pattern.startsWith('../')) return pattern;
  const rel = path.relative(cwd, path.resolve(cwd, pattern)).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`--ignore: ${pattern} is outside the current folder; patterns are relative to it`);
  return rel === '' ? '*' : `/${rel}${pattern.endsWith('/') ? '/' : ''}`;
}

function listRules(): string {
  const rows = rules.map((r) => [r.id, r.severity, r.precision, r.cwe.map((n) => `CWE-${n}`).join(' '), r.title]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), ['id', 'severity', 'precision', 'cwe'][i].length));
  const line = (row: string[]): string => row.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ');
  return [line(['id', 'severity', 'precision', 'cwe', 'title']), ...rows.map(line)].join('\n') + '\n';
}

function defaultIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: currentFolder() };
}

/** The current folder, or '' when it was removed under the process (`process.cwd()` throws ENOENT then). */
function currentFolder(): string {
  try {
    return process.cwd();
  } catch {
    return '';
  }
}
