import { nameSet, startsWithWord } from './patterns';

/**
 * How code refuses a request or stops on a failed check: calls that end the response or throw,
 * status codes of refusal, error callbacks, assertions, and the words a refusal says.
 */
export interface RefusalCall {
  name: string;
  /** `throws`: stops the caller where it is called (`ctx.throw(403)`, `socket.destroy()`, `res.sendStatus(401)`); `answers`: ends or fails the response or promise. */
  stops: 'throws' | 'answers';
}

export const REFUSAL_CALLS: readonly RefusalCall[] = [
  { name: 'throw', stops: 'throws' },
  { name: 'destroy', stops: 'throws' },
  { name: 'sendStatus', stops: 'throws' },
  { name: 'end', stops: 'answers' },
  { name: 'abort', stops: 'answers' },
  { name: 'reject', stops: 'answers' },
  { name: 'unauthorized', stops: 'answers' },
  { name: 'forbidden', stops: 'answers' },
  { name: 'deny', stops: 'answers' },
];

/** Calls that set a status, refusing when it is 400 or more: `res.status(403)`, `reply.code(401)`, `res.writeHead(403)`. */
export const STATUS_SETTERS: readonly string[] = ['status', 'code', 'writeHead'];
/** Properties a status is assigned to: Koa `ctx.status = 403`, node `res.statusCode = 403`. */
export const STATUS_PROPERTIES: readonly string[] = ['status', 'statusCode'];
/** What says a response to a request of the app's own came back well (`res.ok` of fetch): tested alone, the request's own failure. */
export const TRANSPORT_FLAGS: readonly string[] = ['ok'];

/** A response's status field: `res.status`, `res.statusCode`. */
export function isStatusField(name: string): boolean {
  return STATUS_PROPERTIES.includes(name);
}

/** A response's success flag: `res.ok`. */
export function isTransportFlag(name: string): boolean {
  return TRANSPORT_FLAGS.includes(name);
}
/** The lowest refusing status code. */
export const FIRST_REFUSAL_STATUS = 400;
/** Callbacks that fail the request when given an error: `next(err)`, `done(err)`, `callback(err)`, `cb(err)`. */
export const ERROR_CALLBACKS: readonly string[] = ['next', 'done', 'callback', 'cb'];

const refusals = new Map(REFUSAL_CALLS.map((r) => [r.name, r]));
const statusSetters = nameSet(STATUS_SETTERS);
const errorCallbacks = nameSet(ERROR_CALLBACKS);

/** A call that refuses the request by its name: `sendStatus`, `throw`, `destroy`, `end`, `deny`, … */
export function isRefusalCall(name: string): boolean {
  return refusals.has(name);
}

/** A call that stops the caller where it is called: `ctx.throw(403)`, `socket.destroy()`, `res.sendStatus(401)`. */
export function isThrowingRefusal(name: string): boolean {
  return refusals.get(name)?.stops === 'throws';
}

/** `res.status(status)` and friends refuse when the status is 400 or more. */
export function refusesWithStatus(setter: string, status: number): boolean {
  return statusSetters.has(setter) && status >= FIRST_REFUSAL_STATUS;
}

/** `next(err)`: the request fails when the callback gets an argument. */
export function isErrorCallback(name: string): boolean {
  return errorCallbacks.has(name);
}

/** Assertions that throw when their argument is false: `assert(x)`, `assert.ok(x)`, `assert.strictEqual(a, b)`. */
export const ASSERTIONS: readonly string[] = ['assert', 'ok', 'strictEqual', 'equal', 'deepStrictEqual'];
/** Verbs of helpers that throw when a check fails: `assertOwner`, `ensureAccess`, `requireRole`, `authorize`, `validate…`. */
export const CHECK_VERBS: readonly string[] = [
  'assert',
  'ensure',
  'require',
  'check',
  'authorize',
  'authorise',
  'verify',
  'guard',
  'enforce',
  'validate',
  'throwUnless',
  'throwIf',
  'demand',
  'must',
];

const assertions = nameSet(ASSERTIONS);
const checkVerbs = CHECK_VERBS.flatMap((v) => [v, v.charAt(0).toUpperCase() + v.slice(1)]);

export function isAssertion(name: string): boolean {
  return assertions.has(name);
}

/** A call that throws when its check fails: an assertion, or a name led by a check verb (`assertSameTenant`, `Authorize`, `check_access`). */
export function isThrowingCheck(name: string): boolean {
  return assertions.has(name) || startsWithWord(name, checkVerbs) !== undefined;
}

// Authorization refusals: how a request is refused for lack of rights (decisions of auth-across-await).

/** Statuses that refuse for lack of identity or rights, or of the entitlement an account holds (402: its balance or plan does not cover it). */
export const AUTH_STATUSES: readonly number[] = [401, 402, 403];
/** A status that hides a record from someone who may not see it (counted only when more than existence is tested). */
export const HIDING_STATUSES: readonly number[] = [404];
/**
 * Statuses that refuse because a record is held or used up: a lock held by someone else, a limit
 * reached (413: a storage quota over, 429: too many bookings), funds short (422: the balance does not
 * cover the transfer), counted only when the test compares what was read with a value of the request
 * (`balance < amount`), not its mere existence nor a state against a constant — which keeps plain
 * validation (422 on the request's own fields, no read) out.
 */
