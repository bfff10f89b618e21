import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Rules are thin: each asks the project model questions and reports, as `cert-from-header.ts`
 * does; the analysis lives under `src/analysis/`. A rule that grows past this size is doing the
 * model's work and should move it there.
 *
 * The count, kept simple on purpose: the lines from the first line that holds `create(context)` to
 * the end of the file — the rule body and the helpers under it — that are neither blank nor
 * comments (a line whose text starts with `//`, `/*`, `*` or `*\/`). Everything before
 * `create(context)` is imports and metadata (`description`, `remediation`, `messages`, …), which
 * humans read and which does not count.
 */
const MAX_LOGIC_LINES = 150;
const RULES = path.join(__dirname, '..', 'rules');

function logicLines(text: string): number {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.includes('create(context)'));
  if (start === -1) return 0;
  return lines.slice(start).filter((l) => {
    const t = l.trim();
    return t !== '' && !t.startsWith('//') && !t.startsWith('/*') && !t.startsWith('*');
  }).length;
}

const ruleFiles = fs.readdirSync(RULES).filter((f) => f.endsWith('.ts') && f !== 'index.ts');

describe('rule size', () => {
  it('finds the rules', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
  });

  it.each(ruleFiles)('%s has at most 150 lines of logic', (file) => {
    const text = fs.readFileSync(path.join(RULES, file), 'utf8');
    expect(text).toContain('create(context)');
    expect(logicLines(text)).toBeLessThanOrEqual(MAX_LOGIC_LINES);
  });

  it('counts what it says it counts', () => {
    const text = ['meta: `long remediation text`,', 'create(context) {', '', '  // why', '  /**', '   * doc', '   */', '  return 1;', '}'].join('\n');
    expect(logicLines(text)).toBe(3);
  });
});
