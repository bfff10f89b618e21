import { nameSet } from './patterns';

/** HTTP client packages: a call through them is a request to another service. */
export const HTTP_CLIENT_MODULES: readonly string[] = ['axios', 'got', 'ky', 'node-fetch', 'undici', 'superagent', 'needle', 'cross-fetch', 'isomorphic-fetch'];
/** Functions that are clients by themselves: `fetch(url)`, `axios(url)`, `got(url)`, `ky(url)`. */
export const HTTP_CLIENT_FUNCTIONS: readonly string[] = ['fetch', 'axios', 'got', 'ky'];

export interface HttpMethod {
  name: string;
  /** Only reads on the other side. */
  readOnly: boolean;
}

/** Methods of HTTP clients: `axios.get`, `got.post`, `this.httpService.delete`. */
export const HTTP_METHODS: readonly HttpMethod[] = [
  { name: 'get', readOnly: true },
  { name: 'head', readOnly: true },
  { name: 'post', readOnly: false },
  { name: 'put', readOnly: false },
  { name: 'patch', readOnly: false },
  { name: 'delete', readOnly: false },
  { name: 'request', readOnly: false },
  { name: 'fetch', readOnly: false },
];

/** Fields of a class that hold an HTTP client (NestJS `HttpService` and friends): `this.httpService.get(url)`. */
export const HTTP_CLIENT_FIELDS: readonly string[] = ['httpService', 'http', 'httpClient', 'apiClient', 'client', 'api'];
/** The factories of client instances: `axios.create({ baseURL })`, `got.extend({ prefixUrl })`, `ky.create(…)`. */
export const HTTP_CLIENT_FACTORIES: readonly string[] = ['create', 'extend'];
export function isHttpClientFactory(name: string): boolean {
  return HTTP_CLIENT_FACTORIES.includes(name);
}
/**
 * Readers of a request's answer chained on the request itself (got and ky: `await api.post('jobs', { json }).json()`):
 * the request is the call before them, not a step of a query builder.
 */
export const HTTP_RESPONSE_READERS: readonly string[] = ['json', 'text', 'buffer', 'blob', 'arrayBuffer'];
export function isHttpResponseReader(name: string): boolean {
  return HTTP_RESPONSE_READERS.includes(name);
}
/** Options of a request that choose its target, and those that scope it. */
export const HTTP_TARGET_OPTIONS: readonly string[] = ['url', 'params', 'baseURL', 'path'];
export const HTTP_SCOPE_OPTIONS: readonly string[] = ['params', 'searchParams', 'url'];

/**
 * Node's own HTTP modules and their functions that open a request to another server (`https.request(opts, cb)`,
 * `http.get(url)`): what they return is that request, a stream whose `destroy()`/`end()` are its own, no store's.
 */
export const NODE_HTTP_MODULES: readonly string[] = ['http', 'https', 'http2', 'node:http', 'node:https', 'node:http2'];
export const NODE_REQUEST_FUNCTIONS: readonly string[] = ['request', 'get', 'connect'];

const modules = nameSet(HTTP_CLIENT_MODULES);
const methods = new Map(HTTP_METHODS.map((m) => [m.name, m]));
const fields = nameSet(HTTP_CLIENT_FIELDS.map((f) => f.toLowerCase()));

export function isHttpClientModule(module: string): boolean {
  return modules.has(module);
}
export function isHttpMethod(name: string): boolean {
  return methods.has(name);
}
/** A method (any case: `GET`, `get`) that only reads. */
export function isReadOnlyHttpMethod(name: string): boolean {
  return methods.get(name.toLowerCase())?.readOnly === true;
}
/** `httpService`, `apiClient`, … in any case. */
export function isHttpClientField(name: string): boolean {
  return fields.has(name.toLowerCase());
}

/** `https.request(…)`, `http.get(…)` of a Node HTTP module the file imports or requires (`module` is its specifier). */
export function isNodeRequestFunction(module: string, fn: string): boolean {
  return NODE_HTTP_MODULES.includes(module) && NODE_REQUEST_FUNCTIONS.includes(fn);
}
