import { resolveModuleFile, type Workspace } from './modules';

/**
 * Which files form one application. An application is a file that starts serving requests (a
 * server bootstrap: `listen`, `createServer`, `serve`, `NestFactory.create`) and is imported by no
 * other file, with every file it reaches through imports. The project model is built per
 * application, so a check, a revocation list, a proxy check or an identity in one app never decides
 * a finding in another: a scan of a monorepo gives the findings of scanning each app alone. A
 * library that two apps import belongs to both and is judged in each.
 *
 * Files no application reaches (a library, an app whose bootstrap is elsewhere, scripts) are
 * grouped by the imports that connect them, each group one model — as many models as there are
 * servers, plus one per unconnected group, so the cost stays near one model per file.
 *
 * Files that only take part as context (test files) never start an application: a test server
 * that wraps the app must not decide how the app's own handlers are judged.
 */
export function partitionApps(
  members: ReadonlySet<string>,
  importsOf: (file: string) => readonly string[],
  canStart: (file: string) => boolean = () => true,
  aliasCache: Map<string, string | undefined> = new Map(),
  workspace?: Workspace,
  startsServer: (file: string) => boolean = () => true,
  /**
   * An importer that runs what the file it imports defines, so that whoever reaches that file
   * reaches the importer too: a job processor (`new Worker('drills', …)`) of a queue module that
   * the app adds jobs to. The processor is the deferred half of the app's own work.
   */
  runsWhatItImports: (importer: string, target: string) => boolean = () => false,
  /**
   * Files a file hands work to without importing them: the job processors of a queue it makes
   * (`new Queue('playout')` here, `new Worker('playout', …)` in a worker file). Whoever reaches the
   * file reaches them.
   */
  handsWorkTo: (file: string) => readonly string[] = () => [],
): string[][] {
  const files = new Map<string, true>();
  for (const f of members) files.set(f, true);
  const edges = new Map<string, string[]>();
  const imported = new Set<string>();
  const back: [string, string][] = [];
  for (const file of [...members].sort()) {
    const out: string[] = [];
    for (const spec of importsOf(file)) {
      const target = resolveModuleFile(file, spec, files, aliasCache, workspace);
      if (target !== undefined && target !== file) {
        out.push(target);
        // a test importing the server does not make it less of an entry
        if (canStart(file)) imported.add(target);
        if (runsWhatItImports(file, target)) back.push([target, file]);
      }
    }
    edges.set(file, out);
  }
  for (const [from, to] of back) edges.get(from)?.push(to);
  for (const file of members) for (const worker of handsWorkTo(file)) if (worker !== file && files.has(worker)) edges.get(file)?.push(worker);
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
  for (const file of sorted) {
    if (imported.has(file) || !canStart(file) || !startsServer(file)) continue;
    const app = reach(file);
    apps.push(app);
    for (const f of app) covered.add(f);
  }
  // the rest: one model per group of files its imports connect (either way)
  const neighbours = new Map<string, string[]>();
  const link = (a: string, b: string): void => {
    const list = neighbours.get(a);
    if (list) list.push(b);
    else neighbours.set(a, [b]);
  };
  for (const [from, tos] of edges) {
    for (const to of tos) {
      if (covered.has(from) || covered.has(to) || !canStart(from) || !canStart(to)) continue;
      link(from, to);
      link(to, from);
    }
  }
  for (const file of sorted) {
    if (covered.has(file) || !canStart(file)) continue;
    const group = new Set([file]);
    const stack = [file];
    while (stack.length > 0) {
      for (const next of neighbours.get(stack.pop()!) ?? []) {
        if (!group.has(next)) {
          group.add(next);
          stack.push(next);
        }
      }
    }
    for (const f of group) covered.add(f);
    apps.push(group);
  }
  const out = apps.map((a) => [...a].sort());
  // one model per distinct set of files
  const unique = new Map<string, string[]>();
  for (const app of out) unique.set(app.join('\0'), app);
  return [...unique.values()];
}
