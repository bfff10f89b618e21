import * as fs from 'node:fs';
import * as path from 'node:path';
import { rules } from '../rules/index';
import { run } from '../src/engine';
import { tempProject } from './helpers/project';

const DOCS = path.join(__dirname, '..', 'docs', 'rules');
const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** Fenced examples whose info string says `incorrect` or `correct`. */
function examples(page: string): { lang: string; kind: 'incorrect' | 'correct'; code: string }[] {
  const out: { lang: string; kind: 'incorrect' | 'correct'; code: string }[] = [];
  for (const m of page.matchAll(/^```(ts|js|tsx|jsx) (incorrect|correct)\n([\s\S]*?)^```$/gm)) {
    out.push({ lang: m[1], kind: m[2] as 'incorrect' | 'correct', code: m[3] });
  }
  return out;
}

describe.each(rules.map((r) => [r.id, r] as const))('docs for %s', (id, rule) => {
  const file = path.join(DOCS, `${id}.md`);

  it('the page exists and matches the rule metadata', () => {
    expect(fs.existsSync(file)).toBe(true);
    const page = fs.readFileSync(file, 'utf8');
    expect(page.split('\n')[0]).toBe(`# ${id}`);
    expect(page).toContain(`> ${rule.title}`);
    expect(page).toContain(rule.description);
    expect(page).toMatch(new RegExp(`^\\| Severity \\| ${rule.severity}\\b`, 'm'));
    expect(page).toMatch(new RegExp(`^\\| Precision \\| ${rule.precision} \\|$`, 'm'));
    for (const cwe of rule.cwe) expect(page).toContain(`[CWE-${cwe}](https://cwe.mitre.org/data/definitions/${cwe}.html)`);
    for (const seed of rule.seeds) expect(page).toContain(seed.title);
    expect(rule.helpUri.endsWith(`docs/rules/${id}.md`)).toBe(true);
  });

  it('the README rule table links the page', () => {
    expect(README).toContain(`[\`${id}\`](docs/rules/${id}.md)`);
  });

  const page = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  it('has incorrect and correct examples', () => {
    expect(examples(page).some((e) => e.kind === 'incorrect')).toBe(true);
    expect(examples(page).some((e) => e.kind === 'correct')).toBe(true);
  });

  it.each(examples(page).map((e, i) => [`${e.kind} example ${i + 1}`, e] as const))('%s behaves as the page says', async (_name, example) => {
    const dir = tempProject({ [`example.${example.lang}`]: example.code });
    const result = await run({ targets: ['.'], cwd: dir, onlyRules: [id] });
    if (example.kind === 'incorrect') expect(result.findings.length).toBeGreaterThan(0);
    else expect(result.findings).toEqual([]);
  });
});
