import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KNOWN_RULE_IDS, rules as allRules } from '../rules/index';
import { collectFacts } from './analysis/facts/walk';
import { EMPTY_IDENTITY_SOURCES, findConfigFile, loadConfig, type Config } from './config/index';
import { discoverFiles, isMinifiedName, UsageError } from './files';
import {
  assignFingerprints,
  severityRank,
  sortFindings,
  relativePath,
  splitLines,
  type Finding,
  type Location,
  type Notification,
  type Severity,
  type SeveritySetting,
} from './findings';
import { failureReason, isolate, isTooDeep, NestingTooDeep, type Isolated } from './isolate';
import { parseFile, syntaxNotification } from './parse';
import { readFileSafely, type ReadError } from './read';
import { formatMessage, type Rule, type RuleReport } from './rule';
import { applyDirectives, findDirectives } from './suppressions';
import { partitionApps } from './analysis/apps';
import { startsServer } from './analysis/vocabulary/frameworks';
import { Modules, type Workspace } from './analysis/modules';
import { readWorkspace } from './workspace';
import type { FileFacts } from './analysis/facts/types';
import { connectedFiles, identitySignal, importSpecifiers, jobSignal, Project, queueWorkers, servedFiles, webSignal } from './analysis/project';
import { isTestPath } from './analysis/vocabulary/test-files';
import { inputFormPattern, RECORD_CHOOSING_INPUT_FORMS } from './analysis/vocabulary/requests';
import { type ts } from './ts';

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

export interface RunOptions {
  /** Files, folders or globs; relative ones are resolved against `cwd`. */
  targets: string[];
  cwd: string;
  /** Report paths and SARIF URIs are relative to this folder (default: `cwd`). */
  root?: string;
  /** An explicit config file; otherwise one is searched from the first target upward. */
  configFile?: string;
  /** Run only these rule ids. */
  onlyRules?: string[];
  /** Extra gitignore-style patterns, relative to `cwd`. */
  ignore?: string[];
  /** Files larger than this many bytes are skipped with a notification. */
  maxFileSize?: number;
  reportUnusedDirectives?: boolean;
  /** Honour `.gitignore` files (default true). */
  gitignore?: boolean;
  /** A folder or glob with nothing to scan is a warning instead of a usage error. */
  allowNoMatch?: boolean;
  /**
   * When every target is a file (a pre-commit hook), read the rest of the project under `root`
   * as context for cross-file analysis, reporting only the given files (default true).
   */
  context?: boolean;
  /**
   * Report findings in test code too (`test/`, `__tests__/`, `e2e/`, `*.test.*`, `*.spec.*`, …).
   * By default test files are read as context only, and files given by name are always reported.
   */
  includeTests?: boolean;
  /** Called after each file, for progress displays. */
  onFile?: (done: number, total: number, file: string) => void;
}

export interface RunResult {
  root: string;
  config?: string;
  /** The rules that ran, with their effective severity. */
  rules: { rule: Rule; severity: Severity }[];
  findings: Finding[];
  notifications: Notification[];
  filesScanned: number;
  filesSkipped: number;
  durationMs: number;
  /** The text of every file that has a finding, for code frames and fingerprints. */
  sources: Map<string, string>;
  /**
   * Files this run did not analyse completely: skipped (too large, binary, too deeply nested, …),
   * or with a rule or the project model failing on them. Their baseline entries are kept as they are.
   */
  incompleteFiles: Set<string>;
}

export { UsageError } from './files';
export { ConfigError } from './config/index';

