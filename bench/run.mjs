#!/usr/bin/env node
// Benchmark: toctou-lint against the TypeScript parse floor and against Node + require('ts-morph').
//
//   npm run bench -- [--runs N] [--small-runs N] [--warmup N] [--corpus-dir DIR] [--rss time|wrapper] [--json]
//
// 1. Builds the corpus with ../shared/bench/make-corpus.sh (TOCTOU_SHARED overrides ../shared)
//    into a folder OUTSIDE the repository (default: <tmpdir>/toctou-lint-bench), unless it is
//    already there with the expected file counts. Outside, because the tool honours .gitignore
//    files up to the git root and this repository ignores bench-corpus/.
// 2. Times, interleaved, the median wall time and peak RSS of separate processes:
//      full corpus:   parse-floor.mjs --parser ts   vs  toctou-lint <corpus> --format json -o <tmp>
//      corpus-small:  the same two
//      3 files:       node -e "require('ts-morph')"  vs  toctou-lint <3 files>  (and node -e 0)
//      pre-commit:    toctou-lint <3 files> at the root of a 500-file git project (from corpus/): 3 typical
//                     files, and 3 of which one is an mTLS route (the project is then read as context)
//    parse-floor.mjs runs from a temporary copy whose node_modules/typescript is a shim that
//    loads the very TypeScript that ts-morph bundles (checked: same version, same functions).
// 3. Prints a table and the ratios against the targets (tool/floor <= 1.6x on the full corpus,
//    3-file run/require('ts-morph') <= 1.3x; 3 files of a 500-file project < 1 s wall). A missed
//    target is reported, not an error: the exit code is non-zero only when something fails to run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const EXPECTED = { corpus: 3011, small: 232 };
const TARGETS = { corpusRatio: 1.6, smallRunRatio: 1.3, projectRunMs: 1000 };
const SMALL_RUN_FILES = 3;
const PROJECT_FILES = 500;

class UsageError extends Error {}

const log = (s) => process.stderr.write(s + '\n');

function usage() {
  return `usage: node bench/run.mjs [options]

  --runs N          timed runs per corpus measurement (default 5; medians are reported)
  --small-runs N    timed runs per 3-file / start-up measurement (default 3 x --runs)
  --warmup N        untimed runs before each measurement (default 1)
  --corpus-dir DIR  where the corpus lives or is built (default ${path.join(os.tmpdir(), 'toctou-lint-bench')});
                    keep it outside any git work tree that ignores it
  --rss time|wrapper  how peak RSS is read: GNU /usr/bin/time (default where available) or a
                    --require hook that reports process.resourceUsage().maxRSS at exit
  --json            print the results as JSON on stdout (progress still goes to stderr)
  -h, --help        this help

Environment: TOCTOU_SHARED = the shared folder holding bench/make-corpus.sh and
bench/parse-floor.mjs (default: ../shared next to the repository).
Exit code: 0 when every measurement ran (targets missed or not), 1 on an error, 2 on a usage error.
`;
}

function parseArgs(argv) {
  const opts = { runs: 5, smallRuns: undefined, warmup: 1, corpusDir: path.join(os.tmpdir(), 'toctou-lint-bench'), rss: undefined, json: false };
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} needs an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--runs') opts.runs = int(flag, value(), 1);
    else if (flag === '--small-runs') opts.smallRuns = int(flag, value(), 1);
    else if (flag === '--warmup') opts.warmup = int(flag, value(), 0);
    else if (flag === '--corpus-dir') opts.corpusDir = path.resolve(value());
    else if (flag === '--rss') {
      opts.rss = value();
      if (opts.rss !== 'time' && opts.rss !== 'wrapper') throw new UsageError(`--rss is time or wrapper, got ${JSON.stringify(opts.rss)}`);
    } else if (flag === '--json') opts.json = true;
    else if (flag === '-h' || flag === '--help') opts.help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
  }
  opts.smallRuns ??= opts.runs * 3;
  return opts;
}

// ---------------------------------------------------------------------------------------------
// corpus

