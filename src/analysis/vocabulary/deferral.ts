import { nameSet, textPattern } from './patterns';

export interface DeferringCallee {
  name: string;
  kind: 'promise' | 'timer' | 'microtask' | 'listener' | 'observer' | 'job' | 'queue';
  /** Its callback may run after the response was sent (a timer, `res.on('finish')`, a queued job), not just after the caller went on. */
  afterResponse?: true;
}

/** Callees whose callback runs later, after the caller went on: other requests can run first. */
export const DEFERRING_CALLEES: readonly DeferringCallee[] = [
  { name: 'then', kind: 'promise' },
  { name: 'catch', kind: 'promise' },
  { name: 'finally', kind: 'promise' },
  { name: 'setTimeout', kind: 'timer', afterResponse: true },
  { name: 'setInterval', kind: 'timer', afterResponse: true },
  { name: 'setImmediate', kind: 'timer', afterResponse: true },
  { name: 'nextTick', kind: 'microtask', afterResponse: true },
  { name: 'queueMicrotask', kind: 'microtask', afterResponse: true },
  { name: 'on', kind: 'listener', afterResponse: true },
  { name: 'once', kind: 'listener', afterResponse: true },
  { name: 'addListener', kind: 'listener' },
  { name: 'prependListener', kind: 'listener' },
  { name: 'subscribe', kind: 'observer' },
  { name: 'process', kind: 'job' },
  { name: 'add', kind: 'queue', afterResponse: true },
  { name: 'addBulk', kind: 'queue', afterResponse: true },
  { name: 'enqueue', kind: 'queue', afterResponse: true },
  { name: 'schedule', kind: 'queue', afterResponse: true },
  { name: 'defer', kind: 'queue', afterResponse: true },
];

const byName = new Map(DEFERRING_CALLEES.map((d) => [d.name, d]));

/**
 * A callee whose function argument runs after the caller went on: promise callbacks, timers,
 * microtasks, listeners, subscriptions, job processors. Queue calls take jobs, not callbacks run
 * in this process's flow, so they are not counted here.
 */
export function defersCallback(name: string): boolean {
  const d = byName.get(name);
  return d !== undefined && d.kind !== 'queue';
}

/** Callees whose work may run after the response was sent: timers, microtasks, `on`/`once`, queues. */
export const AFTER_RESPONSE_CALLEES: readonly string[] = DEFERRING_CALLEES.filter((d) => d.afterResponse).map((d) => d.name);

/** Timers: their callback runs after the response was sent. */
export function isTimer(name: string): boolean {
  return byName.get(name)?.kind === 'timer';
}

/** `on`/`once`/`addListener`, … */
export function isListenerRegistration(name: string): boolean {
  return byName.get(name)?.kind === 'listener';
}

/** `queue.add(job)`, `enqueue`, `schedule`, `defer`. */
export function isQueueCall(name: string): boolean {
  return byName.get(name)?.kind === 'queue';
}

/** Events of a response or request that fire once it was answered: `res.on('finish', …)`. */
export const AFTER_RESPONSE_EVENTS: readonly string[] = ['finish', 'close', 'end'];
const afterEvents = nameSet(AFTER_RESPONSE_EVENTS);
export function isAfterResponseEvent(event: string): boolean {
  return afterEvents.has(event);
}

/** Receivers that hold queued work: `auditQueue`, `jobs`, `taskScheduler`, `worker`. */
export const QUEUE_WORDS: readonly string[] = ['queue', 'job', 'task', 'scheduler', 'worker'];
const queueWords = textPattern(QUEUE_WORDS, { flags: 'i' });
export function namesQueue(receiver: string): boolean {
  return queueWords.test(receiver);
}

/** Sending an event to listeners: `emitter.emit('rotate', …)`. */
export const EMIT_METHOD = 'emit';

/**
 * Event modules whose listeners are methods marked by a decorator, anywhere in the app, and whose
 * emitter is one injected instance: NestJS's `@OnEvent('loan.shipped')` with `EventEmitter2`'s
 * `emit('loan.shipped', …)` (`emitAsync` waits for the listeners, so only `emit` hands the work on).
 */
export interface DecoratedEventModule {
  module: string;
  decorator: string;
  emitter: string;
}
export const DECORATED_EVENT_MODULES: readonly DecoratedEventModule[] = [{ module: '@nestjs/event-emitter', decorator: 'OnEvent', emitter: 'EventEmitter2' }];

const promiseSteps = new Set(DEFERRING_CALLEES.filter((d) => d.kind === 'promise').map((d) => d.name));
/** A promise's next step, whose callback runs once the promise settles: `then`, `catch`, `finally`. */
export function isPromiseStep(name: string): boolean {
  return promiseSteps.has(name);
}

/** rxjs functions that turn an Observable into a promise to await: `await firstValueFrom(this.http.post(…))`. */
/** `Promise` methods that wait for every promise of the list they are given: `await Promise.all([a(), b()])`. */
export const PROMISE_GATHERERS: readonly string[] = ['all', 'allSettled'];

