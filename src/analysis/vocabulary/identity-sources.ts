import { nameSet, textPattern } from './patterns';

/** Socket methods that hand back the peer's certificate: the server-side identity source. */
export const PEER_CERTIFICATE_METHODS: readonly string[] = ['getPeerCertificate', 'getPeerX509Certificate'];

export function isPeerCertificateMethod(name: string): boolean {
  return PEER_CERTIFICATE_METHODS.includes(name);
}

export interface CertHeader {
  /** Lower case, `-` for `_`. */
  name: string;
  /** Who sets it. */
  setBy: string;
  /** A family of names: any name that starts with this one. */
  prefix?: true;
}

/** Headers a TLS-terminating proxy sets with the client certificate or fields of it. */
export const KNOWN_CERT_HEADERS: readonly CertHeader[] = [
  { name: 'x-forwarded-client-cert', setBy: 'Envoy (XFCC)' },
  { name: 'x-ssl-client-cert', setBy: 'nginx, HAProxy' },
  { name: 'x-client-cert', setBy: 'proxies' },
  { name: 'ssl-client-cert', setBy: 'Apache mod_ssl' },
  { name: 'x-ssl-client-s-dn', setBy: 'nginx' },
  { name: 'x-client-dn', setBy: 'proxies' },
  { name: 'x-ssl-client-verify', setBy: 'nginx' },
  { name: 'x-arr-clientcert', setBy: 'Azure App Service' },
  { name: 'client-cert', setBy: 'RFC 9440' },
  { name: 'client-cert-chain', setBy: 'RFC 9440' },
  { name: 'x-amzn-mtls-clientcert', setBy: 'AWS ALB', prefix: true },
  { name: 'cf-client-cert', setBy: 'Cloudflare', prefix: true },
];

/**
 * Tokens of a header name (split at `-`) that make it a client-certificate header by shape:
 * a certificate token alone (with a context, field, `chain` or `info` token), or a context token
 * with a field token (`ssl_client_s_dn`, `x-ssl-client-serial`).
 */
export interface HeaderToken {
  token: string;
  kind: 'context' | 'field' | 'extra';
}

export const CERT_HEADER_TOKENS: readonly HeaderToken[] = [
  ...['ssl', 'tls', 'mtls', 'client', 'peer'].map((token) => ({ token, kind: 'context' as const })),
  ...['dn', 'subject', 'issuer', 'serial', 'fingerprint', 'verify', 'verified', 'san', 'cn', 'pem', 'der', 'sha256', 'sha1'].map((token) => ({ token, kind: 'field' as const })),
  ...['chain', 'info'].map((token) => ({ token, kind: 'extra' as const })),
];

/** The tokens that say "certificate": `cert`, `certs`, `certificate`, `clientcert`, …, and any token containing `clientcert`. */
export const CERT_TOKENS: readonly string[] = ['cert', 'certs', 'certificate', 'certificates', 'clientcert', 'clientcerts', 'clientcertificate', 'clientcertificates'];

const known = nameSet(KNOWN_CERT_HEADERS.filter((h) => !h.prefix).map((h) => h.name));
const knownPrefixes = KNOWN_CERT_HEADERS.filter((h) => h.prefix).map((h) => h.name);
const tokensOf = (kind: HeaderToken['kind']): ReadonlySet<string> => nameSet(CERT_HEADER_TOKENS.filter((t) => t.kind === kind).map((t) => t.token));
const contextTokens = tokensOf('context');
const fieldTokens = tokensOf('field');
const extraTokens = tokensOf('extra');
const certTokens = nameSet(CERT_TOKENS);
const isCertToken = (t: string): boolean => certTokens.has(t) || t.includes('clientcert');
// Every known name and family has a `-` (read from the table, not assumed): then a name with
// neither `-` nor `_` can only be an extra one, and is answered without lower-casing it.
const knownHaveSeparator = [...known, ...knownPrefixes].every((n) => n.includes('-'));

/**
 * Whether a header name carries a client certificate or a field of it: the known names (any case,
 * `_` for `-`), the known families (`x-amzn-mtls-clientcert*`, `cf-client-cert-*`), and by shape —
 * a certificate token (`x-certificate-fingerprint`), or a context token with a field token
 * (`ssl_client_s_dn`, `x-ssl-client-serial`); not `certificate_id` or `cert-manager`.
 */