/** Number of regular files and their total size under dir (undefined if dir does not exist). */
function countFiles(dir) {
  if (!fs.existsSync(dir)) return undefined;
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function isInside(file, dir) {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function ensureCorpus(sharedBench, corpusDir) {
  const corpus = path.join(corpusDir, 'corpus');
  const small = path.join(corpusDir, 'corpus-small');
  if (isInside(corpusDir, REPO)) {
    log(`bench: warning: ${corpusDir} is inside the repository; the tool honours its .gitignore and may skip the corpus`);
  }
  let c = countFiles(corpus);
  let s = countFiles(small);
  let built = false;
  if (c?.files !== EXPECTED.corpus || s?.files !== EXPECTED.small) {
    const script = path.join(sharedBench, 'make-corpus.sh');
    if (!fs.existsSync(script)) throw new Error(`cannot build the corpus: ${script} not found (set TOCTOU_SHARED)`);
    log(`bench: building the corpus in ${corpusDir} (npm pack of 23 pinned packages; takes a minute) ...`);
    const t0 = performance.now();
    // its stdout goes to our stderr, so that --json output stays clean
    const r = spawnSync('bash', [script, corpusDir], { stdio: ['ignore', 2, 2] });
    if (r.error) throw new Error(`cannot run bash ${script}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status ?? r.signal})`);
    log(`bench: corpus built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    c = countFiles(corpus);
    s = countFiles(small);
    built = true;
    if (c?.files !== EXPECTED.corpus || s?.files !== EXPECTED.small) {
      throw new Error(`corpus has ${c?.files} + ${s?.files} files after the build, expected ${EXPECTED.corpus} + ${EXPECTED.small}`);
    }
  } else {
    log(`bench: corpus found in ${corpusDir} (${c.files} + ${s.files} files); not rebuilt`);
  }
  return { dir: corpusDir, corpus, small, files: c.files, bytes: c.bytes, smallFiles: s.files, smallBytes: s.bytes, built };
}

// ---------------------------------------------------------------------------------------------
// the parse floor, with the TypeScript that ts-morph bundles

/** ts-morph's bundled compiler: @ts-morph/common/dist/typescript.js, as ts-morph itself resolves it. */
function bundledTypescript() {
  const repoRequire = createRequire(path.join(REPO, 'package.json'));
  let tsMorphMain;
  try {
    tsMorphMain = repoRequire.resolve('ts-morph');
  } catch {
    throw new Error('ts-morph is not installed; run npm install');
  }
  const commonMain = createRequire(tsMorphMain).resolve('@ts-morph/common');
  const file = path.join(path.dirname(commonMain), 'typescript.js');
  if (!fs.existsSync(file)) throw new Error(`ts-morph's bundled TypeScript not found at ${file}`);
  return { file, fastGlob: repoRequire.resolve('fast-glob'), tsMorphMain };
}

/** A copy of parse-floor.mjs whose `typescript` and `fast-glob` resolve to the repository's. */
function setUpFloor(sharedBench, work) {
  const src = path.join(sharedBench, 'parse-floor.mjs');
  if (!fs.existsSync(src)) throw new Error(`${src} not found (set TOCTOU_SHARED)`);
  const { file: tsFile, fastGlob, tsMorphMain } = bundledTypescript();
  const dir = path.join(work, 'floor');
  const script = path.join(dir, 'parse-floor.mjs');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(src, script);
  const shim = (name, target) => {
    const d = path.join(dir, 'node_modules', name);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name, private: true, main: 'index.js' }) + '\n');
    fs.writeFileSync(path.join(d, 'index.js'), `module.exports = require(${JSON.stringify(target)});\n`);
  };
  shim('typescript', tsFile);
  shim('fast-glob', fastGlob);

  // Check, in a child (keeps ts-morph out of this process), that the floor's `typescript`
  // is ts-morph's: same version and the same createSourceFile function.
  const probe = `
    const { createRequire } = require('node:module');
    const floorTs = createRequire(${JSON.stringify(script)})('typescript');
    const tsMorph = require(${JSON.stringify(tsMorphMain)});
    let devDep = null;
    try { devDep = createRequire(${JSON.stringify(path.join(REPO, 'package.json'))})('typescript/package.json').version; } catch {}
    const pkg = (main, name) => { let d = require('node:path').dirname(main);
      for (;;) { try { const j = require(d + '/package.json'); if (j.name === name) return j.version; } catch {}
        const up = require('node:path').dirname(d); if (up === d) return null; d = up; } };
    console.log(JSON.stringify({
      floor: floorTs.version, tsMorphTs: tsMorph.ts.version,
      same: floorTs.createSourceFile === tsMorph.ts.createSourceFile,
      floorFile: createRequire(${JSON.stringify(script)}).resolve('typescript'),
      tsMorph: pkg(${JSON.stringify(tsMorphMain)}, 'ts-morph'), devDep }));`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`checking the floor's TypeScript failed: ${r.stderr.trim()}`);
  const v = JSON.parse(r.stdout);
  if (v.floor !== v.tsMorphTs || !v.same) {
    throw new Error(`parse floor would use TypeScript ${v.floor}, ts-morph bundles ${v.tsMorphTs} (same module: ${v.same})`);
  }
  return {
    script,
    versions: { tsMorph: v.tsMorph, typescriptBundled: v.tsMorphTs, typescriptFloor: v.floor, floorSameModule: v.same, typescriptDevDependency: v.devDep, bundledFile: tsFile },
  };
}

