import { alternation, escapeRegExp, nameSet } from './patterns';
import type { Framework } from './requests';

export interface WebModule {
  /** The package or node module, as imported. */
  name: string;
  /** `api`: an API layer served by one of the frameworks (GraphQL servers, tRPC). */
  framework: Framework | 'api';
  /** Its sub-paths count too: `hono/cors`, `@nestjs/core` (for a scope, every package in it). */
  subpaths?: true;
}

/** Modules whose import makes a file part of a web app: frameworks, their routers and plugins, node servers, the API layers on them. */
export const WEB_MODULES: readonly WebModule[] = [
  { name: 'express', framework: 'express' },
  { name: 'connect', framework: 'express' },
  { name: 'restify', framework: 'express' },
  { name: 'polka', framework: 'express' },
  // controllers with decorators over an Express app
  { name: 'inversify-express-utils', framework: 'express' },
  { name: 'routing-controllers', framework: 'express' },
  { name: 'fastify', framework: 'fastify' },
  { name: 'fastify-plugin', framework: 'fastify' },
  { name: 'koa', framework: 'koa' },
  { name: 'koa-router', framework: 'koa' },
  { name: '@koa/router', framework: 'koa' },
  { name: 'koa-compose', framework: 'koa' },
  { name: 'hono', framework: 'hono', subpaths: true },
  { name: '@hono', framework: 'hono', subpaths: true },
  { name: '@nestjs', framework: 'nest', subpaths: true },
  { name: 'https', framework: 'node' },
  { name: 'http2', framework: 'node' },
  { name: 'tls', framework: 'node' },
  { name: '@trpc', framework: 'api', subpaths: true },
  { name: '@apollo/server', framework: 'api' },
  { name: 'apollo-server-express', framework: 'api' },
  { name: 'graphql-yoga', framework: 'api' },
  { name: 'mercurius', framework: 'api' },
];

/** An import or require of a web module, by text: `'express'`, `"node:https"`, `'@nestjs/common'`, `'hono/cors'` (of those `which` keeps). */
export function webModulePattern(which: (m: WebModule) => boolean = () => true): string {
  const modules = WEB_MODULES.filter(which);
  const plain = modules.filter((m) => !m.subpaths || !m.name.startsWith('@')).map((m) => m.name);
  const withPaths = modules.filter((m) => m.subpaths).map((m) => `${escapeRegExp(m.name)}\\/[\\w-]+`);
  return `['"](?:node:)?(?:${[alternation(plain), ...withPaths].join('|')})['"]`;
}

