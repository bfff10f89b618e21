import * as v from '../src/analysis/vocabulary';
import {
  CONSTANT_BINDING,
  DECORATED_CONTROLLER,
  DECORATED_METHOD_ROUTE,
  DECORATED_ROUTES,
  DECORATED_SERVER_CONFIG,
  TRPC_CONTEXT_TYPE_CALL,
  TRPC_HANDLER,
  CLASS_BINDING,
  CLASS_MIDDLEWARE_METHOD,
  ROUTING_CONTROLLERS,
  SERVER_CONTEXT_CALLS,
  TRPC_PLAIN_SERVER,
  TRPC_STANDALONE_MODULE,
} from '../src/analysis/vocabulary/api-layers';

/**
 * Every table of the vocabulary with names it must and must not accept, and every prefilter
 * against the table it is derived from: a name the analysis looks for can never be kept out by
 * the text test in front of it.
 */

type Case = [string, boolean];
const cases = (accept: readonly string[], reject: readonly string[]): Case[] => [...accept.map((n): Case => [n, true]), ...reject.map((n): Case => [n, false])];

describe('patterns', () => {
  it('escapes and orders an alternation, longest first', () => {
    expect(v.alternation(['a.b', 'a', 'ab'])).toBe('a\\.b|ab|a');
    expect(v.textPattern(['$x', 'y(']).test('call $x now')).toBe(true);
    expect(() => v.alternation([])).toThrow();
  });
  it.each(cases(['findById', 'find', 'find_x', 'find1'], ['finder', 'fin']))('startsWithWord(find) %s → %s', (name, want) => {
    expect(v.startsWithWord(name, ['find']) !== undefined).toBe(want);
  });
});

describe('requests', () => {
  it.each(cases(['req', 'request', 'ctx', 'context', 'c'], ['res', 'reply', 'socket', 'requests', 'r']))('isRequestObjectName(%s) → %s', (n, want) =>
    expect(v.isRequestObjectName(n)).toBe(want),
  );
  it.each(cases(['res', 'response', 'reply', 'resp', 'Res'], ['req', 'result']))('isResponseObjectName(%s) → %s', (n, want) => expect(v.isResponseObjectName(n)).toBe(want));
  it.each(
    cases(
      ['req', 'ctx.request', 'ctx.state', 'c.var', 'res.locals', 'reply.request', 'this.req', 'req.raw', 'c.req', 'app.locals', 'state', 'request.requestContext'],
      ['res', 'user', 'req.body', 'ctx.body', 'request.context'],
    ),
  )('isRequestChain(%s) → %s', (n, want) => expect(v.isRequestChain(n)).toBe(want));
  it.each(cases(['req', 'c.req', 'ctx.req', 'ctx.request', 'request.raw', 'this.request'], ['ctx.state', 'res.locals', 'c.var', 'request.requestContext', 'res']))(
    'isRequestInputOwner(%s) → %s',
    (n, want) => expect(v.isRequestInputOwner(n)).toBe(want),
  );
  it.each(cases(['url', 'originalUrl', 'path', 'pathname'], ['params', 'query', 'headers', 'method', 'routeOptions']))('isRequestPathField(%s) → %s', (n, want) =>
    expect(v.isRequestPathField(n)).toBe(want),
  );
  it.each(cases(['params', 'query', 'body', 'headers', 'url', 'searchParams'], ['cookies', 'session', 'user', 'identity']))('isRequestInputField(%s) → %s', (n, want) =>
    expect(v.isRequestInputField(n)).toBe(want),
  );
  it.each(cases(['cookies', 'session', 'params'], ['user', 'socket']))('isRequestField(%s) → %s', (n, want) => expect(v.isRequestField(n)).toBe(want));
  it.each(cases(['session'], ['sessions', 'cookies', 'state', 'locals', 'sessionId']))('isSessionField(%s) → %s', (n, want) => expect(v.isSessionField(n)).toBe(want));
  it.each(cases(['socket', 'raw', 'req', 'connection'], ['body', 'user']))('isRequestConnectionField(%s) → %s', (n, want) => expect(v.isRequestConnectionField(n)).toBe(want));
  it.each(
    cases(
      ['id', 'userId', 'user_id', 'invoiceIds', 'slug', 'fileName', 'file_name', 'tenant', 'tenantSlug', 'serialNumber', 'orderNo', 'case_no', 'path'],
      ['name', 'limit', 'page', 'sort', 'title', 'info', 'no'],
    ),
  )('isIdLikeName(%s) → %s', (n, want) => expect(v.isIdLikeName(n)).toBe(want));
  it('Hono, Express and Fetch input methods are told apart by where they are called', () => {
    expect(v.isRequestInputMethod('valid', 'hono-req')).toBe(true);
    expect(v.isRequestInputMethod('valid', 'request')).toBe(false);
    expect(v.isRequestInputMethod('get', 'request')).toBe(true);
    expect(v.isRequestInputMethod('json', 'fetch-request')).toBe(true);
  });
  it.each(cases(['Param', 'Query', 'Body', 'Headers', 'requestParam', 'queryParam', 'QueryParam', 'HeaderParam'], ['Req', 'Get', 'request', 'response', 'httpGet']))(
    'isNestInputDecorator(%s) → %s',
    (n, want) => expect(v.isNestInputDecorator(n)).toBe(want),
  );
  it.each(cases(['Param', 'requestParam'], ['Query', 'Body', 'queryParam', 'QueryParam', 'Req']))('isPathInputDecorator(%s) → %s', (n, want) =>
    expect(v.isPathInputDecorator(n)).toBe(want),
  );
  it('the engine’s input text test matches every record-choosing form', () => {
    const test = v.inputFormPattern(v.RECORD_CHOOSING_INPUT_FORMS);
    for (const { written } of v.RECORD_CHOOSING_INPUT_FORMS) expect(test.test(written.endsWith('()') ? `x${written.slice(0, -1)}'id')` : `x = ${written}.id`)).toBe(true);
    expect(test.test('ctx.body = { ok: true }')).toBe(false);
    expect(test.test('res.locals.identity')).toBe(false);
  });
  it('the handler parameter test matches each request and context name', () => {
    const test = new RegExp(v.handlerParameterPattern());
    for (const o of v.REQUEST_OBJECTS.filter((x) => x.role === 'request' || x.role === 'context')) expect(test.test(`(${o.name}, next) =>`)).toBe(true);
    expect(test.test('(res, next)')).toBe(false);
  });
});

describe('identity sources', () => {
  it.each(cases(['getPeerCertificate', 'getPeerX509Certificate'], ['getCertificate', 'getPeer']))('isPeerCertificateMethod(%s) → %s', (n, want) =>
    expect(v.isPeerCertificateMethod(n)).toBe(want),
  );
  it.each(
    cases(
      [
        ...v.KNOWN_CERT_HEADERS.map((h) => h.name),
        'X-SSL-Client-Cert',
        'ssl_client_s_dn',
        'x-ssl-client-serial',
        'x-certificate-fingerprint',
        'x-amzn-mtls-clientcert-leaf',
        'cf-client-cert-sha256',
        'x-client-verify',
      ],
      ['certificate_id', 'cert-manager', 'x-request-id', 'authorization', 'x', 'content-type', 'x-forwarded-for'],
    ),
  )('isCertHeaderName(%s) → %s', (n, want) => expect(v.isCertHeaderName(n)).toBe(want));
  it('configured header names count', () => expect(v.isCertHeaderName('X-Mesh-Identity', ['x-mesh-identity'])).toBe(true));
  it.each(v.KNOWN_CERT_HEADERS.map((h) => h.name))('the header text tests let %s through', (name) => {
    expect(v.mayNameCertHeader(`req.headers['${name}']`)).toBe(true);
    expect(v.mayReadHeader(`req.headers['${name}']`)).toBe(true);
  });
  it.each(['ssl-client-s-dn', 'x-ssl-client-serial', 'x-tls-peer-subject', 'x-mtls-issuer'])('shape-matched names pass the header text test: %s', (name) => {
    expect(v.isCertHeaderName(name)).toBe(true);
    expect(v.mayNameCertHeader(`'${name}'`)).toBe(true);
  });
  it('the header text test keeps plain code out', () => expect(v.mayNameCertHeader('const total = items.length;')).toBe(false));
  it.each([...v.HEADER_GETTERS, 'Strategy'])('mayReadHeader lets `.%s(` through', (n) => expect(v.mayReadHeader(`x.${n}('a')`)).toBe(true));
  it.each(cases(['authorized'], ['authorizationError', 'remoteAddress', 'ip']))('isPositiveSignal(%s) → %s', (n, want) => expect(v.isPositiveSignal(n)).toBe(want));
  it.each(cases(['headers', 'rawHeaders'], ['header', 'body', 'socket', 'raw']))('isHeaderObjectName(%s) → %s', (n, want) => expect(v.isHeaderObjectName(n)).toBe(want));
  it.each(cases(['authorized', 'authorizationError', 'remoteAddress'], ['ip', 'remotePort']))('trustSignalOf(%s) → %s', (n, want) =>
    expect(v.trustSignalOf(n) !== undefined).toBe(want),
  );
  it.each(cases([...v.SIGNATURE_VERIFIERS, 'verifyProxySignature'], ['verified', 'sign', 'hmac']))('isSignatureVerifier(%s) → %s', (n, want) =>
    expect(v.isSignatureVerifier(n)).toBe(want),
  );
  it.each(cases([...v.CONTEXT_RESPONSE_FIELDS], ['identity', 'user']))('isContextResponseField(%s) → %s', (n, want) => expect(v.isContextResponseField(n)).toBe(want));
  it.each(cases([...v.SOCKET_CHAIN_METHODS], ['write', 'end']))('returnsSocket(%s) → %s', (n, want) => expect(v.returnsSocket(n)).toBe(want));
  it('outgoing connections by module and call', () => {
    expect(v.isOutgoingConnection('tls', 'connect')).toBe(true);
    expect(v.isOutgoingConnection('https', 'createServer')).toBe(false);
    expect(v.isOutgoingConnection('express', 'get')).toBe(false);
    expect(v.isOutgoingConnectionEvent('secureConnect')).toBe(true);
    expect(v.isOutgoingConnectionEvent('secureConnection')).toBe(false);
  });
  it.each(cases(['isRevoked', 'revocationList', 'ocspCheck', 'REVOKED_SERIALS', 'easy-ocsp'], ['revision', 'crl']))('namesRevocation(%s) → %s', (n, want) =>
    expect(v.namesRevocation(n)).toBe(want),
  );
  it.each(v.REVOCATION_WORDS)('the revocation text test matches %s', (w) => expect(v.REVOCATION_TEXT.test(w)).toBe(true));
});

