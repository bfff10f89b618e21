import { nameSet, textPattern } from './patterns';
import { REQUEST_OBJECTS } from './requests';

/**
 * Where values can outlive a request or be seen by concurrent ones: collections and the calls
 * that store into them, cache clients, the app object, globals, `AsyncLocalStorage`.
 */

export interface StoreMethod {
  name: string;
  /** The first argument is the key, the rest are values: `map.set(k, v)`, `redis.setex(k, ttl, v)`. */
  keyed?: true;
}

/** Calls that store values: collections, Redis (node-redis and ioredis spellings), caches, `Object.assign`. */
export const STORE_METHODS: readonly StoreMethod[] = [
  ...['set', 'put', 'setItem', 'setex', 'setEx', 'psetex', 'hset', 'hSet', 'hmset', 'lpush', 'rpush', 'sadd', 'sAdd', 'store', 'cache', 'remember'].map((name) => ({
    name,
    keyed: true as const,
  })),
  ...['add', 'push', 'unshift', 'mset', 'save', 'assign'].map((name) => ({ name })),
];

const stores = new Map(STORE_METHODS.map((s) => [s.name, s]));

export function isStoreMethod(name: string): boolean {
  return stores.has(name);
}
/** Calls that look into a collection or a store without changing it: `revoked.has(serial)`, `redis.sismember(k, m)`. */
export const LOOKUP_METHODS: readonly string[] = ['has', 'get', 'includes', 'sismember', 'sIsMember', 'hget', 'hGet'];

export function isLookupMethod(name: string): boolean {
  return LOOKUP_METHODS.includes(name);
}

/** Calls that take values out of a collection or a store: with the store calls, what changes one. */
export const REMOVE_METHODS: readonly string[] = ['delete', 'clear', 'splice', 'pop', 'shift', 'del', 'hdel', 'hDel', 'srem', 'sRem', 'lrem', 'lRem', 'expire'];

/** A call that changes the collection or store it is called on. */
export function isMutatingMethod(name: string): boolean {
  return stores.has(name) || REMOVE_METHODS.includes(name);
}

/** A store call whose first argument is the key. */
export function isKeyedStore(name: string): boolean {
  return stores.get(name)?.keyed === true;
}

/** `AsyncLocalStorage`: the per-request store, entered with `run`/`enterWith`, read with `getStore`. */
export const ASYNC_LOCAL_STORAGE = 'AsyncLocalStorage';
export const ASYNC_LOCAL_ENTER: readonly string[] = ['run', 'enterWith'];
export const ASYNC_LOCAL_READ = 'getStore';
/** Calls that read a value as it is kept: `cache.get(k)`, `storage.getStore()`. */
export const VALUE_READS: readonly string[] = ['get', ASYNC_LOCAL_READ];

/** Built-in collections and what they are called in messages. */
export const COLLECTION_CLASSES: readonly { name: string; weak?: true }[] = [{ name: 'Map' }, { name: 'Set' }, { name: 'WeakMap', weak: true }, { name: 'WeakSet', weak: true }];

export function collectionClassOf(name: string): { name: string; weak?: true } | undefined {
  return COLLECTION_CLASSES.find((c) => c.name === name);
}

export interface CacheSource {
  name: string;
  kind: 'class' | 'factory' | 'module';
}

/** Caches and cache clients: in-memory LRU/TTL caches, Keyv, cache-manager, Redis and memcached clients. */
export const CACHE_SOURCES: readonly CacheSource[] = [
  ...['LRUCache', 'LRU', 'QuickLRU', 'NodeCache', 'TTLCache', 'Keyv', 'Cache', 'MemoryCache', 'Redis', 'Cluster', 'Memcached', 'Memcache', 'MemcacheClient'].map((name) => ({
    name,
    kind: 'class' as const,
  })),
  ...['createClient', 'createCluster', 'createCache', 'caching', 'createRedisClient', 'createKeyv', 'memoize'].map((name) => ({ name, kind: 'factory' as const })),
  ...['redis', 'ioredis', '@redis/client', 'memcached', 'memjs', 'lru-cache', 'quick-lru', 'node-cache', '@isaacs/ttlcache', 'keyv', 'cache-manager', '@nestjs/cache-manager'].map(
    (name) => ({ name, kind: 'module' as const }),
  ),
];

const cacheSources = (kind: CacheSource['kind']): ReadonlySet<string> => nameSet(CACHE_SOURCES.filter((c) => c.kind === kind).map((c) => c.name));
const cacheClasses = cacheSources('class');
const cacheFactories = cacheSources('factory');
const cacheModules = cacheSources('module');

/** `new LRUCache(…)`, `createClient()`, … */
export function makesCache(callee: string): boolean {
  return cacheClasses.has(callee) || cacheFactories.has(callee);
}
/** A package whose export is a cache client: `import redis from 'redis'`. */
export function isCacheModule(module: string): boolean {
  return cacheModules.has(module);
}

/** Words of fields and variables that hold a cache: `this.cache`, `sessionStore`, `userMap`. */
export const CACHE_NAME_WORDS: readonly { text: string; at: 'anywhere' | 'end' }[] = [
  ...['cache', 'redis', 'memcache', 'store', 'session', 'registry', 'lookup'].map((text) => ({ text, at: 'anywhere' as const })),
  { text: 'map', at: 'end' },
];
const cacheName = new RegExp(
  `${textPattern(CACHE_NAME_WORDS.filter((w) => w.at === 'anywhere').map((w) => w.text)).source}|${
    textPattern(
      CACHE_NAME_WORDS.filter((w) => w.at === 'end').map((w) => w.text),
      { after: '$' },
    ).source
  }`,
  'i',
);

export function namesCache(name: string): boolean {
  return cacheName.test(name);
}