/** config → files → parse → facts (one walk) → rules → directives → ordered findings. */
export async function run(options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const cwd = path.resolve(options.cwd);
  const root = path.resolve(cwd, options.root ?? '.');
  if (!isFolder(root)) throw new UsageError(`--root: not a folder: ${options.root}`);
  const configNotes: Notification[] = [];
  const config = resolveConfig(options, cwd, configNotes);
  const active = selectRules(config, options.onlyRules);
  const ignore = [{ patterns: options.ignore ?? [], base: cwd }];
  if (config.file && config.ignore.length > 0) ignore.push({ patterns: config.ignore, base: path.dirname(config.file) });

  const targets = options.targets.length > 0 ? options.targets : ['.'];
  const discovery = await discoverFiles(targets, { cwd, ignore, gitignore: options.gitignore, allowNoMatch: options.allowNoMatch });
  const notifications = [...configNotes, ...discovery.notifications];
  const findings: Finding[] = [];
  const sources = new Map<string, string>();
  const knownIds = new Set(KNOWN_RULE_IDS);
  const maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const reportUnused = options.reportUnusedDirectives ?? false;
  // a rule with a project hook is active: creating a rule's hooks is cheap and has no effects
  const wantsProject = active.some(({ rule }) => rule.create({ options: {}, report: () => undefined }).project !== undefined);
  let scanned = 0;
  // files given or found and not scanned (a project file that was not read is not one)
  let skipped = discovery.notifications.filter((n) => n.file && n.kind !== 'not-read').length;

  // Test code is context, not reported (unless asked, or a test file is given by name); a path
  // counts as test code by the folders below the scanned folder that holds it.
  const folders = targets.map((t) => path.resolve(cwd, t)).filter(isFolder);
  const given = new Set(targets.map((t) => path.resolve(cwd, t)).filter((t) => !folders.includes(t)));
  const isTestFile = (file: string): boolean => {
    const base = folders.filter((d) => file.startsWith(d + path.sep)).sort((a, b) => b.length - a.length)[0];
    return isTestPath(base ? path.relative(base, file) : file.startsWith(cwd + path.sep) ? path.relative(cwd, file) : path.basename(file));
  };

  const isReported = (file: string, test: boolean): boolean => !test || (options.includeTests ?? false) || given.has(file);
  const seeders = active.filter(({ rule }) => rule.projectSeed !== undefined);
  const seeds = (text: string): boolean => seeders.some(({ rule }) => rule.projectSeed!(text));

  // A folder scan with the project phase reads and describes every file before parsing any: the
  // files an identity model may be built from are then known, and keep the syntax tree phase 1
  // makes instead of being parsed again in phase 2.
  const describeEarly = (): EarlyDescription => {
    const texts = new Map<string, string | undefined>();
    const described = new Map<string, SeenFile>();
    for (const file of discovery.files) {
      const text = readSource(file, maxFileSize, notifications);
      texts.set(file, text);
      if (text === undefined) continue;
      const test = isTestFile(file);
      const reported = isReported(file, test);
      described.set(file, describeFile(text, config, reported, test, reported && text.includes(DIRECTIVE), seeds));
    }
    if (![...described.values()].some((info) => info.identity)) return { texts, described, likelyMembers: new Set() };
    const workspace = readWorkspace(described.keys(), workspaceTop(described.keys()));
    // every app phase 2 can build is among the files some identity file reaches (test and context ones too)
    return { texts, described, workspace, likelyMembers: connectedFiles(described, (info) => info.identity, workspace) };
  };
  const early = wantsProject && !discovery.explicitFilesOnly ? describeEarly() : undefined;
  // every file is described: the files judged across their imports are judged as phase 1 parses them
  let judge: ImportJudge | undefined;
  if (early && [...early.described.values()].some((info) => info.window)) {
    early.workspace ??= readWorkspace(early.described.keys(), workspaceTop(early.described.keys()));
    judge = new ImportJudge(early.described, active, notifications, early.workspace);
  }
  // the rules judged per file: in a folder scan, a rule scoped to applications only on their files (a library no
  // server of the scan reaches runs for no request: its walk and its per-file pass would be spent for nothing)
  const served =
    early && active.some(({ rule }) => rule.seedScope === 'application')
      ? (judge?.served ?? servedFiles(early.described, (early.workspace ??= readWorkspace(early.described.keys(), workspaceTop(early.described.keys())))))
      : undefined;
  const outsideApps = active.filter(({ rule }) => rule.seedScope !== 'application');
  const rulesFor = (file: string): readonly ActiveRule[] => (served && !served.has(file) ? outsideApps : active);

  // Phase 1, per file: read, parse, per-file rules, and what the project model needs to know.
  const seen = new Map<string, SeenFile>();
  const total = discovery.files.length;
  for (const [i, file] of discovery.files.entries()) {
    const text = early ? early.texts.get(file) : readSource(file, maxFileSize, notifications);
    options.onFile?.(i + 1, total, file);
    if (text === undefined) {
      skipped++;
      continue;
    }
    // each file is isolated: whatever it makes the parser or a walk do, the scan goes on without it
    // (a tree the model parsed already, to judge a file that imports this one, is the one analysed)
    const analysed = analyseFile(file, text, rulesFor(file), notifications, judge ? early?.described.get(file)?.sourceFile : undefined);
    if (!analysed) {
      skipped++;
      continue;
    }
    scanned++;
    const described = early?.described.get(file);
    const test = described?.test ?? isTestFile(file);
    const reported = described?.reported ?? isReported(file, test);
    const { sourceFile, findings: fileFindings, facts } = analysed;
    if (reported) findings.push(...fileFindings);
    const directives = described?.directives ?? (reported && text.includes(DIRECTIVE));
    if (wantsProject) {
      const info = described ?? describeFile(text, config, reported, test, directives, seeds);
      // a tree no per-file rule walked is the one phase 2 would parse: kept for a likely member of an
      // identity model (a walked one is not: per-file answers may be cached on its nodes)
      // (a tree the model parsed already, to judge another file, stays the one it has)
      if (info.identity || info.window || directives || (!facts && early?.likelyMembers.has(file))) info.sourceFile ??= sourceFile;
      // the walk's facts, for the look across its imports (kept only for the files that get one)
      if (info.window) info.facts = facts;
      seen.set(file, info);
      if (judge && info.window) {
        judge.judge(file, info);
        if (!info.identity && !directives && !early?.likelyMembers.has(file)) judge.release(file, info);
      }
    }
    // without the project phase, only what directives and fingerprints need is kept
    else if (fileFindings.length > 0 || directives) seen.set(file, SeenFile.withoutSignals(text, reported, test, directives, sourceFile));
  }

  // the workspace read for the early guess, when it was read from the very files phase 2 has (read once: the files
  // seen are all known when it is first asked)
  let readWs: Workspace | undefined;
  const workspace = (): Workspace =>
    (readWs ??=
      early?.workspace && early.described.size === seen.size && [...seen.keys()].every((f) => early.described.has(f))
        ? early.workspace
        : readWorkspace(seen.keys(), workspaceTop(seen.keys())));

  // Given files only (a pre-commit hook): the rest of the project is context for the model.
  // Every TLS rule reports in a file that can carry identity: with none among the given files,
  // the project has nothing to say about them and is not read.
  // A handler that reads request input may be judged by middleware in another file, so it asks too.
  const givenIdentity = (): boolean => [...seen.values()].some((f) => f.identity || f.window || (f.web && f.input));
  if (wantsProject && (options.context ?? true) && discovery.explicitFilesOnly && givenIdentity()) {
    // (the project of the given files: `--root`, or the folder the scan runs in when they are in it; files given from
    // elsewhere bring their own repository, not the unrelated code around the folder the scan was started in)
    const inside = discovery.files.every((f) => f.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
    const contextRoot = options.root !== undefined || inside ? root : projectTop(discovery.files);
    const context = await discoverFiles(['.'], { cwd: contextRoot, ignore, gitignore: options.gitignore, allowNoMatch: true });
    for (const file of context.files) {
      if (seen.has(file)) continue;
      const text = readSource(file, maxFileSize, []);
      if (text !== undefined) seen.set(file, describeFile(text, config, false, isTestFile(file), false, seeds));
    }
    // what a rule scoped to applications found in a given file that no application of the project reaches is
    // dropped, as a folder scan of the project would not have looked (the model's workspace is read once either way)
    if (outsideApps.length < active.length) {
      const inApps = servedFiles(seen, workspace());
      const scoped = new Set(active.filter((a) => !outsideApps.includes(a)).map(({ rule }) => rule.id));
      const kept = findings.filter((f) => !scoped.has(f.ruleId) || inApps.has(f.location.file));
      findings.splice(0, findings.length, ...kept);
    }
  }

  // Phase 2, once: the project model around the files that can carry client identity.
  if (wantsProject) {
    const across = analyseProject(seen, active, config, notifications, workspace, judge?.found);
    // one report per rule and place: what a file showed alone and what the model adds may meet at one node
    const merged = across.length > 0 ? oneReportPerPlace([findings.splice(0), across], active) : findings.splice(0);
    findings.push(...merged);
  }

  // Directives apply after every rule ran, per file.
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byFile.get(f.location.file);
    if (list) list.push(f);
    else byFile.set(f.location.file, [f]);
  }
  for (const [file, info] of seen) {
    if (!info.directives) continue;
    const step = isolate(() => {
      const sf = info.sourceFile ?? parseFile(file, info.text).sourceFile;
      const { directives, problems } = findDirectives(file, sf, knownIds);
      notifications.push(...problems, ...applyDirectives(byFile.get(file) ?? [], directives, reportUnused));
    });
    if (!step.ok) notifications.push(stepFailed(file, 'its suppression comments were not read', step));
  }
  // the text of every file a finding points into, whatever else this run read: fingerprints and
  // baseline keys depend only on the finding's own lines
  const textOf = (file: string): string | undefined => {
    if (!sources.has(file)) {
      const text = seen.get(file)?.text ?? readSource(file, Math.max(maxFileSize, DEFAULT_MAX_FILE_SIZE), []);
      if (text === undefined) return undefined;
      sources.set(file, text);
    }
    return sources.get(file);
  };
  for (const f of findings) textOf(f.location.file);

  const lines = new Map<string, string[]>();
  const lineText = (file: string, line: number): string => {
    let l = lines.get(file);
    if (!l) lines.set(file, (l = splitLines(textOf(file) ?? '')));
    return l[line - 1] ?? '';
  };
  sortFindings(findings);
  assignFingerprints(findings, lineText, (f) => relativePath(root, f));
  const incompleteFiles = new Set(notifications.filter((n) => n.file && n.incomplete).map((n) => n.file!));
  return {
    root,
    config: config.file,
    rules: active.map(({ rule, severity }) => ({ rule, severity })),
    findings,
    notifications: notifications.sort(compareNotifications),
    filesScanned: scanned,
    filesSkipped: skipped,
    durationMs: performance.now() - started,
    sources,
    incompleteFiles,
  };
}

