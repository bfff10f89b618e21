import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, CLEAN, cli, tempProject, VULNERABLE } from './helpers/project';
import { multitoolProblems, sarifSchemaErrors } from './helpers/sarif';
import { rules } from '../rules/index';

describe('exit codes', () => {
  it('0 for a clean folder', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = cli(['src'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no problems found');
  });

  it('1 for a folder with findings, and the report names rule, file and line', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = cli(['./src'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('src/a.ts');
    expect(r.stdout).toMatch(/4:5 +warning +`p` is checked with `fs\.existsSync\(\)` at line 3, then written with `fs\.writeFileSync\(\)`/);
    expect(r.stdout).toContain('fs-check-then-use');
  });

  it('2 for a path that does not exist, naming it', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = cli(['nope/missing'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('path does not exist: nope/missing');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('2 with a message, not a crash, when the current folder was removed under the run', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const gone = path.join(dir, 'gone');
    fs.mkdirSync(gone);
    const r = spawnSync('sh', ['-c', `cd "${gone}" && rmdir "${gone}" && exec "${process.execPath}" "${BIN}" "${path.join(dir, 'src')}"`], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the current folder no longer exists');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('2 for a broken config, naming the file', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN, 'toctou-lint.config.json': '{ "rules": ' });
    const r = cli(['src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('toctou-lint.config.json');
    expect(r.stderr).toContain('invalid JSON');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('2 for an unknown flag, with a suggestion', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = cli(['--formatt', 'json', 'src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--formatt'");
    expect(r.stderr).toContain('--format');
  });

  it('2 for a bad flag value, listing the allowed ones', () => {
    const dir = tempProject({ 'src/a.ts': CLEAN });
    const r = cli(['--format', 'xml', 'src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pretty, json, sarif, github, gitlab/);
  });

  it('--fail-on error lets warnings and notes pass', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    expect(cli(['--fail-on', 'error', 'src'], dir).code).toBe(0);
    expect(cli(['--fail-on', 'note', 'src'], dir).code).toBe(1);
  });

  it('a note alone fails only with --fail-on note', () => {
    const read = `import { existsSync, readFileSync } from 'fs';\nexport const load = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');\n`;
    const dir = tempProject({ 'a.ts': read });
    expect(cli(['.'], dir).code).toBe(0);
    expect(cli(['--fail-on', 'note', '.'], dir).code).toBe(1);
  });
});

describe('options', () => {
  it('--version prints the package version', () => {
    const r = cli(['--version'], tempProject());
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
  });

  it('--help lists options and examples', () => {
    const r = cli(['--help'], tempProject());
    expect(r.code).toBe(0);
    for (const flag of [
      '--format',
      '--output',
      '--config',
      '--rule',
      '--fail-on',
      '--quiet',
      '--no-color',
      '--ignore',
      '--list-rules',
      '--max-file-size',
      '--baseline',
      '--write-baseline',
      '--prune-baseline',
      '--sarif-category',
      '--sarif-include-suppressed',
      '--no-progress',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('--list-rules lists every shipped rule', () => {
    const r = cli(['--list-rules'], tempProject());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fs-check-then-use +warning +high +CWE-367/);
  });

  it('--rule runs only the named rules and does not swallow the path after it', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    expect(cli(['--rule', 'fs-check-then-use', 'src'], dir).code).toBe(1);
    const unknown = cli(['--rule', 'no-such-rule', 'src'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown rule id "no-such-rule"');
  });

  it('-o writes the report to the file only', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = cli(['--format', 'json', '-o', 'out/report.json', 'src'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.findings).toHaveLength(1);
  });

  it('-o to a folder is a clear error, not a crash', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'out/.keep': '' });
    const r = cli(['-o', 'out', 'src'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-o out: refusing to write the report over a folder');
  });

  it('--quiet reports errors only', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = cli(['--quiet', 'src'], dir);
    expect(r.stdout).not.toContain('writeFileSync');
    expect(r.code).toBe(1); // the warning still fails the run
  });

  it('colour only on request: FORCE_COLOR and --color add escapes; NO_COLOR and --no-color remove them; flags beat the environment', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;
    expect(cli(['src'], dir).stdout).not.toMatch(ansi); // not a TTY
    expect(cli(['src'], dir, { FORCE_COLOR: '1' }).stdout).toMatch(ansi);
    expect(cli(['--color', 'src'], dir).stdout).toMatch(ansi);
    expect(cli(['src'], dir, { NO_COLOR: '1', FORCE_COLOR: '1' }).stdout).not.toMatch(ansi);
    expect(cli(['--no-color', 'src'], dir, { FORCE_COLOR: '1' }).stdout).not.toMatch(ansi);
  });

  it('--ignore skips matching files', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'src/legacy/b.ts': VULNERABLE });
    const r = cli(['--format', 'json', '--ignore', 'src/legacy/', 'src'], dir);
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: { location: { path: string } }) => f.location.path)).toEqual(['src/a.ts']);
  });

  it('accepts globs', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'src/b.js': CLEAN, 'other/c.ts': VULNERABLE });
    const report = JSON.parse(cli(['--format', 'json', 'src/**/*.ts'], dir).stdout);
    expect(report.summary.filesScanned).toBe(1);
  });
});

describe('SARIF from the CLI', () => {
  it('passes the schema and sarif-multitool validate --rule-kind "Sarif;Gh" with no errors', () => {
    const dir = tempProject({
      'src/a.ts': VULNERABLE,
      'src/b.js': `const fs = require('fs');\nif (fs.existsSync('x.txt')) console.log(fs.readFileSync('x.txt', 'utf8'));\n`,
      'src/broken.ts': 'export const = ;\n',
      'src/supp.ts': VULNERABLE.replace('    fs.writeFileSync', '    // toctou-lint-disable-next-line fs-check-then-use -- private temp dir\n    fs.writeFileSync'),
    });
    const r = cli(['--format', 'sarif', '--sarif-category', 'toctou-lint', '--sarif-include-suppressed', 'src'], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(log.runs[0].automationDetails).toEqual({ id: 'toctou-lint/' });
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(multitoolProblems(r.stdout)).toEqual([]);
    const run = log.runs[0];
    const [first] = run.results;
    // every shipped rule is described; find this one by id, whatever else ships
    const fsRule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'fs-check-then-use');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(rules.map((r) => r.id));
    expect(first.ruleIndex).toBe(run.tool.driver.rules.indexOf(fsRule));
    expect(fsRule).toMatchObject({
      id: 'fs-check-then-use',
      defaultConfiguration: { level: 'warning' },
      properties: { tags: ['security', 'external/cwe/cwe-367'], precision: 'high', 'security-severity': '5.9' },
    });
    expect(fsRule.help.markdown).toContain("{ flag: 'wx' }");
    expect(first.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'src/a.ts', uriBaseId: '%SRCROOT%' });
    expect(first.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
    expect(first.relatedLocations[0].message.text).toContain('checked here');
    expect(run.invocations[0].executionSuccessful).toBe(true);
    expect(run.invocations[0].toolExecutionNotifications.some((n: { descriptor: { id: string } }) => n.descriptor.id === 'syntax-error')).toBe(true);
    const suppressed = run.results.filter((x: { suppressions?: unknown[] }) => x.suppressions);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0].suppressions[0]).toMatchObject({ kind: 'inSource', justification: 'private temp dir' });
    // without --sarif-include-suppressed, code scanning gets no suppressed result to show as open
    const plain = JSON.parse(cli(['--format', 'sarif', 'src'], dir).stdout);
    expect(plain.runs[0].results).toHaveLength(run.results.length - 1);
    expect(plain.runs[0].results.filter((x: { suppressions?: unknown[] }) => x.suppressions)).toEqual([]);
  });
});

describe('a run that fails never reads as clean, and a scan of nothing is not a pass', () => {
  it('--quiet names the findings it hides', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = cli(['--quiet', 'src'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✖ 0 problems \(0 errors, 0 warnings, 0 notes\), 1 hidden by --quiet · 1 file scanned/m);
  });

  it('a directive problem is named in the summary', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE.replace('    fs.writeFileSync', '    // toctou-lint-disable-next-line fs-check-then-use\n    fs.writeFileSync') });
    const r = cli(['src'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✖ 0 problems .*, 1 directive problem, 1 suppressed/m);
  });

  it('a glob that matches nothing, or a folder with no source, is a usage error', () => {
    const dir = tempProject({ 'src/readme.md': '# hi', 'empty/.keep': '' });
    for (const target of ['src/*.zz', 'empty', 'src']) {
      const r = cli([target], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`nothing to scan in ${target}`);
    }
    const allowed = cli(['--no-error-on-unmatched-pattern', 'empty'], dir);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('nothing to scan in empty');
  });

  it('a folder whose files are all gitignored says so', () => {
    const dir = tempProject({ '.gitignore': 'gen/\n', 'gen/a.ts': VULNERABLE });
    const r = cli(['gen'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('all 1 JavaScript/TypeScript files in it are ignored');
  });

  it('an absolute glob works', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    expect(cli([`${dir}/src/*.ts`], dir).code).toBe(1);
  });
});

describe('flag edge cases', () => {
  it('--root must be a folder', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    for (const root of ['/nonexistent', 'src/a.ts']) {
      const r = cli(['--root', root, 'src'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--root: not a folder');
    }
  });

  it('--rule takes a quoted glob after the ids as a path, and needs at least one id', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    expect(cli(['--rule', 'fs-check-then-use', 'src/*.ts'], dir).code).toBe(1);
    expect(cli(['--rule', 'fs-check-then-use,', 'src'], dir).code).toBe(1);
    const none = cli(['--rule', ',', 'src'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--rule: no rule id given');
  });

  it('--color wins over NO_COLOR', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    // eslint-disable-next-line no-control-regex
    expect(cli(['--color', 'src'], dir, { NO_COLOR: '1' }).stdout).toMatch(/\u001b\[/);
  });

  it('--ignore accepts an absolute path inside the current folder', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE, 'src/b.ts': VULNERABLE });
    const report = JSON.parse(cli(['--format', 'json', '--ignore', `${dir}/src/b.ts`, 'src'], dir).stdout);
    expect(report.findings.map((f: { location: { path: string } }) => f.location.path)).toEqual(['src/a.ts']);
    expect(cli(['--ignore', '', 'src'], dir).code).toBe(2);
  });

  it('-o - is stdout; -o over a source file is refused', () => {
    const dir = tempProject({ 'src/a.ts': VULNERABLE });
    const r = cli(['--format', 'json', '-o', '-', 'src'], dir);
    expect(JSON.parse(r.stdout).findings).toHaveLength(1);
    const refused = cli(['-o', 'src/a.ts', 'src'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to write the report over a source file');
    expect(fs.readFileSync(path.join(dir, 'src/a.ts'), 'utf8')).toBe(VULNERABLE);
  });

  it('file names with newlines cannot forge report lines', () => {
    const dir = tempProject({ 'src/x\n✔ no problems found\n.ts': VULNERABLE });
    const r = cli(['src'], dir);
    expect(r.stdout).toContain('src/x\\u000a✔ no problems found\\u000a.ts');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('✔'))).toEqual([]);
  });
});
