import Ajv from 'ajv';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeData, escapeProperty } from '../src/reporters/github';
import { GITLAB_SCHEMA_URL, GITLAB_SCHEMA_VERSION } from '../src/reporters/gitlab';
import { CLEAN, cli, tempProject, VULNERABLE } from './helpers/project';
import { multitoolProblems, sarifSchemaErrors } from './helpers/sarif';

const SUPPRESSED = VULNERABLE.replace('    fs.writeFileSync', '    // toctou-lint-disable-next-line fs-check-then-use -- private temp dir\n    fs.writeFileSync');
const READ = `const fs = require('fs');\nif (fs.existsSync('x.txt')) console.log(fs.readFileSync('x.txt', 'utf8'));\n`;
const NO_REASON = VULNERABLE.replace('    fs.writeFileSync', '    // toctou-lint-disable-next-line fs-check-then-use\n    fs.writeFileSync');

/** A project with a warning, a note, a suppressed finding, a syntax error and a directive problem. */
function mixedProject(): string {
  return tempProject({ 'src/a.ts': VULNERABLE, 'src/b.js': READ, 'src/supp.ts': SUPPRESSED, 'src/broken.ts': 'export const = ;\n', 'src/noreason.ts': NO_REASON });
}

describe('--format github', () => {
  it('writes one workflow command per unsuppressed finding, with file, line, columns, title and the message', () => {
    const dir = mixedProject();
    const r = cli(['--format', 'github', 'src'], dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const commands = lines.filter((l) => l.startsWith('::'));
    expect(
      commands[0].startsWith(
        '::warning file=src/a.ts,line=4,endLine=4,col=5,endColumn=30,title=File-system check then use (fs-check-then-use)::' +
          '`p` is checked with `fs.existsSync()` at line 3, then written with `fs.writeFileSync()`: the path can be swapped, e.g. for a symlink, in between [fs-check-then-use]' +
          '%0A↳ line 3: `p` is checked here with `fs.existsSync()`%0AHow to fix: ',
      ),
    ).toBe(true);
    expect(commands[0]).toContain('%0AMore: https://');
    expect(commands.some((c) => c.startsWith('::notice file=src/b.js,line=2,'))).toBe(true); // a note
    expect(commands.filter((c) => c.includes('file=src/supp.ts,line=5'))).toEqual([]); // suppressed: left out
    expect(commands.some((c) => c.startsWith('::warning file=src/broken.ts,line=1,col=') && c.includes('title=toctou-lint%3A syntax-error'))).toBe(true);
    expect(commands.some((c) => c.includes('file=src/noreason.ts') && c.includes('title=toctou-lint%3A directive-without-reason'))).toBe(true);
    // every line is a command, except the summary at the end
    expect(lines.filter((l) => !l.startsWith('::'))).toEqual([lines[lines.length - 1]]);
    expect(lines[lines.length - 1]).toMatch(/^✖ 2 problems \(0 errors, 1 warning, 1 note\), 1 directive problem, 2 suppressed · 5 files scanned/);
  });

  it('escapes as the runner requires, so scanned names and text cannot end a command or start another', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%d\ne')).toBe('a%3Ab%2Cc%25d%0Ae');
    const dir = tempProject({ 'src/we,ird:50%\n::error::pwned.ts': VULNERABLE });
    const r = cli(['--format', 'github', 'src'], dir);
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(1);
    // the newline is encoded, not removed: the annotation must name the real file
    expect(commands[0]).toMatch(/^::warning file=src\/we%2Cird%3A50%25%0A%3A%3Aerror%3A%3Apwned\.ts,line=4,/);
    expect(r.stdout).not.toMatch(/^::error/m);
  });

  it('a clean run prints only the summary and exits 0', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = cli(['--format', 'github', 'src'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ no problems found · 1 file scanned in \d/);
  });
});

describe('--format gitlab', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', `sast-report-format-${GITLAB_SCHEMA_VERSION}.json`), 'utf8')));
  const schemaErrors = (report: unknown): unknown[] => (validate(report) ? [] : (validate.errors ?? []));

  it('passes the GitLab SAST report schema 15.x, with scan, vulnerabilities, identifiers incl. CWE', () => {
    const dir = mixedProject();
    const r = cli(['--format', 'gitlab', 'src'], dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(schemaErrors(report)).toEqual([]);
    expect(report.version).toBe(GITLAB_SCHEMA_VERSION);
    expect(GITLAB_SCHEMA_VERSION).toMatch(/^15\./);
    expect(report.schema).toBe(GITLAB_SCHEMA_URL);
    expect(report.scan).toMatchObject({
      analyzer: { id: 'toctou-lint', name: 'toctou-lint', vendor: { name: 'toctou-lint' } },
      scanner: { id: 'toctou-lint', name: 'toctou-lint' },
      type: 'sast',
      status: 'success',
    });
    expect(report.scan.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(report.scan.end_time >= report.scan.start_time).toBe(true);
    expect(report.scan.messages.some((m: { value: string }) => m.value.startsWith('src/broken.ts:1: ') && m.value.endsWith('(syntax-error)'))).toBe(true);
    expect(report.vulnerabilities).toHaveLength(2); // the suppressed one is left out
    const [a] = report.vulnerabilities.filter((v: { location: { file: string } }) => v.location.file === 'src/a.ts');
    expect(a).toMatchObject({
      name: 'File-system check then use',
      severity: 'Medium',
      location: { file: 'src/a.ts', start_line: 4, end_line: 4 },
      identifiers: [
        { type: 'toctou_lint_rule_id', value: 'fs-check-then-use' },
        { type: 'cwe', name: 'CWE-367', value: '367', url: 'https://cwe.mitre.org/data/definitions/367.html' },
      ],
      details: { related_1: { type: 'file-location', file_name: 'src/a.ts', line_start: 3 } },
    });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.description).toContain('is checked with `fs.existsSync()`');
    expect(a.solution).toContain('More: https://');
    const note = report.vulnerabilities.find((v: { location: { file: string } }) => v.location.file === 'src/b.js');
    expect(note.severity).toBe('Low');
    // ids are stable from run to run
    expect(JSON.parse(cli(['--format', 'gitlab', 'src'], dir).stdout).vulnerabilities.map((v: { id: string }) => v.id)).toEqual(
      report.vulnerabilities.map((v: { id: string }) => v.id),
    );
  });

  it('a clean run is a valid report with no vulnerabilities', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = cli(['--format', 'gitlab', '-o', 'gl-sast-report.json', 'src'], dir);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'gl-sast-report.json'), 'utf8'));
    expect(schemaErrors(report)).toEqual([]);
    expect(report.vulnerabilities).toEqual([]);
  });

  it('the vendored schema is the real one: it rejects a report without scan.analyzer', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const report = JSON.parse(cli(['--format', 'gitlab', 'src'], dir).stdout);
    delete report.scan.analyzer;
    expect(schemaErrors(report)).not.toEqual([]);
  });
});