describe('tls', () => {
  it.each([
    ['https', 'createServer', true],
    ['tls', 'createServer', true],
    ['http2', 'createSecureServer', true],
    ['http2', 'createServer', false],
    ['http', 'createServer', false],
    ['https', 'Server', true],
  ] as const)('isTlsServerFactory(%s, %s) → %s', (m, n, want) => expect(v.isTlsServerFactory(m, n)).toBe(want));
  it.each([
    ['http', 'createServer', true],
    ['http', 'Server', true],
    ['http2', 'createServer', true],
    ['http2', 'createSecureServer', false],
    ['https', 'createServer', false],
    ['tls', 'createServer', false],
  ] as const)('isPlainServerFactory(%s, %s) → %s', (m, n, want) => expect(v.isPlainServerFactory(m, n)).toBe(want));
  it.each(cases([...v.NEST_FASTIFY_ADAPTERS], ['ExpressAdapter', 'Fastify']))('isNestFastifyAdapter(%s) → %s', (n, want) => expect(v.isNestFastifyAdapter(n)).toBe(want));
  it.each(cases(['secureContext', 'SNICallback'], ['crl', 'requestCert']))('bringsOwnContext(%s) → %s', (n, want) => expect(v.bringsOwnContext(n)).toBe(want));
  it.each(cases(['tlsOptions', 'httpsConfig', 'sslOpts', 'certs'], ['app', 'handler']))('isOptionsName(%s) → %s', (n, want) => expect(v.isOptionsName(n)).toBe(want));
  it.each(cases(['loadTlsOptions', 'getConfig', 'readCerts'], ['express', 'Router', 'callback', 'handler']))('isOptionsFactory(%s) → %s', (n, want) =>
    expect(v.isOptionsFactory(n)).toBe(want),
  );
  it.each([...v.PEER_CERTIFICATE_METHODS.map((m) => `sock.${m}()`), 'requestCert: true', 'opts.requestCert = true', '{ key, cert, requestCert }'])(
    'IDENTITY_TEXT matches %s',
    (t) => expect(v.IDENTITY_TEXT.test(t)).toBe(true),
  );
  it('IDENTITY_TEXT keeps a mention out', () => expect(v.IDENTITY_TEXT.test('// we never set requestCertificate')).toBe(false));
  it.each(cases(['authorized', 'requestCert', 'crl', 'httpsOptions', 'serverOptions', 'headers', 'headerName', 'useClass'], ['body', 'x']))(
    'isModelPropertyName(%s) → %s',
    (n, want) => expect(v.isModelPropertyName(n)).toBe(want),
  );
  it.each(v.TLS_FACTORY_WORDS)('TLS_FACTORY_TEXT matches %s', (w) => expect(v.TLS_FACTORY_TEXT.test(w)).toBe(true));
});

describe('frameworks and DI', () => {
  it.each([
    ['app.listen(8443)', true],
    ['https.createServer(opts, app)', true],
    ['const app = await NestFactory.create(AppModule, { httpsOptions })', true],
    ['const app = await NestFactory.create<NestExpressApplication>(AppModule, { httpsOptions })', true],
    ['serve({ fetch: app.fetch, createServer })', true],
    ['const listening = server.listening', false],
    ['NestFactory.createMicroservice', false],
  ])('startsServer(%s) → %s', (t, want) => expect(v.startsServer(t)).toBe(want));
  it('names the server-making calls among the server-start calls', () => expect(v.SERVER_CREATE_CALLS).toEqual(['createServer', 'createSecureServer', 'createHTTPServer']));
  const web = new RegExp(v.webModulePattern());
  it.each([...v.WEB_MODULES.map((m) => (m.subpaths && m.name.startsWith('@') ? `${m.name}/core` : m.name)), 'hono/cors', 'node:https'])(
    'the web-module text test matches %s',
    (m) => expect(web.test(`import x from '${m}'`)).toBe(true),
  );
  it.each(['lodash', '@nestjsx/crud', 'expressive', 'http'])('the web-module text test keeps %s out', (m) => expect(web.test(`import x from '${m}'`)).toBe(false));
  it("names Fastify's instance decoration (not decorateRequest)", () => expect(v.INSTANCE_DECORATE).toBe('decorate'));
  it.each(cases([...v.ROUTE_METHODS], ['route', 'listen']))('isRouteMethod(%s) → %s', (n, want) => expect(v.isRouteMethod(n)).toBe(want));
  it.each(cases(['route', 'routes', 'basePath', 'callback', 'get'], ['listen', 'close']))('continuesRouteChain(%s) → %s', (n, want) => expect(v.continuesRouteChain(n)).toBe(want));
  it.each(cases([...v.EARLY_HOOKS], ['onSend', 'onResponse']))('isEarlyHook(%s) → %s', (n, want) => expect(v.isEarlyHook(n)).toBe(want));
  it.each(cases([...v.SERVER_LISTENER_EVENTS], ['close', 'listening']))('isServerListenerEvent(%s) → %s', (n, want) => expect(v.isServerListenerEvent(n)).toBe(want));
  it.each(cases([...v.CONNECTION_EVENTS], ['request', 'stream', 'close']))('isConnectionEvent(%s) → %s', (n, want) => expect(v.isConnectionEvent(n)).toBe(want));
  it.each(cases([...v.APP_SERVER_MEMBERS], ['listen', 'router', 'servers']))('isAppServerMember(%s) → %s', (n, want) => expect(v.isAppServerMember(n)).toBe(want));
  it.each(cases(['fp', 'fastifyPlugin', 'authPlugin'], ['register', 'routes']))('sharesPluginInstance(%s) → %s', (n, want) => expect(v.sharesPluginInstance(n)).toBe(want));
  it.each(cases([...v.NEST_GUARD_METHODS], ['constructor', 'handle']))('isNestGuardMethod(%s) → %s', (n, want) => expect(v.isNestGuardMethod(n)).toBe(want));
  it("names a middleware consumer's apply and the forRoutes call that limits it", () => {
    expect(v.NEST_MIDDLEWARE_SCOPE).toEqual({ apply: 'apply', forRoutes: 'forRoutes' });
    expect(v.NEST_GLOBAL_REGISTRATIONS).toContain(v.NEST_MIDDLEWARE_SCOPE.apply);
    expect(v.NEST_GLOBAL_REGISTRATIONS).not.toContain(v.NEST_MIDDLEWARE_SCOPE.forRoutes);
  });
  it('names the route metadata setter, the Reflector reads a guard can bypass on, and the guard and interceptor methods', () => {
    expect(v.NEST_METADATA.setter).toBe('SetMetadata');
    expect([...v.NEST_METADATA.readers]).toEqual(['get', 'getAllAndOverride', 'getAllAndMerge']);
    expect(v.NEST_METADATA.readers).not.toContain('set');
    expect([v.NEST_METADATA.guardMethod, v.NEST_METADATA.interceptorMethod].every((m) => v.NEST_GUARD_METHODS.includes(m))).toBe(true);
  });
  it("names @nestjs/passport's guard factory, strategy mixin (its name the second argument), validate and req.user", () =>
    expect(v.PASSPORT_NEST).toEqual({ guard: 'AuthGuard', strategy: 'PassportStrategy', nameArg: 1, method: 'validate', userField: 'user' }));
  it.each(cases(['Injectable', 'Controller', 'Resolver', 'WebSocketGateway', 'Catch'], ['Module', 'Get']))('isSingletonClassDecorator(%s) → %s', (n, want) =>
    expect(v.isSingletonClassDecorator(n)).toBe(want),
  );
  it.each(
    cases(
      ['@Injectable({ scope: Scope.REQUEST })', '@Injectable({ scope: Scope.TRANSIENT })', "@Injectable({ scope: 'request' })"],
      ['@Injectable()', '@Injectable({ scope: Scope.DEFAULT })'],
    ),
  )('namesPerRequestScope(%s) → %s', (t, want) => expect(v.namesPerRequestScope(t)).toBe(want));
});

