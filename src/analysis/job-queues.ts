import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { isFunctionLike, propertyNameText } from './modules';
import type { Project } from './project';
import { isQueueCall, jobQueueLibrary, JOB_NAME_FIELD, JOB_QUEUE_LIBRARIES, NEST_QUEUE_MODULES, QUEUE_NAME_FIELD, type JobQueueLibrary } from './vocabulary/deferral';

/** A queue of a job library, the jobs added to it and the processors that run them. */
export interface JobQueue {
  /** The expression that makes it: `new Queue('drills', …)`. */
  node: ts.NewExpression | ts.CallExpression;
  /** Its name, when written as a literal (workers find their queue by it). */
  name?: string;
  /** `queue.add(name, data)`, with the payload argument. */
  adds: { call: ts.CallExpression; payload: ts.Expression }[];
  /** Functions that process its jobs: their first parameter is the job. */
  processors: Fn[];
  /** Processors that run jobs of one name only (`@Process('release')`). */
  jobNames?: Map<Fn, string>;
}

/** The processors of a queue that run a job added with `add(name, …)`: all but those bound to another name. */
export function processorsFor(queue: JobQueue, add: ts.CallExpression): Fn[] {
  const names = add.arguments.length >= 2 && add.arguments[0] ? jobNamesOf(add.arguments[0]) : undefined;
  return queue.processors.filter((fn) => {
    const only = queue.jobNames?.get(fn);
    return only === undefined || names === undefined || names.includes(only);
  });
}

/** The names a job is added under: a literal, or either literal of a choice (`outcome === 'PASS' ? 'issue-permit' : 'record-deficiencies'`). */
export function jobNamesOf(arg: ts.Expression): string[] | undefined {
  const e = skipOuter(arg);
  if (ts.isStringLiteralLike(e)) return [e.text];
  if (!ts.isConditionalExpression(e)) return undefined;
  const a = jobNamesOf(e.whenTrue);
  const b = jobNamesOf(e.whenFalse);
  return a && b ? [...a, ...b] : undefined;
}

/**
 * Job queues (BullMQ, Bull, Bee-Queue) known by how they are made, never by a receiver's name:
 * `new Queue('drills')` imported from `bullmq`, its `add(…)` calls through aliases and imports,
 * and the processors of the same queue — `new Worker('drills', processor)` in any file, or
 * `queue.process(processor)`.
 */
export function jobQueues(project: Project): JobQueue[] {
  // (asked by cert-claims-cached's deferred work and by auth-across-await's queue windows: found once per app)
  let known = queuesOf.get(project);
  if (!known) queuesOf.set(project, (known = findJobQueues(project)));
  return known;
}

const queuesOf = new WeakMap<Project, JobQueue[]>();

