import { nameSet } from './patterns';

/**
 * The clock: values that say only "now". A write whose every value is one of these records activity
 * (`lastActiveAt = new Date()`, `data: { updatedOn: new Date() }`, `SET last_used = NOW()`) rather
 * than changing what anyone may do: `operations.ts` does not count it as a guarded operation.
 * A time computed from now (`Date.now() + ttl`, an expiry pushed out) is not the clock: it grants.
 */

/** Classes whose construction with no argument (or with the clock itself) is now: `new Date()`. */
export const CLOCK_CLASSES: readonly string[] = ['Date'];

/**
 * Calls that return now, by their last name and, when they need one, their receiver:
 * `Date.now()`, `performance.now()`, `knex.fn.now()`, `DateTime.now()` (Luxon), a bare `now()`.
 */
export const CLOCK_CALLS: readonly string[] = ['now', 'utcNow', 'currentTimestamp'];
/** Factories of a date that are now when called with no argument: `dayjs()`, `moment()`, `DateTime.utc()`. */
export const CLOCK_FACTORIES: readonly string[] = ['dayjs', 'moment', 'utc'];

/** Methods that turn a clock value into another form of it: `new Date().toISOString()`, `dayjs().toDate()`. */
export const CLOCK_FORMS: readonly string[] = [
  'toISOString',
  'toJSON',
  'getTime',
  'valueOf',
  'toDate',
  'unix',
  'toUTCString',
  'toMillis',
  'toSeconds',
  'toSQL',
  'format',
  'toString',
];

/** SQL's clock, as a whole value (`NOW()`, `CURRENT_TIMESTAMP`), in any dialect. */
export const SQL_CLOCK: readonly string[] = [
  'now()',
  'current_timestamp',
  'current_timestamp()',
  'current_date',
  'current_time',
  'localtimestamp',
  'localtime',
  'sysdate()',
  'systimestamp',
  'utc_timestamp()',
  'getdate()',
  'getutcdate()',
  'sysdatetime()',
  'sysutcdatetime()',
  "datetime('now')",
  'unixepoch()',
  'statement_timestamp()',
  'clock_timestamp()',
  'transaction_timestamp()',
];
/** ORM helpers that wrap SQL: `sequelize.fn('NOW')`, `Sequelize.literal('CURRENT_TIMESTAMP')`, `sql.raw('now()')`. */
export const SQL_WRAPPERS: readonly string[] = ['fn', 'literal', 'raw'];

const classes = nameSet(CLOCK_CLASSES);
const calls = nameSet(CLOCK_CALLS);
const factories = nameSet(CLOCK_FACTORIES);
const forms = nameSet(CLOCK_FORMS);
const sqlClock = nameSet(SQL_CLOCK);
const wrappers = nameSet(SQL_WRAPPERS);

export function isClockClass(name: string): boolean {
  return classes.has(name);
}
/** `now` in `Date.now()`, `knex.fn.now()`, `now()`. */
export function isClockCall(name: string): boolean {
  return calls.has(name);
}
export function isClockFactory(name: string): boolean {
  return factories.has(name);
}
export function isClockForm(name: string): boolean {
  return forms.has(name);
}
/** SQL text that is the clock and nothing else: `NOW()`, `current_timestamp`, `datetime('now')`. */
export function isSqlClock(text: string): boolean {
  return sqlClock.has(text.trim().toLowerCase().replace(/\s+/g, '')) || sqlClock.has(text.trim().toLowerCase());
}
export function isSqlWrapper(name: string): boolean {
  return wrappers.has(name);
}

/**
 * Fields that say when a record was last used — bookkeeping, unlike a timestamp that is a state
 * (`revoked_at`, `deleted_at`, `used_at` of a single-use token, `expires_at`): `last` and an
 * activity word (`lastUsedAt`, `last_seen`, `lastLoginAt`, `lastActivity`), or a stamp of change or
 * activity (`updatedAt`, `updated_on`, `modifiedAt`, `activeAt`, `seenAt`). Compared without case,
 * `_` or `-`.
 */
export const LAST_ACTIVITY_WORDS: readonly string[] = [
  'used',
  'seen',
  'active',
  'activity',
  'access',
  'accessed',
  'login',
  'signin',
  'ping',
  'pinged',
  'heartbeat',
  'touched',
  'request',
  'connected',
];
export const STAMP_FIELDS: readonly string[] = [
  'updatedat',
  'updatedon',
  'modifiedat',
  'modifiedon',
  'lastmodified',
  'activeat',
  'seenat',
  'accessedat',
  'pingedat',
  'touchedat',
  'heartbeatat',
];

const lastWords = nameSet(LAST_ACTIVITY_WORDS);
const stamps = nameSet(STAMP_FIELDS);

/** `lastUsedAt`, `last_seen`, `updatedOn`, `activeAt`; not `revokedAt`, `used_at`, `lastName`, `expiresAt`. */
export function isActivityField(name: string): boolean {
  const n = name.replace(/[_-]/g, '').toLowerCase();
  if (stamps.has(n)) return true;
  if (!n.startsWith('last')) return false;
  const rest = n.slice(4).replace(/(at|on|time|date|timestamp)$/, '');
  return lastWords.has(rest);
}

/**
 * Methods that record activity by their name, for when their body cannot be seen (a model or a
 * service in another file, judged file by file): a verb that sets (`update`, `set`, `touch`,
 * `mark`, `record`, `bump`, `refresh`, `track`) followed by an activity field and maybe a `For…`/`By…`
 * tail (`updateActiveAt`, `updateLastUsedForPAT`, `touchLastSeen`, `setLastLoginAt`), or `touch()`
 * alone. When the body can be seen, what it writes decides instead (`operations.ts`).
 */
export const ACTIVITY_VERBS: readonly string[] = ['update', 'set', 'touch', 'mark', 'record', 'bump', 'refresh', 'track'];
/** Names that record activity by themselves: `session.touch()`. */
export const ACTIVITY_METHODS: readonly string[] = ['touch', 'heartbeat'];

const activityVerbs = nameSet(ACTIVITY_VERBS);
const activityMethods = nameSet(ACTIVITY_METHODS);

/** `updateActiveAt`, `updateLastUsedForPAT`, `touchLastSeen`, `touch`; not `updateRole`, `setActive`, `updateLastName`. */
export function namesActivityRecord(name: string): boolean {
  if (activityMethods.has(name)) return true;
  const verb = /^[a-z]+/.exec(name)?.[0];
  if (verb === undefined || !activityVerbs.has(verb)) return false;
  const field = name.slice(verb.length).replace(/(For|By|Of)[A-Z0-9_].*$/, '');
  return field !== '' && isActivityField(field);
}