export const CONFLICT_STATUSES: readonly number[] = [409, 412, 413, 422, 429];
/**
 * Statuses another service answers when it rejects what it was sent (400 Bad Request, 422
 * Unprocessable): a test of a response's status against one is that service's verdict on the request's
 * own input — a validation — not a decision on state other requests change.
 */
export const INPUT_REJECTION_STATUSES: readonly number[] = [400, 422];
/**
 * A status that refuses because the record is locked (423: a legal hold, a lock another holds): a
 * decision on any test of what was read — the lock's existence is the point — except a version
 * field guarding a lost update.
 */
export const LOCKED_STATUSES: readonly number[] = [423];
/**
 * Fields that version a record for optimistic concurrency (TypeORM `@VersionColumn`, Mongoose `__v`,
 * CouchDB `_rev`, Sequelize `version`, ETags): a 409 on one of them guards a lost update, not a right.
 */
export const CONCURRENCY_FIELDS: readonly string[] = ['version', '__v', '_rev', 'rev', 'revision', 'etag', 'lockVersion', 'updatedAt', 'updated_at'];

/** Error classes that answer 409. */
export const CONFLICT_ERRORS: readonly string[] = ['ConflictException', 'ConflictError'];

/** Named status constants: NestJS `HttpStatus.FORBIDDEN`, `http-status-codes`' `StatusCodes.FORBIDDEN`. */
export const STATUS_NAMES: Readonly<Record<string, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYMENT_REQUIRED: 402,
  // tRPC's (and NestJS `HttpStatus`') codes for a limit reached or a precondition failed:
  // `new TRPCError({ code: 'PAYLOAD_TOO_LARGE' })`, `{ code: 'PRECONDITION_FAILED' }` on a balance too low
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
};

/** Error classes (and factories) that answer 401/403: NestJS, routing-controllers, http-errors, Boom, GraphQL, tRPC, CASL. */
export const AUTH_ERRORS: readonly string[] = [
  'ForbiddenException',
  'UnauthorizedException',
  'ForbiddenError',
  'UnauthorizedError',
  'UnauthenticatedError',
  'AuthorizationError',
  'AccessDeniedError',
  'AccessDeniedException',
  'PermissionDeniedError',
  'PermissionError',
  'NotAuthorizedError',
  'NoAccessError',
  'forbidden',
  'unauthorized',
  'Forbidden',
  'Unauthorized',
];
/**
 * Refusals for want of identity: the 401 status and the errors and codes that stand for it (NestJS
 * `UnauthorizedException`, tRPC `UNAUTHORIZED`, GraphQL `UNAUTHENTICATED`). A branch that refuses only
 * so, on a test of no more than whether a lookup found something (`if (user == null) ctx.throw(401)`),
 * authenticates — no account answers to these credentials — and decides no right.
 */
export const UNAUTHENTICATED_STATUSES: readonly number[] = [401];
export const UNAUTHENTICATED_REFUSALS: readonly string[] = [
  'UnauthorizedException',
  'UnauthorizedError',
  'UnauthenticatedError',
  'unauthorized',
  'Unauthorized',
  'UNAUTHORIZED',
  'UNAUTHENTICATED',
];
const unauthenticated = nameSet(UNAUTHENTICATED_REFUSALS);

/** A status, error or code that refuses, and whether it refuses for want of identity alone (401). */
export function refusesUnauthenticated(refusal: number | string): boolean {
  return typeof refusal === 'number' ? UNAUTHENTICATED_STATUSES.includes(refusal) : unauthenticated.has(refusal);
}

/**
 * Errors a job worker throws to refuse a job for good (BullMQ's `UnrecoverableError`: failed without
 * retries): a worker has no response to refuse, so this is its 403.
 */
export const JOB_REFUSAL_ERRORS: readonly string[] = ['UnrecoverableError'];
/** tRPC and GraphQL codes that refuse: `new TRPCError({ code: 'FORBIDDEN' })`, `extensions: { code: 'FORBIDDEN' }`. */
export const AUTH_CODES: readonly string[] = ['FORBIDDEN', 'UNAUTHORIZED', 'UNAUTHENTICATED'];
/** Error classes that answer 404. */
export const HIDING_ERRORS: readonly string[] = ['NotFoundException', 'NotFoundError', 'notFound', 'NotFound'];

/** Words of a plain error's message that refuse for lack of rights: `throw new Error('forbidden')`. */
export const REFUSAL_WORDS: readonly string[] = [
  'forbidden',
  'refused',
  'unauthori',
  'not authori',
  'denied',
  'not allowed',
  'not permitted',
  'permission',
  'insufficient',
  'not licensed',
  'not entitled',
  'not eligible',
  'not cleared',
  'suspended',
  'revoked',
  'banned',
  'barred',
];

/**
 * Words of a plain error's message (or an error class's name) that refuse because a limit is reached:
 * `new GraphQLError('packet quota reached')`, `QuotaExceeded`. A limit's refusal decides as a 409 or a
 * 429 does: only on a comparison of what was read with the caller's value.
 */