// ---------------------------------------------------------------------------------------------
// running and measuring one process

const RSS_HOOK = `'use strict';
process.on('exit', () => {
  try { require('node:fs').writeFileSync(process.env.TOCTOU_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); } catch {}
});
`;

function gnuTimeWorks(work) {
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/time')) return false;
  const out = path.join(work, 'probe.rss');
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, '-e', '0'], { encoding: 'utf8' });
  return r.status === 0 && fs.existsSync(out) && /^\d+\s*$/.test(fs.readFileSync(out, 'utf8'));
}

function makeRunner(method, work) {
  const rssFile = path.join(work, 'last.rss');
  const hook = path.join(work, 'rss-hook.cjs');
  if (method === 'wrapper') fs.writeFileSync(hook, RSS_HOOK);
  /** Run `node ...args`; returns wall ms (measured here), peak RSS in KB, exit code, output. */
  return (args, { cwd = REPO } = {}) => {
    fs.rmSync(rssFile, { force: true });
    const env = { ...process.env, NO_COLOR: '1', TOCTOU_BENCH_RSS_FILE: rssFile };
    delete env.FORCE_COLOR;
    let cmd = process.execPath;
    let argv = args;
    if (method === 'time') {
      cmd = '/usr/bin/time';
      argv = ['-f', '%M', '-o', rssFile, process.execPath, ...args];
    } else {
      argv = ['--require', hook, ...args];
    }
    const t0 = performance.now();
    const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
    const wallMs = performance.now() - t0;
    if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
    let rssKB = null;
    try {
      const text = fs.readFileSync(rssFile, 'utf8');
      const m = /(\d+)\s*$/.exec(text.trim()); // GNU time may put "Command exited with non-zero status" first
      if (m) rssKB = Number(m[1]);
    } catch {}
    return { wallMs, rssKB, code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Time a group of commands, interleaved run by run (A B A B ...), so that a neighbour's load
 * hits every member of the group alike. Each case: { id, label, args, files, check(result) }.
 */
function timeGroup(run, title, cases, runs, warmup) {
  const samples = new Map(cases.map((c) => [c.id, { wall: [], rss: [] }]));
  const once = (c, timed, i) => {
    const r = run(c.args, c);
    const problem = c.check(r);
    if (problem) throw new Error(`${c.label}: ${problem}\n  command: node ${c.args.join(' ')}\n  stderr: ${r.stderr.trim().slice(0, 2000)}`);
    if (timed) {
      samples.get(c.id).wall.push(r.wallMs);
      if (r.rssKB != null) samples.get(c.id).rss.push(r.rssKB);
    }
    log(`  ${timed ? `run ${i + 1}/${runs}` : 'warm-up'}  ${c.label.padEnd(44)} ${(r.wallMs / 1000).toFixed(3)} s  ${r.rssKB != null ? `${(r.rssKB / 1024).toFixed(0)} MB` : ''}`);
  };
  log(`bench: ${title}`);
  for (let i = 0; i < warmup; i++) for (const c of cases) once(c, false, i);
  for (let i = 0; i < runs; i++) for (const c of cases) once(c, true, i);
  return cases.map((c) => {
    const { wall, rss } = samples.get(c.id);
    const med = median(wall);
    return {
      id: c.id,
      group: title,
      label: c.label,
      command: ['node', ...c.args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a))].join(' '),
      files: c.files ?? null,
      runs: wall.length,
      wallMs: { median: round(med), min: round(Math.min(...wall)), max: round(Math.max(...wall)), samples: wall.map((x) => round(x)) },
      filesPerSec: c.files ? Math.round(c.files / (med / 1000)) : null,
      peakRssMB: rss.length ? { median: round(median(rss) / 1024), max: round(Math.max(...rss) / 1024), samples: rss.map((k) => round(k / 1024)) } : null,
      detail: c.detail ?? null,
    };
  });
}

const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------
// the cases

function floorCase(id, label, script, dir, files) {
  const c = {
    id,
    label,
    files,
    args: [script, '--parser', 'ts', dir],
    check(r) {
      if (r.code !== 0) return `exit ${r.code ?? r.signal}`;
      let j;
      try {
        j = JSON.parse(r.stdout.trim().split('\n').pop());
      } catch {
        return `unexpected output ${JSON.stringify(r.stdout.slice(0, 200))}`;
      }
      if (j.files !== files) return `parsed ${j.files} files, expected ${files}`;
      c.detail = { parsedFiles: j.files, bytes: j.bytes, parseErrors: j.errors, inProcessMs: j.ms };
      return undefined;
    },
  };
  return c;
}

function toolCase(id, label, dir, files, reportFile) {
  const c = {
    id,
    label,
    files,
    args: [path.join(REPO, 'bin', 'toctou-lint.js'), dir, '--format', 'json', '-o', reportFile],
    check(r) {
      if (r.code !== 0 && r.code !== 1) return `exit ${r.code ?? r.signal} (0 and 1 are results, anything else an error)`;
      const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
      const { filesScanned, filesSkipped, findings } = rep.summary;
      if (filesScanned + filesSkipped !== files) {
        return `the tool saw ${filesScanned} + ${filesSkipped} files, expected ${files} (is the corpus inside a git work tree that ignores it?)`;
      }
      const skipped = {};
      for (const n of rep.notifications ?? []) if (n.path && n.level !== 'note') skipped[n.kind] = (skipped[n.kind] ?? 0) + 1;
      c.detail = { filesScanned, filesSkipped, findings, skippedByKind: skipped, rules: rep.rules.map((r) => r.id) };
      return undefined;
    },
  };
  return c;
}

function smallRunCases(smallDir) {
  const files = listFiles(smallDir).slice(0, SMALL_RUN_FILES);
  const c = {
    id: 'tool-3-files',
    label: `toctou-lint, ${SMALL_RUN_FILES} files (pre-commit)`,
    files: SMALL_RUN_FILES,
    args: [path.join(REPO, 'bin', 'toctou-lint.js'), ...files],
    check(r) {
      if (r.code !== 0 && r.code !== 1) return `exit ${r.code ?? r.signal}`;
      c.detail = { targets: files.map((f) => path.relative(smallDir, f)) };
      return undefined;
    },
  };
  const ok = (r) => (r.code === 0 ? undefined : `exit ${r.code ?? r.signal}`);
  return [
    { id: 'require-ts-morph', label: `node -e "require('ts-morph')"`, args: ['-e', "require('ts-morph')"], check: ok },
    c,
    { id: 'node-start', label: 'node -e 0 (Node start-up)', args: ['-e', '0'], check: ok },
  ];
}

/** A route that reads the client certificate: a given file like it makes the tool read the whole project as context. */
const IDENTITY_FILE = `import express from 'express';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';

const app = express();

app.get('/clients/me', (req, res) => {
  const cert = (req.socket as TLSSocket).getPeerCertificate();
  res.json({ client: cert.subject?.CN ?? null });
});

https
  .createServer(
    {
      key: fs.readFileSync('server.key'),
      cert: fs.readFileSync('server.crt'),
      ca: fs.readFileSync('clients-ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    app,
  )
  .listen(8443);
`;

/**
 * A 500-file project as a pre-commit hook sees it: a git repository with a .gitignore, its
 * sources under src/ (the first 499 files of corpus/, in order, so that packages keep their
 * relative imports, and src/app/server.ts, an mTLS route), the tool run at its root on 3 of them.
 * Typical commit: the 3 corpus files whose size is nearest the median. Identity commit:
 * server.ts and 2 of those; a given file that can carry client identity makes the tool read the
 * rest of the project as context for the cross-file rules, the slowest case of a hook run.
 */
function makeProject(corpusDir, work) {
  const root = path.join(work, 'project');
  const files = listFiles(corpusDir).slice(0, PROJECT_FILES - 1);
  if (files.length !== PROJECT_FILES - 1) throw new Error(`corpus/ has ${files.length} files, need ${PROJECT_FILES - 1} for the project case`);
  for (const f of files) {
    const to = path.join(root, 'src', path.relative(corpusDir, f));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(f, to);
  }
  const identity = path.join(root, 'src', 'app', 'server.ts');
  fs.mkdirSync(path.dirname(identity), { recursive: true });
  fs.writeFileSync(identity, IDENTITY_FILE);
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'bench-project', private: true }, null, 2) + '\n');
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules/\ndist/\n');
  const git = spawnSync('git', ['init', '-q'], { cwd: root });
  if (git.status !== 0) log('bench: warning: git init failed; the project case runs outside a git repository');
  // a commit touches typical files: the 3 whose size is nearest the project's median
  const sized = listFiles(path.join(root, 'src'))
    .filter((f) => f !== identity)
    .map((f) => ({ f, size: fs.statSync(f).size }));
  const mid = median(sized.map((x) => x.size));
  const typical = sized
    .sort((a, b) => Math.abs(a.size - mid) - Math.abs(b.size - mid) || (a.f < b.f ? -1 : 1))
    .slice(0, SMALL_RUN_FILES)
    .map((x) => path.relative(root, x.f))
    .sort();
  const withIdentity = [path.relative(root, identity), ...typical.slice(0, SMALL_RUN_FILES - 1)];
  return { root, files: PROJECT_FILES, typical, withIdentity, medianBytes: mid };
}