function findJobQueues(project: Project): JobQueue[] {
  const out: JobQueue[] = [];
  const byNode = new Map<ts.Node, JobQueue>();
  const libraryOf = (made: ts.NewExpression | ts.CallExpression): { lib: JobQueueLibrary; export: string } | undefined => {
    const chain = calleeChain(made.expression);
    if (!chain) return undefined;
    if (chain[0].startsWith('require:')) {
      const lib = jobQueueLibrary(chain[0].slice(8));
      return lib ? { lib, export: chain[1] ?? 'default' } : undefined;
    }
    const b = project.facts.get(made.getSourceFile().fileName)?.bindings.get(chain[0]);
    const lib = b && jobQueueLibrary(b.module);
    if (!b || !lib) return undefined;
    const path = [...b.path, ...chain.slice(1)];
    return { lib, export: path.length === 0 ? 'default' : path[path.length - 1] };
  };
  const nameOf = (arg: ts.Expression | undefined, depth = 0): string | undefined => {
    // (the name a queue of the library was made with: `new Worker(publishQueue.name, …)`)
    const e = arg && skipOuter(arg);
    if (e && ts.isPropertyAccessExpression(e) && e.name.text === QUEUE_NAME_FIELD && depth < 2) {
      const queue = project.modules.valueOf(e.expression);
      const made = queue && ts.isVariableDeclaration(queue) && queue.initializer ? skipOuter(queue.initializer) : queue;
      if (made && (ts.isNewExpression(made) || ts.isCallExpression(made)) && libraryOf(made)) return nameOf(made.arguments?.[0], depth + 1);
    }
    const v = arg && project.modules.valueOf(arg);
    return v && ts.isStringLiteralLike(v) ? v.text : v && ts.isVariableDeclaration(v) && v.initializer && ts.isStringLiteralLike(v.initializer) ? v.initializer.text : undefined;
  };
  const exportNames = new Set(JOB_QUEUE_LIBRARIES.flatMap((l) => [l.queue, l.worker?.name ?? '']).filter((n) => n && n !== 'default'));
  const made: (ts.NewExpression | ts.CallExpression)[] = [];
  for (const facts of project.facts.values()) {
    for (const [local, b] of facts.bindings) {
      if (!jobQueueLibrary(b.module)) continue;
      for (const n of [...(facts.callsByName.get(local) ?? [])]) made.push(n);
    }
  }
  for (const name of exportNames) for (const n of project.callsNamed(name)) if (!made.includes(n)) made.push(n);
  const workers: { name: string; processor: ts.Expression }[] = [];
  for (const m of made) {
    const found = libraryOf(m);
    if (!found) continue;
    const { lib } = found;
    if (found.export === lib.queue) {
      if (byNode.has(m)) continue;
      const q: JobQueue = { node: m, name: nameOf(m.arguments?.[0]), adds: [], processors: [] };
      byNode.set(m, q);
      out.push(q);
    } else if (lib.worker && found.export === lib.worker.name) {
      const name = nameOf(m.arguments?.[0]);
      const processor = m.arguments?.[lib.worker.processorArg];
      if (name !== undefined && processor) workers.push({ name, processor });
    }
  }
  nestQueues(project, out, byNode);
  if (out.length === 0) return out;
  const queueOf = (receiver: ts.Expression): JobQueue | undefined => {
    // a queue NestJS injected by name into a field (`this.queue` with `@InjectQueue('deicing')`)
    const injected = injectedField(receiver);
    if (injected) return byNode.get(injected);
    const v = project.modules.valueOf(receiver);
    const direct = v ? (byNode.get(skipOuter(v as ts.Expression)) ?? (ts.isVariableDeclaration(v) && v.initializer ? byNode.get(skipOuter(v.initializer)) : undefined)) : undefined;
    // (or one the value flow leads to: a queue a container was given for a token, made by a factory of the app,
    // `bind(TYPES.RevocationQueue).toConstantValue(createRevocationQueue(…))`, injected as `this.revocations`)
    return direct ?? project.values.find(receiver, (n: ts.Node) => byNode.get(n));
  };
  const functionOf = (e: ts.Expression): Fn | undefined => {
    const v = project.modules.valueOf(e);
    return v && isFunctionLike(v) ? v : project.handlers.functionOf(e);
  };
  for (const facts of project.facts.values()) {
    for (const [method, calls] of facts.callsByName) {
      const processes = JOB_QUEUE_LIBRARIES.some((l) => l.processMethod === method);
      if (!isQueueCall(method) && !processes) continue;
      for (const call of calls) {
        if (!ts.isCallExpression(call)) continue;
        const callee = skipOuter(call.expression);
        if (!ts.isPropertyAccessExpression(callee)) continue;
        const q = queueOf(callee.expression);
        if (!q) continue;
        if (isQueueCall(method)) {
          // `add(name, data)` (BullMQ) or `add(data)` (Bull)
          const args = call.arguments;
          const payload = args.length >= 2 && ts.isStringLiteralLike(skipOuter(args[0])) ? args[1] : args[0];
          if (payload) q.adds.push({ call, payload });
        } else {
          const fn = [...call.arguments]
            .reverse()
            .map(functionOf)
            .find((f) => f !== undefined);
          if (fn) q.processors.push(fn);
        }
      }
    }
  }
  for (const w of workers) {
    const fn = functionOf(w.processor);
    if (!fn) continue;
    for (const q of out) if (q.name === w.name) q.processors.push(fn);
  }
  for (const q of out) addDispatched(project, q);
  return out;
}

/** A decorator call of a class member or parameter named `name`: `@InjectQueue('deicing')`, `@Processor('deicing')`. */
function decoratorCall(node: ts.Node, name: string): ts.CallExpression | undefined {
  for (const d of (ts.canHaveDecorators(node) && ts.getDecorators(node)) || []) {
    const e = d.expression;
    if (ts.isCallExpression(e) && calleeChain(e.expression)?.at(-1) === name) return e;
  }
  return undefined;
}

/** The queue name a decorator is given: `'deicing'`, or `{ name: 'deicing' }`. */
function decoratedName(call: ts.CallExpression | undefined): string | undefined {
  const a = call?.arguments[0] && skipOuter(call.arguments[0]);
  if (!a) return undefined;
  if (ts.isStringLiteralLike(a)) return a.text;
  if (!ts.isObjectLiteralExpression(a)) return undefined;
  const p = a.properties.find((x) => ts.isPropertyAssignment(x) && x.name.getText() === 'name');
  const v = p && ts.isPropertyAssignment(p) ? skipOuter(p.initializer) : undefined;
  return v && ts.isStringLiteralLike(v) ? v.text : undefined;
}