export function isCertHeaderName(raw: string, extra: readonly string[] = []): boolean {
  if (raw.length < 3 || raw.length > 80) return false;
  if (knownHaveSeparator && extra.length === 0 && !raw.includes('-') && !raw.includes('_')) return false;
  const name = raw.toLowerCase().replace(/_/g, '-');
  if (known.has(name) || knownPrefixes.some((p) => name.startsWith(p))) return true;
  if (extra.some((h) => h.toLowerCase().replace(/_/g, '-') === name)) return true;
  if (!/^[a-z0-9-]+$/.test(name) || !name.includes('-')) return false;
  const tokens = name.split('-');
  const context = tokens.some((t) => contextTokens.has(t) || t === 'x' || t === 'forwarded');
  if (tokens.some(isCertToken)) return context || tokens.some((t) => fieldTokens.has(t) || extraTokens.has(t));
  return tokens.some((t) => contextTokens.has(t)) && tokens.some((t) => fieldTokens.has(t));
}

/**
 * Text tests that let a file with a certificate header name through (then each quoted name is
 * asked `isCertHeaderName`): a certificate token, or a context token and a field token, each a
 * token of its own (between non-alphanumerics).
 */
const token = (names: Iterable<string>): RegExp => textPattern(names, { before: '(?<![a-z0-9])', after: '(?![a-z0-9])', flags: 'i' });
export const CERT_HEADER_TEXT = textPattern(['cert'], { flags: 'i' });
export const CERT_HEADER_CONTEXT_TEXT = token(contextTokens);
export const CERT_HEADER_FIELD_TEXT = token(fieldTokens);

/** A file can mention a certificate header: the cheap test before looking at its quoted names. */
export function mayNameCertHeader(text: string): boolean {
  return CERT_HEADER_TEXT.test(text) || (CERT_HEADER_CONTEXT_TEXT.test(text) && CERT_HEADER_FIELD_TEXT.test(text));
}

/** How a header is read, besides property access: `req.get('x')`, `req.header('x')`, `res.getHeader` is excluded by the caller. */
export const HEADER_GETTERS: readonly string[] = ['get', 'header', 'getHeader'];
/** Options of header strategies (passport): `new HeaderStrategy({ header: 'X-SSL-Client-S-DN' })`. */
export const HEADER_STRATEGY_OPTIONS: readonly string[] = ['header', 'headerName'];
/** Objects that hold the headers: `req.headers`, `req.rawHeaders`, a local `headers`. */
export const HEADER_OBJECTS: readonly string[] = ['headers', 'rawHeaders'];

/** A request's header collection by its field name: `req.headers`, `c.req.raw.headers`, `rawHeaders`. */
export function isHeaderObjectName(name: string): boolean {
  return HEADER_OBJECTS.includes(name);
}
/** The NestJS parameter decorator that reads a header: `@Headers('x-client-cert')`. */
export const NEST_HEADERS_DECORATOR = 'Headers';

/** A file that may read a header at all: `headers`, `.get(`, a passport `…Strategy`. */
export const HEADER_READ_TEXT = textPattern(['header'], { flags: 'i' });
export const HEADER_READ_CALL_TEXT = textPattern(HEADER_GETTERS, { before: '\\.', after: '\\s*\\(' });
/** Passport strategies are classes named `…Strategy`: `new HeaderStrategy(…)`. */
export const STRATEGY_CLASS_SUFFIX = 'Strategy';
export const STRATEGY_TEXT = textPattern([STRATEGY_CLASS_SUFFIX], { flags: 'i' });

export function isStrategyClass(name: string): boolean {
  return name.endsWith(STRATEGY_CLASS_SUFFIX);
}

/** Whether a file may read a header: the cheap test before the header names. */
export function mayReadHeader(text: string): boolean {
  return HEADER_READ_TEXT.test(text) || HEADER_READ_CALL_TEXT.test(text) || STRATEGY_TEXT.test(text);
}

/**
 * What says the TLS layer or the proxy vouched for the peer: `socket.authorized`,
 * `authorizationError` (the certificate), `remoteAddress` (the proxy's address).
 */
export interface TrustSignal {
  name: string;
  /** What it shows: the certificate was verified, or the peer is a known proxy. */
  shows: 'verified-certificate' | 'peer-address';
  /** What the value being truthy says, where it says one thing: `authorized` that trust is there, `authorizationError` that it is not. */
  truthy?: 'trusted' | 'untrusted';
}

