import { ts } from '../ts';
import { skipOuter, topLevelBindings } from './facts/walk';
import { isFunctionLike } from './modules';
import { jobQueueLibrary, type JobQueueLibrary } from './vocabulary/deferral';

/** A name a file binds from a job library: the library and the export (`'*'` for the module itself). */
interface JobLibraryName {
  lib: JobQueueLibrary;
  imported: string;
}

const namesOf = new WeakMap<ts.SourceFile, Map<string, JobLibraryName>>();

/** The names a file binds from job libraries: imports (type-only ones too, for the job's type) and `require`s. */
function jobLibraryNames(sf: ts.SourceFile): Map<string, JobLibraryName> {
  let out = namesOf.get(sf);
  if (out) return out;
  out = new Map();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !st.importClause) continue;
    const lib = jobQueueLibrary(st.moduleSpecifier.text);
    if (!lib) continue;
    const clause = st.importClause;
    if (clause.name) out.set(clause.name.text, { lib, imported: 'default' });
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) out.set(nb.name.text, { lib, imported: '*' });
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) out.set(el.name.text, { lib, imported: (el.propertyName ?? el.name).text });
  }
  for (const [local, b] of topLevelBindings(sf)) {
    const lib = jobQueueLibrary(b.module);
    if (lib && !out.has(local)) out.set(local, { lib, imported: b.path.length === 0 ? '*' : b.path[b.path.length - 1] });
  }
  namesOf.set(sf, out);
  return out;
}

/** The export of a job library an expression names: `Worker`, `bullmq.Worker`, `Bull.Job`. */
function libraryExport(e: ts.Node, names: ReadonlyMap<string, JobLibraryName>): { lib: JobQueueLibrary; name: string } | undefined {
  if (ts.isIdentifier(e)) {
    const b = names.get(e.text);
    return b && { lib: b.lib, name: b.imported };
  }
  const left = ts.isPropertyAccessExpression(e) ? e.expression : ts.isQualifiedName(e) ? e.left : undefined;
  const right = ts.isPropertyAccessExpression(e) ? e.name : ts.isQualifiedName(e) ? e.right : undefined;
  const b = left && ts.isIdentifier(left) ? names.get(left.text) : undefined;
  return b && right && (b.imported === '*' || b.imported === 'default') ? { lib: b.lib, name: right.text } : undefined;
}

/** What a job library's worker runs directly: `new Worker('payouts', async (job) => …)`, `queue.process(async (job) => …)`. */
function runByWorker(fn: ts.FunctionLikeDeclaration, names: ReadonlyMap<string, JobLibraryName>): boolean {
  const call = fn.parent;
  if (!call || !(ts.isNewExpression(call) || ts.isCallExpression(call))) return false;
  const at = (call.arguments ?? ts.factory.createNodeArray()).findIndex((a) => skipOuter(a) === fn);
  if (at < 0) return false;
  const made = libraryExport(call.expression, names);
  if (ts.isNewExpression(call)) return made?.lib.worker !== undefined && made.name === made.lib.worker.name && at === made.lib.worker.processorArg;
  // `queue.process(fn)`, in a file that uses a library whose queues attach processors so
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || at !== call.arguments.length - 1) return false;
  return [...names.values()].some((b) => b.lib.processMethod === callee.name.text);
}

/** The function's first parameter is typed as a job library's job: `job: Job<SettleData>`, `job: Bull.Job`. */
function takesJob(fn: ts.FunctionLikeDeclaration, names: ReadonlyMap<string, JobLibraryName>): boolean {
  const type = fn.parameters[0]?.type;
  if (!type || !ts.isTypeReferenceNode(type)) return false;
  const made = libraryExport(type.typeName, names);
  return made !== undefined && made.lib.jobType !== undefined && made.name === made.lib.jobType;
}

const processors = new WeakMap<ts.FunctionLikeDeclaration, boolean>();

/**
 * The function processes a job of a job library (BullMQ, Bull, Bee-Queue): the function its worker
 * runs (`new Worker('payouts', async (job) => …)`, `queue.process(…)`), one whose first parameter is
 * the library's job (`async function settle(job: Job<SettleData>)`), or a function of the file such
 * a processor hands its job to (`case 'execute': return executeApproved(job)`). A job has no
 * response to refuse: it refuses by leaving early.
 */
export function isJobProcessor(fn: ts.FunctionLikeDeclaration): boolean {
  const known = processors.get(fn);
  if (known !== undefined) return known;
  processors.set(fn, false);
  const sf = fn.getSourceFile();
  const names = jobLibraryNames(sf);
  let found = names.size > 0 && (runByWorker(fn, names) || takesJob(fn, names));
  if (!found && names.size > 0) {
    const name = functionName(fn);
    if (name) found = handedJobIn(sf, name, names);
  }
  processors.set(fn, found);
  return found;
}

/** The name a function is declared under: `function settle(…)`, `const settle = async (…) => …`. */
function functionName(fn: ts.FunctionLikeDeclaration): string | undefined {
  if (ts.isFunctionDeclaration(fn)) return fn.name?.text;
  const p = fn.parent;
  return p && ts.isVariableDeclaration(p) && p.initializer === fn && ts.isIdentifier(p.name) ? p.name.text : undefined;
}

/** Some call of `name` in the file hands it the job a processor was given: `executeApproved(job)`. */
function handedJobIn(sf: ts.SourceFile, name: string, names: ReadonlyMap<string, JobLibraryName>): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) {
      const first = n.arguments[0] && skipOuter(n.arguments[0]);
      if (first && ts.isIdentifier(first)) {
        let owner: ts.Node | undefined = n.parent;
        while (owner && !isFunctionLike(owner)) owner = owner.parent;
        const param = owner && isFunctionLike(owner) ? owner.parameters[0] : undefined;
        if (owner && param && ts.isIdentifier(param.name) && param.name.text === first.text && (runByWorker(owner, names) || takesJob(owner, names))) found = true;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}