/** Methods that register handlers or middleware on an app or router (Express, Koa routers, Hono, Fastify shorthands). */
export const ROUTE_METHODS: readonly string[] = ['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'options', 'head', 'use'];
/**
 * Calls that continue a route chain or mount a router, or hand out the app's request handler:
 * `app.route('/x').get(…)`, `router.routes()`, Hono `basePath`, Koa `app.callback()` (given to
 * `https.createServer(opts, app.callback())`, it is the app).
 */
export const ROUTE_CHAIN_METHODS: readonly string[] = ['route', 'routes', 'basePath', 'callback'];
/** Fastify hooks that run before the handler and can end the request. */
export const EARLY_HOOKS: readonly string[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler'];
/** Events of node servers whose listeners run per request or connection. */
export const SERVER_LISTENER_EVENTS: readonly string[] = ['request', 'secureConnection', 'connection', 'stream'];
/** Of those, the events a server emits once per connection, before any request on it: a check there covers every request the connection carries. */
export const CONNECTION_EVENTS: readonly string[] = ['secureConnection', 'connection'];
/**
 * Members of a framework's instance that hold its Node server (Fastify's `fastify.server`): a listener
 * registered there (`app.server.on('secureConnection', …)`) listens on the app's own server.
 */
export const APP_SERVER_MEMBERS: readonly string[] = ['server'];
/** Fastify's way to put a value on the instance every plugin sees: `app.decorate('authz', service)`, read as `app.authz`. */
export const INSTANCE_DECORATE = 'decorate';
/** Wrappers that share a Fastify plugin's instance with its parent (`fastify-plugin`). */
export const SHARED_PLUGIN_WRAPPERS: readonly string[] = ['fp', 'fastifyPlugin', 'plugin'];

const routeMethods = nameSet(ROUTE_METHODS);
const routeChain = nameSet(ROUTE_CHAIN_METHODS);
const earlyHooks = nameSet(EARLY_HOOKS);
const listenerEvents = nameSet(SERVER_LISTENER_EVENTS);
const appServerMembers = nameSet(APP_SERVER_MEMBERS);

export function isRouteMethod(name: string): boolean {
  return routeMethods.has(name);
}

/** A call an app expression can hang off: `app.route('/x')`, `app.get(…)` (Hono chains), `router.routes()`. */
export function continuesRouteChain(name: string): boolean {
  return routeMethods.has(name) || routeChain.has(name);
}

export function isEarlyHook(name: string): boolean {
  return earlyHooks.has(name);
}

export function isServerListenerEvent(name: string): boolean {
  return listenerEvents.has(name);
}

export function isConnectionEvent(name: string): boolean {
  return CONNECTION_EVENTS.includes(name);
}

/** `server` of `app.server`: the member of a framework's instance that holds its Node server. */
export function isAppServerMember(name: string): boolean {
  return appServerMembers.has(name);
}

/** `fp(plugin)`, `fastifyPlugin(plugin)`, anything named like a plugin wrapper. */
export function sharesPluginInstance(wrapper: string): boolean {
  return SHARED_PLUGIN_WRAPPERS.includes(wrapper) || /plugin/i.test(wrapper);
}

/** NestJS: route method decorators. */
export const NEST_ROUTE_DECORATORS: readonly string[] = ['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Options', 'Head', 'Sse'];
/** NestJS: the class decorator of controllers. */
export const NEST_CONTROLLER_DECORATOR = 'Controller';
/** NestJS: the factory of custom parameter decorators, whose function's answer fills the parameter (`@Haulier() haulier`). */
export const NEST_PARAM_DECORATOR_FACTORY = 'createParamDecorator';
/** NestJS: the request, from an execution context (`ctx.switchToHttp().getRequest()`). */
export const NEST_GET_REQUEST = 'getRequest';
/** NestJS: decorators whose arguments run before a route (guards and interceptors). */
export const NEST_GUARD_DECORATORS: readonly string[] = ['UseGuards', 'UseInterceptors'];
/** NestJS: methods of guard, middleware and interceptor classes that run before the route. */
export const NEST_GUARD_METHODS: readonly string[] = ['canActivate', 'use', 'intercept'];
/** NestJS: a middleware consumer's `apply(mw)`, limited to routes by `.forRoutes(…)`. */
export const NEST_MIDDLEWARE_SCOPE = { apply: 'apply', forRoutes: 'forRoutes' } as const;
/** NestJS: global registrations of guards, interceptors and middleware. */
export const NEST_GLOBAL_REGISTRATIONS: readonly string[] = ['useGlobalGuards', 'useGlobalInterceptors', 'apply'];

/**
 * `@nestjs/passport`: a guard made for a strategy by name (`@UseGuards(AuthGuard('client-cert'))`, or a
 * class extending it) runs the `validate` method of the class that extends `PassportStrategy(Strategy,
 * 'client-cert')`, and what `validate` returns is put on the request as `req.user`.
 */
export const PASSPORT_NEST = { guard: 'AuthGuard', strategy: 'PassportStrategy', nameArg: 1, method: 'validate', userField: 'user' } as const;

/**
 * NestJS route metadata: `SetMetadata(key, value)` makes a decorator (`export const Public = () =>
 * SetMetadata(IS_PUBLIC, true)`) that marks a route or controller; a guard that reads the key with the
 * `Reflector` (`this.reflector.getAllAndOverride(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])`) and
 * returns `true` on it lets marked routes through unchecked. Interceptors run after every guard.
 */
export const NEST_METADATA = {
  setter: 'SetMetadata',
  readers: ['get', 'getAllAndOverride', 'getAllAndMerge'] as readonly string[],
  guardMethod: 'canActivate',
  interceptorMethod: 'intercept',
  /** A middleware class's method (`consumer.apply(RateLimit).forRoutes(…)`): middleware runs before every guard. */
  middlewareMethod: 'use',
} as const;

export function isNestGuardMethod(name: string): boolean {
  return NEST_GUARD_METHODS.includes(name);
}

/**
 * Calls that start serving requests: a file that makes one is where an application begins
 * (`app.listen(…)`, `https.createServer(…)`, `serve({ fetch: app.fetch })` of `@hono/node-server`,
 * `NestFactory.create(…)`, Apollo's `startStandaloneServer`, tRPC's `createHTTPServer`).
 */
export const SERVER_START_CALLS: readonly string[] = ['listen', 'createServer', 'createSecureServer', 'serve', 'startStandaloneServer', 'createHTTPServer'];
/**
 * Of those, the ones that make a server, whatever imports the file has (`http.createServer(handler)`): `listen` and
 * `serve` name an event hub's or a stream's methods too (`Hub.listen('auth', cb)`), and the servers that start with
 * them come from a framework's import.
 */
export const SERVER_CREATE_CALLS: readonly string[] = SERVER_START_CALLS.filter((c) => /^create\w*Server$/.test(c));
/** `NestFactory.create(…)`: the NestJS bootstrap. */
export const NEST_BOOTSTRAP = 'NestFactory';

/** Text that can start serving requests, derived from the table. */
// (with type arguments too: `NestFactory.create<NestExpressApplication>(AppModule, …)`)
export const SERVER_START_TEXT = new RegExp(
  `\\.(?:${SERVER_START_CALLS.join('|')})\\s*(?:<[^()]*>)?\\s*\\(|\\b(?:${SERVER_START_CALLS.join('|')})\\s*(?:<[^()]*>)?\\s*\\(|\\b${NEST_BOOTSTRAP}\\.create\\s*(?:<[^()]*>)?\\s*\\(`,
);

export function startsServer(text: string): boolean {
  return SERVER_START_TEXT.test(text);
}

/**
 * Where a server listens, as `listen()` and Hono's `serve()` are told: a Unix domain socket or
 * named pipe (`listen('/run/app.sock')`, `listen({ path })`) or a loopback address
 * (`listen(8080, '127.0.0.1')`, `{ host: 'localhost' }`, `serve({ hostname: '::1' })`) can only be
 * reached from the same host or pod — by the proxy in front of it.
 */
export const LISTEN_METHOD = 'listen';
export const LISTEN_PATH_OPTION = 'path';
export const LISTEN_HOST_OPTIONS: readonly string[] = ['host', 'hostname'];
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1', 'ip6-localhost'];

/** A loopback host: the names above and any `127.x.y.z`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return LOOPBACK_HOSTS.includes(h) || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** A path `listen()` takes as a Unix domain socket or Windows named pipe rather than a port. */
export function isLocalSocketPath(value: string): boolean {
  if (/^\d+$/.test(value.trim())) return false;
  return value.startsWith('/') || value.startsWith('./') || value.startsWith('../') || /^\\\\[.?]\\pipe\\/i.test(value) || value.endsWith('.sock');
}