describe('data access', () => {
  it.each([
    ['findUnique', 'read'],
    ['findByIdAndUpdate', 'write'],
    ['findOrCreate', 'write'],
    ['countDocuments', 'read'],
    ['save', 'write'],
    ['patchAndFetchById', 'write'],
    ['deleteById', 'write'],
    ['aggregate', 'read'],
  ] as const)('recordMethodOf(%s).access → %s', (n, access) => expect(v.recordMethodOf(n)?.access).toBe(access));
  it.each(cases(['findById', 'patchAndFetchById', 'updateAndFetchById', 'deleteById', 'findByPk'], ['findOne', 'patch']))('recordMethodOf(%s).byId → %s', (n, want) =>
    expect(v.recordMethodOf(n)?.byId === true).toBe(want),
  );
  it.each(cases(['update', 'delete', 'find', 'save', 'distinct'], ['findUnique', 'updateOne', 'findById']))('recordMethodOf(%s).ambiguous → %s', (n, want) =>
    expect(v.recordMethodOf(n)?.ambiguous === true).toBe(want),
  );
  it.each(cases(['findById', 'findByPk', 'findByIds', 'findByIdAndDelete'], ['findOne']))('recordMethodOf(%s).byId → %s', (n, want) =>
    expect(v.recordMethodOf(n)?.byId === true).toBe(want),
  );
  it.each(cases([...v.QUERY_FILTER_CALLS], ['select', 'first']))('isQueryFilterCall(%s) → %s', (n, want) => expect(v.isQueryFilterCall(n)).toBe(want));
  it.each(cases(['update', 'set', 'insert', 'del', 'softDelete'], ['where', 'select', 'first']))('isQueryWriteCall(%s) → %s', (n, want) =>
    expect(v.isQueryWriteCall(n)).toBe(want),
  );
  it.each(cases(['values', 'orderBy', 'set', 'increment'], ['where', 'first']))('isQueryPayloadCall(%s) → %s', (n, want) => expect(v.isQueryPayloadCall(n)).toBe(want));
  it.each(cases(['where', 'first', 'getOne', 'exec', 'then', 'forUpdate'], ['insert', 'map', 'whereInIds']))('continuesQuery(%s) → %s', (n, want) =>
    expect(v.continuesQuery(n)).toBe(want),
  );
  it.each(
    cases(
      ['patientId', 'trip_id', 'articleUuid', 'ownerID', 'matter_uuid', 'studyInstanceUid', 'series_uid'],
      ['id', '_id', 'Id', 'paid', 'valid', 'squid', 'fluid', 'UID', 'body', 'Key', 'kid'],
    ),
  )('isReferenceKey(%s) → %s', (n, want) => expect(v.isReferenceKey(n)).toBe(want));
  it('names the keys of a record that are its own id', () => expect(v.RECORD_ID_KEYS).toEqual(['id', '_id']));
  it('names the chain that turns an insert into an update of the row it collides with', () => expect(v.UPSERT_CONFLICT).toEqual({ on: 'onConflict', merge: 'merge' }));
  it.each([
    ['create', 'data'],
    ['createMany', 'data'],
  ] as const)("Prisma's %s holds the record in %s", (name, key) => expect(v.CREATE_METHODS.find((c) => c.name === name && c.libraries.includes('prisma'))?.recordKey).toBe(key));
  it.each(['create', 'bulkCreate', 'insertMany', 'insertOne', 'insert'])('%s creates from its first argument in some library', (name) =>
    expect(v.CREATE_METHODS.some((c) => c.name === name && c.recordKey === undefined)).toBe(true),
  );
  it('create method names are listed once each', () => expect(new Set(v.CREATE_METHOD_NAMES).size).toBe(v.CREATE_METHOD_NAMES.length));
  it.each(cases(['data', '$set', 'orderBy', 'transaction'], ['where', 'id']))('isPayloadKey(%s) → %s', (n, want) => expect(v.isPayloadKey(n)).toBe(want));
  it.each(cases(['prisma', 'usersRepo', 'db', 'dbClient', 'tx', 'trx', 'OrderModel', 'Invoice', 'userDao'], ['cache', 'trxs', 'list', 'user']))(
    'namesDatabase(%s) → %s',
    (n, want) => expect(v.namesDatabase(n)).toBe(want),
  );
  it.each(cases(['collection', 'getRepository', 'Knex', 'table', 'from'], ['map', 'extend']))('returnsDatabaseHandle(%s) → %s', (n, want) =>
    expect(v.returnsDatabaseHandle(n)).toBe(want),
  );
  it.each(cases(['getRepository', 'extend', 'model'], ['table', 'knex', 'GetRepository']))('initializesDatabaseHandle(%s) → %s', (n, want) =>
    expect(v.initializesDatabaseHandle(n)).toBe(want),
  );
  it.each(cases(['Repository', 'PrismaClient', 'Knex.Transaction', 'InvoiceRepository', 'UserModel', 'Pool'], ['Map', 'Request', 'Model2']))('isDatabaseType(%s) → %s', (n, want) =>
    expect(v.isDatabaseType(n)).toBe(want),
  );
  it.each(cases(['InjectRepository(Invoice)', 'InjectModel(User.name)', 'InjectKnex()'], ['Inject(TOKEN)', 'Injectable()']))('injectsDatabase(%s) → %s', (n, want) =>
    expect(v.injectsDatabase(n)).toBe(want),
  );
  it.each(cases([...v.NOT_DATABASE_CLASSES], ['Repository', 'Pool']))('isNonDatabaseClass(%s) → %s', (n, want) => expect(v.isNonDatabaseClass(n)).toBe(want));
  it('names the injections whose argument is the entity (a subset of the database injections)', () => {
    expect(v.ENTITY_INJECTIONS.every((d) => v.DATABASE_INJECTIONS.includes(d))).toBe(true);
    expect(v.ENTITY_INJECTIONS).not.toContain('InjectConnection');
    expect(v.ENTITY_INJECTIONS).not.toContain('InjectDataSource');
  });
  it.each(cases([...v.CRYPTO_FACTORIES], ['createClient']))('isCryptoFactory(%s) → %s', (n, want) => expect(v.isCryptoFactory(n)).toBe(want));
  it('SQL runners are split by where they are called', () => {
    expect(v.SQL_CONNECTION_METHODS).toContain('query');
    expect(v.SQL_STATEMENT_METHODS).toEqual(['get', 'all', 'run', 'iterate', 'pluck']);
  });
});

