import * as path from 'node:path';
import type { IdentitySourcesConfig } from '../config/index';
import type { ts } from '../ts';
import { collectFacts } from './facts/walk';
import type { FactNeeds, FileFacts, PropertyNode } from './facts/types';
import { AccessChecks } from './access-checks';
import { ApiLayers } from './api-layers';
import { Dominance } from './dominance';
import { Guards, type TrustKind } from './guards';
import { Handlers } from './handlers';
import { Identity, isCertHeaderName } from './identity';
import { IdentityWrites } from './identity-writes';
import { importSpecifiers, isFunctionLike, Modules, resolveModuleFile, type Workspace } from './modules';
/** Module specifiers a file imports or re-exports, found by text (no parse needed); packages that are not the workspace's resolve to nothing. */
export { importSpecifiers };
import { RequestPaths } from './request-paths';
import { RequestValues } from './request-values';
import { SharedState } from './shared-state';
import { StaleOperations } from './stale-operations';
import { Values } from './values';
import { findSinks, type Sink } from './sinks';
import { TlsServers } from './tls-servers';
import { API_LAYER_PROPERTIES, GRAPHQL_MODULES } from './vocabulary/api-layers';
import { DI_MODULES } from './vocabulary/di';
import { SERVER_CREATE_CALLS, webModulePattern } from './vocabulary/frameworks';
import { TRUST_SIGNALS, mayNameCertHeader, mayReadHeader } from './vocabulary/identity-sources';
import { alternation, textPattern } from './vocabulary/patterns';
import { JOB_QUEUE_LIBRARIES } from './vocabulary/deferral';
import { handlerParameterPattern } from './vocabulary/requests';
import { IDENTITY_TEXT, isModelPropertyName } from './vocabulary/tls';

/**
 * The project model: the files that can take part in client-identity flows, linked once, and the
 * questions rules ask of them. Every part is built on first use and kept, so a rule that never
 * asks about TLS servers costs nothing for them, and two rules asking share one answer.
 */
export class Project {
  readonly modules: Modules;
  readonly facts = new Map<string, FileFacts>();
  private handlersPart?: Handlers;
  private serversPart?: TlsServers;
  private identityPart?: Identity;

  constructor(
    files: ReadonlyMap<string, { text: string; sourceFile: ts.SourceFile }>,
    readonly identitySources: IdentitySourcesConfig,
    /** Extra sink functions from the config: `loadAccount`, `ledger.transfer`. */
    readonly sinkNames: readonly string[] = [],
    /** Facts of files already walked for another application of the same scan: a file is walked once. */
    factsCache: Map<string, FileFacts> = new Map(),
    /** Workspace packages and tsconfig path aliases, for imports between a monorepo's packages. */
    workspace?: Workspace,
  ) {
    const sourceFiles = new Map<string, ts.SourceFile>();
    for (const [file, { text, sourceFile }] of files) {
      sourceFiles.set(file, sourceFile);
      let facts = factsCache.get(file);
      if (!facts) factsCache.set(file, (facts = collectFacts(file, text, sourceFile, [PROJECT_FACTS])));
      this.facts.set(file, facts);
    }
    this.modules = new Modules(sourceFiles, workspace);
  }

  get handlers(): Handlers {
    if (!this.handlersPart) {
      this.handlersPart = new Handlers(this);
      // a Fastify plugin's options parameter holds what it is registered with (known once the handlers are)
      const handlers = this.handlersPart;
      this.modules.parameterArguments = (param) => {
        const fn = param.parent;
        return isFunctionLike(fn) && fn.parameters.indexOf(param) === 1 ? handlers.pluginOptions(fn) : [];
      };
    }
    return this.handlersPart;
  }

  private apiLayersPart?: ApiLayers;
  /** GraphQL resolvers and tRPC procedures: entries, their input, their per-request context. */
  get apiLayers(): ApiLayers {
    return (this.apiLayersPart ??= new ApiLayers(this));
  }

  get servers(): TlsServers {
    return (this.serversPart ??= new TlsServers(this));
  }

  private readonly guardsParts = new Map<TrustKind, Guards>();
  /** Checks of trust before a read: `authorized` for peer certificates, `peer` for forwarded headers. */
  guards(kind: TrustKind): Guards {
    let g = this.guardsParts.get(kind);
    if (!g) this.guardsParts.set(kind, (g = new Guards(this, kind)));
    return g;
  }

  get identity(): Identity {
    return (this.identityPart ??= new Identity(this));
  }

  private identityWritesPart?: IdentityWrites;
  /** Identity kept in shared places, the request-bound identity overwritten, deferred decisions on captured claims. */
  get identityWrites(): IdentityWrites {
    return (this.identityWritesPart ??= new IdentityWrites(this));
  }