export const LIMIT_WORDS: readonly string[] = ['quota', 'limit reached', 'limit exceeded', 'exceeds', 'exhausted', 'used up'];

const LIMIT = new RegExp(LIMIT_WORDS.map((w) => w.replace(/ /g, '[\\s_-]?')).join('|'), 'i');

/** Whether a plain error's message, or an error class's name (`QuotaExceeded`), says a limit is reached. */
export function limitMessage(text: string): boolean {
  return LIMIT.test(text.replace(/([a-z])([A-Z])/g, '$1 $2'));
}

/**
 * Error classes that say nothing by their name, whose message says whether they refuse:
 * `new Error('forbidden')`, `new HttpError('permission denied')`, `new GraphQLError('not authorised')`
 * (a GraphQL error with a code says it by the code).
 */
export const MESSAGE_ERRORS: readonly string[] = ['Error', 'HttpError', 'HttpException', 'GraphQLError'];
export function isMessageError(name: string): boolean {
  return MESSAGE_ERRORS.includes(name);
}

/**
 * Keys of a result object a layered function returns for its caller to answer with, whose text says
 * what a plain error's message would: `return { ok: false, error: 'device revoked' }` (a protocol with
 * no status, such as a TLS socket's reply line, or a service layer that returns instead of throwing).
 */
export const RESULT_MESSAGE_KEYS: readonly string[] = ['error', 'message', 'reason'];
export function isResultMessageKey(name: string): boolean {
  return RESULT_MESSAGE_KEYS.includes(name);
}

/** Methods whose `false` answer refuses the request: NestJS guards. */
export const GUARD_METHODS: readonly string[] = ['canActivate'];

export type RefusalKind = 'auth' | 'hiding' | 'conflict' | 'locked';

/** The kind of refusal a status code is. */
export function statusRefusal(status: number): RefusalKind | undefined {
  if (AUTH_STATUSES.includes(status)) return 'auth';
  if (HIDING_STATUSES.includes(status)) return 'hiding';
  if (CONFLICT_STATUSES.includes(status)) return 'conflict';
  if (LOCKED_STATUSES.includes(status)) return 'locked';
  return undefined;
}

/** The status that stands for each kind of refusal, where an app maps an error class to one (`if (err instanceof LockHeld) return reply.code(423)`). */
export const KIND_STATUS: Readonly<Record<RefusalKind, number>> = { auth: 403, hiding: 404, conflict: 409, locked: 423 };

/** The kind of refusal an error class, factory or status constant name is. */
export function namedRefusal(name: string): RefusalKind | undefined {
  if (AUTH_ERRORS.includes(name) || AUTH_CODES.includes(name) || JOB_REFUSAL_ERRORS.includes(name)) return 'auth';
  if (name in STATUS_NAMES) return statusRefusal(STATUS_NAMES[name]);
  if (HIDING_ERRORS.includes(name)) return 'hiding';
  if (CONFLICT_ERRORS.includes(name)) return 'conflict';
  return undefined;
}

const WORDS = new RegExp(REFUSAL_WORDS.map((w) => w.replace(/ /g, '[\\s_-]?')).join('|'), 'i');

/** Whether a plain error's message, or an error class's name (`CalibrationDenied`), says the request lacks rights. */
export function refusalMessage(text: string): boolean {
  return WORDS.test(text.replace(/([a-z])([A-Z])/g, '$1 $2'));
}

const MARKERS = `\\b(?:${[...AUTH_STATUSES, ...HIDING_STATUSES, ...CONFLICT_STATUSES, ...LOCKED_STATUSES].join('|')})\\b|${[...AUTH_ERRORS, ...AUTH_CODES, ...JOB_REFUSAL_ERRORS, ...HIDING_ERRORS, ...CONFLICT_ERRORS, ...Object.keys(STATUS_NAMES)].join('|')}|${WORDS.source}|${LIMIT.source}`;
const GUARD_REFUSAL = `return\\s+false\\b`;

/**
 * Methods of a connection that send to the peer (`socket.write('ERR not permitted\n')`, `socket.end(…)`):
 * a line protocol with no status says its refusal in what it writes there.
 */
export const PEER_WRITES: readonly string[] = ['write', 'end'];
export function isPeerWrite(name: string): boolean {
  return PEER_WRITES.includes(name);
}

/** Text that can hold a refusal, for prefilters. */
export const REFUSAL_TEXT = new RegExp(`${MARKERS}|${GUARD_REFUSAL}`, 'i');

/**
 * A function's text that can hold a refusal: a marker, or `return false` where a guard's method is
 * (elsewhere `false` is only an answer, not a refusal of the request).
 */
export function mayRefuseIn(text: string): boolean {
  return MARKER_TEXT.test(text) || (GUARD_REFUSAL_TEXT.test(text) && GUARD_METHODS.some((m) => text.includes(m)));
}
const MARKER_TEXT = new RegExp(MARKERS, 'i');
const GUARD_REFUSAL_TEXT = new RegExp(GUARD_REFUSAL, 'i');