/**
 * The top of the workspace a scan may read package and tsconfig files up to: the repository that
 * holds the scanned files (the nearest `.git` above the folder they share), else that folder —
 * found from the files, so a scan's findings do not depend on the directory it is run from.
 */
function workspaceTop(files: Iterable<string>): string {
  let base: string | undefined;
  for (const file of files) base = base === undefined ? path.dirname(file) : sharedFolder(base, path.dirname(file));
  if (base === undefined) return process.cwd();
  for (let dir = base; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return base;
  }
}

/**
 * The project files given from another folder belong to: their repository (the nearest `.git` above them), else
 * the highest folder above them with a `package.json` (a workspace's root holds its packages), else their folder.
 */
function projectTop(files: readonly string[]): string {
  const top = workspaceTop(files);
  if (fs.existsSync(path.join(top, '.git'))) return top;
  let found = top;
  for (let dir = top; path.dirname(dir) !== dir; dir = path.dirname(dir)) if (fs.existsSync(path.join(dir, 'package.json'))) found = dir;
  return found;
}

/** The deepest folder holding both. */
function sharedFolder(a: string, b: string): string {
  let dir = a;
  while (dir !== b && !b.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function resolveConfig(options: RunOptions, cwd: string, notifications: Notification[]): Config {
  if (options.configFile) return loadConfig(path.resolve(cwd, options.configFile), KNOWN_RULE_IDS);
  const first = path.resolve(cwd, options.targets[0] ?? '.');
  let start = first;
  try {
    if (!fs.statSync(first).isDirectory()) start = path.dirname(first);
  } catch {
    start = cwd; // a glob or a missing path: discovery reports the latter
  }
  const notes: { file: string; message: string }[] = [];
  const file = findConfigFile(start, cwd, notes);
  for (const n of notes) notifications.push({ level: 'warning', kind: 'not-read', ...n });
  return file ? loadConfig(file, KNOWN_RULE_IDS) : { rules: {}, ignore: [], identitySources: EMPTY_IDENTITY_SOURCES, sinks: [] };
}

interface ActiveRule {
  rule: Rule;
  severity: Severity;
}

function selectRules(config: Config, only: readonly string[] | undefined): ActiveRule[] {
  const out: ActiveRule[] = [];
  for (const rule of allRules) {
    if (only && only.length > 0 && !only.includes(rule.id)) continue;
    const setting: SeveritySetting = config.rules[rule.id] ?? rule.severity;
    // `--rule x` runs x even where the config turned it off
    if (setting === 'off' && !(only && only.includes(rule.id))) continue;
    out.push({ rule, severity: setting === 'off' ? rule.severity : setting });
  }
  return out;
}

/**
 * Read a source file as text, or say why it is skipped. Through the one safe read (regular files
 * only, size cap, time bound); a file is binary only when it looks binary, not for a stray NUL;
 * invalid UTF-8 is decoded leniently (U+FFFD) and analysed, with a note.
 */
function readSource(file: string, maxFileSize: number, notifications: Notification[]): string | undefined {
  const skip = (kind: string, message: string): undefined => {
    notifications.push({ level: 'warning', kind, message, file, incomplete: true });
    return undefined;
  };
  let buf: Buffer;
  try {
    buf = readFileSafely(file, { maxBytes: maxFileSize });
  } catch (err) {
    const e = err as ReadError;
    if (e.code === 'too-large') return skip('file-too-large', `${e.message} (--max-file-size); skipped`);
    if (e.code === 'not-regular') return skip('unreadable', `${e.message}; skipped`);
    return skip('unreadable', `cannot read file (${e.code === 'timeout' ? e.message : e.code}); skipped`);
  }
  if (looksBinary(buf)) return skip('binary', 'file looks binary (mostly control bytes); skipped');
  let text = buf.toString('utf8');
  // invalid bytes are what decode to U+FFFD; a validator is far cheaper than searching the text for it
  if (!isUtf8(buf)) {
    notifications.push({ level: 'note', kind: 'not-utf8', message: 'file is not valid UTF-8; invalid bytes were read as U+FFFD and the file analysed', file });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (looksMinified(file, text)) return skip('minified', 'file looks minified (very long lines); skipped');
  return text;
}

/**
 * Binary as the content shows it: in the first 8 KB, at least one byte in ten is NUL or another
 * control character that text does not use. One NUL in a comment, a Latin-1 byte or a stray
 * escape character leave a file text.
 */
export function looksBinary(buf: Buffer): boolean {
  const sample = buf.subarray(0, 8192);
  if (sample.length === 0) return false;
  let control = 0;
  // an indexed loop: a Buffer's iterator costs more than the test itself on every byte
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  }
  return control * 10 >= sample.length;
}

/**
 * `*.min.js` and friends, and JavaScript files of 20 KB or more whose lines average over 500
 * characters. TypeScript is never treated as minified: nobody ships minified TypeScript, and a
 * long embedded string must not hide the code around it.
 */
function looksMinified(file: string, text: string): boolean {
  if (isMinifiedName(file)) return true;
  if (!/\.[mc]?jsx?$/.test(file) || text.length < 20_000) return false;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return text.length / lines > 500;
}

const DIRECTIVE = 'toctou-lint-disable';

/** Every file of a folder scan read and described before phase 1 parses any. */
interface EarlyDescription {
  /** The text of each file found, undefined where it was skipped (the notification is made). */
  texts: Map<string, string | undefined>;
  described: Map<string, SeenFile>;
  /** Read when some file can carry identity. */
  workspace?: Workspace;
  /** The files connected to any identity file: a superset of every app an identity model is built for. */
  likelyMembers: Set<string>;
}

/** An import the scan may hold: a relative path, or a path alias of the project (`@/lib/db`, `~/authz`, `#services`). */
const mayBeScanned = (spec: string): boolean => spec.startsWith('.') || /^(?:@\/|~\/|#)/.test(spec);

/**
 * What phase 2 needs to know of a scanned (or context) file. `identity` and `window` are known for
 * every file; the other text tests run when first asked (each is a pass over the text), and are
 * then kept.
 */
class SeenFile {
  private importsPart?: string[];
  private webPart?: boolean;
  private inputPart?: boolean;
  /**
   * A decision, a boundary and an operation can meet across its imports (text test): a handler, or a
   * service its routes hand plain values to, that awaits before it writes and imports modules that can
   * hold the helper, guard or state it decides on.
   */
  readonly window: boolean;
  /** The first phase's facts and the rules they were collected for, kept for the look across imports. */
  facts?: { facts: FileFacts; rules: readonly Rule[] };
  /** Kept only where phase 2 will surely need it; otherwise parsed again if it does. */
  sourceFile?: ts.SourceFile;

  constructor(
    readonly text: string,
    /** It can be a source of client identity or configure a TLS server (text test). */
    readonly identity: boolean,
    /** Findings in it are reported (false for context files of a given-files scan, and for test code). */
    readonly reported: boolean,
    /** Test code: read as context, never the start of an application. */
    readonly test: boolean,
    /** It is reported and holds a `toctou-lint-disable` comment (text test). */
    readonly directives: boolean,
    seeds?: (text: string) => boolean,
  ) {
    // only a module of the scan can be loaded across an import: a relative one, or a path alias
    this.window = seeds !== undefined && !test && reported && this.imports.some(mayBeScanned) && seeds(text);
  }

  /** A file kept only for directives and fingerprints: no phase 2, no signals. */
  static withoutSignals(text: string, reported: boolean, test: boolean, directives: boolean, sourceFile?: ts.SourceFile): SeenFile {
    const info = new SeenFile(text, false, reported, test, directives);
    info.importsPart = [];
    info.webPart = false;
    info.inputPart = false;
    info.sourceFile = sourceFile;
    return info;
  }

  /** Relative specifiers it imports, for the import graph. */
  get imports(): string[] {
    return (this.importsPart ??= importSpecifiers(this.text));
  }

  /** It can take part in a request path (text test); imports are followed only through such files. */
  get web(): boolean {
    return (this.webPart ??= this.identity || webSignal(this.text));
  }

  /**
   * It can take part in a request path and reads request input (`req.params`, `ctx.query`,
   * `@Param()`; text test): a handler that may pick records by it. Input outside a web file is
   * never asked about, so it is not looked for there.
   */
  get input(): boolean {
    return (this.inputPart ??= this.web && REQUEST_INPUT_TEXT.test(this.text));
  }
}

function describeFile(text: string, config: Config, reported: boolean, test: boolean, directives: boolean, seeds: (text: string) => boolean): SeenFile {
  return new SeenFile(text, identitySignal(text, config.identitySources.headers, config.identitySources.functions), reported, test, directives, seeds);
}

const REQUEST_INPUT_TEXT = inputFormPattern(RECORD_CHOOSING_INPUT_FORMS);

/** A notification for a step that failed on a file: skipped when the code was too deep, a rule error otherwise. */
function stepFailed(file: string | undefined, consequence: string, step: Isolated<unknown> & { ok: false }, ruleId?: string): Notification {
  if (step.tooDeep) return { level: 'warning', kind: 'too-deep', message: `${step.reason}; ${consequence}`, file, incomplete: true };
  return {
    level: 'error',
    kind: 'rule-error',
    message: `${ruleId ? `rule ${ruleId}` : 'the analysis'} failed ${file ? 'on this file' : 'on the project model'}: ${step.reason}; ${consequence}`,
    file,
    incomplete: true,
  };
}

/**
 * Parse one file and run the per-file rules on it, each step isolated: a file that overflows the
 * parser or the walk is skipped (undefined, with a notification saying why); a rule that fails on
 * it loses only its own findings there.
 */
function analyseFile(
  file: string,
  text: string,
  active: readonly ActiveRule[],
  notifications: Notification[],
  parsedAlready?: ts.SourceFile,
): { sourceFile: ts.SourceFile; findings: Finding[]; facts?: { facts: FileFacts; rules: readonly Rule[] } } | undefined {
  const parsed = isolate(() => (parsedAlready ? { sourceFile: parsedAlready, notification: syntaxNotification(file, parsedAlready) } : parseFile(file, text)));
  if (!parsed.ok) {
    notifications.push(
      parsed.tooDeep
        ? stepFailed(file, 'the parser gave up; skipped', parsed)
        : { level: 'warning', kind: 'parse-failed', message: `the parser failed: ${parsed.reason}; skipped`, file, incomplete: true },
    );
    return undefined;
  }
  const { sourceFile, notification } = parsed.value;
  if (notification) notifications.push(notification);
  const here = active.filter(({ rule }) => rule.prefilter?.(text));
  const findings: Finding[] = [];
  let walkedFacts: { facts: FileFacts; rules: readonly Rule[] } | undefined;
  if (here.length > 0) {
    const walked = isolate(() =>
      collectFacts(
        file,
        text,
        sourceFile,
        here.map(({ rule }) => rule.facts ?? {}),
      ),
    );
    if (!walked.ok) {
      notifications.push(stepFailed(file, 'skipped', walked));
      return undefined;
    }
    walkedFacts = { facts: walked.value, rules: here.map(({ rule }) => rule) };
    for (const { rule, severity } of here) {
      const own: Finding[] = [];
      const report = (r: RuleReport): void => {
        own.push(toFinding(rule, severity, r));
      };
      const ran = isolate(() => rule.create({ options: {}, report }).file?.(walked.value));
      if (ran.ok) findings.push(...own);
      else notifications.push(stepFailed(file, `rule ${rule.id} skipped this file`, ran, rule.id));
    }
  }
  return { sourceFile, findings, facts: walkedFacts };
}

/**
 * Build the project model from the files connected (by relative imports) to a file that can
 * carry client identity, and run the project rules on it. Nothing is built when no such file
 * exists, which is what keeps scans of code without mTLS at the parse floor.
 *
 * One model per app (an entry file and what it reaches), each an isolated step: a file
 * too deep for a walk is left out of its app and named, and an app whose model or rules still
 * overflow the stack loses only its own project findings, each of its files named.
 */
function analyseProject(
  seen: Map<string, SeenFile>,
  active: readonly ActiveRule[],
  config: Config,
  notifications: Notification[],
  readWs: () => Workspace,
  /** What the first phase found across imports, where it judged the seeds (a folder scan). */
  judged?: Finding[],
): Finding[] {
  // (a job queue's processor runs the deferred half of a request's work: only a model of the app pairs them)
  const identity = [...seen.values()].some((info) => info.identity || (info.reported && jobSignal(info.text)));
  const seeds = judged ? [] : [...seen].filter(([, info]) => info.window);
  const byApp: Finding[][] = judged ? [judged] : [];
  // nothing can carry identity and nothing looks across imports: nothing to read of the workspace either
  if (!identity && seeds.length === 0) return oneReportPerPlace(byApp, active);
  const workspace = readWs();
  if (identity) byApp.unshift(...identityApps(seen, active, config, notifications, workspace));
  if (seeds.length > 0) byApp.push(importFindings(seen, seeds, active, notifications, workspace));
  return oneReportPerPlace(byApp, active);
}

/**
 * Files judged by what their imports reach (a rule's `imports` hook, for files that passed its
 * `projectSeed`): one model of names over every file read, which parses a file only when an import
 * names it and a question reaches it. Each file is an isolated step; what it finds (in itself, or in
 * a module it reaches, where the operation is) depends on it and what it imports, never on the rest
 * of the scan.
 *
 * A folder scan judges each such file as soon as the first phase has parsed it (every file was
 * read and described before), and then lets its tree go unless something else holds it: trees kept
 * to the end of the first phase would all live through it, which costs more than the analysis.
 */
class ImportJudge {
  readonly found: Finding[] = [];
  private readonly parsed: ParsedOnDemand;
  private readonly modules: Modules;
  private readonly hooks: readonly ActiveRule[];
  /** The files of the scan's applications (`servedFiles`), for the rules that judge only those. */
  readonly served: ReadonlySet<string>;

  constructor(
    private readonly seen: Map<string, SeenFile>,
    active: readonly ActiveRule[],
    private readonly notifications: Notification[],
    workspace: Workspace,
  ) {
    this.hooks = active.filter(({ rule }) => rule.projectSeed !== undefined);
    this.parsed = new ParsedOnDemand(seen);
    this.modules = new Modules(this.parsed, workspace);
    this.served = this.hooks.some(({ rule }) => rule.seedScope === 'application') ? servedFiles(seen, workspace) : new Set();
    // (a file's text without parsing it: who imports a module is found by text)
    this.modules.textOf = (file) => seen.get(file)?.text;
  }

  /** Judge one file (a seed of a rule, reported), with the first phase's walk of it when that walked the tree the model holds. */
  judge(file: string, info: SeenFile): void {
    const here = this.hooks.filter(({ rule }) => rule.projectSeed!(info.text) && (rule.seedScope !== 'application' || this.served.has(file)));
    if (here.length === 0 || !info.reported) return;
    this.parsed.judging = file;
    const step = isolate(() => {
      const sourceFile = this.modules.sourceFile(file);
      if (!sourceFile) return [];
      // the first phase's walk, when it walked this very tree for these rules; otherwise one walk now
      const facts =
        info.facts && info.facts.facts.sourceFile === sourceFile && here.every(({ rule }) => info.facts!.rules.includes(rule))
          ? info.facts.facts
          : collectFacts(
              file,
              info.text,
              sourceFile,
              here.map(({ rule }) => rule.facts ?? {}),
            );
      info.facts = undefined;
      const found: Finding[] = [];
      for (const { rule, severity } of here) {
        rule
          .create({
            options: {},
            report: (r) => {
              const finding = toFinding(rule, severity, r);
              if (this.seen.get(finding.location.file)?.reported) found.push(finding);
            },
          })
          .imports?.(facts, this.modules);
      }
      return found;
    });
    this.parsed.judging = undefined;
    if (step.ok) this.found.push(...step.value);
    else this.notifications.push(stepFailed(file, 'its findings across imports are missing', step));
  }

  /** Let a judged file's tree go, unless the model handed it out while judging another file. */
  release(file: string, info: SeenFile): void {
    if (this.parsed.handedOut.has(file)) return;
    info.sourceFile = undefined;
    info.facts = undefined;
    this.modules.forget(file);
  }
}

/** Judge every seed of the scan across its imports (where the first phase did not). */
function importFindings(seen: Map<string, SeenFile>, seeds: [string, SeenFile][], active: readonly ActiveRule[], notifications: Notification[], workspace: Workspace): Finding[] {
  const judge = new ImportJudge(seen, active, notifications, workspace);
  for (const [file, info] of seeds) judge.judge(file, info);
  return judge.found;
}

/** The files read so far as a map of parsed files, parsing each on first ask (a file the parser gives up on is absent). */
class ParsedOnDemand implements ReadonlyMap<string, ts.SourceFile> {
  /** The file being judged, and the files whose trees went to the model while another file was. */
  judging?: string;
  readonly handedOut = new Set<string>();

  constructor(private readonly seen: Map<string, SeenFile>) {}
  get size(): number {
    return this.seen.size;
  }
  has(file: string): boolean {
    return this.seen.has(file);
  }
  get(file: string): ts.SourceFile | undefined {
    const info = this.seen.get(file);
    if (!info) return undefined;
    if (file !== this.judging) this.handedOut.add(file);
    // the walk sets the parent pointers the analysis follows (and gives up on code nested too deeply);
    // a file no rule walked in the first phase has none yet
    const walked = info.sourceFile && (info.sourceFile.statements.length === 0 || info.sourceFile.statements[0].parent !== undefined);
    if (!walked) {
      const parsed = isolate(() => {
        const sourceFile = info.sourceFile ?? parseFile(file, info.text).sourceFile;
        collectFacts(file, info.text, sourceFile, []);
        return sourceFile;
      });
      if (!parsed.ok) return undefined;
      info.sourceFile = parsed.value;
    }
    return info.sourceFile;
  }
  keys(): MapIterator<string> {
    return this.seen.keys();
  }
  *entries(): MapIterator<[string, ts.SourceFile]> {
    for (const file of this.seen.keys()) {
      const sf = this.get(file);
      if (sf) yield [file, sf];
    }
  }
  *values(): MapIterator<ts.SourceFile> {
    for (const [, sf] of this.entries()) yield sf;
  }
  [Symbol.iterator](): MapIterator<[string, ts.SourceFile]> {
    return this.entries();
  }
  forEach(cb: (value: ts.SourceFile, key: string, map: ReadonlyMap<string, ts.SourceFile>) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }
}

/** The project models of the applications around files that can carry client identity, each an isolated step. */
function identityApps(seen: Map<string, SeenFile>, active: readonly ActiveRule[], config: Config, notifications: Notification[], workspace: Workspace): Finding[][] {
  // start from the identity files whose findings are reported: context alone never seeds a project
  // (a queue's processor in a file of its own, matched by the queue's name, is the app's deferred work)
  const workers = queueWorkers(seen.keys(), (file) => seen.get(file)!.text);
  const members = connectedFiles(seen, (info) => (info.identity || jobSignal(info.text)) && info.reported, workspace, workers);
  // a given handler file whose identity middleware is only context: the project around that middleware
  const unjudged = [...seen].filter(([file, info]) => info.reported && info.input && info.web && !members.has(file));
  if (unjudged.length > 0 && [...seen.values()].some((info) => !info.reported && !info.test)) {
    const around = connectedFiles(seen, (info) => info.identity, workspace, workers);
    if (unjudged.some(([file]) => around.has(file))) for (const file of around) members.add(file);
  }
  if (members.size === 0) return [];
  // one model per application: an entry file and what it reaches (see apps.ts), so that nothing
  // leaks between apps, and a file that breaks one app's model costs only that app its findings
  // a job processor that imports the app's queue module is the app's deferred work: reached from it
  const jobs = (file: string): boolean => jobSignal(seen.get(file)!.text);
  const apps = partitionApps(
    members,
    (file) => seen.get(file)!.imports,
    (file) => !seen.get(file)!.test,
    new Map(),
    workspace,
    (file) => startsServer(seen.get(file)!.text),
    (importer, target) => jobs(importer) && jobs(target),
    workers,
  ).map((a) => new Set(a));
  const factsCache = new Map<string, FileFacts>();
  const byApp: Finding[][] = [];
  for (const app of apps) {
    let result = projectFindings(app, seen, active, config, factsCache, workspace);
    // a walk names the file that is too deep: analyse the app without it
    while (!result.ok && result.error instanceof NestingTooDeep && app.has(result.error.file) && app.size > 1) {
      const deep = result.error.file;
      app.delete(deep);
      notifications.push(stepFailed(deep, "left out of the project analysis; its project rules' findings are missing", result));
      result = projectFindings(app, seen, active, config, factsCache, workspace);
    }
    if (!result.ok) {
      const failed = result;
      for (const file of [...app].sort())
        if (seen.get(file)?.reported)
          notifications.push(
            stepFailed(file, `the project analysis of its app (${app.size} file${app.size === 1 ? '' : 's'}) failed; its project rules' findings are missing`, failed),
          );
      continue;
    }
    notifications.push(...result.value.notifications);
    byApp.push(result.value.findings);
  }
  return byApp;
}

/**
 * A file two applications share is judged in each, and each may say something different about the
 * same node (a read served by an unverified server in one app and by one whose options are computed
 * in the other). One report per rule and place: the application whose report there is the strongest
 * — the higher severity, then the message its rule lists first (rules list their messages from the
 * strongest claim to the weakest), then the first application — whatever order the apps ran in.
 * What one application says twice at a place stays as it is.
 */
function oneReportPerPlace(byApp: readonly Finding[][], active: readonly ActiveRule[]): Finding[] {
  const order = new Map(active.map(({ rule }) => [rule.id, Object.keys(rule.messages)]));
  const strength = (f: Finding): [number, number, string] => {
    const at = order.get(f.ruleId)?.indexOf(f.messageId) ?? -1;
    return [severityRank(f.severity), at < 0 ? Number.MAX_SAFE_INTEGER : at, f.message];
  };
  // stronger first: higher severity, earlier message, then the message text
  const compare = (a: Finding, b: Finding): number => {
    const [sa, ma, ta] = strength(a);
    const [sb, mb, tb] = strength(b);
    return sb - sa || ma - mb || (ta < tb ? -1 : ta > tb ? 1 : 0);
  };
  const chosen = new Map<string, { app: number; best: Finding }>();
  const keyOf = (f: Finding): string => `${f.ruleId}\0${f.location.file}\0${f.location.line}:${f.location.column}`;
  byApp.forEach((findings, app) => {
    for (const f of findings) {
      const key = keyOf(f);
      const c = chosen.get(key);
      if (!c || compare(f, c.best) < 0) chosen.set(key, { app, best: f });
    }
  });
  const out: Finding[] = [];
  const kept = new Set<string>();
  byApp.forEach((findings, app) => {
    for (const f of findings) {
      const key = keyOf(f);
      if (chosen.get(key)?.app !== app) continue;
      // the same report twice in one app
      const exact = `${key}\0${f.message}`;
      if (kept.has(exact)) continue;
      kept.add(exact);
      out.push(f);
    }
  });
  return out;
}

/** The project model of some files and every project rule on it, as one isolated step. */
function projectFindings(
  members: ReadonlySet<string>,
  seen: Map<string, SeenFile>,
  active: readonly ActiveRule[],
  config: Config,
  factsCache: Map<string, FileFacts>,
  workspace: Workspace,
): Isolated<{ findings: Finding[]; notifications: Notification[] }> {
  return isolate(() => {
    const files = new Map<string, { text: string; sourceFile: ts.SourceFile }>();
    for (const file of members) {
      const info = seen.get(file)!;
      let sourceFile = info.sourceFile;
      if (!sourceFile) {
        const parsed = isolate(() => parseFile(file, info.text).sourceFile);
        // name the file, so that its app can be analysed without it
        if (!parsed.ok) throw parsed.tooDeep ? new NestingTooDeep(file) : parsed.error;
        sourceFile = parsed.value;
      }
      info.sourceFile = sourceFile;
      files.set(file, { text: info.text, sourceFile });
    }
    const project = new Project(files, config.identitySources, config.sinks, factsCache, workspace);
    const findings: Finding[] = [];
    const notifications: Notification[] = [];
    for (const { rule, severity } of active) {
      const own: Finding[] = [];
      const report = (r: RuleReport): void => {
        const finding = toFinding(rule, severity, r);
        if (seen.get(finding.location.file)?.reported) own.push(finding);
      };
      try {
        rule.create({ options: {}, report }).project?.(project);
      } catch (err) {
        // too deep: the whole step fails, and the caller isolates it per app
        if (isTooDeep(err)) throw err;
        notifications.push({ level: 'error', kind: 'rule-error', message: `rule ${rule.id} failed on the project model: ${failureReason(err)}` });
        continue;
      }
      findings.push(...own);
    }
    return { findings, notifications };
  });
}

function toFinding(rule: Rule, configured: Severity, r: RuleReport): Finding {
  const own = r.severity ?? rule.severity;
  // the configured level replaces the rule's top level; weaker findings stay weaker
  const severity = own === rule.severity ? configured : severityRank(own) < severityRank(configured) ? own : configured;
  const template = rule.messages[r.messageId];
  if (template === undefined) throw new Error(`rule ${rule.id} has no message ${r.messageId}`);
  return {
    ruleId: rule.id,
    severity,
    messageId: r.messageId,
    message: formatMessage(template, r.data),
    location: nodeLocation(r.node, r.node.getSourceFile()),
    related: (r.related ?? []).map((rel) => ({ message: rel.message, location: rel.location ?? nodeLocation(rel.node!, rel.node!.getSourceFile()) })),
    fingerprint: '',
    suppressions: [],
  };
}

export function nodeLocation(node: ts.Node, sf: ts.SourceFile): Location {
  const start = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  const end = sf.getLineAndCharacterOfPosition(node.end);
  return { file: sf.fileName, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
}

function compareNotifications(a: Notification, b: Notification): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || a.kind.localeCompare(b.kind);
}