describe('sql', () => {
  it.each([
    ['SELECT * FROM t WHERE id = $1', 'select'],
    ['`\n  update accounts set x = 1`', 'update'],
    ['"DELETE FROM t"', 'delete'],
    ['with x as (select 1) select *', undefined],
  ] as const)('sqlVerbOf(%s) → %s', (t, verb) => expect(v.sqlVerbOf(t)).toBe(verb));
  it.each(cases(['select id from t', 'UPDATE t SET a = 1', 'x WHERE y'], ['selected items', 'hello world']))('looksLikeSqlText(%s) → %s', (t, want) =>
    expect(v.looksLikeSqlText(t)).toBe(want),
  );
  it.each(cases(['UPDATE t SET a = 1', 'insert into t', 'MERGE INTO t'], ['SELECT * FROM t']))('isWritingSql(%s) → %s', (t, want) => expect(v.isWritingSql(t)).toBe(want));
  it.each(cases(['BEGIN', ' begin isolation level serializable', 'START TRANSACTION'], ['COMMIT', 'select begin_at from t', 'beginning']))(
    'startsTransactionSql(%s) → %s',
    (t, want) => expect(v.startsTransactionSql(t)).toBe(want),
  );
  it('names the count fields of a result, and the query-language filter keys', () => {
    expect(v.RESULT_COUNT_FIELDS).toEqual(expect.arrayContaining(['rowCount', 'length', 'count']));
    expect(v.RESULT_COUNT_FIELDS).not.toContain('role');
    expect(v.QUERY_DSL_KEYS.every((k) => v.FILTER_OPTION_KEYS.includes(k))).toBe(true);
  });
  it.each(cases(['select * from t for update', 'SELECT 1 FOR SHARE', 'select 1 for no key update'], ['select 1', 'update t']))('locksInSql(%s) → %s', (t, want) =>
    expect(v.locksInSql(t)).toBe(want),
  );
  it.each([
    ['SELECT 1 FROM revoked_certificates WHERE serial = $1', ['revoked_certificates']],
    ['select m.role from mandates m join "public".accounts a on a.id = m.account_id where m.revoked_at is null', ['mandates', 'public.accounts']],
    ['INSERT INTO crl_entries (serial) VALUES ($1)', ['crl_entries']],
    ['update `keyholders` set revoked_at = now()', ['keyholders']],
    ['SELECT now()', []],
  ] as const)('sqlTables(%s) → %j', (t, tables) => expect(v.sqlTables(t)).toEqual(tables));
  it.each(cases(['SELECT * FROM t', 'SELECT * FROM t FOR UPDATE'], ['UPDATE t SET a = 1', 'DELETE FROM t', 'WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d']))(
    'selectsOnlySql(%s) → %s',
    (t, want) => expect(v.selectsOnlySql(t)).toBe(want),
  );
  it.each(
    cases(
      ['UPDATE docs SET a = 1 WHERE id = $1 AND owner = $2', 'delete from t where id = 1 and exists (select 1)'],
      ['UPDATE docs SET a = 1 WHERE id = $1', 'select * from t where a and b'],
    ),
  )('isConditionalWriteSql(%s) → %s', (t, want) => expect(v.isConditionalWriteSql(t)).toBe(want));
});

describe('http clients', () => {
  it.each(cases([...v.HTTP_CLIENT_MODULES], ['express', 'http']))('isHttpClientModule(%s) → %s', (n, want) => expect(v.isHttpClientModule(n)).toBe(want));
  it.each(cases(['get', 'post', 'request', 'fetch'], ['send', 'query']))('isHttpMethod(%s) → %s', (n, want) => expect(v.isHttpMethod(n)).toBe(want));
  it.each(cases(['get', 'GET', 'head'], ['post', 'DELETE']))('isReadOnlyHttpMethod(%s) → %s', (n, want) => expect(v.isReadOnlyHttpMethod(n)).toBe(want));
  it.each(cases(['httpService', 'HttpClient', 'api'], ['repo', 'db']))('isHttpClientField(%s) → %s', (n, want) => expect(v.isHttpClientField(n)).toBe(want));
  it.each(cases(['create', 'extend'], ['post', 'defaults', 'json']))('isHttpClientFactory(%s) → %s', (n, want) => expect(v.isHttpClientFactory(n)).toBe(want));
  it.each(cases(['json', 'text', 'buffer'], ['then', 'where', 'send', 'first']))('isHttpResponseReader(%s) → %s', (n, want) => expect(v.isHttpResponseReader(n)).toBe(want));
  it.each([
    ...v.NODE_HTTP_MODULES.flatMap((m) => v.NODE_REQUEST_FUNCTIONS.map((f) => [m, f, true] as const)),
    ['axios', 'request', false] as const,
    ['node:http', 'createServer', false] as const,
    ['node:net', 'connect', false] as const,
  ])('isNodeRequestFunction(%s, %s) → %s', (m, f, want) => expect(v.isNodeRequestFunction(m, f)).toBe(want));
});

describe('fs', () => {
  it.each(cases(['exists', 'readFile', 'open', 'remove'], ['existsSync', 'hasOwnProperty', 'toString']))('fsFunctionOf(%s) → %s', (n, want) =>
    expect(v.fsFunctionOf(n) !== undefined).toBe(want),
  );
  it.each(v.FS_CHECK_NAMES.flatMap((n) => [n, `${n}Sync`]))('the fs prefilter matches the check %s', (n) => {
    expect(v.mayUseFsChecks(`import fs from 'node:fs';\nfs.${n}(p)`)).toBe(true);
  });
  it.each([...v.FS_MODULES.keys()])('the fs prefilter matches an import of %s', (m) => expect(v.FS_IMPORT_TEXT.test(`require("${m}")`)).toBe(true));
  it('the fs prefilter keeps files out that check nothing, or import no fs module', () => {
    expect(v.mayUseFsChecks("import fs from 'fs'; fs.readFile(p)")).toBe(false);
    expect(v.mayUseFsChecks('if (await exists(p)) {}')).toBe(false);
  });
  it.each(cases(['', 'r', 'rs'], ['r+', 'w', 'a', 'wx']))('isReadOnlyOpenFlag(%s) → %s', (f, want) => expect(v.isReadOnlyOpenFlag(f)).toBe(want));
  it('fs constants', () => {
    expect(v.namesExclusiveOpen('O_CREAT | O_EXCL')).toBe(true);
    expect(v.namesExclusiveOpen('O_EXCLUSIVE')).toBe(false);
    expect(v.namesExclusiveCopy('fs.constants.COPYFILE_EXCL')).toBe(true);
    expect(v.namesWriteFlag('constants.O_WRONLY')).toBe(true);
    expect(v.namesExistenceMode('fs.constants.F_OK')).toBe(true);
    expect(v.namesExistenceMode('0')).toBe(true);
    expect(v.namesExistenceMode('R_OK')).toBe(false);
  });
});

describe('refusals', () => {
  it.each(cases([...v.PEER_WRITES], ['send', 'destroy', 'on', 'pipe']))('isPeerWrite(%s) → %s', (n, want) => expect(v.isPeerWrite(n)).toBe(want));
  it('names the statuses another service rejects what it was sent with, none of them a refusal of rights', () => {
    expect(v.INPUT_REJECTION_STATUSES).toEqual([400, 422]);
    for (const s of v.INPUT_REJECTION_STATUSES) expect(v.statusRefusal(s)).not.toBe('auth');
  });
  it.each(
    cases(
      v.REFUSAL_CALLS.map((r) => r.name),
      ['send', 'json', 'status'],
    ),
  )('isRefusalCall(%s) → %s', (n, want) => expect(v.isRefusalCall(n)).toBe(want));
  it.each(cases(['throw', 'destroy', 'sendStatus'], ['end', 'deny']))('isThrowingRefusal(%s) → %s', (n, want) => expect(v.isThrowingRefusal(n)).toBe(want));
  it.each([
    ['status', 403, true],
    ['code', 401, true],
    ['writeHead', 404, true],
    ['status', 200, false],
    ['send', 403, false],
  ] as const)('refusesWithStatus(%s, %d) → %s', (n, code, want) => expect(v.refusesWithStatus(n, code)).toBe(want));
  it.each(cases([...v.ERROR_CALLBACKS], ['resolve']))('isErrorCallback(%s) → %s', (n, want) => expect(v.isErrorCallback(n)).toBe(want));
  it.each(cases([...v.ASSERTIONS], ['assertOwner', 'expect']))('isAssertion(%s) → %s', (n, want) => expect(v.isAssertion(n)).toBe(want));
  it.each(
    cases(
      ['assert', 'ok', 'assertSameTenant', 'ensureOwner', 'requireRole', 'check', 'check_access', 'Authorize', 'validateAccess', 'throwIfDenied'],
      ['checkout', 'validated', 'requirements', 'authorized', 'okay'],
    ),
  )('isThrowingCheck(%s) → %s', (n, want) => expect(v.isThrowingCheck(n)).toBe(want));
  it.each(cases(['error', 'message', 'reason'], ['ok', 'status', 'data', 'code']))('isResultMessageKey(%s) → %s', (n, want) => expect(v.isResultMessageKey(n)).toBe(want));
  it.each([
    ['PRECONDITION_FAILED', 'conflict'],
    ['PAYMENT_REQUIRED', 'auth'],
    ['TOO_MANY_REQUESTS', 'conflict'],
    ['FORBIDDEN', 'auth'],
    ['NOT_FOUND', 'hiding'],
    ['BAD_REQUEST', undefined],
    ['INTERNAL_SERVER_ERROR', undefined],
  ] as const)('namedRefusal(%s) → %s', (n, want) => expect(v.namedRefusal(n)).toBe(want));
  it.each(cases([...v.UNAUTHENTICATED_REFUSALS], ['ForbiddenException', 'FORBIDDEN', 'PermissionDeniedError', 'NotFoundException']))('refusesUnauthenticated(%s) → %s', (n, want) =>
    expect(v.refusesUnauthenticated(n)).toBe(want),
  );
  it.each([...v.UNAUTHENTICATED_STATUSES.map((s) => [s, true] as const), [402, false] as const, [403, false] as const, [404, false] as const])(
    'refusesUnauthenticated(%d) → %s',
    (s, want) => expect(v.refusesUnauthenticated(s)).toBe(want),
  );
  it.each(cases([...v.STATUS_PROPERTIES], ['ok', 'code', 'body']))('isStatusField(%s) → %s', (n, want) => expect(v.isStatusField(n)).toBe(want));
  it.each(cases([...v.TRANSPORT_FLAGS], ['status', 'allowed', 'granted']))('isTransportFlag(%s) → %s', (n, want) => expect(v.isTransportFlag(n)).toBe(want));
  it('every name that refuses for want of identity is a refusal the table knows', () => {
    for (const n of v.UNAUTHENTICATED_REFUSALS) expect(v.namedRefusal(n) ?? v.STATUS_NAMES[n]).toBeDefined();
  });
});