  private sharedStatePart?: SharedState;
  /** What outlives a request or is shared by concurrent ones, and what is bound to one request. */
  get sharedState(): SharedState {
    return (this.sharedStatePart ??= new SharedState(
      this.modules,
      (name) => this.callsNamed(name),
      () => this.facts.values(),
    ));
  }

  private staleOperationsPart?: StaleOperations;
  /** Decisions trusted across an `await`, through helpers in other files and identity kept in shared state. */
  get staleOperations(): StaleOperations {
    return (this.staleOperationsPart ??= new StaleOperations(this));
  }

  private valuesPart?: Values;
  /** Value flow: where an expression's value can come from. */
  get values(): Values {
    return (this.valuesPart ??= new Values(this));
  }

  private requestValuesPart?: RequestValues;
  /** Where values come from: the request (`origin`), the client identity (`carriesIdentity`). */
  get requestValues(): RequestValues {
    return (this.requestValuesPart ??= new RequestValues(this));
  }

  private dominancePart?: Dominance;
  /** Whether a check decides that a use runs, on every path (one answer for every rule). */
  get dominance(): Dominance {
    return (this.dominancePart ??= new Dominance(this));
  }

  private requestPathsPart?: RequestPaths;
  /** The chain before each handler, and checks on every path to a node. */
  get requestPaths(): RequestPaths {
    return (this.requestPathsPart ??= new RequestPaths(this));
  }

  private accessChecksPart?: AccessChecks;
  /** Whether the client's choice of a record is scoped by, or compared with, its identity before an access uses it. */
  get accessChecks(): AccessChecks {
    return (this.accessChecksPart ??= new AccessChecks(this));
  }

  private sinksPart?: Sink[];
  /** Data accesses, file operations and calls to other services, each call chain once. */
  get sinks(): Sink[] {
    return (this.sinksPart ??= findSinks(this, this.sinkNames));
  }

  *sourceFiles(): Iterable<ts.SourceFile> {
    for (const f of this.facts.values()) yield f.sourceFile;
  }

  /** Calls anywhere in the project whose last callee name is `name`. */
  callsNamed(name: string): (ts.CallExpression | ts.NewExpression)[] {
    const out: (ts.CallExpression | ts.NewExpression)[] = [];
    for (const f of this.facts.values()) out.push(...(f.callsByName.get(name) ?? []));
    return out;
  }

  /** Property reads, keys and destructured keys named `name` anywhere in the project. */
  propertiesNamed(name: string): PropertyNode[] {
    const out: PropertyNode[] = [];
    for (const f of this.facts.values()) out.push(...(f.properties.get(name) ?? []));
    return out;
  }

  /** Every property name the walk recorded, with its nodes (for heuristics over names). */
  *allProperties(): Iterable<[string, PropertyNode[]]> {
    for (const f of this.facts.values()) yield* f.properties;
  }
}

const PROJECT_FACTS: FactNeeds = {
  modules: true,
  assignments: true,
  exits: true,
  allCalls: true,
  properties: (name) => isModelPropertyName(name) || API_LAYER_PROPERTIES.includes(name) || isCertHeaderName(name),
};

/**
 * A cheap text test: can this file be a source of client identity or configure a TLS server that
 * asks for client certificates? The project model is built only around such files.
 */
export function identitySignal(text: string, extraHeaders: readonly string[], extraFunctions: readonly string[]): boolean {
  if (IDENTITY_TEXT.test(text)) return true;
  // A certificate header name read as a header. The quoted names first: one pass, and a match is
  // rare, where the two text tests cost three passes over most files that have a header at all.
  for (const m of text.matchAll(QUOTED)) {
    if (isCertHeaderName(m[2]) && !inCommentLine(text, m.index)) {
      if (mayNameCertHeader(text) && mayReadHeader(text)) return true;
      break;
    }
  }
  if (extraHeaders.length > 0) {
    const lower = text.toLowerCase();
    for (const h of extraHeaders) if (lower.includes(h.toLowerCase())) return true;
  }
  for (const f of extraFunctions) if (text.includes(f)) return true;
  return false;
}

/**
 * A line that is a comment (`// …`, or a `*` line of a block comment): an example in documentation
 * names a header without reading it. Structural, and cheap: only asked of a certificate header name.
 */
function inCommentLine(text: string, at: number): boolean {
  const start = text.lastIndexOf('\n', at) + 1;
  return /^\s*(?:\/\/|\/?\*)/.test(text.slice(start, at));
}

