import { resolveModuleFile } from './modules';

/**
 * Which files form one application. An application is an entry file (a file that no other file of
 * the model imports: a server bootstrap, a CLI, a worker) and every file it reaches through
 * imports. The project model is built per application, so a check, a revocation list, a proxy
 * check or an identity in one app never decides a finding in another: a scan of a monorepo gives
 * the findings of scanning each app alone. A library that two apps import belongs to both and is
 * judged in each.
 *
 * Files that only take part as context (test files) never start an application: a test server
 * that wraps the app must not decide how the app's own handlers are judged.
 */
export function partitionApps(
  members: ReadonlySet<string>,
  importsOf: (file: string) => readonly string[],
  canStart: (file: string) => boolean = () => true,
  aliasCache: Map<string, string | undefined> = new Map(),
  /**
   * An importer that runs what the file it imports defines, so that whoever reaches that file
   * reaches the importer too: a job processor (`new Worker('drills', …)`) of a queue module that
   * the app adds jobs to. The processor is the deferred half of the app's own work.
   */
  runsWhatItImports: (importer: string, target: string) => boolean = () => false,
): string[][] {
  const files = new Map<string, true>();
  for (const f of members) files.set(f, true);
  const edges = new Map<string, string[]>();
  const imported = new Set<string>();
  const back: [string, string][] = [];
  for (const file of [...members].sort()) {
    const out: string[] = [];
    for (const spec of importsOf(file)) {
      const target = resolveModuleFile(file, spec, files, aliasCache);
      if (target !== undefined && target !== file) {
        out.push(target);
        imported.add(target);
        if (runsWhatItImports(file, target)) back.push([target, file]);
      }
    }
    edges.set(file, out);
  }
  for (const [from, to] of back) edges.get(from)?.push(to);
  const reach = (start: string): Set<string> => {
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const next of edges.get(stack.pop()!) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return seen;
  };
  const sorted = [...members].sort();
  const apps: Set<string>[] = [];
  const covered = new Set<string>();
  const add = (app: Set<string>): void => {
    apps.push(app);
    for (const f of app) covered.add(f);
  };
  for (const file of sorted) if (!imported.has(file) && canStart(file)) add(reach(file));
  // what no entry reaches (an import cycle, or files reached only from tests): its own app,
  // started from each file that is still uncovered, in path order
  for (const file of sorted) if (!covered.has(file) && canStart(file)) add(reach(file));
  // context files that reach nothing else still get a model of their own, which reports nothing
  const out = apps.map((a) => [...a].sort());
  // one model per distinct set of files
  const unique = new Map<string, string[]>();
  for (const app of out) unique.set(app.join('\0'), app);
  return [...unique.values()];
}