describe('field filter operators', () => {
  it.each(cases([...v.FIELD_FILTER_OPERATORS], ['some', 'every', 'none', 'members', '$elemMatch', 'where', 'AND']))('isFieldFilterOperator(%s) → %s', (n, want) =>
    expect(v.isFieldFilterOperator(n)).toBe(want),
  );
});

describe('atomic forms', () => {
  it.each(cases([...v.TRANSACTION_OPENERS], ['commit', 'query', 'begin', 'transaction']))('opensTransaction(%s) → %s', (n, want) => expect(v.opensTransaction(n)).toBe(want));
  it.each(cases([...v.TRANSACTION_CALLEES], ['transact', 'commit']))('isTransactionCallee(%s) → %s', (n, want) => expect(v.isTransactionCallee(n)).toBe(want));
  it.each(cases([...v.TRANSACTION_HANDLES], ['db', 'prisma']))('isTransactionHandle(%s) → %s', (n, want) => expect(v.isTransactionHandle(n)).toBe(want));
  it.each(cases(['transaction', 'session', 'lock'], ['where']))('isTransactionOption(%s) → %s', (n, want) => expect(v.isTransactionOption(n)).toBe(want));
  it.each(cases(['forUpdate', 'forShare', 'setLock', 'transacting'], ['where']))('isLockCall(%s) → %s', (n, want) => expect(v.isLockCall(n)).toBe(want));
  it.each(cases(['forUpdate', 'forNoKeyUpdate', 'setLock'], ['transacting']))('locksByCall(%s) → %s', (n, want) => expect(v.locksByCall(n)).toBe(want));
  it.each(cases(['compareAndSwap', 'setNX', 'WATCH', 'hsetnx'], ['set', 'swap']))('isCompareAndSet(%s) → %s', (n, want) => expect(v.isCompareAndSet(n)).toBe(want));
  it.each(cases(['optimistic'], ['pessimistic_write', 'pessimistic_read', 'for_no_key_update']))('isOptimisticLockMode(%s) → %s', (n, want) =>
    expect(v.isOptimisticLockMode(n)).toBe(want),
  );
  it('names the watch and the transaction of an optimistic transaction', () => expect(v.WATCHED_TRANSACTION).toEqual({ watch: 'watch', transaction: 'multi' }));
  it("names a document schema's optimistic lock and the save it guards", () => expect(v.OPTIMISTIC_DOCUMENTS).toEqual({ schemaOption: 'optimisticConcurrency', save: 'save' }));
  it.each(cases([...v.SUBQUERY_CALLS], ['where', 'orWhere', 'andWhere']))('isSubqueryCall(%s) → %s', (n, want) => expect(v.isSubqueryCall(n)).toBe(want));
  it('driver result fields are the ones no record has', () => {
    for (const n of ['rowCount', 'affectedRows', 'changedRows', 'rowsAffected']) expect(v.DRIVER_RESULT_FIELDS).toContain(n);
    for (const n of ['count', 'size', 'role', 'status']) expect(v.DRIVER_RESULT_FIELDS).not.toContain(n);
  });
  it("the builder calls that name a query's table are Kysely's and Knex's, not its filters or handles", () => {
    for (const n of ['selectFrom', 'updateTable', 'deleteFrom', 'insertInto', 'from', 'table', 'into']) expect(v.QUERY_TABLE_CALLS).toContain(n);
    for (const n of ['where', 'select', 'db', 'execute', 'set']) expect(v.QUERY_TABLE_CALLS).not.toContain(n);
  });
  it.each(cases([...v.FILTER_OPTION_KEYS], ['data', 'document', 'index', 'refresh', 'ConditionExpression']))('isFilterOption(%s) → %s', (n, want) =>
    expect(v.isFilterOption(n)).toBe(want),
  );
});

describe('write selection', () => {
  it.each(cases(['data', '$set', 'returning', 'lock'], ['where', 'filter', 'id', 'Key']))('writeSelection(payload, %s) → %s', (n, want) =>
    expect(v.writeSelection('payload', n)).toBe(want),
  );
  it.each(cases(['updateMany', 'findOneAndUpdate', 'nativeDelete'], ['update', 'save', 'create']))('writeSelection(filterFirst, %s) → %s', (n, want) =>
    expect(v.writeSelection('filterFirst', n)).toBe(want),
  );
  it.each(cases(['nativeUpdate', 'nativeDelete'], ['updateMany', 'update']))('writeSelection(entityFirst, %s) → %s', (n, want) =>
    expect(v.writeSelection('entityFirst', n)).toBe(want),
  );
  it.each(cases(['update', 'delete', 'softDelete'], ['updateMany', 'save', 'insert']))('writeSelection(criteriaFirst, %s) → %s', (n, want) =>
    expect(v.writeSelection('criteriaFirst', n)).toBe(want),
  );
  it.each(cases(['where', 'andWhereRaw', 'whereNotExists', 'having'], ['set', 'select', 'orderBy']))('writeSelection(conditions, %s) → %s', (n, want) =>
    expect(v.writeSelection('conditions', n)).toBe(want),
  );
  it.each(cases(['whereExists', 'whereIn', 'orWhereExists'], ['where', 'whereRaw']))('writeSelection(subqueryConditions, %s) → %s', (n, want) =>
    expect(v.writeSelection('subqueryConditions', n)).toBe(want),
  );
  it.each(cases(['TableName', 'index', 'Bucket', 'collection'], ['Key', 'Item', 'where']))('READ_TARGET_KEYS has %s → %s', (n, want) =>
    expect(v.READ_TARGET_KEYS.includes(n)).toBe(want),
  );
  it.each(cases(['this', 'ctx', 'c', 'req', 'container'], ['prisma', 'db', 'redis']))('CLIENT_HOLDER_ROOTS has %s → %s', (n, want) =>
    expect(v.CLIENT_HOLDER_ROOTS.includes(n)).toBe(want),
  );
});

describe('collections and waits', () => {
  it.each(cases(['includes', 'has', 'some', 'every', 'indexOf'], ['get', 'find', 'filter']))('MEMBERSHIP_TESTS has %s → %s', (n, want) =>
    expect(v.MEMBERSHIP_TESTS.includes(n)).toBe(want),
  );
  it.each(cases(['includes', 'has', 'indexOf'], ['some', 'every']))('VALUE_MEMBERSHIP_TESTS has %s → %s', (n, want) => expect(v.VALUE_MEMBERSHIP_TESTS.includes(n)).toBe(want));
  it.each(cases(['equals'], ['includes', 'eq', 'compare']))('EQUALITY_METHODS has %s → %s', (n, want) => expect(v.EQUALITY_METHODS.includes(n)).toBe(want));
  it.each(cases(['sismember', 'sIsMember', 'smIsMember'], ['smembers', 'sadd', 'get', 'exists']))('STORE_MEMBERSHIP_TESTS has %s → %s', (n, want) =>
    expect(v.STORE_MEMBERSHIP_TESTS.includes(n)).toBe(want),
  );
  it.each(cases(['Map', 'Set', 'WeakMap', 'Array'], ['Pool', 'PrismaClient', 'Redis']))('IN_MEMORY_COLLECTION_CLASSES has %s → %s', (n, want) =>
    expect(v.IN_MEMORY_COLLECTION_CLASSES.includes(n)).toBe(want),
  );
  it.each(cases(['sleep', 'delay', 'setTimeout', 'import', 'require'], ['findOne', 'get', 'fetch']))('WAITS_NOT_READS has %s → %s', (n, want) =>
    expect(v.WAITS_NOT_READS.includes(n)).toBe(want),
  );
  it.each(cases(['Promise', 'JSON', 'Object', 'Math'], ['prisma', 'db', 'fetch']))('PURE_NAMESPACES has %s → %s', (n, want) => expect(v.PURE_NAMESPACES.includes(n)).toBe(want));
});

