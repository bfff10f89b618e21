import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Workspace } from './analysis/modules';
import { LIMITS, readTextSafely } from './read';
import { ts } from './ts';

/**
 * What a monorepo says about its own packages, read from disk once per scan: the `name` of every
 * `package.json` and the `paths` of every `tsconfig.json` / `tsconfig.base.json` in the folders that
 * hold scanned files and their parents up to `top`. Imports of workspace packages
 * (`@acme/identity`, `@acme/identity/pem`) and of tsconfig path aliases of any prefix (`~identity/*`)
 * are then followed into their sources like relative imports (RULES.md, "Monorepos").
 * Files are only read (never run); one that cannot be read or parsed is left out.
 */
export function readWorkspace(files: Iterable<string>, top: string): Workspace {
  // each package name with every folder that declares it (two apps of a scan may both have `@acme/db`)
  const packages = new Map<string, { dir: string; entries: string[] }[]>();
  const aliases: { dir: string; prefix: string; suffix: string; exact: boolean; targets: string[] }[] = [];
  const seenDirs = new Set<string>();
  const consider = (dir: string): void => {
    if (seenDirs.has(dir)) return;
    seenDirs.add(dir);
    const pkg = readJson(path.join(dir, 'package.json'), false);
    if (pkg && typeof pkg.name === 'string') {
      const entries = [pkg.source, pkg.main, pkg.types, pkg.typings, pkg.module].filter((e): e is string => typeof e === 'string').map((e) => path.resolve(dir, e));
      const list = packages.get(pkg.name) ?? [];
      list.push({ dir, entries: [...entries, path.join(dir, 'src', 'index'), path.join(dir, 'index'), dir] });
      packages.set(pkg.name, list);
    }
    for (const name of ['tsconfig.json', 'tsconfig.base.json']) {
      const config = readJson(path.join(dir, name), true);
      const options = config?.compilerOptions as { baseUrl?: string; paths?: Record<string, unknown> } | undefined;
      if (!options?.paths || typeof options.paths !== 'object') continue;
      const base = path.resolve(dir, typeof options.baseUrl === 'string' ? options.baseUrl : '.');
      for (const [pattern, targets] of Object.entries(options.paths)) {
        if (!Array.isArray(targets)) continue;
        const star = pattern.indexOf('*');
        aliases.push({
          dir,
          prefix: star === -1 ? pattern : pattern.slice(0, star),
          suffix: star === -1 ? '' : pattern.slice(star + 1),
          exact: star === -1,
          targets: targets.filter((t): t is string => typeof t === 'string').map((t) => path.resolve(base, t)),
        });
      }
    }
  };
  const stop = path.resolve(top);
  for (const file of files) {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      consider(dir);
      if (dir === stop || !dir.startsWith(stop) || path.dirname(dir) === dir) break;
    }
  }
  // the nearest tsconfig's aliases first
  aliases.sort((a, b) => b.dir.length - a.dir.length);
  return {
    candidates(spec: string, fromFile: string): string[] {
      const out: string[] = [];
      for (const a of aliases) {
        if (!fromFile.startsWith(a.dir + path.sep) && a.dir !== path.dirname(fromFile)) continue;
        if (a.exact ? spec !== a.prefix : !spec.startsWith(a.prefix) || !spec.endsWith(a.suffix) || spec.length < a.prefix.length + a.suffix.length) continue;
        const middle = spec.slice(a.prefix.length, spec.length - a.suffix.length);
        for (const t of a.targets) out.push(t.replace('*', middle));
      }
      const parts = spec.split('/');
      const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      // the package of that name nearest the importing file: the one of its own workspace
      const entries = nearest(packages.get(name), fromFile)?.entries;
      if (entries) {
        const rest = parts.slice(spec.startsWith('@') ? 2 : 1).join('/');
        if (rest === '') out.push(...entries);
        else {
          const dir = entries[entries.length - 1];
          out.push(path.join(dir, rest), path.join(dir, 'src', rest));
        }
      }
      return out;
    },
  };
}

/** Of the folders declaring a package, the one sharing the longest path with `file`. */
function nearest<T extends { dir: string }>(list: readonly T[] | undefined, file: string): T | undefined {
  if (!list || list.length <= 1) return list?.[0];
  const shared = (dir: string): number => {
    const a = dir.split(path.sep);
    const b = file.split(path.sep);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
  };
  return list.reduce((best, p) => (shared(p.dir) > shared(best.dir) ? p : best));
}

function readJson(file: string, jsonc: boolean): Record<string, unknown> | undefined {
  try {
    if (!fs.existsSync(file)) return undefined;
    const text = readTextSafely(file, LIMITS.packageJson);
    const parsed = jsonc ? (ts.parseConfigFileTextToJson(file, text).config as unknown) : (JSON.parse(text) as unknown);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