/** The app or server object: it lives as long as the process. */
export const APP_OBJECTS: readonly string[] = ['app', 'fastify', 'server', 'instance'];
/** Globals: shared by every request. */
export const GLOBAL_OBJECTS: readonly string[] = ['global', 'globalThis', 'window'];

/**
 * Types of the app or server object a function may declare as its `this` (Fastify binds a hook's and
 * a handler's `this` to the instance: `function (this: FastifyInstance, request) { this.x = … }`).
 */
export const APP_INSTANCE_TYPES: readonly string[] = ['FastifyInstance'];
export function isAppInstanceType(typeText: string): boolean {
  const last = typeText.replace(/<.*$/s, '').split('.').at(-1)?.replace(/\W/g, '') ?? '';
  return APP_INSTANCE_TYPES.includes(last);
}

export function isAppObject(name: string): boolean {
  return APP_OBJECTS.includes(name);
}
export function isGlobalObject(name: string): boolean {
  return GLOBAL_OBJECTS.includes(name);
}

/**
 * Receivers whose calls change no state an authorization decision protects, nor a database:
 * built-ins, loggers, utilities, parts of the request and response, the app, message buses and
 * sockets, the page, metrics, cache clients.
 */
export type ReceiverKind = 'builtin' | 'logger' | 'utility' | 'request-part' | 'response' | 'context' | 'app' | 'messaging' | 'page' | 'observability' | 'cache-client' | 'process';

export interface StatelessReceiver {
  /** A whole name, or (with `suffix`) the end of one: `…Element`, `…Emitter`. */
  name: string;
  kind: ReceiverKind;
  suffix?: true;
}

const kind = (k: ReceiverKind, names: readonly string[]): StatelessReceiver[] => names.map((name) => ({ name, kind: k }));

export const STATELESS_RECEIVERS: readonly StatelessReceiver[] = [
  ...kind('builtin', ['Object', 'Array', 'JSON', 'Math', 'Promise', 'Reflect', 'Buffer', 'Date', 'String', 'Number']),
  ...kind('logger', ['console', 'logger', 'log', 'this.logger']),
  ...kind('utility', ['_', 'lodash', 'path', 'url']),
  ...kind('request-part', ['headers', 'searchParams', 'params', 'query', 'body', 'cookies', 'session']),
  ...kind(
    'response',
    REQUEST_OBJECTS.filter((o) => o.role === 'response').map((o) => o.name),
  ),
  ...kind(
    'context',
    REQUEST_OBJECTS.filter((o) => o.role === 'context').map((o) => o.name),
  ),
  ...kind('app', ['router', 'app', 'server', 'fastify']),
  ...kind('messaging', [
    'socket',
    'emitter',
    'events',
    'eventEmitter',
    'bus',
    'eventBus',
    'pubsub',
    'pubSub',
    'io',
    'gateway',
    'notifier',
    'notificationService',
    'notificationsService',
  ]),
  { name: 'Emitter', kind: 'messaging', suffix: true },
  ...kind('page', ['classList', 'element', 'el', 'window', 'dom', 'style', 'dataset', 'parentNode', 'parentElement']),
  { name: 'Element', kind: 'page', suffix: true },
  ...kind('observability', ['metrics', 'tracer', 'span']),
  ...kind('cache-client', ['cacheManager', 'cache']),
  ...kind('process', ['process']),
];

function receiverTest(kinds: readonly ReceiverKind[]): (name: string) => boolean {
  const entries = STATELESS_RECEIVERS.filter((r) => kinds.includes(r.kind));
  const whole = nameSet(entries.filter((e) => !e.suffix).map((e) => e.name));
  const suffixes = entries.filter((e) => e.suffix).map((e) => e.name);
  return (name) => whole.has(name) || suffixes.some((s) => name.endsWith(s));
}

/** A receiver whose methods only answer the client, log or compute: `res.send`, `logger.info`, `JSON.parse`. */
export const isNonStateReceiver = receiverTest(['builtin', 'logger', 'utility', 'request-part', 'response', 'context', 'app', 'messaging', 'process']);
/** A part of a receiver chain that is the page, a message bus, a notifier, metrics or a cache client: nothing below it is protected state. */
export const isNonStoreReceiver = receiverTest(['page', 'messaging', 'observability', 'cache-client']);
/** A receiver that is never a database: the request and response, collections, built-ins, utilities, the app, sockets. */
export const isNonDatabaseReceiver = receiverTest(['builtin', 'logger', 'utility', 'request-part', 'response', 'app', 'messaging', 'process']);

/** Collection methods whose answer is a membership test: `writers.includes(cn)`, `revoked.has(serial)`, `roles.some(…)`. */
export const MEMBERSHIP_TESTS: readonly string[] = ['includes', 'has', 'some', 'every', 'indexOf'];
/** Of those, the ones that ask about one given value (`includes(cn)`, not `some(Boolean)`). */
export const VALUE_MEMBERSHIP_TESTS: readonly string[] = ['includes', 'has', 'indexOf'];
/** Store commands that ask whether one given member is in a set kept outside the process: Redis `SISMEMBER` in either spelling. */
/**
 * Methods that compare a value with another, as `===` does: MongoDB's `ObjectId#equals`, Buffer's and
 * decimal libraries' `equals` (`doc.owner.equals(user.id)`).
 */
export const EQUALITY_METHODS: readonly string[] = ['equals'];
export const STORE_MEMBERSHIP_TESTS: readonly string[] = ['sismember', 'sIsMember', 'smismember', 'smIsMember'];
/** Classes whose `new` makes a collection in memory (an entity list, a lookup table), not a store client. */
export const IN_MEMORY_COLLECTION_CLASSES: readonly string[] = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Array'];
