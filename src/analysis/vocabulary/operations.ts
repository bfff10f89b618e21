import { STORE_CLIENTS } from './stores';
import { DEFERRING_CALLEES as DEFERRALS } from './deferral';
/**
 * Calls that change state an authorization decision protects, by API: ORM and driver writes,
 * raw-SQL verbs, key-value and document store writes, outbound HTTP methods that change things,
 * and what only builds an entity in memory. The operations model (`operations.ts`) reads these.
 */

/**
 * ORM, driver and store methods that write, delete or grant (Prisma, TypeORM, Sequelize, Mongoose, MongoDB, Knex, Drizzle,
 * MikroORM, Objection, Kysely, DynamoDB, Redis, Elasticsearch, S3). Matched without regard to case: ioredis spells
 * Redis commands `hset`, node-redis `hSet`.
 */
export const STORE_WRITES: readonly string[] = [
  // records
  'update',
  'updateOne',
  'updateMany',
  'upsert',
  'delete',
  'deleteOne',
  'deleteMany',
  'destroy',
  'remove',
  'save',
  'insert',
  'insertOne',
  'insertMany',
  'create',
  'createMany',
  'bulkCreate',
  'bulkWrite',
  'increment',
  'decrement',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndRemove',
  'findOneAndReplace',
  'findByIdAndUpdate',
  'findByIdAndDelete',
  'findByIdAndRemove',
  'replaceOne',
  'softDelete',
  'softRemove',
  'restore',
  'truncate',
  'del',
  'patch',
  'patchAndFetchById',
  'updateAndFetchById',
  'deleteById',
  'insertAndFetch',
  'persistAndFlush',
  'removeAndFlush',
  'flush',
  'nativeUpdate',
  'nativeDelete',
  'insertInto',
  'deleteFrom',
  'updateTable',
  'relate',
  'unrelate',
  // key-value, document and object stores
  'hset',
  'hdel',
  'hincrby',
  'sadd',
  'srem',
  'lpush',
  'rpush',
  'lrem',
  'zadd',
  'zrem',
  'incr',
  'incrby',
  'decr',
  'decrby',
  'getdel',
  'setex',
  'psetex',
  'hmset',
  'mset',
  // set only where nothing is yet (`hsetnx(seats, seat, member)`): a write, whose answer says whether it took
  'setnx',
  'hsetnx',
  'msetnx',
  'zincrby',
  'lpop',
  'rpop',
  'spop',
  'smove',
  'expire',
  'unlink',
  // streams: an entry appended is a message other services act on
  'xadd',
  'deleteByQuery',
  'updateByQuery',
  'reindex',
  // Elasticsearch and OpenSearch: a document indexed, many written at once
  'index',
  'bulk',
  'putObject',
  'deleteObject',
  'deleteObjects',
  'copyObject',
  'upload',
];

const STORE_WRITE_SET = new Set(STORE_WRITES.map((w) => w.toLowerCase()));

/** Calls that run a script on the store server (`redis.eval(LUA, 1, key, …)`, `evalsha`, node-redis `evalSha`). */
export const SERVER_SCRIPT_CALLS: readonly string[] = ['eval', 'evalsha', 'evalSha', 'fcall'];
/** Commands a script names that write besides the store-write table: a plain `SET`. */
export const SCRIPT_WRITE_COMMANDS: readonly string[] = ['set', 'setnx', 'del'];

export function isServerScriptCall(name: string): boolean {
  return SERVER_SCRIPT_CALLS.includes(name);
}

/**
 * A script's text that writes (`redis.call('INCR', KEYS[1])`): what it tests, it changes in the same step on
 * the server — a reservation, whose answer no other request can make stale.
 */
