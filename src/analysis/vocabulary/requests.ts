import { alternation, escapeRegExp, nameSet } from './patterns';

/** The web frameworks (and plain servers) whose request objects the tool knows. */
export type Framework = 'express' | 'koa' | 'fastify' | 'hono' | 'nest' | 'node' | 'fetch';

/**
 * What a per-request name stands for: the request, the framework's context around it, the
 * response, the raw node request under a framework's wrapper, or the connection it came on.
 */
export type RequestRole = 'request' | 'context' | 'response' | 'raw' | 'connection';

export interface RequestObject {
  /** The name handlers give it, as the frameworks' docs write it. */
  name: string;
  role: RequestRole;
  frameworks: readonly Framework[];
}

/** Names of per-request objects: the one table every "is this the request" test asks. */
export const REQUEST_OBJECTS: readonly RequestObject[] = [
  { name: 'req', role: 'request', frameworks: ['express', 'node', 'fetch'] },
  { name: 'request', role: 'request', frameworks: ['fastify', 'nest', 'fetch', 'node'] },
  { name: 'ctx', role: 'context', frameworks: ['koa'] },
  { name: 'context', role: 'context', frameworks: ['koa'] },
  { name: 'c', role: 'context', frameworks: ['hono'] },
  { name: 'res', role: 'response', frameworks: ['express', 'node'] },
  { name: 'response', role: 'response', frameworks: ['express', 'node'] },
  { name: 'reply', role: 'response', frameworks: ['fastify'] },
  { name: 'resp', role: 'response', frameworks: ['express', 'node'] },
  { name: 'rawReq', role: 'raw', frameworks: ['fastify', 'node'] },
  { name: 'incoming', role: 'raw', frameworks: ['hono'] },
  { name: 'socket', role: 'connection', frameworks: ['node'] },
  { name: 'tlsSocket', role: 'connection', frameworks: ['node'] },
  { name: 'conn', role: 'connection', frameworks: ['node'] },
  { name: 'connection', role: 'connection', frameworks: ['node'] },
];

/**
 * Paths to the request, or to fields bound to one request, from a handler's parameters:
 * `bound` holds what middleware put there (identity), not what the client sent.
 */
export interface RequestPath {
  path: string;
  holds: 'request' | 'raw' | 'bound';
  framework: Framework;
}

export const REQUEST_PATHS: readonly RequestPath[] = [
  { path: 'ctx.request', holds: 'request', framework: 'koa' },
  { path: 'ctx.req', holds: 'raw', framework: 'koa' },
  { path: 'ctx.state', holds: 'bound', framework: 'koa' },
  { path: 'c.req', holds: 'request', framework: 'hono' },
  { path: 'c.var', holds: 'bound', framework: 'hono' },
  { path: 'res.locals', holds: 'bound', framework: 'express' },
  { path: 'reply.request', holds: 'request', framework: 'fastify' },
  { path: 'req.raw', holds: 'raw', framework: 'fastify' },
  { path: 'request.raw', holds: 'raw', framework: 'fastify' },
  { path: 'this.request', holds: 'request', framework: 'nest' },
  { path: 'this.req', holds: 'request', framework: 'nest' },
  // express-session / koa-session: middleware binds values to the client's session
  { path: 'req.session', holds: 'bound', framework: 'express' },
  { path: 'request.session', holds: 'bound', framework: 'fastify' },
  { path: 'ctx.session', holds: 'bound', framework: 'koa' },
];

/**
 * Fields of any object that hold per-request values set by middleware: `res.locals`, `ctx.state`,
 * `c.var`, and `@fastify/request-context`'s store (`request.requestContext.set('vessel', v)`, read back
 * with `.get('vessel')`).
 */
export const REQUEST_BOUND_FIELDS: readonly string[] = ['locals', 'state', 'var', 'requestContext'];

/** Fields of a request that are the request itself or its connection: `req.socket`, `request.raw`, `ctx.req`. */
export const REQUEST_CONNECTION_FIELDS: readonly string[] = ['socket', 'connection', 'raw', 'req', 'request', 'incoming'];

const roles = new Map(REQUEST_OBJECTS.map((o) => [o.name, o.role]));
const paths = new Map(REQUEST_PATHS.map((p) => [p.path, p]));
const boundFields = nameSet(REQUEST_BOUND_FIELDS);
const connectionFields = nameSet(REQUEST_CONNECTION_FIELDS);

/** What a per-request name stands for, if it is one. */
export function requestRoleOf(name: string): RequestRole | undefined {
  return roles.get(name);
}

/** A per-request name as `framework` uses it in `role`: `isRequestObjectOf('ctx', 'koa', 'context')`. */
export function isRequestObjectOf(name: string, framework: Framework, role: RequestRole): boolean {
  return REQUEST_OBJECTS.some((o) => o.name === name && o.role === role && o.frameworks.includes(framework));
}

/** A handler's request or context parameter by its usual name: `req`, `request`, `ctx`, `context`, `c`. */
export function isRequestObjectName(name: string): boolean {
  const role = roles.get(name);
  return role === 'request' || role === 'context';
}