describe('entity re-reads', () => {
  it('names the re-reads of an entity held in memory, by where the entity is', () => expect(v.ENTITY_RELOADS).toEqual({ byArgument: ['refresh'], byReceiver: ['reload'] }));
});

describe('deferral', () => {
  it("names a job's payload and name fields, and a queue's name field", () =>
    expect([v.JOB_PAYLOAD_FIELD, v.JOB_NAME_FIELD, v.QUEUE_NAME_FIELD]).toEqual(['data', 'name', 'name']));
  it.each(cases(['then', 'catch', 'setTimeout', 'nextTick', 'on', 'subscribe', 'process'], ['add', 'enqueue', 'map', 'forEach']))('defersCallback(%s) → %s', (n, want) =>
    expect(v.defersCallback(n)).toBe(want),
  );
  it.each(cases(['setTimeout', 'on', 'once', 'add', 'enqueue', 'defer'], ['then', 'addListener', 'subscribe']))('runs after the response: %s → %s', (n, want) =>
    expect(v.AFTER_RESPONSE_CALLEES.includes(n)).toBe(want),
  );
  it.each(cases(['setTimeout', 'setInterval', 'setImmediate'], ['nextTick', 'then']))('isTimer(%s) → %s', (n, want) => expect(v.isTimer(n)).toBe(want));
  it.each(cases(['then', 'catch', 'finally'], ['setTimeout', 'on', 'thenable', 'all']))('isPromiseStep(%s) → %s', (n, want) => expect(v.isPromiseStep(n)).toBe(want));
  it.each(cases(['firstValueFrom', 'lastValueFrom'], ['from', 'toPromise', 'subscribe', 'pipe']))('isObservableAwaiter(%s) → %s', (n, want) =>
    expect(v.isObservableAwaiter(n)).toBe(want),
  );
  it.each(cases(['add', 'addBulk', 'enqueue', 'schedule', 'defer'], ['push', 'on']))('isQueueCall(%s) → %s', (n, want) => expect(v.isQueueCall(n)).toBe(want));
  it.each(cases(['finish', 'close', 'end'], ['data', 'request']))('isAfterResponseEvent(%s) → %s', (n, want) => expect(v.isAfterResponseEvent(n)).toBe(want));
  it.each(cases(['auditQueue', 'this.jobs', 'taskScheduler', 'Worker'], ['cache', 'repo']))('namesQueue(%s) → %s', (n, want) => expect(v.namesQueue(n)).toBe(want));
  it.each(cases(['await x', 'yield y', 'p.then(f)', 'p\n  .then (f)'], ['awaiting', 'thenable', 'yielded']))('SUSPENSION_TEXT(%s) → %s', (t, want) =>
    expect(v.SUSPENSION_TEXT.test(t)).toBe(want),
  );
});

describe('containers', () => {
  it.each(cases(['set', 'add', 'push', 'setex', 'hSet', 'assign'], ['get', 'has', 'delete']))('isStoreMethod(%s) → %s', (n, want) => expect(v.isStoreMethod(n)).toBe(want));
  it.each(cases(['set', 'put', 'setItem', 'sadd', 'remember'], ['add', 'push', 'mset', 'save']))('isKeyedStore(%s) → %s', (n, want) => expect(v.isKeyedStore(n)).toBe(want));
  it.each(cases(['LRUCache', 'Redis', 'createClient', 'caching', 'memoize'], ['Map', 'Pool']))('makesCache(%s) → %s', (n, want) => expect(v.makesCache(n)).toBe(want));
  it.each(cases(['redis', 'ioredis', '@nestjs/cache-manager', 'lru-cache'], ['pg', 'express']))('isCacheModule(%s) → %s', (n, want) => expect(v.isCacheModule(n)).toBe(want));
  it.each(cases(['cache', 'sessionStore', 'userMap', 'this.redisClient', 'REGISTRY'], ['mapper', 'repo', 'queue']))('namesCache(%s) → %s', (n, want) =>
    expect(v.namesCache(n)).toBe(want),
  );
  it.each(cases(['app', 'fastify', 'server', 'instance'], ['router', 'req']))('isAppObject(%s) → %s', (n, want) => expect(v.isAppObject(n)).toBe(want));
  it.each(cases(['FastifyInstance', "import('fastify').FastifyInstance", 'fastify.FastifyInstance', 'FastifyInstance<Server>'], ['FastifyRequest', 'Instance', 'Express']))(
    'isAppInstanceType(%s) → %s',
    (n, want) => expect(v.isAppInstanceType(n)).toBe(want),
  );
  it('settings are made from literals and the environment through plain conversions', () => {
    expect(v.SETTING_CONVERSIONS).toEqual(expect.arrayContaining(['Number', 'parseInt', 'String']));
    expect(v.SETTING_CONVERSIONS).not.toContain('fetch');
    expect(v.ENVIRONMENT_OBJECT.join('.')).toBe('process.env');
  });
  it.each(cases(['global', 'globalThis', 'window'], ['process', 'self']))('isGlobalObject(%s) → %s', (n, want) => expect(v.isGlobalObject(n)).toBe(want));
  it.each(cases(['res', 'reply', 'ctx', 'c', 'console', 'this.logger', 'JSON', 'socket', 'app', 'process', 'body'], ['prisma', 'db', 'accounts', 'req']))(
    'isNonStateReceiver(%s) → %s',
    (n, want) => expect(v.isNonStateReceiver(n)).toBe(want),
  );
  it.each(cases(['element', 'buttonElement', 'eventBus', 'keyEmitter', 'metrics', 'cacheManager', 'notificationsService'], ['ledger', 'repo', 'res']))(
    'isNonStoreReceiver(%s) → %s',
    (n, want) => expect(v.isNonStoreReceiver(n)).toBe(want),
  );
  it.each(cases(['JSON', '_', 'headers', 'res', 'router', 'socket', 'process', 'logger'], ['c', 'ctx', 'db', 'User']))('isNonDatabaseReceiver(%s) → %s', (n, want) =>
    expect(v.isNonDatabaseReceiver(n)).toBe(want),
  );
  it.each(cases(['Map', 'WeakSet'], ['Array', 'LRUCache']))('collectionClassOf(%s) → %s', (n, want) => expect(v.collectionClassOf(n) !== undefined).toBe(want));
});

