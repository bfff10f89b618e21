import { nameSet, startsWithWord, textPattern } from './patterns';

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
export const CHECK_VERBS: readonly string[] = ['assert', 'ensure', 'require', 'check', 'authorize', 'authorise', 'verify', 'guard', 'enforce', 'validate', 'throwUnless', 'throwIf', 'demand', 'must'];

const assertions = nameSet(ASSERTIONS);
const checkVerbs = CHECK_VERBS.flatMap((v) => [v, v.charAt(0).toUpperCase() + v.slice(1)]);

export function isAssertion(name: string): boolean {
  return assertions.has(name);
}

/** A call that throws when its check fails: an assertion, or a name led by a check verb (`assertSameTenant`, `Authorize`, `check_access`). */
export function isThrowingCheck(name: string): boolean {
  return assertions.has(name) || startsWithWord(name, checkVerbs) !== undefined;
}

/**
 * What a refusal for lack of rights says, in its status, exception or message: 401/403/404,
 * `ForbiddenException`, `unauthorized`, `denied`, `not found` (hiding a record), `no permission`.
 */
export const REFUSAL_WORDS: readonly { text: string; kind: 'status' | 'word' }[] = [
  ...['401', '403', '404'].map((text) => ({ text, kind: 'status' as const })),
  ...['forbid', 'unauthoriz', 'unauthoris', 'denied', 'notfound', 'not found', 'not-found', 'not_found', 'permission', 'access', 'not allowed', 'owner', 'revoked'].map((text) => ({ text, kind: 'word' as const })),
];

const refusalText = new RegExp(
  [
    textPattern(REFUSAL_WORDS.filter((w) => w.kind === 'status').map((w) => w.text), { wordStart: true, wordEnd: true }).source,
    textPattern(REFUSAL_WORDS.filter((w) => w.kind === 'word').map((w) => w.text)).source,
  ].join('|'),
  'i',
);

/** Whether a branch's text refuses for lack of rights (rather than "conflict" or "bad input"). */
export function saysAccessRefused(text: string): boolean {
  return refusalText.test(text);
}