/** The `@InjectQueue(…)` decorator call of the field `this.x` names (a parameter property or a property). */
function injectedField(receiver: ts.Expression): ts.CallExpression | undefined {
  const e = skipOuter(receiver);
  if (!ts.isPropertyAccessExpression(e) || e.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  let cls: ts.Node | undefined = e;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  if (!cls || !ts.isClassLike(cls)) return undefined;
  const key = e.name.text;
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  const member = ctor?.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === key) ?? cls.members.find((m) => ts.isPropertyDeclaration(m) && m.name.getText() === key);
  if (!member) return undefined;
  for (const m of NEST_QUEUE_MODULES) {
    const call = decoratorCall(member, m.inject);
    if (call) return call;
  }
  return undefined;
}

/**
 * NestJS's queues: one per name injected with `@InjectQueue(name)` (its node is that decorator call,
 * every injection of the name one queue), and the processors of `@Processor(name)` classes.
 */
function nestQueues(project: Project, out: JobQueue[], byNode: Map<ts.Node, JobQueue>): void {
  const modules = new Set(NEST_QUEUE_MODULES.map((m) => m.module));
  if (![...project.facts.values()].some((f) => [...f.bindings.values()].some((b) => modules.has(b.module)))) return;
  const byName = new Map<string, JobQueue>();
  const queueNamed = (name: string, node: ts.CallExpression): JobQueue => {
    let q = byName.get(name);
    if (!q) {
      q = { node, name, adds: [], processors: [], jobNames: new Map() };
      byName.set(name, q);
      out.push(q);
    }
    byNode.set(node, q);
    return q;
  };
  for (const facts of project.facts.values()) {
    const visit = (n: ts.Node): void => {
      if (ts.isParameter(n) || ts.isPropertyDeclaration(n)) {
        for (const m of NEST_QUEUE_MODULES) {
          const call = decoratorCall(n, m.inject);
          const name = decoratedName(call);
          if (call && name !== undefined) queueNamed(name, call);
        }
      }
      if (ts.isClassDeclaration(n)) {
        for (const m of NEST_QUEUE_MODULES) {
          const call = decoratorCall(n, m.processor);
          const name = decoratedName(call);
          if (!call || name === undefined) continue;
          const q = queueNamed(name, call);
          for (const member of n.members) {
            if (!ts.isMethodDeclaration(member) || !member.body) continue;
            const own = m.processDecorator ? decoratorCall(member, m.processDecorator) : undefined;
            if (own) {
              q.processors.push(member);
              const job = decoratedName(own);
              if (job !== undefined) q.jobNames!.set(member, job);
            } else if (m.processMethod && member.name.getText() === m.processMethod) q.processors.push(member);
          }
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(facts.sourceFile);
  }
}

/**
 * The functions a call picks from a table by the job's name (`const handler = handlers[job.name];
 * handler(job)`, or `handlers[job.name](job)`), where `handlers` is an object literal of functions,
 * each with the job name it is kept under.
 */
export function dispatchedJobHandlers(call: ts.CallExpression, valueOf: (e: ts.Expression) => ts.Node | undefined): { name: string; fn: Fn }[] {
  let callee = skipOuter(call.expression);
  if (ts.isIdentifier(callee)) {
    const v = valueOf(callee);
    if (v && ts.isElementAccessExpression(v)) callee = v;
  }
  if (!ts.isElementAccessExpression(callee)) return [];
  const key = skipOuter(callee.argumentExpression);
  if (!ts.isPropertyAccessExpression(key) || key.name.text !== JOB_NAME_FIELD) return [];
  const table = valueOf(callee.expression);
  if (!table || !ts.isObjectLiteralExpression(table)) return [];
  const out: { name: string; fn: Fn }[] = [];
  for (const p of table.properties) {
    const name = p.name && propertyNameText(p.name);
    if (name === undefined) continue;
    const v = ts.isMethodDeclaration(p) ? p : ts.isPropertyAssignment(p) ? valueOf(p.initializer) : ts.isShorthandPropertyAssignment(p) ? valueOf(p.name) : undefined;
    if (v && isFunctionLike(v) && v.body) out.push({ name, fn: v });
  }
  return out;
}

/** The handlers a processor dispatches to by the job's name: they process the queue's jobs of that name. */
function addDispatched(project: Project, q: JobQueue): void {
  for (const processor of [...q.processors]) {
    if (!processor.body) continue;
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        for (const { name, fn } of dispatchedJobHandlers(n, (e) => project.modules.valueOf(e))) {
          if (q.processors.includes(fn)) continue;
          q.processors.push(fn);
          (q.jobNames ??= new Map()).set(fn, name);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(processor.body);
  }
}