function projectCase(id, label, project, targets, reportFile) {
  const bin = path.join(REPO, 'bin', 'toctou-lint.js');
  // once, untimed: the run reports on the given files only
  const probe = spawnSync(process.execPath, [bin, ...targets, '--format', 'json', '-o', reportFile], {
    cwd: project.root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (probe.status !== 0 && probe.status !== 1) throw new Error(`${label}: exit ${probe.status ?? probe.signal}: ${probe.stderr.trim().slice(0, 2000)}`);
  const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const outside = rep.findings.filter((f) => !targets.includes(f.location.path));
  if (outside.length > 0) throw new Error(`${label}: findings reported outside the given files: ${outside.map((f) => f.location.path).join(', ')}`);
  return {
    id,
    label,
    files: SMALL_RUN_FILES,
    cwd: project.root,
    args: [bin, ...targets],
    detail: {
      projectFiles: project.files,
      medianBytes: project.medianBytes,
      targets,
      filesScanned: rep.summary.filesScanned,
      findings: rep.findings.map((f) => `${f.ruleId} ${f.location.path}:${f.location.line}`),
    },
    check(r) {
      return r.code === 0 || r.code === 1 ? undefined : `exit ${r.code ?? r.signal}`;
    },
  };
}

function projectCases(corpusDir, work, reportFile) {
  const project = makeProject(corpusDir, work);
  return [
    projectCase('tool-3-of-project', `toctou-lint, ${SMALL_RUN_FILES} files of a ${PROJECT_FILES}-file project`, project, project.typical, reportFile),
    projectCase('tool-3-of-project-identity', '  the same, one of them an mTLS route', project, project.withIdentity, reportFile),
  ];
}

// ---------------------------------------------------------------------------------------------
// report

function checkBuilt() {
  const cli = path.join(REPO, 'dist', 'src', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('the tool is not built: run `npm run build` first');
  const newest = (dir, re) => {
    let t = 0;
    if (!fs.existsSync(dir)) return t;
    for (const f of listFiles(dir)) if (re.test(f)) t = Math.max(t, fs.statSync(f).mtimeMs);
    return t;
  };
  const src = Math.max(newest(path.join(REPO, 'src'), /\.ts$/), newest(path.join(REPO, 'rules'), /\.ts$/));
  const out = newest(path.join(REPO, 'dist'), /\.js$/);
  if (src > out) log('bench: warning: src/ or rules/ is newer than dist/; the figures are for the last build (run `npm run build`)');
}

function machine() {
  const cpus = os.cpus();
  return {
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryGB: round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/**
 * Ratio of the medians (the figure checked against the target), and the median of the run-by-run
 * ratios: the runs are interleaved, so run i of both saw much the same machine load.
 */
function ratio(id, label, num, den, target) {
  const value = num.wallMs.median / den.wallMs.median;
  const n = Math.min(num.wallMs.samples.length, den.wallMs.samples.length);
  const paired = median(Array.from({ length: n }, (_, i) => num.wallMs.samples[i] / den.wallMs.samples[i]));
  return {
    id,
    label,
    value: round(value, 2),
    pairedMedian: round(paired, 2),
    target,
    met: target == null ? null : value <= target,
    numeratorMs: num.wallMs.median,
    denominatorMs: den.wallMs.median,
  };
}

function printTable(res) {
  const out = [];
  const p = (s = '') => out.push(s);
  const v = res.versions;
  p(`toctou-lint ${v.toctouLint} benchmark, ${res.date}`);
  p(`machine: ${res.machine.cpus} CPUs (${res.machine.cpuModel}), ${res.machine.memoryGB} GB, ${res.machine.platform}, node ${res.machine.node}`);
  p(
    `ts-morph ${v.tsMorph} bundles typescript ${v.typescriptBundled}; parse floor ran with ${v.typescriptFloor} (same module: ${v.floorSameModule}); node_modules/typescript: ${v.typescriptDevDependency ?? 'not installed'}`,
  );
  p(
    `corpus: ${res.corpus.dir} (corpus/ ${res.corpus.files} files, ${(res.corpus.bytes / 1e6).toFixed(1)} MB; corpus-small/ ${res.corpus.smallFiles} files, ${(res.corpus.smallBytes / 1e6).toFixed(1)} MB)${res.corpus.built ? ', built by this run' : ''}`,
  );
  p(
    `wall: median of ${res.runs} runs (3-file/start-up rows: ${res.smallRuns}), after ${res.warmup} warm-up; peak RSS: ${res.rssMethod === 'time' ? 'GNU /usr/bin/time %M' : 'process.resourceUsage().maxRSS at exit'}, median`,
  );
  p();
  const head = ['', 'case', 'files', 'wall s', 'min-max s', 'files/s', 'RSS MB'];
  const rows = res.cases.map((c) => [
    c.group,
    c.label,
    c.files == null ? '' : String(c.files),
    (c.wallMs.median / 1000).toFixed(3),
    `${(c.wallMs.min / 1000).toFixed(2)}-${(c.wallMs.max / 1000).toFixed(2)}`,
    c.filesPerSec == null || c.files < 10 ? '' : String(c.filesPerSec),
    c.peakRssMB ? c.peakRssMB.median.toFixed(0) : '?',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((x, i) => (i >= 2 ? x.padStart(w[i]) : x.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  p(line(head));
  p(w.map((n) => '-'.repeat(n)).join('  '));
  let last;
  for (const r of rows) {
    p(line(r[0] === last ? ['', ...r.slice(1)] : r));
    last = r[0];
  }
  p();
  for (const r of res.ratios) {
    const verdict = r.target == null ? '' : r.met ? `target <= ${r.target}x: met` : `target <= ${r.target}x: MISSED`;
    p(`${r.label.padEnd(52)} ${r.value.toFixed(2).padStart(5)}x  (run by run: ${r.pairedMedian.toFixed(2)}x)   ${verdict}`);
  }
  for (const t of res.wallTargets ?? []) {
    p(
      `${t.label.padEnd(52)} ${(t.valueMs / 1000).toFixed(2).padStart(5)}s  (slowest: ${(t.maxMs / 1000).toFixed(2)}s)          target < ${t.targetMs / 1000} s wall: ${t.met ? 'met' : 'MISSED'}`,
    );
  }
  const proj = res.cases.find((c) => c.id === 'tool-3-of-project');
  const ident = res.cases.find((c) => c.id === 'tool-3-of-project-identity');
  if (proj?.detail && ident?.detail) {
    p();
    p(`project: ${proj.detail.projectFiles} files; typical commit ${proj.detail.targets.join(', ')} (sizes nearest the median, ${proj.detail.medianBytes} bytes);`);
    p(`mTLS commit ${ident.detail.targets.join(', ')} (findings: ${ident.detail.findings.join(', ') || 'none'}).`);
  }
  const tool = res.cases.find((c) => c.id === 'tool-corpus');
  if (tool?.detail) {
    const sk = Object.entries(tool.detail.skippedByKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    p();
    p(
      `the tool scanned ${tool.detail.filesScanned} of ${tool.files} corpus files (skipped: ${sk || 'none'}), ${tool.detail.findings} findings; the floor parses all ${tool.files}.`,
    );
  }
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(usage());
    return 0;
  }
  const shared = path.resolve(process.env.TOCTOU_SHARED || path.join(REPO, '..', 'shared'));
  const sharedBench = path.join(shared, 'bench');
  checkBuilt();
  const corpus = ensureCorpus(sharedBench, opts.corpusDir);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'toctou-lint-bench-run-'));
  try {
    const floor = setUpFloor(sharedBench, work);
    const timeWorks = opts.rss === 'wrapper' ? false : gnuTimeWorks(work);
    if (opts.rss === 'time' && !timeWorks) throw new Error('--rss time: GNU /usr/bin/time is not available');
    const rssMethod = opts.rss ?? (timeWorks ? 'time' : 'wrapper');
    const run = makeRunner(rssMethod, work);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const versions = { toctouLint: pkg.version, ...floor.versions };
    log(
      `bench: ts-morph ${versions.tsMorph} bundles typescript ${versions.typescriptBundled}; the floor uses ${versions.typescriptFloor} (${versions.bundledFile}); node_modules/typescript ${versions.typescriptDevDependency ?? 'absent'}`,
    );
    if (versions.typescriptDevDependency && versions.typescriptDevDependency !== versions.typescriptBundled) {
      log(`bench: note: node_modules/typescript (${versions.typescriptDevDependency}) differs from ts-morph's (${versions.typescriptBundled}); the floor uses ts-morph's`);
    }
    const report = path.join(work, 'report.json');
    const cases = [
      ...timeGroup(
        run,
        'corpus',
        [
          floorCase('floor-corpus', 'TypeScript parse floor (1 thread)', floor.script, corpus.corpus, corpus.files),
          toolCase('tool-corpus', 'toctou-lint --format json (all rules)', corpus.corpus, corpus.files, report),
        ],
        opts.runs,
        opts.warmup,
      ),
      ...timeGroup(
        run,
        'corpus-small',
        [
          floorCase('floor-small', 'TypeScript parse floor (1 thread)', floor.script, corpus.small, corpus.smallFiles),
          toolCase('tool-small', 'toctou-lint --format json (all rules)', corpus.small, corpus.smallFiles, report),
        ],
        opts.runs,
        opts.warmup,
      ),
      ...timeGroup(run, 'start-up', [...smallRunCases(corpus.small), ...projectCases(corpus.corpus, work, report)], opts.smallRuns, opts.warmup),
    ];
    const by = Object.fromEntries(cases.map((c) => [c.id, c]));
    const res = {
      date: new Date().toISOString(),
      machine: machine(),
      versions,
      corpus: { dir: corpus.dir, files: corpus.files, bytes: corpus.bytes, smallFiles: corpus.smallFiles, smallBytes: corpus.smallBytes, built: corpus.built },
      rssMethod,
      runs: opts.runs,
      smallRuns: opts.smallRuns,
      warmup: opts.warmup,
      cases,
      ratios: [
        ratio('corpus', 'tool / parse floor, corpus/ (3,011 files)', by['tool-corpus'], by['floor-corpus'], TARGETS.corpusRatio),
        ratio('corpus-small', 'tool / parse floor, corpus-small/ (232 files)', by['tool-small'], by['floor-small'], null),
        ratio('small-run', `${SMALL_RUN_FILES}-file run / node -e "require('ts-morph')"`, by['tool-3-files'], by['require-ts-morph'], TARGETS.smallRunRatio),
      ],
      wallTargets: ['tool-3-of-project', 'tool-3-of-project-identity'].map((id) => ({
        id,
        label: id === 'tool-3-of-project' ? `${SMALL_RUN_FILES} files of a ${PROJECT_FILES}-file project (pre-commit)` : `  ... one of them an mTLS route (project as context)`,
        valueMs: by[id].wallMs.median,
        maxMs: by[id].wallMs.max,
        targetMs: TARGETS.projectRunMs,
        met: by[id].wallMs.median < TARGETS.projectRunMs,
      })),
    };
    if (opts.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
    else process.stdout.write('\n' + printTable(res));
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError) {
      log(`bench: ${err.message}\n\n${usage()}`);
      process.exitCode = 2;
    } else {
      log(`bench: error: ${process.env.TOCTOU_BENCH_DEBUG ? err?.stack : (err?.message ?? err)}`);
      process.exitCode = 1;
    }
  },
);
