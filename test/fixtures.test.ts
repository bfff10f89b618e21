import * as fs from 'node:fs';
import * as path from 'node:path';
import { rules } from '../rules/index';
import { run } from '../src/engine';
import { readAnnotations, type Annotation } from './helpers/annotations';

/**
 * The one strict harness: every fixture under fixtures/<rule-id>/ is scanned with every rule,
 * and the findings must be exactly what the files' own annotations say.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures');
const SOURCE_RE = /\.(?:[mc]?[jt]s|[jt]sx)$/;
const fixtureDirs = fs.readdirSync(FIXTURES).filter((d) => fs.statSync(path.join(FIXTURES, d)).isDirectory());
const shippedIds = rules.map((r) => r.id);

const filesOf = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => SOURCE_RE.test(f))
    .map((f) => path.join(dir, f))
    .sort();

/** A folder with a package.json is one project (the outermost one: a monorepo's packages are part of it): scanned as a whole, every file's annotations checked. */
const projectOf = (file: string, ruleDir: string): string | undefined => {
  let found: string | undefined;
  for (let d = path.dirname(file); d.startsWith(ruleDir) && d !== ruleDir; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) found = d;
  }
  return found;
};

describe.each(fixtureDirs)('fixtures/%s', (ruleDir) => {
  const dir = path.join(FIXTURES, ruleDir);
  const files = filesOf(dir);

  it('is named after a shipped rule', () => {
    expect(shippedIds).toContain(ruleDir);
  });

  it.each(files.map((f) => [path.relative(FIXTURES, f), f]))('%s matches its annotations', async (_name, file) => {
    const annotations = readAnnotations(file);
    expect(annotations.length).toBeGreaterThan(0);
    const project = projectOf(file, dir);
    const result = await run({ targets: [project ?? file], cwd: path.dirname(file), root: FIXTURES, context: false });
    expect(result.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
    const reported = result.findings.filter((f) => f.suppressions.length === 0 && f.location.file === file);
    const problems: string[] = [];
    const at = (a: Annotation): typeof reported =>
      reported.filter((f) => f.ruleId === a.ruleId && f.location.line === a.line && (a.messageId === undefined || f.messageId === a.messageId));
    for (const a of annotations) {
      const hits = at(a);
      const where = `line ${a.line} (${a.kind}: ${a.ruleId})`;
      if (a.kind === 'ruleid' && a.messageId === undefined) problems.push(`annotation names no message id: ${where}`);
      if (a.kind === 'ruleid' && hits.length === 0) problems.push(`missed: ${where}${a.messageId ? ` (${a.messageId})` : ''}`);
      if (a.kind === 'ruleid' && a.severity && hits.every((h) => h.severity !== a.severity)) {
        problems.push(`wrong severity: ${where} expected ${a.severity}, got ${hits.map((h) => h.severity).join(', ')}`);
      }
      if (a.kind === 'ok' && hits.length > 0) problems.push(`false alarm: ${where}: ${hits[0].message}`);
      if (a.kind === 'todoruleid' && hits.length > 0) problems.push(`known miss is now found, make it ruleid: ${where}`);
      if (a.kind === 'todook' && hits.length === 0) problems.push(`known false alarm is gone, make it ok: ${where}`);
    }
    for (const f of reported) {
      const expected = annotations.some((a) => (a.kind === 'ruleid' || a.kind === 'todook') && a.ruleId === f.ruleId && a.line === f.location.line);
      if (!expected) problems.push(`unannotated finding: line ${f.location.line}: ${f.ruleId}: ${f.message}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('fixture coverage', () => {
  it.each(shippedIds)('every message of %s is produced by some fixture', (id) => {
    const rule = rules.find((r) => r.id === id)!;
    const annotated = new Set(
      fixtureDirs
        .flatMap((d) => filesOf(path.join(FIXTURES, d)))
        .flatMap((f) =>
          readAnnotations(f)
            .filter((a) => a.kind === 'ruleid' && a.ruleId === id)
            .map((a) => a.messageId),
        ),
    );
    expect(Object.keys(rule.messages).filter((m) => !annotated.has(m))).toEqual([]);
  });

  it.each(shippedIds)('%s has at least 12 must-flag and 12 look-alike cases, in TS and JS', (id) => {
    const dir = path.join(FIXTURES, id);
    expect(fs.existsSync(dir)).toBe(true);
    const files = filesOf(dir);
    const all = files.flatMap((f) => readAnnotations(f).map((a) => ({ ...a, file: f })));
    const flagged = all.filter((a) => a.ruleId === id && a.kind === 'ruleid');
    const ok = all.filter((a) => a.ruleId === id && a.kind === 'ok');
    expect(flagged.length).toBeGreaterThanOrEqual(12);
    expect(ok.length).toBeGreaterThanOrEqual(12);
    for (const kind of [/\.[mc]?tsx?$/, /\.[mc]?jsx?$/]) {
      expect(flagged.some((a) => kind.test(a.file))).toBe(true);
      expect(ok.some((a) => kind.test(a.file))).toBe(true);
    }
  });
});

/** The units the per-file tests scan alone: each project folder, and each loose file. */
const units = fixtureDirs.flatMap((d) => {
  const dir = path.join(FIXTURES, d);
  return [...new Set(filesOf(dir).map((f) => projectOf(f, dir) ?? f))];
});

describe('one run over every fixture', () => {
  it('reports exactly the union of the units scanned alone: no app decides another app’s findings', async () => {
    const key = (f: { ruleId: string; messageId: string; location: { file: string; line: number; column: number } }): string =>
      `${f.ruleId}:${f.messageId} ${path.relative(FIXTURES, f.location.file)}:${f.location.line}:${f.location.column}`;
    const alone = new Set<string>();
    for (const unit of units) {
      const r = await run({ targets: [unit], cwd: path.dirname(unit), root: FIXTURES, context: false });
      for (const f of r.findings) alone.add(key(f));
    }
    const together = await run({ targets: [FIXTURES], cwd: FIXTURES, root: FIXTURES, context: false });
    expect([...new Set(together.findings.map(key))].sort()).toEqual([...alone].sort());
    expect(alone.size).toBeGreaterThan(300);
  }, 120_000);
});