describe('authorization', () => {
  it.each(
    cases(
      [
        'acl.can',
        'hasRole',
        'getPermissions',
        'perms',
        'isOwner',
        'ownsDocument',
        'featureFlags.get',
        'isEnabled',
        'loadBalance',
        'checkAccess',
        'revokedSerials',
        'canEdit',
        'userCanEdit',
        'cannot',
        'grants',
        'credit_limit',
      ],
      ['permanentStore', 'getAccessToken', 'accessory', 'cancelOrder', 'scanFiles', 'downstream', 'getUser', 'fetchInvoice'],
    ),
  )('namesDecision(%s) → %s', (n, want) => expect(v.namesDecision(n)).toBe(want));
  it.each(cases(['hasRole', 'roleOf', 'canEdit', 'isRevoked', 'checkAccess', 'isAdmin', 'permitted'], ['getCredit', 'featureFlag', 'isEnabled', 'isBanned', 'cancel']))(
    'isDecisionName(%s) → %s',
    (n, want) => expect(v.isDecisionName(n)).toBe(want),
  );
  it.each(v.DECISION_WORDS.filter((w) => !w.camel && !w.endings && !w.unless).map((w) => w.word))('the decision word %s is found inside a name', (word) =>
    expect(v.namesDecision(`get_${word}Thing`)).toBe(true),
  );
  it.each(cases(['canEdit', 'getRoles', 'isOwner', 'exists', 'lookUp'], ['issue', 'update', 'cancel', 'finder']))('isLookupName(%s) → %s', (n, want) =>
    expect(v.isLookupName(n)).toBe(want),
  );
  it.each(cases(['findById', 'getAccount', 'query', 'accountOf', 'finder'], ['update', 'isOwner', 'canEdit']))('isRecordReadName(%s) → %s', (n, want) =>
    expect(v.isRecordReadName(n)).toBe(want),
  );
  it.each(cases(['ownerId', 'createdBy', 'writers', 'status', 'isLocked', 'ROLE'], ['title', 'name', 'id']))('isRecordDecisionField(%s) → %s', (n, want) =>
    expect(v.isRecordDecisionField(n)).toBe(want),
  );
  it.each(
    cases(
      ['update', 'updateMany', 'deleteUser', 'setRole', 'transferFunds', 'query', '$executeRaw', 'issueRefund', 'rmdir', 'credit'],
      ['queryBuilder', 'runner', 'payment', 'credits', 'setName', 'findMany', 'get'],
    ),
  )('isOperationName(%s) → %s', (n, want) => expect(v.isOperationName(n)).toBe(want));
  it.each(cases(['query', 'raw', 'run', 'execute', 'exec'], ['bulkWrite', 'update']))('runsRawStatement(%s) → %s', (n, want) => expect(v.runsRawStatement(n)).toBe(want));
  it.each(cases(['createServer', 'createHash', 'createQueryBuilder'], ['create', 'createUser', 'createInvoice']))('createsInMemory(%s) → %s', (n, want) =>
    expect(v.createsInMemory(n)).toBe(want),
  );
  it.each(cases([...v.PLAIN_FACTORY_OBJECTS], ['prisma']))('isPlainFactoryObject(%s) → %s', (n, want) => expect(v.isPlainFactoryObject(n)).toBe(want));
  it('collection tests by what they ask', () => {
    expect(v.isCollectionTest('has', 'membership')).toBe(true);
    expect(v.isCollectionTest('get', 'membership')).toBe(false);
    expect(v.isCollectionTest('get', 'membership', 'lookup')).toBe(true);
    expect(v.isCollectionTest('startsWith', 'affix')).toBe(true);
  });

  // the prefilters of auth-across-await, derived from the tables above
  it.each(v.GUARDED_OPERATIONS.map((o) => o.verb))('OPERATION_TEXT matches the operation %s', (verb) => expect(v.OPERATION_TEXT.test(`await db.${verb}(x)`)).toBe(true));
  it('OPERATION_TEXT keeps reads out', () => expect(v.OPERATION_TEXT.test('await db.findMany({ where })')).toBe(false));
  it.each(v.DECISION_WORDS.map((w) => w.word))('LOOKUP_TEXT matches an awaited lookup named %s, and a result kept under it', (word) => {
    expect(v.LOOKUP_TEXT.test(`const x = await acl.${word}Check(user)`)).toBe(true);
    expect(v.LOOKUP_TEXT.test(`const ${word}s = await svc.load(user)`)).toBe(true);
  });
  it.each(v.DECISION_WORDS.map((w) => w.word))('STATE_LOOKUP_TEXT matches a look into state named %s', (word) => expect(v.STATE_LOOKUP_TEXT.test(`${word}Set.has(cn)`)).toBe(true));
  it.each(v.RECORD_DECISION_FIELDS)('the record-test text matches a test of %s', (field) => {
    expect(v.mayTestRecord(`if (doc.${field} !== me)`)).toBe(true);
    expect(v.mayTestRecord(`if (!doc.${field}s.includes(me))`)).toBe(true);
  });
  it('the record-test text matches membership of a record', () => expect(v.mayTestRecord('if (!allowed.has(doc.id)) return')).toBe(true));
  it('every word the analysis accepts passes the prefilter built from the same table', () => {
    for (const name of ['acl.can', 'hasRole', 'featureFlags.get', 'ownsDocument']) {
      expect(v.namesDecision(name)).toBe(true);
      expect(v.LOOKUP_TEXT.test(`await ${name}(x)`)).toBe(true);
    }
  });
});

describe('values', () => {
  it.each(cases(['Number', 'parseInt', 'ObjectId', 'join', 'create', 'all', 'concat'], ['fetch', 'findOne']))('isConversion(%s) → %s', (n, want) =>
    expect(v.isConversion(n)).toBe(want),
  );
  it.each(cases(['Map', 'X509Certificate', 'URLSearchParams'], ['Repository', 'EventEmitter']))('isContainerClass(%s) → %s', (n, want) => expect(v.isContainerClass(n)).toBe(want));
  it.each(cases(['validateAsync', 'parseAsync', 'safeParseAsync'], ['validate', 'validateName', 'parse', 'findOne', 'fetch']))('validatesSchema(%s) → %s', (n, want) =>
    expect(v.validatesSchema(n)).toBe(want),
  );
  it('names the promise class whose executor settles it', () => expect(v.PROMISE_CLASS).toBe('Promise'));
  it.each(cases(['map', 'forEach', 'find'], ['sort', 'push']))('iteratesElements(%s) → %s', (n, want) => expect(v.iteratesElements(n)).toBe(want));
  it.each(cases(['map', 'flatMap'], ['forEach', 'filter', 'find', 'some', 'push']))('mapsElements(%s) → %s', (n, want) => expect(v.mapsElements(n)).toBe(want));
  it.each(cases([...v.ELEMENT_LOOKUPS], ['filter', 'map', 'findIndex', 'some']))('looksUpElement(%s) → %s', (n, want) => expect(v.looksUpElement(n)).toBe(want));
  it.each(cases(['push', 'unshift'], ['pop', 'shift', 'concat', 'splice', 'map']))('ELEMENT_ADDERS has %s → %s', (n, want) => expect(v.ELEMENT_ADDERS.includes(n)).toBe(want));
  it('finds the fallback of a config getter: the second of two arguments of get/getOrThrow, nothing else', () => {
    expect([v.configFallbackIndex('get', 2), v.configFallbackIndex('getOrThrow', 2)]).toEqual([1, 1]);
    expect([v.configFallbackIndex('get', 1), v.configFallbackIndex('get', 3), v.configFallbackIndex('find', 2)]).toEqual([undefined, undefined, undefined]);
  });
});

describe('handlers made or routed outside NestJS', () => {
  it.each(cases([...v.METHOD_INVOKER_FACTORIES], ['makeFunctionInvoker', 'asClass', 'makeRouter']))('isMethodInvokerFactory(%s) → %s', (n, want) =>
    expect(v.isMethodInvokerFactory(n)).toBe(want),
  );
  it.each(cases(['httpGet', 'httpPost', 'httpDelete', 'httpMethod'], ['Get', 'controller', 'inject']))('DECORATED_ROUTES has %s → %s', (n, want) =>
    expect(DECORATED_ROUTES.includes(n)).toBe(want),
  );
  it.each(cases(['Get', 'Post', 'Delete', 'Method'], ['httpGet', 'Controller', 'UseBefore']))('ROUTING_CONTROLLERS.routes has %s → %s', (n, want) =>
    expect((ROUTING_CONTROLLERS.routes as readonly string[]).includes(n)).toBe(want),
  );
  it.each(cases(['JsonController', 'Controller'], ['controller', 'Get', 'Middleware']))('ROUTING_CONTROLLERS.controllers has %s → %s', (n, want) =>
    expect((ROUTING_CONTROLLERS.controllers as readonly string[]).includes(n)).toBe(want),
  );
  it('names the routing-controllers package, its middleware forms and its server factories', () => {
    const rc = ROUTING_CONTROLLERS;
    expect([rc.module, rc.useBefore, rc.globalMiddleware, rc.middlewareMethod, rc.middlewaresOption]).toEqual([
      'routing-controllers',
      'UseBefore',
      'Middleware',
      'use',
      'middlewares',
    ]);
    expect(rc.servers).toContain('createExpressServer');
    expect((rc.routes as readonly string[]).includes(rc.methodRoute)).toBe(true);
    expect([rc.paramDecoratorValue, rc.actionRequest]).toEqual(['value', 'request']);
  });
  it("names awilix's cradle", () => expect(v.DI_CRADLE).toBe('cradle'));
  it('names the controller decorator and the constant binding', () => {
    expect([DECORATED_CONTROLLER, CONSTANT_BINDING]).toEqual(['controller', 'toConstantValue']);
  });
  it('names NestJS custom parameter decorators and the request of an execution context', () => {
    expect([v.NEST_PARAM_DECORATOR_FACTORY, v.NEST_GET_REQUEST]).toEqual(['createParamDecorator', 'getRequest']);
  });
  it('names the route decorator that takes the method first, and is one of the routes', () => {
    expect(DECORATED_METHOD_ROUTE).toBe('httpMethod');
    expect(DECORATED_ROUTES).toContain(DECORATED_METHOD_ROUTE);
  });
  it("names the server's configuration hook for app-level middleware", () => expect(DECORATED_SERVER_CONFIG).toBe('setConfig'));
  it('names the middleware class method and the class binding of inversify-express-utils', () => expect([CLASS_MIDDLEWARE_METHOD, CLASS_BINDING]).toEqual(['handler', 'to']));
  it("names tRPC's standalone adapter, its plain server and its handler", () =>
    expect([TRPC_STANDALONE_MODULE, TRPC_PLAIN_SERVER, TRPC_HANDLER]).toEqual(['@trpc/server/adapters/standalone', 'createHTTPServer', 'createHTTPHandler']));
  it("names the builder call that declares tRPC's context type (initTRPC.context<Context>())", () => expect(TRPC_CONTEXT_TYPE_CALL).toBe('context'));
  it("names GraphQL Yoga's calls that hand the server context on, and where it goes: after the request (and response)", () => {
    expect(SERVER_CONTEXT_CALLS).toEqual([
      { method: 'handleNodeRequestAndResponse', arg: 2 },
      { method: 'handleRequest', arg: 1 },
    ]);
    // (not a route method, nor a store's: a name no other table claims)
    for (const { method } of SERVER_CONTEXT_CALLS) expect([method, v.isRouteMethod(method)]).toEqual([method, false]);
  });
});

