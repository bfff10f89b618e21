/**
 * API layers that real services put on top of the HTTP frameworks (RULES.md, "Frameworks"):
 * GraphQL resolvers and tRPC procedures run per request like route handlers, take request input
 * (resolver arguments, procedure input) and see the identity through a per-request context built
 * by a context factory.
 */

/** GraphQL's own modules (schemas, resolvers and their errors): a module that imports one is part of an API. */
export const GRAPHQL_MODULES: readonly string[] = ['graphql', 'type-graphql', '@graphql-tools/schema'];

/** The root operation types of a GraphQL schema (the spec's names): a resolver map has them as keys. */
export const GRAPHQL_ROOT_TYPES: readonly string[] = ['Query', 'Mutation', 'Subscription'];

/** Options that hold the per-request context factory: Apollo, Mercurius, Yoga, NestJS GraphQL (`context`), tRPC adapters (`createContext`). */
export const CONTEXT_FACTORY_KEYS: readonly string[] = ['context', 'createContext'];
/**
 * Calls that hand a GraphQL server the context of the server it runs in, which its context factory
 * receives in its parameter (GraphQL Yoga: `yoga.handleNodeRequestAndResponse(req, res, { shipper })`,
 * `yoga.handleRequest(request, { shipper })`): the method and the argument that carries it.
 */
export const SERVER_CONTEXT_CALLS: readonly { method: string; arg: number }[] = [
  { method: 'handleNodeRequestAndResponse', arg: 2 },
  { method: 'handleRequest', arg: 1 },
];
/** tRPC's standalone adapter: `createHTTPServer({ router, createContext })` serves plain HTTP itself. */
export const TRPC_STANDALONE_MODULE = '@trpc/server/adapters/standalone';
export const TRPC_PLAIN_SERVER = 'createHTTPServer';
/** …and `createHTTPHandler({ router, createContext })`, a request handler for a node server the app makes. */
export const TRPC_HANDLER = 'createHTTPHandler';

/** NestJS GraphQL: the class decorator of a resolver and the method decorators of its operations. */
export const NEST_RESOLVER_CLASS = 'Resolver';
export const NEST_RESOLVER_METHODS: readonly string[] = ['Query', 'Mutation', 'Subscription', 'ResolveField'];
/** NestJS GraphQL parameter decorators: arguments are request input; the context holds the request. */
export const NEST_ARGS_DECORATOR = 'Args';
export const NEST_CONTEXT_DECORATOR = 'Context';
/** `GqlExecutionContext.create(context).getContext()` in a NestJS guard or param decorator: the GraphQL context. */
export const CONTEXT_ACCESSOR = 'getContext';

/**
 * tRPC's builder declares its context's type (`initTRPC.context<Context>()`); a type that names a
 * function's return (`Awaited<ReturnType<typeof createContext>>`, `inferAsyncReturnType<typeof …>`)
 * names the context factory, wherever the adapter that calls it lives.
 */
export const TRPC_CONTEXT_TYPE_CALL = 'context';

/** tRPC: the builder property a procedure chain starts from, its resolver methods, and its middleware and input calls. */
export const TRPC_PROCEDURE = 'procedure';
export const TRPC_RESOLVERS: readonly string[] = ['query', 'mutation', 'subscription'];
export const TRPC_MIDDLEWARE = 'use';
/** The fields of a procedure's options object: the client's input, the per-request context. */
export const TRPC_INPUT = 'input';
export const TRPC_CONTEXT = 'ctx';

/** Resolver arguments `(parent, args, context, info)`: where the client's arguments and the context are. */
export const RESOLVER_ARGS_INDEX = 1;
export const RESOLVER_CONTEXT_INDEX = 2;

/** Property names the project model must record for this table. */
export const API_LAYER_PROPERTIES: readonly string[] = [...GRAPHQL_ROOT_TYPES, ...CONTEXT_FACTORY_KEYS];

/**
 * Controllers routed by decorators outside NestJS: inversify-express-utils `@controller(path,
 * ...middleware)` classes whose methods are routed by `@httpGet(path, ...middleware)` and its
 * siblings. The middleware are functions, or DI tokens bound to one (`bind('Auth').toConstantValue(fn)`).
 */
export const DECORATED_CONTROLLER = 'controller';
export const DECORATED_ROUTES: readonly string[] = ['httpGet', 'httpPost', 'httpPut', 'httpPatch', 'httpDelete', 'httpHead', 'httpMethod', 'all'];
/**
 * routing-controllers: `@JsonController(path)` / `@Controller(path)` classes (the decorators imported from
 * the package, not NestJS's of the same name) whose methods are routed by `@Get(path)` and its siblings;
 * `@UseBefore(mw)` on the class or a method puts middleware before its routes; the middleware the server
 * is made with (`createExpressServer({ middlewares: [AgentCert] })`, and classes marked
 * `@Middleware({ type: 'before' })`) run before every route, each a class whose `use(req, res, next)` runs.
 */
export const ROUTING_CONTROLLERS = {
  module: 'routing-controllers',
  controllers: ['JsonController', 'Controller'],
  routes: ['Get', 'Post', 'Put', 'Patch', 'Delete', 'Head', 'All', 'Method'],
  /** The decorated route whose first argument is the HTTP method: `@Method('get', path)`. */
  methodRoute: 'Method',
  useBefore: 'UseBefore',
  /** A class marked as middleware of every route: `@Middleware({ type: 'before' })`. */
  globalMiddleware: 'Middleware',
  middlewareMethod: 'use',
  /** The server factories and the option that lists middleware classes. */
  servers: ['createExpressServer', 'useExpressServer', 'createKoaServer', 'useKoaServer'],
  middlewaresOption: 'middlewares',
  /** A custom parameter decorator: `createParamDecorator({ value: (action) => action.request.agent })`, the request its action holds. */
  paramDecoratorValue: 'value',
  actionRequest: 'request',
  /** `@CurrentUser()`: the value the server's `currentUserChecker(action)` option returns. */
  currentUser: 'CurrentUser',
  currentUserChecker: 'currentUserChecker',
} as const;

/** The DI binding that hands a token's value over as is: inversify `bind(token).toConstantValue(fn)`. */
export const CONSTANT_BINDING = 'toConstantValue';
/**
 * A middleware class of inversify-express-utils (`class BenchCert extends BaseMiddleware { handler(req,
 * res, next) { … } }`), named in `@controller(path, BenchCert)` or through a token bound to it
 * (`bind(TYPES.BenchCert).to(BenchCert)`): its `handler` runs before the route.
 */
export const CLASS_MIDDLEWARE_METHOD = 'handler';
export const CLASS_BINDING = 'to';
/** The decorated route whose first argument is the HTTP method, not the path: `@httpMethod('get', path, ...middleware)`. */
export const DECORATED_METHOD_ROUTE = 'httpMethod';
/**
 * How the server of decorated controllers is given its app-level middleware, which run before
 * every route: inversify-express-utils `server.setConfig((app) => { app.use(mw) })`.
 */
export const DECORATED_SERVER_CONFIG = 'setConfig';
