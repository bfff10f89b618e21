import { nameSet, textPattern } from './patterns';
import { NEST_PROVIDER_CLASS_KEY } from './di';
import { HEADER_OBJECTS, HEADER_STRATEGY_OPTIONS, PEER_CERTIFICATE_METHODS, TRUST_SIGNALS } from './identity-sources';

/** Node modules whose servers speak TLS. */
export const TLS_SERVER_MODULES: readonly string[] = ['https', 'tls', 'http2', 'spdy'];

export interface TlsServerFactory {
  name: string;
  /** Modules where this factory makes a plain-text server: `http2.createServer`. */
  plainOn?: readonly string[];
}

/** `https.createServer(opts, app)`, `tls.createServer`, `http2.createSecureServer`, `new https.Server(opts)`. */
export const TLS_SERVER_FACTORIES: readonly TlsServerFactory[] = [{ name: 'createServer', plainOn: ['http2'] }, { name: 'createSecureServer' }, { name: 'Server' }];

/** Names of server factories, whatever the module: their function arguments are request or connection listeners. */
export const SERVER_FACTORY_NAMES: readonly string[] = TLS_SERVER_FACTORIES.map((f) => f.name);

/** Whether `module.name(…)` creates a TLS server. */
export function isTlsServerFactory(module: string, name: string): boolean {
  const factory = TLS_SERVER_FACTORIES.find((f) => f.name === name);
  return factory !== undefined && TLS_SERVER_MODULES.includes(module) && !factory.plainOn?.includes(module);
}

/** Node modules whose servers speak plain HTTP (TLS ends before them, at a proxy, if anywhere). */
export const PLAIN_SERVER_MODULES: readonly string[] = ['http', 'http2'];

/** Whether `module.name(…)` creates a plain-text server: `http.createServer(app)`, `http2.createServer()`, `new http.Server()`. */
export function isPlainServerFactory(module: string, name: string): boolean {
  const factory = TLS_SERVER_FACTORIES.find((f) => f.name === name);
  return factory !== undefined && PLAIN_SERVER_MODULES.includes(module) && !isTlsServerFactory(module, name) && name !== 'createSecureServer';
}

export interface TlsOption {
  name: string;
  /** What it decides: asking for client certificates, rejecting unverified ones, revocation, trust anchors, a context of its own. */
  decides: 'request' | 'reject' | 'revocation' | 'trust' | 'context';
}

/** Server options that decide what happens to client certificates. */
export const TLS_OPTIONS: readonly TlsOption[] = [
  { name: 'requestCert', decides: 'request' },
  { name: 'rejectUnauthorized', decides: 'reject' },
  { name: 'crl', decides: 'revocation' },
  { name: 'ca', decides: 'trust' },
  { name: 'secureContext', decides: 'context' },
  { name: 'SNICallback', decides: 'context' },
];

/** Options the tool reads from assignments before the server is created (`opts.rejectUnauthorized = false`). */
export const ASSIGNED_TLS_OPTIONS: readonly string[] = TLS_OPTIONS.filter((o) => o.decides !== 'context').map((o) => o.name);

/** Options that bring a TLS context of their own, so revocation may be handled there. */
export function bringsOwnContext(name: string): boolean {
  return TLS_OPTIONS.some((o) => o.name === name && o.decides === 'context');
}

/** Where frameworks take TLS server options: Fastify `https`, NestJS `httpsOptions`, Hono `serverOptions`. */
export interface TlsOptionsCarrier {
  property: string;
  framework: 'fastify' | 'nest' | 'hono';
}

export const TLS_OPTIONS_CARRIERS: readonly TlsOptionsCarrier[] = [
  { property: 'https', framework: 'fastify' },
  { property: 'httpsOptions', framework: 'nest' },
  { property: 'serverOptions', framework: 'hono' },
];