export const OBSERVABLE_AWAITERS: readonly string[] = ['firstValueFrom', 'lastValueFrom'];
export function isObservableAwaiter(name: string): boolean {
  return OBSERVABLE_AWAITERS.includes(name);
}

/** Keywords where a function can be suspended and other requests run. */
export const SUSPENDING_KEYWORDS: readonly string[] = ['await', 'yield'];
/** The promise method whose callback runs after a suspension: `lookup().then(…)`. */
export const CONTINUATION_METHOD = 'then';
/** A text test for any suspension: `await`, `yield`, `.then(`. */
export const SUSPENSION_TEXT = new RegExp(
  `${textPattern(SUSPENDING_KEYWORDS, { wordStart: true, wordEnd: true }).source}|${textPattern([CONTINUATION_METHOD], { before: '\\.', after: '\\s*\\(' }).source}`,
);

/**
 * Job-queue libraries whose jobs run later, in a worker of this or another process: what makes a
 * queue, how jobs are added, and how a processor is attached (a `Worker` of the same queue name, or
 * `process()` on the queue itself). The processor's first parameter is the job; what was added is
 * its `data`.
 */
export interface JobQueueLibrary {
  module: string;
  /** The export that makes a queue (`new Queue(name)`); `default` for the module's default export. */
  queue: string;
  /** The export that makes a worker for a queue name with a processor argument (`new Worker(name, fn)`). */
  worker?: { name: string; processorArg: number };
  /** A method of the queue that attaches a processor (its last function argument). */
  processMethod?: string;
  /** The type of the job a processor is handed (`async function settle(job: Job<SettleData>)`). */
  jobType?: string;
}

export const JOB_QUEUE_LIBRARIES: readonly JobQueueLibrary[] = [
  { module: 'bullmq', queue: 'Queue', worker: { name: 'Worker', processorArg: 1 }, jobType: 'Job' },
  { module: 'bull', queue: 'default', processMethod: 'process', jobType: 'Job' },
  { module: 'bee-queue', queue: 'default', processMethod: 'process', jobType: 'Job' },
];
/**
 * NestJS's queue modules: a queue is injected by name (`@InjectQueue('deicing') queue: Queue`) and
 * a class decorated `@Processor('deicing')` runs its jobs — in its `process(job)` method
 * (`@nestjs/bullmq`'s `WorkerHost`) or in methods decorated `@Process()` / `@Process('release')`
 * (`@nestjs/bull`), the latter for jobs of that name only.
 */
export interface NestQueueModule {
  module: string;
  inject: string;
  processor: string;
  processMethod?: string;
  processDecorator?: string;
}
export const NEST_QUEUE_MODULES: readonly NestQueueModule[] = [
  { module: '@nestjs/bullmq', inject: 'InjectQueue', processor: 'Processor', processMethod: 'process' },
  { module: '@nestjs/bull', inject: 'InjectQueue', processor: 'Processor', processDecorator: 'Process' },
];

/** Where a job carries what was added: `job.data`. */
export const JOB_PAYLOAD_FIELD = 'data';
/** The field a job's processor reads the job's name from, to branch on it: `job.name === 'felling'`. */
export const JOB_NAME_FIELD = 'name';
/** The field a queue keeps the name it was made with: `new Worker(publishQueue.name, …)` works that queue's jobs. */
export const QUEUE_NAME_FIELD = 'name';

export function jobQueueLibrary(module: string): JobQueueLibrary | undefined {
  return JOB_QUEUE_LIBRARIES.find((l) => l.module === module);
}

/** Calls that wait or load code rather than read state others change: `await sleep(ms)`, `await import('./x')`. */
export const WAITS_NOT_READS: readonly string[] = ['sleep', 'delay', 'setTimeout', 'wait', 'import', 'require'];
/** Built-in namespaces whose calls read no state (`JSON.parse`, `Object.keys`); `Promise.all` gathers reads. */
export const PURE_NAMESPACES: readonly string[] = ['Promise', 'JSON', 'Object', 'Array', 'Number', 'String', 'Math'];

/**
 * Text of work that runs with no response to refuse — a job library's worker, a schedule, a decorated
 * event listener — where leaving early is the refusal: for prefilters, from the tables. (A timer's work
 * sits in a file that answers requests, whose refusals the prefilter sees: timers alone would let
 * half the libraries of a scan in.)
 */
export const DEFERRED_WORK_TEXT = new RegExp(
  [
    ...JOB_QUEUE_LIBRARIES.map((l) => `['"]${l.module}['"]`),
    ...DEFERRING_CALLEES.filter((d) => d.name === 'schedule').map((d) => `\\b${d.name}\\s*\\(`),
    ...DECORATED_EVENT_MODULES.map((m) => `@${m.decorator}\\(`),
  ].join('|'),
);
