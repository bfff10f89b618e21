import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { npmEnv } from './helpers/npm';
import { CLEAN, REPO, tempProject, VULNERABLE } from './helpers/project';

/**
 * What a user does: `npm pack` the tool, `npm install --save-dev ./toctou-lint-x.y.z.tgz` in an
 * empty project, `npx toctou-lint ./src`. `npm test` has built dist/ already, so the pack skips
 * the prepare script (rebuilding dist/ here could race the other test files that run it).
 */

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
}

const ok = (r: SpawnSyncReturns<string>, what: string): void => {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
};

describe('npm pack, npm install --save-dev, npx', () => {
  it('the tarball holds only what runs, and installs into an empty project where `npx toctou-lint ./src` works', () => {
    const work = tempProject();
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };

    const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
    ok(pack, 'npm pack');
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    expect(info.filename).toBe(`${pkg.name}-${pkg.version}.tgz`);

    const shipped = info.files.map((f) => f.path).sort();
    const allowed = /^(?:package\.json|README\.md|LICENSE|bin\/toctou-lint\.js|dist\/(?:src|rules)\/.+\.(?:js|d\.ts)|docs\/rules\/[a-z-]+\.md)$/;
    expect(shipped.filter((f) => !allowed.test(f))).toEqual([]);
    for (const needed of ['bin/toctou-lint.js', 'dist/src/cli.js', 'dist/src/engine.js', 'dist/rules/index.js', 'docs/rules/fs-check-then-use.md', 'README.md', 'LICENSE']) {
      expect(shipped).toContain(needed);
    }
    // every shipped rule's documentation, which its helpUri points at, is in the package
    for (const doc of fs.readdirSync(path.join(REPO, 'docs', 'rules'))) expect(shipped).toContain(`docs/rules/${doc}`);

    const project = path.join(work, 'project');
    fs.mkdirSync(path.join(project, 'src'), { recursive: true });
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'demo-app', version: '1.0.0', private: true }, null, 2) + '\n');
    fs.writeFileSync(path.join(project, 'src', 'upload.ts'), VULNERABLE);
    fs.writeFileSync(path.join(project, 'src', 'save.ts'), CLEAN);

    ok(npm(['install', '--save-dev', `../${info.filename}`], project), 'npm install --save-dev');
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies[pkg.name]).toBe(`file:../${info.filename}`);

    const version = npm(['exec', '--no', '--', 'toctou-lint', '--version'], project);
    expect(version.stdout.trim()).toBe(pkg.version);

    const scan = spawnSync('npx', ['toctou-lint', './src'], { cwd: project, env: npmEnv(), encoding: 'utf8' });
    expect(scan.stderr.replace(/^npm warn .*\n/gim, '')).toBe('');
    expect(scan.status).toBe(1);
    expect(scan.stdout).toContain('src/upload.ts');
    expect(scan.stdout).toMatch(/4:5 +warning +`p` is checked with `fs\.existsSync\(\)` at line 3/);
    expect(scan.stdout).toMatch(/^✖ 1 problem .* 2 files scanned/m);

    fs.writeFileSync(path.join(project, 'src', 'upload.ts'), CLEAN);
    const clean = spawnSync('npx', ['toctou-lint', './src'], { cwd: project, env: npmEnv(), encoding: 'utf8' });
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/^✔ no problems found · 2 files scanned/m);
  }, 300_000);
});
