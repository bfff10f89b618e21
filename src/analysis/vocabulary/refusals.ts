/**
 * How a request is refused for lack of rights, by framework: the status codes, the error classes
 * and factories that carry them, and the words of a plain error's message. A branch that ends the
 * request with one of these is a refusal; what it refuses on (an awaited read) makes it a decision.
 */

/** Statuses that refuse for lack of identity or rights. */
export const AUTH_STATUSES: readonly number[] = [401, 403];
/** A status that hides a record from someone who may not see it (counted only when more than existence is tested). */
export const HIDING_STATUSES: readonly number[] = [404];

/** Named status constants: NestJS `HttpStatus.FORBIDDEN`, `http-status-codes`' `StatusCodes.FORBIDDEN`. */
export const STATUS_NAMES: Readonly<Record<string, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
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
/** tRPC and GraphQL codes that refuse: `new TRPCError({ code: 'FORBIDDEN' })`, `extensions: { code: 'FORBIDDEN' }`. */
export const AUTH_CODES: readonly string[] = ['FORBIDDEN', 'UNAUTHORIZED', 'UNAUTHENTICATED'];
/** Error classes that answer 404. */
export const HIDING_ERRORS: readonly string[] = ['NotFoundException', 'NotFoundError', 'notFound', 'NotFound'];

/** Words of a plain error's message that refuse for lack of rights: `throw new Error('forbidden')`. */
export const REFUSAL_WORDS: readonly string[] = ['forbidden', 'refused', 'unauthori', 'not authori', 'denied', 'not allowed', 'not permitted', 'permission', 'insufficient'];

/** Methods whose `false` answer refuses the request: NestJS guards. */
export const GUARD_METHODS: readonly string[] = ['canActivate'];

export type RefusalKind = 'auth' | 'hiding';

/** The kind of refusal a status code is. */
export function statusRefusal(status: number): RefusalKind | undefined {
  if (AUTH_STATUSES.includes(status)) return 'auth';
  if (HIDING_STATUSES.includes(status)) return 'hiding';
  return undefined;
}

/** The kind of refusal an error class, factory or status constant name is. */
export function namedRefusal(name: string): RefusalKind | undefined {
  if (AUTH_ERRORS.includes(name) || AUTH_CODES.includes(name)) return 'auth';
  if (name in STATUS_NAMES) return statusRefusal(STATUS_NAMES[name]);
  if (HIDING_ERRORS.includes(name)) return 'hiding';
  return undefined;
}

const WORDS = new RegExp(REFUSAL_WORDS.map((w) => w.replace(/ /g, '[\\s_-]?')).join('|'), 'i');

/** Whether a plain error's message, or an error class's name (`CalibrationDenied`), says the request lacks rights. */
export function refusalMessage(text: string): boolean {
  return WORDS.test(text.replace(/([a-z])([A-Z])/g, '$1 $2'));
}

/** Text that can hold a refusal, for prefilters. */
export const REFUSAL_TEXT = new RegExp(`\\b(?:${[...AUTH_STATUSES, ...HIDING_STATUSES].join('|')})\\b|${[...AUTH_ERRORS, ...AUTH_CODES, ...HIDING_ERRORS, ...Object.keys(STATUS_NAMES)].join('|')}|return\\s+false\\b|${WORDS.source}`, 'i');