export function scriptWrites(text: string): boolean {
  for (const m of text.matchAll(/redis\.p?call\(\s*['"]([A-Za-z]+)['"]/g)) {
    const command = m[1].toLowerCase();
    if (STORE_WRITE_SET.has(command) || SCRIPT_WRITE_COMMANDS.includes(command)) return true;
  }
  return false;
}
/** A method of the store-write table, in either spelling. */
export function isStoreWrite(name: string): boolean {
  return STORE_WRITE_SET.has(name.toLowerCase());
}

/**
 * Options that make a write conditional on what was read: a DynamoDB `ConditionExpression` (checked
 * against the fields it names), Elasticsearch's sequence number and primary term of the document read.
 */
export const CONDITION_KEYS: readonly string[] = ['ConditionExpression'];
/**
 * A DynamoDB transaction's item that only checks a condition on another record (`TransactItems: [{ ConditionCheck: {
 * TableName, Key, ConditionExpression } }, { Update: … }]`): the transaction writes nothing unless it holds, and the
 * table (`TableName`) it asks of.
 */
export const TRANSACTION_CHECK_KEY = 'ConditionCheck';
export const TABLE_NAME_KEY = 'TableName';
export const READ_VERSION_KEYS: readonly string[] = ['if_seq_no', 'ifSeqNo', 'if_primary_term', 'ifPrimaryTerm'];
/**
 * Options holding a script the store runs on the record as it writes it (Elasticsearch
 * `update({ script: { source } })`): one that tests a field the decision tested re-checks it there.
 */
export const SCRIPT_KEYS: readonly string[] = ['script'];
/** The field of a script object that holds its text: `script: { source: '…', params }`. */
export const SCRIPT_SOURCE_KEY = 'source';

/**
 * Verbs of operations on a service of the app that change what someone may do or own: a method
 * whose name starts with one (`ledger.debit`, `payouts.createInstant`, `grants.issueToken`) and
 * whose promise is awaited or returned is a transfer, grant or write.
 */
export const OPERATION_VERBS: readonly string[] = [
  'create',
  'update',
  'upsert',
  'delete',
  'destroy',
  'remove',
  'insert',
  'save',
  'put',
  'patch',
  'drop',
  'purge',
  'archive',
  'restore',
  'transfer',
  'withdraw',
  'deposit',
  'pay',
  'charge',
  'refund',
  'debit',
  'credit',
  'payout',
  'grant',
  'revoke',
  'issue',
  'approve',
  'assign',
  'publish',
  'promote',
  'demote',
  'ban',
  'kick',
  'invite',
  'release',
  'move',
  'increment',
  'decrement',
];

/**
 * Store commands sent as objects that change what the store holds (`client.send(new DeleteCommand({ … }))`,
 * `new SendMessageCommand(…)`): the commands the stores table (`stores.ts`) knows as writes.
 */
export const STORE_COMMANDS: readonly string[] = STORE_CLIENTS.flatMap((spec) =>
  Object.entries(spec.commands ?? {})
    // (a PartiQL statement writes or reads by its text: the statement decides, not the command)
    .filter(([, op]) => !op.readOnly && op.statement === undefined)
    .map(([name]) => name),
);

/** Methods that run raw SQL, classified by the statement's verb. */
export const SQL_RUNNERS: readonly string[] = [
  'query',
  'execute',
  'raw',
  'exec',
  'run',
  'none',
  'one',
  'oneOrNone',
  'many',
  'manyOrNone',
  'any',
  'result',
  '$executeRaw',
  '$executeRawUnsafe',
  '$queryRaw',
  '$queryRawUnsafe',
  'unsafe',
];
/** Leading SQL verbs that change rows. */
export const SQL_WRITE_VERBS: readonly string[] = ['insert', 'update', 'delete', 'merge', 'upsert', 'replace', 'truncate'];

/** HTTP methods that change state on the service called. */
export const HTTP_WRITE_METHODS: readonly string[] = ['post', 'put', 'patch', 'delete'];
/**
 * Of those, the methods that only change state: no service answers a question through them, so a test
 * of their answer (`if (res.statusCode >= 300) throw …` after a `DELETE`) is the write's own outcome.
 * `POST` is left out: policy services are asked with it (`POST /v1/data/authz/allow`).
 */
export const HTTP_CHANGE_ONLY_METHODS: readonly string[] = ['put', 'patch', 'delete'];
/** HTTP clients called as functions with a `method` option: `fetch`, undici's `request`, `axios(…)`, `got(…)`. */
export const HTTP_FUNCTIONS: readonly string[] = ['fetch', 'request', 'axios', 'got', 'ky', 'superagent'];

/** Receivers that are HTTP clients (`this.http.get(…)` of NestJS's HttpService, `axios.get`, `got.get`): a call on one goes out to another service. */
export const HTTP_CLIENT_RECEIVERS: readonly string[] = ['http', 'httpService', 'httpClient', 'axios', 'got', 'ky', 'superagent', 'undici'];

/**
 * Verbs of calls that only read the app's own data or check a value: a method whose name starts with
 * one (`store.get(id)`, `readModel.getDependencies()`, `schema.validateAsync(x)`) is a short wait, unless
 * it is called on an HTTP client.
 */
export const READ_VERBS: readonly string[] = ['get', 'find', 'list', 'count', 'exists', 'has', 'is', 'load', 'read', 'select', 'validate', 'first', 'pluck', 'search', 'query'];
const READ_VERB = new RegExp(`^(?:${READ_VERBS.join('|')})(?:[A-Z0-9_]|$)`);
export function isReadVerb(name: string): boolean {
  return READ_VERB.test(name);
}

/**
 * Members frameworks put on their request, reply and context objects: `ctx.cookies.set(…)`,
 * `res.locals.x`, `c.var.db`. A client the app keeps there under a name of its own
 * (`ctx.redis.hSet(…)`, tRPC's context `{ redis }`) is not one of them.
 */
export const FRAMEWORK_CONTEXT_MEMBERS: readonly string[] = [
  'state',
  'locals',
  'req',
  'res',
  'request',
  'response',
  'raw',
  'app',
  'var',
  'env',
  'executionCtx',
  'socket',
  'log',
  'cookies',
  'session',
  'headers',
  'query',
  'params',
  'body',
  'header',
];
export function isFrameworkContextMember(name: string): boolean {
  return FRAMEWORK_CONTEXT_MEMBERS.includes(name);
}

/** Building an entity in memory is not a write: `repo.create(dto)` (TypeORM), `Model.build()`, `em.create()` unless awaited. */
export const IN_MEMORY_BUILDERS: readonly string[] = ['create', 'build', 'merge', 'preload'];

/** Receivers that answer the client, log or compute: their calls change no protected state. */
export const NOT_A_STORE: readonly string[] = [
  'res',
  'reply',
  'response',
  'ctx',
  'c',
  'console',
  'logger',
  'log',
  'headers',
  'searchParams',
  'url',
  'params',
  'Object',
  'Array',
  'JSON',
  'Math',
  'Promise',
  'Reflect',
  'Buffer',
  'Date',
  'String',
  'Number',
  'cookies',
  'router',
  'app',
  'server',
  'fastify',
  'process',
  'crypto',
  'path',
  'document',
  'window',
  'classList',
  'element',
  'style',
  'dataset',
  'metrics',
  'tracer',
  'span',
  'schema',
  'z',
  'Joi',
];

/**
 * Writes that only add a new record or entry (an INSERT, a created row, a stream or list entry): an
 * audit trail or log appended before the change a decision guards is a wait of its own, not the
 * first half of that change. Matched without regard to case (`xadd`, `xAdd`).
 */
export const APPEND_WRITES: readonly string[] = ['insert', 'insertOne', 'insertMany', 'insertInto', 'create', 'createMany', 'bulkCreate', 'xadd', 'lpush', 'rpush'];
/**
 * Of those, the commands that append an entry to a stream or list (a trail, a message others read): after one, a
 * change to what exists in the same store is the write a decision guards, reported beside it.
 */
export const TRAIL_APPENDS: readonly string[] = ['xadd', 'lpush', 'rpush'];
const trailAppends = new Set(TRAIL_APPENDS.map((w) => w.toLowerCase()));
export function isTrailAppend(method: string): boolean {
  return trailAppends.has(method.toLowerCase());
}
/** Raw SQL that only adds rows: `INSERT` without an `ON CONFLICT … UPDATE` / `ON DUPLICATE KEY UPDATE` that changes existing ones. */
export const SQL_APPEND = /^\s*insert\b(?![\s\S]*\bon\s+(?:conflict|duplicate)\b)/i;

/**
 * Writes that add a new record only when they name none: Elasticsearch's `index({ index, document })`
 * without an `id` makes a document with a new id (with one it creates or replaces that document).
 * Method, then the field that names the record.
 */
export const APPEND_WHEN_UNKEYED: readonly (readonly [method: string, keyField: string])[] = [['index', 'id']];

/** The field whose absence makes a call of `method` an append (`id` of `index`), if it is one of those. */
export function unkeyedAppendField(method: string): string | undefined {
  return APPEND_WHEN_UNKEYED.find(([m]) => m === method)?.[1];
}

const appendWrites = new Set(APPEND_WRITES.map((w) => w.toLowerCase()));
/** Whether a write method only adds a record or entry. */
export function isAppendWrite(method: string): boolean {
  return appendWrites.has(method.toLowerCase());
}

/** Calls whose callback runs later, after the caller went on: other requests can run first. */
export const DEFERRING_CALLEES: readonly string[] = [
  'then',
  'catch',
  'finally',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'nextTick',
  'queueMicrotask',
  'on',
  'once',
  'addListener',
  'prependListener',
  'subscribe',
  'process',
];

const QUEUE_CALLS = DEFERRALS.filter((d) => d.kind === 'queue').map((d) => d.name);
const METHOD_TEXT = new RegExp(
  `\\.(?:${[...new Set([...STORE_WRITES, ...OPERATION_VERBS, ...SQL_RUNNERS, ...HTTP_WRITE_METHODS, ...QUEUE_CALLS])].map((s) => s.replace('$', '\\$')).join('|')})\\w*\\s*(?:<[^()]*>)?\\s*[(\`]|\\b(?:${STORE_COMMANDS.join('|')})\\b|\\bmethod\\s*:|\\b(?:writeFile|unlink|rm|rename)\\w*\\(`,
  'i',
);
const SQL_TEXT = new RegExp(`\\b(?:${SQL_WRITE_VERBS.join('|')})\\s`, 'i');

/** A store library's client can be made here (its module is named): its writes have any name (`redis.set`). */
const STORE_CLIENT_TEXT = new RegExp(
  `['"](?:${[...new Set(STORE_CLIENTS.flatMap((c) => c.factories.map((f) => f.module)))].map((m) => m.replace(/[/@.-]/g, (x) => `\\${x}`)).join('|')})['"]`,
);

/** Whether a text can hold an operation (a method of the tables called, a write statement, a store client), for prefilters. */
export function mayHoldOperation(text: string): boolean {
  return METHOD_TEXT.test(text) || SQL_TEXT.test(text) || STORE_CLIENT_TEXT.test(text);
}