/** Structural, not vocabulary: a quoted token of header-name shape, each then asked `isCertHeaderName`. */
const QUOTED = /(['"`])([A-Za-z0-9_-]{3,80})\1/g;

/**
 * A cheap text test: can this file take part in a request path — import a web framework or a
 * node server module, look like a handler (`(req, res`, `(ctx, next`, `(c) =>`), check trust
 * (`authorized`, `remoteAddress`), or re-export other modules (a barrel)? The project model
 * follows imports only through such files, so a TLS client library's internals stay out.
 */
export function webSignal(text: string): boolean {
  return WEB_TEXT.test(text);
}

/** A quoted job-queue module: `from 'bullmq'`, `require('bull')`. */
const JOB_MODULE_SOURCE = `['"](?:${alternation(JOB_QUEUE_LIBRARIES.map((l) => l.module))})['"]`;
const JOB_TEXT = new RegExp(JOB_MODULE_SOURCE);

/** `new Queue('playout')` / `new Worker('playout', …)` of the job-queue libraries that name a worker class, and the name. */
const QUEUE_MADE = new RegExp(
  String.raw`\bnew\s+(${alternation(JOB_QUEUE_LIBRARIES.flatMap((l) => (l.worker ? [l.queue, l.worker.name] : [])))})\s*(?:<[^>()]*>)?\s*\(\s*['"\`]([^'"\`]+)['"\`]`,
  'g',
);

/**
 * For each file, the files that process the jobs of the queues it makes, matched by the queue's name
 * (`new Queue('playout')` in one, `new Worker('playout', …)` in another): the deferred half of its work.
 */
export function queueWorkers(files: Iterable<string>, textOf: (file: string) => string): (file: string) => readonly string[] {
  const workerClasses = new Set(JOB_QUEUE_LIBRARIES.flatMap((l) => (l.worker ? [l.worker.name] : [])));
  const makers = new Map<string, Set<string>>();
  const workers = new Map<string, Set<string>>();
  for (const file of files) {
    const text = textOf(file);
    if (!jobSignal(text)) continue;
    for (const m of text.matchAll(QUEUE_MADE)) {
      const into = workerClasses.has(m[1]) ? workers : makers;
      const set = into.get(m[2]) ?? new Set<string>();
      set.add(file);
      into.set(m[2], set);
    }
  }
  const out = new Map<string, string[]>();
  for (const [name, fromFiles] of makers) for (const from of fromFiles) out.set(from, [...(out.get(from) ?? []), ...(workers.get(name) ?? [])]);
  return (file) => out.get(file) ?? [];
}

/** A file that uses a job-queue library: it makes a queue, adds jobs or processes them. */
export function jobSignal(text: string): boolean {
  // asked once per import of a file, in a row (the app partition): the last answer is kept
  if (text !== lastJobText) {
    lastJobText = text;
    lastJobAnswer = JOB_TEXT.test(text);
  }
  return lastJobAnswer;
}
let lastJobText: string | undefined;
let lastJobAnswer = false;

/** Structural, not vocabulary: `export * from`, `export { a } from`, `module.exports = {` / `= require(`. */
const BARREL_SYNTAX = String.raw`\bexport\s*(?:\*|\{[^}]*\})\s*from\b|module\.exports\s*=\s*(?:\{|require)`;
/**
 * Web modules, trust signals and handler parameters from the vocabulary; barrels (re-exports) by
 * syntax; job-queue modules, whose processors are entries of the same app's deferred work.
 */
const WEB_TEXT = new RegExp(
  [
    webModulePattern(),
    JOB_MODULE_SOURCE,
    textPattern(
      TRUST_SIGNALS.map((t) => t.name),
      { wordStart: true, wordEnd: true },
    ).source,
    handlerParameterPattern(),
    BARREL_SYNTAX,
  ].join('|'),
);

/**
 * The files connected to a seed (by default an identity file) through relative imports, in either direction: the
 * middleware, options and router files an mTLS handler depends on, and the files that register it.
 * Only files with a web signal (or an identity signal) are followed; plain modules they import
 * are read as leaves.
 */
export function connectedFiles<T extends { imports: string[]; identity: boolean; web: boolean }>(
  files: ReadonlyMap<string, T>,
  seed: (info: T) => boolean = (info) => info.identity,
  workspace?: Workspace,
  /** Files a file hands work to without importing them (the job processors of its queues, `queueWorkers`). */
  handsWorkTo: (file: string) => readonly string[] = () => [],
): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const [file, info] of files) {
    if (seed(info)) {
      seen.add(file);
      queue.push(file);
    }
  }
  if (queue.length === 0) return seen;
  // who imports what, keyed by the import's path without extension: one path.resolve per import
  const importers = new Map<string, string[]>();
  for (const [file, info] of files) {
    // (a plain module is followed only from a seed it imports: `getActiveRunner()` of the identity file, used by a service)
    const dir = path.dirname(file);
    for (const spec of info.imports) {
      const target = spec.startsWith('.') ? undefined : resolveRelative(file, spec, files, workspace);
      if (!spec.startsWith('.') && target === undefined) continue;
      const stem = (target ?? path.resolve(dir, spec)).replace(/\.(?:[mc]?[jt]s|[jt]sx)$/, '');
      const list = importers.get(stem);
      if (list) list.push(file);
      else importers.set(stem, [file]);
    }
  }
  // plain modules that import a seed: they use it as web files do, and bring in the web files that import them
  const users = new Set<string>();
  const visit = (next: string | undefined, fromSeed = false): void => {
    if (next !== undefined && !seen.has(next) && (files.get(next)?.web || fromSeed)) {
      seen.add(next);
      queue.push(next);
      if (fromSeed) users.add(next);
    }
  };
  while (queue.length > 0) {
    const file = queue.pop()!;
    // what it imports is part of its application: services, repositories, helpers, at any depth
    for (const spec of files.get(file)!.imports) {
      const target = resolveRelative(file, spec, files, workspace);
      if (target !== undefined && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
    // the processors of the jobs it queues run its deferred work
    for (const worker of handsWorkTo(file)) {
      if (files.has(worker) && !seen.has(worker)) {
        seen.add(worker);
        queue.push(worker);
      }
    }
    // a plain module reached by import (a service, a logger) does not bring in everyone who imports it; a seed
    // brings in every module that imports it (a service that asks the identity file for the caller)
    const info = files.get(file)!;
    const isSeed = seed(info);
    if (!info.web && !isSeed && !users.has(file)) continue;
    const stem = file.replace(/\.(?:[mc]?[jt]s|[jt]sx)$/, '');
    for (const importer of importers.get(stem) ?? []) visit(importer, isSeed);
    if (path.basename(stem) === 'index') for (const importer of importers.get(path.dirname(stem)) ?? []) visit(importer, isSeed);
  }
  return seen;
}

/**
 * Where requests or jobs arrive, or an application is put together: a file that imports a web framework,
 * an API layer, a job-queue library or a DI container (an import, `from 'express'` or `require('bullmq')`,
 * not the name in a string), or makes a server (`https.createServer(…)`: a client of `tls` or `https`
 * imports them too). The modules and calls are the vocabulary's; the import forms are syntax.
 */
const SERVES_TEXT = new RegExp(
  String.raw`(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)(?:${webModulePattern((m) => m.framework !== 'node')}|${JOB_MODULE_SOURCE}|['"](?:${alternation([...GRAPHQL_MODULES, ...DI_MODULES])})['"])`,
);
export function servesSignal(text: string): boolean {
  if (SERVES_TEXT.test(text)) return true;
  // (in code, not in a comment's example: `createServer(httpsOptions, …)` in a provider's documentation)
  for (const m of text.matchAll(SERVER_CREATE_TEXT)) if (!inCommentLine(text, m.index)) return true;
  return false;
}
const SERVER_CREATE_TEXT = new RegExp(String.raw`\b(?:${alternation(SERVER_CREATE_CALLS)})\s*(?:<[^()]*>)?\s*\(`, 'g');

/**
 * The files of the applications in a scan: each file where requests or jobs arrive (`servesSignal`) and
 * what it reaches through its imports, at any depth (routes, controllers, services, repositories, helpers).
 * A file connected to no other file of the scan is one too, run as it is. A library with no server in the scan
 * has none: nothing of it runs for a request.
 */
export function servedFiles<T extends { imports: string[]; text: string }>(files: ReadonlyMap<string, T>, workspace?: Workspace): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const [file, info] of files) {
    if (servesSignal(info.text)) {
      seen.add(file);
      queue.push(file);
    }
  }
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const spec of files.get(file)!.imports) {
      const target = resolveRelative(file, spec, files, workspace);
      if (target !== undefined && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  // a file connected to no other file of the scan (it imports none and none imports it) is a unit of its own, run as
  // it is: a script, a function a platform calls (`export async function handler(event)`), one file of examples
  const connected = new Set<string>();
  for (const [file, info] of files) {
    for (const spec of info.imports) {
      const target = resolveRelative(file, spec, files, workspace);
      if (target !== undefined && target !== file) {
        connected.add(file);
        connected.add(target);
      }
    }
  }
  for (const file of files.keys()) if (!connected.has(file)) seen.add(file);
  return seen;
}

const aliasCaches = new WeakMap<object, Map<string, string | undefined>>();

function resolveRelative(from: string, spec: string, files: ReadonlyMap<string, unknown>, workspace?: Workspace): string | undefined {
  let cache = aliasCaches.get(files);
  if (!cache) aliasCaches.set(files, (cache = new Map()));
  return resolveModuleFile(from, spec, files, cache, workspace);
}
