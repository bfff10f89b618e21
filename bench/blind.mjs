#!/usr/bin/env node
// Score the tool on folders of annotated apps written by people who never read its code.
//
//   node bench/blind.mjs DIR [DIR...] [--rule id] [--near N] [--list] [--together] [--engine CHECKOUT]
//
// Each DIR holds one app per sub-folder (`app-01-…/`), annotated Semgrep style:
// `// ruleid: <rule>` (must be reported on the next code line) and `// ok: <rule>` (must not).
// Each app is scanned alone, as a user would scan it. Per rule it prints true positives (a
// finding of that rule on a `ruleid` line), misses, false alarms on `ok` lines and findings on
// lines nobody annotated, then precision (on annotated lines) and recall.
// --together also scans every app of a DIR in one run and reports any difference from the union
// of the single-app runs (facts of one app must never change another's findings).
// Needs a build (`npm run build`): it loads dist/src/engine.js.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const only = flag('--rule');
// --engine DIR: score another build (a checkout of an earlier commit, for before/after figures)
const { run } = require(path.join(path.resolve(flag('--engine') ?? path.join(here, '..')), 'dist', 'src', 'engine.js'));
const near = Number(flag('--near') ?? 0);
const list = args.includes('--list');
const together = args.includes('--together');
const dirs = args.filter((a) => !a.startsWith('--')).map((d) => path.resolve(d));
if (dirs.length === 0) {
  console.error('usage: node bench/blind.mjs DIR [DIR...] [--rule id] [--near N] [--list] [--together]');
  process.exit(2);
}

const SOURCE = /\.(?:[mc]?[jt]s|[jt]sx)$/;
const ANNOTATION = /^\s*(?:\/\/|\/\*|\{\s*\/\*)\s*(ruleid|ok|todoruleid|todook):\s*([a-z-]+(?::[A-Za-z]+)?(?:\s*,\s*[a-z-]+(?::[A-Za-z]+)?)*)/;

function annotations(file) {
  const out = [];
  let pending = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((text, i) => {
      const m = ANNOTATION.exec(text);
      if (m) {
        for (const id of m[2].split(',')) pending.push({ kind: m[1].replace(/^todo/, ''), rule: id.trim().split(':')[0] });
        return;
      }
      if (pending.length > 0 && text.trim() !== '') {
        for (const p of pending) out.push({ ...p, file, line: i + 1 });
        pending = [];
      }
    });
  return out;
}

const sourcesOf = (dir) =>
  fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => SOURCE.test(f) && !f.split(path.sep).includes('node_modules'))
    .map((f) => path.join(dir, f));

const key = (f) => `${f.ruleId} ${f.location.file}:${f.location.line} ${f.message}`;
const stats = new Map();
const stat = (rule) => {
  let s = stats.get(rule);
  if (!s) stats.set(rule, (s = { tp: 0, fn: 0, fp: 0, tn: 0, extra: 0, misses: [], alarms: [], extras: [] }));
  return s;
};

let leaks = 0;
for (const dir of dirs) {
  const apps = fs
    .readdirSync(dir)
    .map((d) => path.join(dir, d))
    .filter((d) => fs.statSync(d).isDirectory() || SOURCE.test(d))
    .sort();
  const union = new Set();
  for (const app of apps) {
    const result = await run({ targets: [app], cwd: dir, root: dir, context: false, includeTests: true });
    const findings = result.findings.filter((f) => f.suppressions.length === 0 && (!only || f.ruleId === only));
    for (const f of findings) union.add(key(f));
    const notes = (fs.statSync(app).isDirectory() ? sourcesOf(app) : [app]).flatMap((f) => annotations(f));
    const used = new Set();
    const at = (a) => findings.filter((f) => f.ruleId === a.rule && f.location.file === a.file && Math.abs(f.location.line - a.line) <= near);
    for (const a of notes) {
      if (only && a.rule !== only) continue;
      const hits = at(a);
      hits.forEach((h) => used.add(h));
      const s = stat(a.rule);
      const where = `${path.relative(dir, a.file)}:${a.line}`;
      if (a.kind === 'ruleid') {
        if (hits.length > 0) s.tp++;
        else {
          s.fn++;
          s.misses.push(where);
        }
      } else if (hits.length > 0) {
        s.fp++;
        s.alarms.push(`${where}  ${hits[0].message}`);
      } else s.tn++;
    }
    for (const f of findings) {
      if (used.has(f)) continue;
      const s = stat(f.ruleId);
      s.extra++;
      s.extras.push(`${path.relative(dir, f.location.file)}:${f.location.line}  ${f.message}`);
    }
  }
  if (together) {
    const result = await run({ targets: [dir], cwd: dir, root: dir, context: false, includeTests: true });
    const all = new Set(result.findings.filter((f) => f.suppressions.length === 0 && (!only || f.ruleId === only)).map(key));
    const lost = [...union].filter((k) => !all.has(k));
    const invented = [...all].filter((k) => !union.has(k));
    leaks += lost.length + invented.length;
    console.log(`${dir}: one run of ${apps.length} apps vs each alone: ${lost.length} lost, ${invented.length} invented`);
    for (const k of lost) console.log(`  lost     ${k}`);
    for (const k of invented) console.log(`  invented ${k}`);
  }
}

const pct = (n, d) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
console.log('rule                          flag  found  miss |  ok  alarm | other | precision  recall');
let T = { tp: 0, fn: 0, fp: 0, tn: 0, extra: 0 };
for (const [rule, s] of [...stats].sort()) {
  console.log(
    `${rule.padEnd(29)} ${String(s.tp + s.fn).padStart(4)} ${String(s.tp).padStart(6)} ${String(s.fn).padStart(5)} | ${String(s.tn + s.fp).padStart(3)} ${String(s.fp).padStart(6)} | ${String(s.extra).padStart(5)} |  ${pct(s.tp, s.tp + s.fp)}  ${pct(s.tp, s.tp + s.fn)}`,
  );
  for (const k of Object.keys(T)) T[k] += s[k];
  if (list) {
    for (const m of s.misses) console.log(`    miss   ${m}`);
    for (const m of s.alarms) console.log(`    alarm  ${m}`);
    for (const m of s.extras) console.log(`    other  ${m}`);
  }
}
console.log(
  `${'all'.padEnd(29)} ${String(T.tp + T.fn).padStart(4)} ${String(T.tp).padStart(6)} ${String(T.fn).padStart(5)} | ${String(T.tn + T.fp).padStart(3)} ${String(T.fp).padStart(6)} | ${String(T.extra).padStart(5)} |  ${pct(T.tp, T.tp + T.fp)}  ${pct(T.tp, T.tp + T.fn)}`,
);
console.log('precision counts findings on annotated lines (ruleid vs ok); "other" are findings on lines nobody annotated.');
if (together && leaks > 0) process.exitCode = 1;