/** The response of a handler by its usual name: `res`, `response`, `reply`, `resp` (any case). */
export function isResponseObjectName(name: string): boolean {
  return roles.get(name) === 'response' || roles.get(name.toLowerCase()) === 'response';
}

/** A name that lives for one request: the request, its context, its response, the raw request, the connection. */
export function isPerRequestName(name: string): boolean {
  return roles.has(name);
}

/** A connection by its usual name: `socket`, `tlsSocket`, `conn`, `connection`. */
export function isConnectionName(name: string): boolean {
  return roles.get(name) === 'connection';
}

/** A field of the request that is the request or its connection: `socket`, `raw`, `req`. */
export function isRequestConnectionField(name: string): boolean {
  return connectionFields.has(name);
}

/** A field that holds values bound to one request: `locals`, `state`, `var`. */
export function isRequestBoundField(name: string): boolean {
  return boundFields.has(name);
}

/**
 * The request (or the context or bound fields around it) written as a dotted chain: `req`,
 * `ctx.request`, `res.locals`, `reply.request`, `this.req`, anything ending in `locals`/`state`/`var`.
 */
export function isRequestChain(chain: string): boolean {
  return isRequestObjectName(chain) || paths.has(chain) || boundFields.has(chain.slice(chain.lastIndexOf('.') + 1));
}

/** A chain whose bags hold what the client sent: the request or its raw form, not fields bound by middleware. */
export function isRequestInputOwner(chain: string): boolean {
  return !boundFields.has(chain.slice(chain.lastIndexOf('.') + 1)) && isRequestChain(chain);
}

/** What a field of the request holds. */
export type InputKind = 'path' | 'query' | 'body' | 'headers' | 'url' | 'cookies' | 'session';

export interface RequestField {
  name: string;
  holds: InputKind;
}

/** Fields of a request with values from the client (and the session, which is not the certificate's). */
export const REQUEST_FIELDS: readonly RequestField[] = [
  { name: 'params', holds: 'path' },
  { name: 'query', holds: 'query' },
  { name: 'search', holds: 'query' },
  { name: 'searchParams', holds: 'query' },
  { name: 'body', holds: 'body' },
  { name: 'headers', holds: 'headers' },
  { name: 'url', holds: 'url' },
  { name: 'originalUrl', holds: 'url' },
  { name: 'path', holds: 'url' },
  { name: 'cookies', holds: 'cookies' },
  { name: 'signedCookies', holds: 'cookies' },
  { name: 'session', holds: 'session' },
];

const fields = new Map(REQUEST_FIELDS.map((f) => [f.name, f.holds]));

/** Where a request's path is read, for a test of it (`req.url.startsWith('/workshop/')`): the URL fields, and a parsed URL's `pathname`. */
export const REQUEST_PATH_FIELDS: readonly string[] = [...REQUEST_FIELDS.filter((f) => f.holds === 'url').map((f) => f.name), 'pathname'];

export function isRequestPathField(name: string): boolean {
  return REQUEST_PATH_FIELDS.includes(name);
}

/** A field whose value the client chose: a route param, query, body, header or the URL (not cookies or the session). */
export function isRequestInputField(name: string): boolean {
  const holds = fields.get(name);
  return holds !== undefined && holds !== 'cookies' && holds !== 'session';
}

/** Any field of the request that is not the certificate's: input, cookies, session. */
export function isRequestField(name: string): boolean {
  return fields.has(name);
}

/**
 * The client's session (express-session, koa-session, `@fastify/session`): kept in a store between
 * requests and found again by a cookie, so what is written there outlives the request and is not
 * bound to the TLS connection that proved the certificate.
 */
export function isSessionField(name: string): boolean {
  return fields.get(name) === 'session';
}

export interface RequestInputMethod {
  name: string;
  framework: Framework;
  /** Where it is called: on Hono's `c.req`, on the request or context (`req.get`), or on a Fetch `Request`. */
  on: 'hono-req' | 'request' | 'fetch-request';
}

/** Methods that read request input. */
export const REQUEST_INPUT_METHODS: readonly RequestInputMethod[] = [
  ...['param', 'query', 'queries', 'json', 'parseBody', 'formData', 'text', 'valid', 'header'].map((name) => ({ name, framework: 'hono' as const, on: 'hono-req' as const })),
  { name: 'param', framework: 'express', on: 'request' },
  { name: 'get', framework: 'express', on: 'request' },
  { name: 'header', framework: 'express', on: 'request' },
  { name: 'json', framework: 'fetch', on: 'fetch-request' },
  { name: 'formData', framework: 'fetch', on: 'fetch-request' },
];

/** A method that reads input where it is called: `c.req.param('id')` (`hono-req`), `req.get('x')` (`request`), `request.json()`. */
export function isRequestInputMethod(name: string, on: RequestInputMethod['on']): boolean {
  return REQUEST_INPUT_METHODS.some((m) => m.name === name && m.on === on);
}