describe('DI lifetimes and containers outside NestJS', () => {
  it.each([
    ['singleton', 'singleton'],
    ['injectable', undefined],
    ['Injectable', undefined],
  ] as const)('diDecoratorLifetime(%s) → %s', (n, want) => expect(v.diDecoratorLifetime(n)).toBe(want));
  it.each([
    ['inSingletonScope', 'singleton'],
    ['registerSingleton', 'singleton'],
    ['singleton', 'singleton'],
    ['inRequestScope', 'per-request'],
    ['scoped', 'per-request'],
    ['transient', 'transient'],
    ['toSelf', undefined],
    ['register', undefined],
  ] as const)('diMethodLifetime(%s) → %s', (n, want) => expect(v.diMethodLifetime(n)).toBe(want));
  it.each([
    ['Lifecycle.Singleton', 'singleton'],
    ['Lifetime.SCOPED', 'per-request'],
    ["'SCOPED'", 'per-request'],
    ['Lifecycle.ResolutionScoped', 'per-request'],
    ['Lifetime.TRANSIENT', 'transient'],
    ['Scope.REQUEST', undefined],
    ["'Singleton'", undefined],
  ] as const)('diLifetimeValue(%s) → %s', (n, want) => expect(v.diLifetimeValue(n)).toBe(want));
  it('containers by library', () => {
    expect(v.diContainerForm('tsyringe', 'container')).toBe('export');
    expect(v.diContainerForm('inversify', 'Container')).toBe('factory');
    expect(v.diContainerForm('awilix', 'createContainer')).toBe('factory');
    expect(v.diContainerForm('awilix', 'container')).toBeUndefined();
    expect(v.diContainerForm('express', 'Container')).toBeUndefined();
  });
  it.each(cases(['createChildContainer', 'createScope', 'createChild'], ['createContainer', 'resolve', 'child']))('makesChildContainer(%s) → %s', (n, want) =>
    expect(v.makesChildContainer(n)).toBe(want),
  );
  it.each(cases(['resolve', 'get', 'getAsync'], ['register', 'bind', 'cradle']))('isDiResolve(%s) → %s', (n, want) => expect(v.isDiResolve(n)).toBe(want));
  it.each([
    ['useValue', 'option'],
    ['asValue', 'wrapper'],
    ['toConstantValue', 'method'],
    ['registerInstance', 'method'],
    ['useClass', undefined],
    ['asClass', undefined],
  ] as const)('diValueRegistration(%s) → %s', (n, want) => expect(v.diValueRegistration(n)?.form).toBe(want));
  it.each([
    ['asClass', 'wrapper'],
    ['useClass', 'option'],
    ['to', 'method'],
    ['asValue', undefined],
    ['useValue', undefined],
    ['toConstantValue', undefined],
  ] as const)('diClassRegistration(%s) → %s', (n, want) => expect(v.diClassRegistration(n)?.form).toBe(want));
  it.each([
    ['asFunction', 'wrapper'],
    ['useFactory', 'option'],
    ['toDynamicValue', 'method'],
    ['asClass', undefined],
    ['asValue', undefined],
    ['useClass', undefined],
  ] as const)('diFactoryRegistration(%s) → %s', (n, want) => expect(v.diFactoryRegistration(n)?.form).toBe(want));
  it.each(cases(['inject', 'Inject'], ['injectable', 'Injectable', 'InjectRepository', 'autoInjectable']))('isDiInjectDecorator(%s) → %s', (n, want) =>
    expect(v.isDiInjectDecorator(n)).toBe(want),
  );
  it.each(cases(['tsyringe', 'inversify', 'awilix'], ['@nestjs/common', 'awilix-express', 'typedi']))('isDiModule(%s) → %s', (n, want) => expect(v.isDiModule(n)).toBe(want));
});

describe('job queues', () => {
  it.each(cases(['bullmq', 'bull', 'bee-queue'], ['bullmq-pro-x', 'redis', 'node-cron']))('jobQueueLibrary(%s) → %s', (n, want) =>
    expect(v.jobQueueLibrary(n) !== undefined).toBe(want),
  );
  it('BullMQ attaches processors with a Worker of the same queue name, Bull with process()', () => {
    expect(v.jobQueueLibrary('bullmq')).toMatchObject({ queue: 'Queue', worker: { name: 'Worker', processorArg: 1 } });
    expect(v.jobQueueLibrary('bull')?.processMethod).toBe('process');
  });
  it("NestJS's event module marks listeners with @OnEvent and emits through EventEmitter2", () => {
    expect(v.DECORATED_EVENT_MODULES).toContainEqual({ module: '@nestjs/event-emitter', decorator: 'OnEvent', emitter: 'EventEmitter2' });
    expect(v.DECORATED_EVENT_MODULES.some((m) => m.module === 'events')).toBe(false);
  });
  it.each(
    cases(
      ["import { Worker } from 'bullmq'", "cron.schedule('1 * * * *', tick)", "@OnEvent('loan.shipped')"],
      ['await db.update()', 'scheduled(x)', 'res.json({})', 'setTimeout(run, 10)'],
    ),
  )('DEFERRED_WORK_TEXT.test(%s) → %s', (t, want) => expect(v.DEFERRED_WORK_TEXT.test(t)).toBe(want));
  it("each library's processor is handed the library's Job type", () => {
    for (const lib of v.JOB_QUEUE_LIBRARIES) expect(lib.jobType).toBe('Job');
  });
  it("NestJS's queue modules inject queues by name and run jobs in @Processor classes (WorkerHost.process, or @Process methods)", () => {
    const byModule = new Map(v.NEST_QUEUE_MODULES.map((m) => [m.module, m]));
    expect(byModule.get('@nestjs/bullmq')).toMatchObject({ inject: 'InjectQueue', processor: 'Processor', processMethod: 'process' });
    expect(byModule.get('@nestjs/bull')).toMatchObject({ inject: 'InjectQueue', processor: 'Processor', processDecorator: 'Process' });
    expect(byModule.has('bullmq')).toBe(false);
  });
});

describe('peers and listeners', () => {
  it('getConnInfo of Hono on Node, Bun and Deno gives the peer; Cloudflare’s reads a header', () => {
    expect(v.peerInfoSource('@hono/node-server/conninfo', 'getConnInfo')?.address).toEqual(['remote', 'address']);
    expect(v.peerInfoSource('hono/bun', 'getConnInfo')).toBeDefined();
    expect(v.peerInfoSource('hono/cloudflare-workers', 'getConnInfo')).toBeUndefined();
    expect(v.peerInfoSource('@hono/node-server/conninfo', 'getRuntimeKey')).toBeUndefined();
  });
  it.each(cases(['127.0.0.1', 'localhost', '::1', '[::1]', '127.10.0.3', 'LOCALHOST'], ['0.0.0.0', '::', '10.0.0.5', '127.0.0', 'localhost.example.com']))(
    'isLoopbackHost(%s) → %s',
    (n, want) => expect(v.isLoopbackHost(n)).toBe(want),
  );
  it.each(cases(['/run/app.sock', './app.sock', 'app.sock', '\\\\.\\pipe\\app'], ['8080', ' 3000', 'localhost', '0.0.0.0']))('isLocalSocketPath(%s) → %s', (n, want) =>
    expect(v.isLocalSocketPath(n)).toBe(want),
  );
});