/** NestJS's Fastify adapter: `new FastifyAdapter({ https })` takes Fastify's options, TLS included. */
export const NEST_FASTIFY_ADAPTERS: readonly string[] = ['FastifyAdapter'];
export function isNestFastifyAdapter(name: string): boolean {
  return NEST_FASTIFY_ADAPTERS.includes(name);
}

export function tlsOptionsProperty(framework: TlsOptionsCarrier['framework']): string {
  return TLS_OPTIONS_CARRIERS.find((c) => c.framework === framework)!.property;
}

/** `@hono/node-server`'s `serve({ createServer: https.createServer })`: text that names a TLS factory. */
export const TLS_FACTORY_WORDS: readonly string[] = ['https', 'http2', 'createSecureServer', 'tls'];
export const TLS_FACTORY_TEXT = textPattern(TLS_FACTORY_WORDS);
/** An import of a TLS module, by its specifier text. */
export const TLS_MODULE_TEXT = textPattern(TLS_SERVER_MODULES.filter((m) => m !== 'spdy'));

/** Names of variables and calls that hold server options: `tlsOptions`, `httpsConfig`, `loadTlsConf()`. */
export const OPTIONS_NAME_WORDS: readonly string[] = ['opt', 'tls', 'ssl', 'https', 'cert', 'config', 'conf'];
/** Verbs of factories that build options: `loadOptions()`, `readTls()`, `buildConfig()`, `getCerts()`. */
export const OPTIONS_FACTORY_WORDS: readonly string[] = [...OPTIONS_NAME_WORDS, 'load', 'read', 'build', 'get'];
/** Calls that make an app or handler, never options: `express()`, `new Koa()`, `app.callback()`. */
export const APP_FACTORIES: readonly string[] = ['express', 'Router', 'callback', 'Koa', 'Hono', 'fastify', 'handler'];

const optionsName = textPattern(OPTIONS_NAME_WORDS, { flags: 'i' });
const optionsFactory = textPattern(OPTIONS_FACTORY_WORDS, { flags: 'i' });
const appFactories = nameSet(APP_FACTORIES);

/** A variable named like server options: `tlsOptions`, `httpsConfig`. */
export function isOptionsName(name: string): boolean {
  return optionsName.test(name);
}

/** A call that returns server options by its name: `loadTlsOptions()`, `getHttpsConfig()`; not `express()`. */
export function isOptionsFactory(name: string): boolean {
  return !appFactories.has(name) && optionsFactory.test(name);
}

/**
 * A file that can be a source of client identity or configure client certificates: the project's
 * seed test. The option's value is a flag or an expression, never an object: `requestCert: { type:
 * 'boolean' }` is a schema that describes the option (an options table of a client library), not a
 * server that sets it.
 */
export const CLIENT_CERT_OPTION = 'requestCert';
export const IDENTITY_TEXT = new RegExp(
  `${textPattern(PEER_CERTIFICATE_METHODS, { after: '\\s*\\(' }).source}|${textPattern([CLIENT_CERT_OPTION], { wordStart: true, after: '(?:\\s*:(?!\\s*\\{)|\\s*[=,}])' }).source}`,
);

/**
 * Property names the project model asks about (the walk indexes their reads and keys): trust
 * signals, TLS options and where frameworks take them, header objects and strategy options, and
 * NestJS `useClass` providers. Header-like names are added by `isCertHeaderName`.
 */
export const MODEL_PROPERTY_NAMES: readonly string[] = [
  ...TRUST_SIGNALS.map((s) => s.name),
  ...TLS_OPTIONS.map((o) => o.name),
  ...TLS_OPTIONS_CARRIERS.map((c) => c.property),
  ...HEADER_OBJECTS,
  ...HEADER_STRATEGY_OPTIONS,
  NEST_PROVIDER_CLASS_KEY,
];
const modelProperties = nameSet(MODEL_PROPERTY_NAMES);

export function isModelPropertyName(name: string): boolean {
  return modelProperties.has(name);
}
