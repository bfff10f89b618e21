/**
 * Calls through which a value flows unchanged in kind: what a trace of "where does this value come
 * from" passes through. These are library APIs (the language's and Node's), not project names.
 */

/** Functions and methods that hand back a form of their arguments (and of their receiver, for methods). */
export const CONVERSIONS: readonly string[] = [
  'Number', 'parseInt', 'parseFloat', 'String', 'BigInt', 'Boolean', 'decodeURIComponent', 'decodeURI', 'unescape', 'ObjectId', 'ObjectID', 'isValidObjectId',
  'toNumber', 'toInteger', 'toString', 'parse', 'basename', 'join', 'resolve', 'normalize', 'from', 'all', 'exec', 'match', 'fromEntries', 'entries', 'values', 'freeze', 'stringify',
  // an entity built from the values: `repo.create(dto)`, `Object.assign(new X(), dto)`
  'create', 'merge', 'assign', 'build',
];

/** Array methods whose callback's first parameter is an element of the receiver. */
export const ITERATORS: readonly string[] = ['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find', 'findIndex', 'reduce'];

/** Library classes whose instances hold what they were built from: `new Map(entries)`, `new X509Certificate(pem)`. */
export const CONTAINER_CLASSES: readonly string[] = ['Map', 'Set', 'URL', 'URLSearchParams', 'X509Certificate', 'Buffer', 'String', 'Array'];
