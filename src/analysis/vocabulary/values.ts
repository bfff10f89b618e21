/**
 * Calls through which a value keeps its meaning: conversions, string methods, element iterators.
 * Where a value comes from (the request, the certificate) is followed through them.
 */

export interface Conversion {
  name: string;
  /** What it is: a conversion of a value, a path or URL helper, an entity built from values, a combinator. */
  kind: 'convert' | 'path' | 'entity' | 'combine';
}

/** Calls that hand back (a form of) their argument: `Number(id)`, `new ObjectId(id)`, `path.join(base, name)`, `repo.create(dto)`. */
export const CONVERSIONS: readonly Conversion[] = [
  ...['Number', 'parseInt', 'parseFloat', 'String', 'BigInt', 'Boolean', 'decodeURIComponent', 'decodeURI', 'ObjectId', 'ObjectID', 'isValidObjectId', 'toNumber', 'toInteger', 'toString', 'parse', 'from'].map((name) => ({ name, kind: 'convert' as const })),
  ...['basename', 'join', 'resolve', 'normalize'].map((name) => ({ name, kind: 'path' as const })),
  ...['create', 'merge', 'assign', 'build'].map((name) => ({ name, kind: 'entity' as const })),
  { name: 'all', kind: 'combine' },
];

/** Methods on a value that keep it the same value in another form: `id.trim()`, `ids.split(',')`. */
export const SAME_VALUE_METHODS: readonly string[] = ['trim', 'toLowerCase', 'toUpperCase', 'toString', 'valueOf', 'slice', 'substring', 'replace', 'split', 'at', 'padStart', 'normalize', 'map', 'filter', 'concat', 'join'];

/** Array methods whose callback's first parameter is each element of the receiver: `ids.map((id) => …)`. */
export const ELEMENT_ITERATORS: readonly string[] = ['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find'];

const conversions = new Set(CONVERSIONS.map((c) => c.name));
const sameValue = new Set(SAME_VALUE_METHODS);
const iterators = new Set(ELEMENT_ITERATORS);

export function isConversion(name: string): boolean {
  return conversions.has(name);
}
export function keepsValue(method: string): boolean {
  return sameValue.has(method);
}
export function iteratesElements(method: string): boolean {
  return iterators.has(method);
}
