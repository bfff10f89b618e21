import { run } from '../src/engine';
import { cli, tempProject } from './helpers/project';

const withLine = (directiveLine: string, sameLine = ''): string => `import * as fs from 'node:fs';
export function save(p: string, body: string) {
  if (!fs.existsSync(p)) {
${directiveLine ? `    ${directiveLine}\n` : ''}    fs.writeFileSync(p, body);${sameLine ? ` ${sameLine}` : ''}
  }
}
`;

async function scan(source: string, reportUnusedDirectives = false) {
  const dir = tempProject({ 'a.ts': source });
  return run({ targets: ['.'], cwd: dir, reportUnusedDirectives });
}

describe('inline suppressions', () => {
  it('disable-next-line with a reason suppresses and keeps the justification', async () => {
    const r = await scan(withLine('// toctou-lint-disable-next-line fs-check-then-use -- the folder is private to this process'));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0].suppressions).toMatchObject([{ kind: 'inSource', justification: 'the folder is private to this process' }]);
    expect(r.notifications).toEqual([]);
  });

  it('disable-line on the same line, and block comments', async () => {
    const a = await scan(withLine('', '// toctou-lint-disable-line fs-check-then-use -- tmp'));
    expect(a.findings[0].suppressions).toHaveLength(1);
    const b = await scan(withLine('/* toctou-lint-disable-next-line fs-check-then-use -- tmp */'));
    expect(b.findings[0].suppressions[0].justification).toBe('tmp');
  });

  it('several ids, comma-separated', async () => {
    const r = await scan(withLine('// toctou-lint-disable-next-line auth-across-await, fs-check-then-use -- tmp'));
    expect(r.findings[0].suppressions).toHaveLength(1);
  });

  it('a directive for another rule does not suppress', async () => {
    const r = await scan(withLine('// toctou-lint-disable-next-line cert-from-header -- wrong rule'));
    expect(r.findings[0].suppressions).toEqual([]);
  });

  it('a directive with no reason is reported (and still suppresses)', async () => {
    const r = await scan(withLine('// toctou-lint-disable-next-line fs-check-then-use'));
    expect(r.findings[0].suppressions).toHaveLength(1);
    expect(r.notifications).toMatchObject([{ kind: 'directive-without-reason', line: 4, countsAsProblem: true }]);
  });

  it('an unknown rule id is reported and suppresses nothing', async () => {
    const r = await scan(withLine('// toctou-lint-disable-next-line fs-check-then-usee -- typo'));
    expect(r.findings[0].suppressions).toEqual([]);
    expect(r.notifications).toMatchObject([{ kind: 'unknown-rule-in-directive', message: expect.stringContaining('fs-check-then-usee') }]);
  });

  it('the directive text inside a string or template suppresses nothing', async () => {
    const inString = await scan(withLine('', `const note = "// toctou-lint-disable-line fs-check-then-use -- no";`));
    expect(inString.findings[0].suppressions).toEqual([]);
    const inTemplate = await scan(withLine('const t = `\n// toctou-lint-disable-next-line fs-check-then-use -- no\n`;'));
    expect(inTemplate.findings[0].suppressions).toEqual([]);
  });

  it('ESLint-style block directives are reported as unsupported, not silently ignored', async () => {
    const r = await scan(`/* toctou-lint-disable */\n${withLine('')}`);
    expect(r.findings[0].suppressions).toEqual([]);
    expect(r.notifications).toMatchObject([{ kind: 'unsupported-directive', line: 1 }]);
  });

  it('unused directives are reported only when asked', async () => {
    const source = `// toctou-lint-disable-next-line fs-check-then-use -- nothing here\nexport const a = 1;\n`;
    expect((await scan(source)).notifications).toEqual([]);
    expect((await scan(source, true)).notifications).toMatchObject([{ kind: 'unused-directive', line: 1 }]);
  });

  it('suppressed findings do not fail the run; a directive problem does', () => {
    const ok = tempProject({ 'a.ts': withLine('// toctou-lint-disable-next-line fs-check-then-use -- private dir') });
    const r = cli(['--format', 'json', '.'], ok);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toMatchObject({ findings: 0, suppressed: 1 });
    expect(report.findings[0]).toMatchObject({ suppressed: true, suppressions: [{ kind: 'inSource', justification: 'private dir' }] });
    const noReason = tempProject({ 'a.ts': withLine('// toctou-lint-disable-next-line fs-check-then-use') });
    expect(cli(['.'], noReason).code).toBe(1);
  });
});
