/**
 * Calls through which a value keeps its meaning: conversions, element iterators, containers. (A
 * method of the value itself, `id.trim()`, keeps it too: value flow follows the receiver.)
 * Where a value comes from (the request, the certificate) is followed through them.
 */

export interface Conversion {
  name: string;
  /** What it is: a conversion of a value, a path or URL helper, an entity built from values, a combinator. */
  kind: 'convert' | 'path' | 'entity' | 'combine';
}

/** Calls that hand back (a form of) their argument: `Number(id)`, `new ObjectId(id)`, `path.join(base, name)`, `repo.create(dto)`. */
export const CONVERSIONS: readonly Conversion[] = [
  ...[
    'Number',
    'parseInt',
    'parseFloat',
    'String',
    'BigInt',
    'Boolean',
    'decodeURIComponent',
    'decodeURI',
    'unescape',
    'ObjectId',
    'ObjectID',
    'isValidObjectId',
    'toNumber',
    'toInteger',
    'toString',
    'parse',
    'from',
    'stringify',
  ].map((name) => ({ name, kind: 'convert' as const })),
  // schema validation hands back what it was given (zod `schema.safeParse(req.body).data`, Joi's `validate`)
  ...['safeParse', 'parseAsync', 'safeParseAsync', 'validate', 'validateAsync', 'validateSync'].map((name) => ({ name, kind: 'convert' as const })),
  // `/CN=([^,]+)/.exec(dn)`, `dn.match(re)`: a match holds parts of its argument
  ...['exec', 'match'].map((name) => ({ name, kind: 'convert' as const })),
  ...['basename', 'join', 'resolve', 'normalize'].map((name) => ({ name, kind: 'path' as const })),
  ...['create', 'merge', 'assign', 'build'].map((name) => ({ name, kind: 'entity' as const })),
  // `Buffer.concat(chunks)`, `a.concat(b)`: the parts, joined
  ...['all', 'fromEntries', 'entries', 'values', 'freeze', 'concat'].map((name) => ({ name, kind: 'combine' as const })),
];

/**
 * A setting the code makes from literals or its environment (`Number(process.env.LIMIT ?? 500)`): the
 * conversions it is passed through, and where the environment is read.
 */
export const SETTING_CONVERSIONS: readonly string[] = ['Number', 'parseInt', 'parseFloat', 'String', 'Boolean'];
export const ENVIRONMENT_OBJECT: readonly [string, string] = ['process', 'env'];

/**
 * A schema's asynchronous validation of a value (Joi `schema.validateAsync(body)`, zod `schema.parseAsync(body)` /
 * `safeParseAsync`): it settles without waiting for I/O, so no other request runs while it is awaited.
 */
export const SCHEMA_VALIDATIONS: readonly string[] = ['validateAsync', 'parseAsync', 'safeParseAsync'];
export function validatesSchema(method: string): boolean {
  return SCHEMA_VALIDATIONS.includes(method);
}

/** Array methods whose callback's first parameter is each element of the receiver: `ids.map((id) => …)`. */
export const ELEMENT_ITERATORS: readonly string[] = ['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find', 'findIndex', 'reduce'];

/** Array methods whose result holds what their callback returns: `keys.map((k, i) => [k, m[i + 1]])`. */
export const ELEMENT_MAPPERS: readonly string[] = ['map', 'flatMap'];
export function mapsElements(method: string): boolean {
  return ELEMENT_MAPPERS.includes(method);
}

/** Array methods that add the elements they are given to the receiver: `routes.push({ method, handler })`. */
export const ELEMENT_ADDERS: readonly string[] = ['push', 'unshift'];

/** Array methods that hand back one element of the receiver: `routes.find((r) => r.method === req.method)`. */
export const ELEMENT_LOOKUPS: readonly string[] = ['find', 'findLast'];
export function looksUpElement(method: string): boolean {
  return ELEMENT_LOOKUPS.includes(method);
}

/** Library classes whose instances hold what they were built from: `new Map(entries)`, `new X509Certificate(pem)`. */
export const CONTAINER_CLASSES: readonly string[] = ['Map', 'Set', 'URL', 'URLSearchParams', 'X509Certificate', 'Buffer', 'String', 'Array'];

/** The class whose executor's first parameter settles it with a value: `new Promise((resolve) => resolve(body))`. */
export const PROMISE_CLASS = 'Promise';

const conversions = new Set(CONVERSIONS.map((c) => c.name));
const iterators = new Set(ELEMENT_ITERATORS);

export function isConversion(name: string): boolean {
  return conversions.has(name);
}
export function iteratesElements(method: string): boolean {
  return iterators.has(method);
}
export function isContainerClass(name: string): boolean {
  return CONTAINER_CLASSES.includes(name);
}

/**
 * Config getters that take a fallback after the key: NestJS `config.get('MTLS_HEADER', 'x-client-cert')`
 * (and `getOrThrow`). The fallback is one of the values the call can answer.
 */
export const CONFIG_GETTERS_WITH_DEFAULT: readonly string[] = ['get', 'getOrThrow'];

/** The fallback argument of a config getter call (`config.get('KEY', 'fallback')` → the second), by its name and argument count. */
export function configFallbackIndex(method: string, argumentCount: number): number | undefined {
  return CONFIG_GETTERS_WITH_DEFAULT.includes(method) && argumentCount === 2 ? 1 : undefined;
}