export const TRUST_SIGNALS: readonly TrustSignal[] = [
  { name: 'authorized', shows: 'verified-certificate', truthy: 'trusted' },
  { name: 'authorizationError', shows: 'verified-certificate', truthy: 'untrusted' },
  { name: 'remoteAddress', shows: 'peer-address' },
];

export function trustSignalOf(name: string): TrustSignal['shows'] | undefined {
  return TRUST_SIGNALS.find((s) => s.name === name)?.shows;
}

/** A signal whose truthy value says trust is there: `socket.authorized`. */
export function isPositiveSignal(name: string): boolean {
  return TRUST_SIGNALS.find((s) => s.name === name)?.truthy === 'trusted';
}

/** Calls that verify a signature or HMAC over a value: `verify`, `timingSafeEqual`, `jwtVerify`, `verifyX…`. */
export const SIGNATURE_VERIFIERS: readonly string[] = ['verify', 'verifySignature', 'verifyHmac', 'verifyHeader', 'timingSafeEqual', 'verifyAsync', 'jwtVerify', 'compactVerify'];

export function isSignatureVerifier(name: string): boolean {
  return SIGNATURE_VERIFIERS.includes(name) || /^verify[A-Z]/.test(name);
}

/** Koa context fields that are the response, not a field bound to the request: `ctx.body`, `ctx.status`. */
export const CONTEXT_RESPONSE_FIELDS: readonly string[] = ['body', 'status', 'type', 'message', 'length', 'lastModified', 'etag', 'response', 'res'];

export function isContextResponseField(name: string): boolean {
  return CONTEXT_RESPONSE_FIELDS.includes(name);
}

/** Socket methods that return the socket itself: `tls.connect(…).on(…).setTimeout(…)`. */
export const SOCKET_CHAIN_METHODS: readonly string[] = [
  'on',
  'once',
  'addListener',
  'prependListener',
  'setTimeout',
  'setNoDelay',
  'setKeepAlive',
  'setEncoding',
  'ref',
  'unref',
  'pause',
  'resume',
];

export function returnsSocket(name: string): boolean {
  return SOCKET_CHAIN_METHODS.includes(name);
}

/** Outgoing connections: a certificate read on their sockets is the server's, not a client's. */
export const OUTGOING_CONNECTION_CALLS: readonly string[] = ['connect', 'request', 'get', 'createConnection'];
export const CLIENT_CONNECTION_MODULES: readonly string[] = ['tls', 'https', 'http', 'http2', 'net', 'undici', 'axios', 'got'];
/** Events of a connection the process opened: `secureConnect`, `response`, `upgrade`. */
export const OUTGOING_CONNECTION_EVENTS: readonly string[] = ['secureConnect', 'response', 'upgrade'];

export function isOutgoingConnection(module: string, call: string): boolean {
  return CLIENT_CONNECTION_MODULES.includes(module) && OUTGOING_CONNECTION_CALLS.includes(call);
}

export function isOutgoingConnectionEvent(event: string): boolean {
  return OUTGOING_CONNECTION_EVENTS.includes(event);
}

/** Words of a revocation check: CRL/revocation (`isRevoked`, `revocationList`) and OCSP. */
export const REVOCATION_WORDS: readonly string[] = ['revoc', 'revok', 'ocsp'];
export const REVOCATION_TEXT = textPattern(REVOCATION_WORDS, { flags: 'i' });

export function namesRevocation(text: string): boolean {
  return REVOCATION_TEXT.test(text);
}

/**
 * Helpers that hand back the immediate peer of a request, and where its address is in what they
 * return: Hono's `getConnInfo(c).remote.address` on Node (from the socket), Bun and Deno (from the
 * server). Not `hono/cloudflare-workers`: there it is read from the `cf-connecting-ip` header.
 */
export interface PeerInfoSource {
  module: string;
  name: string;
  address: readonly string[];
}

export const PEER_INFO_SOURCES: readonly PeerInfoSource[] = [
  { module: '@hono/node-server/conninfo', name: 'getConnInfo', address: ['remote', 'address'] },
  { module: 'hono/bun', name: 'getConnInfo', address: ['remote', 'address'] },
  { module: 'hono/deno', name: 'getConnInfo', address: ['remote', 'address'] },
];

export function peerInfoSource(module: string, name: string): PeerInfoSource | undefined {
  return PEER_INFO_SOURCES.find((s) => s.module === module && s.name === name);
}
