import { run } from '../src/engine';
import { render, type Format } from '../src/reporters/index';
import { tempProject, VULNERABLE } from './helpers/project';
import { sarifSchemaErrors } from './helpers/sarif';

const TOOL = { name: 'toctou-lint', version: '0.0.0-test', informationUri: 'https://example.invalid' };

async function report(files: Record<string, string>, format: Format = 'pretty'): Promise<string> {
  const dir = tempProject(files);
  const result = await run({ targets: ['.'], cwd: dir });
  return render(format, { result, tool: TOOL, failOn: 'warning' });
}

const TWO = `import * as fs from 'node:fs';
export function rotate(log: string) {
  if (fs.existsSync(log)) {
    fs.renameSync(log, log + '.1');
  }
  if (fs.existsSync(log)) {
    fs.unlinkSync(log);
  }
}
`;

describe('pretty', () => {
  it('groups by file; line:col, severity, message, rule id; a code frame; related locations; one remediation per rule; a summary', async () => {
    const out = await report({ 'a.ts': TWO, 'b.ts': VULNERABLE });
    const lines = out.split('\n');
    expect(lines[0]).toBe('a.ts');
    expect(out).toMatch(/^ {2}4:5 +warning +`log` is checked with `fs\.existsSync\(\)` at line 3, then renamed with `fs\.renameSync\(\)`.* fs-check-then-use$/m);
    expect(out).toMatch(/^ +> 4 \| {5}fs\.renameSync\(log, log \+ '\.1'\);$/m);
    expect(out).toMatch(/^ +\| +\^{5,}$/m);
    expect(out).toMatch(/↳ 3:7 `log` is checked here with `fs\.existsSync\(\)`/);
    expect(out).toContain('\nb.ts\n');
    expect(out.match(/^ {2}fs-check-then-use — /gm)).toHaveLength(1);
    expect(out).toContain('More: https://');
    expect(lines.filter(Boolean).pop()).toMatch(/^✖ 3 problems \(0 errors, 3 warnings, 0 notes\) · 2 files scanned in \d+\.\d\ds · config: none$/);
  });

  it('escapes control characters from scanned code so it cannot drive the terminal', async () => {
    const evil = `import * as fs from 'node:fs';\nif (fs.existsSync("\u001b]0;owned\u0007\u001b[2J")) fs.unlinkSync("\u001b]0;owned\u0007\u001b[2J"); // \u202e gnp.exe\n`;
    const out = await report({ 'evil.ts': evil });
    // eslint-disable-next-line no-control-regex -- no control character may reach a terminal
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out).toContain('\\u001b]0;owned\\u0007');
    expect(out).toContain('\\u202e');
  });

  it('says so when there is nothing to report', async () => {
    const out = await report({ 'a.ts': 'export const a = 1;\n' });
    expect(out).toMatch(/^✔ no problems found · 1 file scanned in/);
  });
});

describe('json', () => {
  it('has the documented, versioned shape', async () => {
    const out = JSON.parse(await report({ 'b.ts': VULNERABLE, 'c.ts': 'export const = ;\n' }, 'json'));
    expect(out).toMatchObject({
      format: 'toctou-lint',
      version: 1,
      tool: { name: 'toctou-lint', version: '0.0.0-test' },
      summary: { filesScanned: 2, filesSkipped: 0, findings: 1, suppressed: 0, bySeverity: { error: 0, warning: 1, note: 0 }, failOn: 'warning', failed: true },
      // every shipped rule is listed; more are added over time
      rules: expect.arrayContaining([expect.objectContaining({ id: 'fs-check-then-use', severity: 'warning', cwe: ['CWE-367'] })]),
      findings: [
        {
          ruleId: 'fs-check-then-use',
          severity: 'warning',
          location: { path: 'b.ts', line: 4, column: 5, endLine: 4, endColumn: 30 },
          related: [{ location: { path: 'b.ts', line: 3, column: 8 } }],
          suppressed: false,
          suppressions: [],
        },
      ],
      notifications: [{ level: 'warning', kind: 'syntax-error', path: 'c.ts', line: 1 }],
    });
  });
});

describe('fingerprints', () => {
  const fingerprints = async (source: string): Promise<string[]> =>
    JSON.parse(await report({ 'a.ts': source }, 'json')).findings.map((f: { fingerprint: string }) => f.fingerprint);

  it('survive line shifts and unrelated edits, and tell identical findings apart', async () => {
    const before = await fingerprints(TWO);
    const shifted = await fingerprints(`// a new header comment\n\n${TWO.replace('export function rotate', 'export const unrelated = 1;\nexport function rotate')}\n`);
    expect(shifted).toEqual(before);
    expect(new Set(before).size).toBe(2);
    const edited = await fingerprints(TWO.replace('fs.unlinkSync(log);', 'fs.rmSync(log);'));
    expect(edited[0]).toBe(before[0]);
    expect(edited[1]).not.toBe(before[1]);
  });
});

describe('sarif', () => {
  it('is schema-valid for a clean run too', async () => {
    const log = JSON.parse(await report({ 'a.ts': 'export const a = 1;\n' }, 'sarif'));
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
  });
});