describe('SARIF for code scanning', () => {
  it('leaves suppressed findings out by default, keeps them with --sarif-include-suppressed, and sets the category', () => {
    const dir = mixedProject();
    const plain = JSON.parse(cli(['--format', 'sarif', 'src'], dir).stdout);
    expect(plain.runs[0].results.filter((x: { suppressions?: unknown }) => x.suppressions)).toEqual([]);
    expect(plain.runs[0].automationDetails).toBeUndefined();
    const findingResults = plain.runs[0].results.filter((x: { ruleId: string }) => x.ruleId !== 'toctou-lint-directive');
    expect(findingResults).toHaveLength(2);
    // the directive without a reason fails the run: code scanning shows it as a result too
    expect(plain.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'toctou-lint-directive').map((x: { message: { text: string } }) => x.message.text)).toEqual([
      expect.stringContaining('(directive-without-reason)'),
    ]);

    const r = cli(['--format', 'sarif', '--sarif-include-suppressed', '--sarif-category', 'toctou/backend', 'src'], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(multitoolProblems(r.stdout)).toEqual([]);
    expect(log.runs[0].automationDetails).toEqual({ id: 'toctou/backend/' });
    const suppressed = log.runs[0].results.filter((x: { suppressions?: unknown[] }) => x.suppressions);
    expect(suppressed).toHaveLength(2); // a directive without a reason still suppresses (and is reported)
    expect(suppressed.map((x: { suppressions: unknown[] }) => x.suppressions[0])).toContainEqual(expect.objectContaining({ kind: 'inSource', justification: 'private temp dir' }));
    expect(log.runs[0].results).toHaveLength(5); // 4 findings and the directive problem
  });

  it('partialFingerprints survive code moving down the file', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const before = JSON.parse(cli(['--format', 'sarif', 'src'], dir).stdout).runs[0].results[0];
    fs.writeFileSync(path.join(dir, 'src/a.ts'), `// header\n\n\n${VULNERABLE}`);
    const after = JSON.parse(cli(['--format', 'sarif', 'src'], dir).stdout).runs[0].results[0];
    expect(after.locations[0].physicalLocation.region.startLine).toBe(before.locations[0].physicalLocation.region.startLine + 3);
    expect(after.partialFingerprints).toEqual(before.partialFingerprints);
  });

  it('SARIF-only flags with another format, or an empty category, are usage errors', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const category = cli(['--sarif-category', 'x', 'src'], dir);
    expect(category.code).toBe(2);
    expect(category.stderr).toContain('--sarif-category applies to --format sarif only');
    expect(cli(['--format', 'json', '--sarif-include-suppressed', 'src'], dir).stderr).toContain('--sarif-include-suppressed applies to --format sarif only');
    expect(cli(['--format', 'sarif', '--sarif-category', ' ', 'src'], dir).code).toBe(2);
  });
});

describe('paths relative to the repository root', () => {
  it('sarif, github and gitlab use the repository root when run from a subfolder; pretty and json keep the current folder; --root wins', () => {
    const dir = tempProject({ 'packages/api/src/a.ts': VULNERABLE });
    const git = spawnSync('git', ['init', '-q'], { cwd: dir });
    expect(git.status).toBe(0);
    const sub = path.join(dir, 'packages', 'api');
    const sarif = JSON.parse(cli(['--format', 'sarif', 'src'], sub).stdout);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'packages/api/src/a.ts', uriBaseId: '%SRCROOT%' });
    expect(cli(['--format', 'github', 'src'], sub).stdout).toContain('::warning file=packages/api/src/a.ts,');
    expect(JSON.parse(cli(['--format', 'gitlab', 'src'], sub).stdout).vulnerabilities[0].location.file).toBe('packages/api/src/a.ts');
    expect(JSON.parse(cli(['--format', 'json', 'src'], sub).stdout).findings[0].location.path).toBe('src/a.ts');
    expect(cli(['src'], sub).stdout).toMatch(/^src\/a\.ts$/m);
    const rooted = JSON.parse(cli(['--format', 'sarif', '--root', '.', 'src'], sub).stdout);
    expect(rooted.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('src/a.ts');
  });
});