/** Parameter decorators that inject request input: NestJS `@Param('id')`, `@Body()`; inversify-express-utils `@requestParam('id')`; routing-controllers `@QueryParam('q')`. */
export const NEST_INPUT_DECORATORS: readonly { name: string; holds: InputKind }[] = [
  { name: 'Param', holds: 'path' },
  { name: 'Query', holds: 'query' },
  { name: 'Body', holds: 'body' },
  { name: 'Headers', holds: 'headers' },
  // the same parameters in inversify-express-utils and routing-controllers controllers
  { name: 'requestParam', holds: 'path' },
  { name: 'queryParam', holds: 'query' },
  { name: 'requestBody', holds: 'body' },
  { name: 'requestHeaders', holds: 'headers' },
  { name: 'QueryParam', holds: 'query' },
  { name: 'BodyParam', holds: 'body' },
  { name: 'HeaderParam', holds: 'headers' },
];

export function isNestInputDecorator(name: string): boolean {
  return NEST_INPUT_DECORATORS.some((d) => d.name === name);
}

/** A decorator that injects a route parameter (`@Param('awb')`, `@requestParam('id')`): a path segment, which names a record. */
export function isPathInputDecorator(name: string): boolean {
  return NEST_INPUT_DECORATORS.some((d) => d.name === name && d.holds === 'path');
}

/**
 * How request input that can pick a record (path, query, body) is written, per framework, for the
 * engine's text test of handler files: `req.params`, `.req.param(` (Hono, any context name),
 * `@Param(`. A form ending in `()` is a call, one starting with `@` a decorator, one starting with
 * `.` may hang off any name.
 */
export interface RequestInputForm {
  framework: Framework;
  written: string;
}

export const RECORD_CHOOSING_INPUT_FORMS: readonly RequestInputForm[] = [
  ...['req', 'request'].flatMap((o) => ['params', 'query', 'body'].map((f) => ({ framework: 'express' as const, written: `${o}.${f}` }))),
  { framework: 'koa', written: 'ctx.params' },
  { framework: 'koa', written: 'ctx.query' },
  { framework: 'koa', written: 'ctx.request.body' },
  { framework: 'hono', written: '.req.param()' },
  { framework: 'hono', written: '.req.query()' },
  { framework: 'hono', written: '.req.json()' },
  ...NEST_INPUT_DECORATORS.filter((d) => d.holds !== 'headers').map((d) => ({ framework: 'nest' as const, written: `@${d.name}()` })),
];

/** The text test built from input forms: each form as written, calls up to their `(`. */
export function inputFormPattern(forms: readonly RequestInputForm[]): RegExp {
  const parts = forms.map(({ written }) => {
    const call = written.endsWith('()');
    const body = escapeRegExp(call ? written.slice(0, -2) : written);
    const start = written.startsWith('.') || written.startsWith('@') ? '' : '\\b';
    return `${start}${body}${call ? '\\(' : '\\b'}`;
  });
  return new RegExp(parts.join('|'));
}

/** A text test for a handler's parameter list: `(req, res`, `(ctx, next`, `(c) =>`, `(request: FastifyRequest`. */
export function handlerParameterPattern(): string {
  return `\\(\\s*(?:${alternation(REQUEST_OBJECTS.filter((o) => o.role === 'request' || o.role === 'context').map((o) => o.name))})\\s*[,:)]`;
}

/**
 * Field names of a request that pick a record, a file or an account: `id`, `userId`, `file_name`,
 * `tenant…`, `serial…`. Each entry is a piece of a name and where it must sit in it.
 */
export interface IdLikeName {
  text: string;
  at: 'whole' | 'start' | 'end' | 'anywhere';
}

export const ID_LIKE_NAMES: readonly IdLikeName[] = [
  ...['id', 'ids', 'key', 'ref', 'file', 'email', 'user', 'client'].map((text) => ({ text, at: 'whole' as const })),
  ...['-id', '_id', 'Id', 'ID', 'Ids', '_ids', 'Key', '_key', 'Number', '_no', 'No', 'Ref', 'path', 'Path'].map((text) => ({ text, at: 'end' as const })),
  ...['filename', 'account', 'tenant', 'owner', 'customer', 'org', 'device', 'order', 'invoice', 'doc', 'project', 'team', 'serial'].map((text) => ({
    text,
    at: 'start' as const,
  })),
  ...['uuid', 'Uuid', 'slug'].map((text) => ({ text, at: 'anywhere' as const })),
  // `fileName`, `user_name`, `bucketName`: a name of a thing the client picks
  ...['file', 'user', 'account', 'folder', 'dir', 'bucket', 'object', 'host'].flatMap((thing) =>
    [`${thing}Name`, `${thing}name`, `${thing}_Name`, `${thing}_name`].map((text) => ({ text, at: 'end' as const })),
  ),
];

const idLike = new RegExp(
  ID_LIKE_NAMES.map(({ text, at }) => {
    const t = escapeRegExp(text);
    return at === 'whole' ? `^${t}$` : at === 'start' ? `^${t}` : at === 'end' ? `${t}$` : t;
  }).join('|'),
);

/** A request field name that picks a record: `id`, `invoiceId`, `tenant`, `file_name`. */
export function isIdLikeName(name: string): boolean {
  return idLike.test(name);
}
