import {
  APPEND_WHEN_UNKEYED,
  APPEND_WRITES,
  CONDITION_KEYS,
  TABLE_NAME_KEY,
  TRANSACTION_CHECK_KEY,
  FRAMEWORK_CONTEXT_MEMBERS,
  HTTP_CHANGE_ONLY_METHODS,
  HTTP_WRITE_METHODS,
  isAppendWrite,
  isFrameworkContextMember,
  isServerScriptCall,
  mayHoldOperation,
  OPERATION_VERBS,
  READ_VERSION_KEYS,
  SCRIPT_KEYS,
  SCRIPT_SOURCE_KEY,
  scriptWrites,
  SERVER_SCRIPT_CALLS,
  SQL_APPEND,
  STORE_COMMANDS,
  STORE_WRITES,
  unkeyedAppendField,
  isTrailAppend,
  TRAIL_APPENDS,
} from '../src/analysis/vocabulary/operations';
import { isMessageError, KIND_STATUS, limitMessage, LIMIT_WORDS, namedRefusal, REFUSAL_TEXT, refusalMessage, statusRefusal } from '../src/analysis/vocabulary/refusals';
import { FLAG_SDKS, flagSdk, isDirectFlagEvaluation, isFlagClientType, isFlagEvaluation, makesFlagClient, mayEvaluateFlag } from '../src/analysis/vocabulary/flags';
import { PROMISE_GATHERERS } from '../src/analysis/vocabulary/deferral';

describe('vocabulary: refusals', () => {
  it.each([
    ['Error', true],
    ['HttpError', true],
    ['HttpException', true],
    ['GraphQLError', true],
    ['ForbiddenError', false],
    ['TRPCError', false],
    ['TypeError', false],
  ])('isMessageError(%s) → %s', (name, want) => expect(isMessageError(name)).toBe(want));

  it('must match: refusal statuses, errors, codes and messages', () => {
    expect([statusRefusal(401), statusRefusal(402), statusRefusal(403), statusRefusal(404)]).toEqual(['auth', 'auth', 'auth', 'hiding']);
    expect(['ForbiddenException', 'UnauthorizedError', 'FORBIDDEN', 'NotFoundException'].map(namedRefusal)).toEqual(['auth', 'auth', 'auth', 'hiding']);
    // a job worker refuses a job for good with BullMQ's UnrecoverableError, whatever its message says
    expect(namedRefusal('UnrecoverableError')).toBe('auth');
    expect(REFUSAL_TEXT.test('throw new UnrecoverableError(`no slot on ${kiln}`)')).toBe(true);
    expect(['not allowed to archive', 'CalibrationDenied', 'NotPermittedError', 'CustodyRefused', 'insufficient permissions'].every(refusalMessage)).toBe(true);
    expect(['pilot not licensed for this vessel class', 'CardSuspended', 'key revoked', 'skipper barred', 'not eligible for a refund'].every(refusalMessage)).toBe(true);
    expect(['res.sendStatus(403)', 'throw new ForbiddenException()', "ctx.throw(401, 'no')", 'return false;'].every((t) => REFUSAL_TEXT.test(t))).toBe(true);
  });

  it('must not match: other statuses, errors and messages', () => {
    expect([statusRefusal(400), statusRefusal(410), statusRefusal(500)]).toEqual([undefined, undefined, undefined]);
    expect(['BadRequestError', 'ValidationError', 'Error', 'DelayedError', 'WaitingChildrenError'].map(namedRefusal)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // a conflict is its own kind: a decision only where the record is compared with the caller's value
    expect([statusRefusal(409), namedRefusal('ConflictException')]).toEqual(['conflict', 'conflict']);
    // a lock or a hold (423) is its own kind: any test of what was read decides
    expect(statusRefusal(423)).toBe('locked');
    // a limit reached or a balance short: a quota over (413), a transfer the funds do not cover (422), too many (429)
    expect([statusRefusal(413), statusRefusal(422), statusRefusal(429)]).toEqual(['conflict', 'conflict', 'conflict']);
    expect(['PAYLOAD_TOO_LARGE', 'TOO_MANY_REQUESTS', 'UNPROCESSABLE_CONTENT'].map(namedRefusal)).toEqual(['conflict', 'conflict', 'conflict']);
    expect(['Too many links', 'unknown plan', 'ExceedsLimitError', 'AccessTokenExpired', 'tide table not loaded', 'licence number required'].some(refusalMessage)).toBe(false);
    expect(REFUSAL_TEXT.test('res.status(400).json({ error: "invalid" })')).toBe(false);
  });

  it('the status that stands for each kind of refusal is of that kind', () => {
    for (const [kind, status] of Object.entries(KIND_STATUS)) expect(statusRefusal(status)).toBe(kind);
    expect(Object.keys(KIND_STATUS).sort()).toEqual(['auth', 'conflict', 'hiding', 'locked']);
  });

  it('limit words: a limit reached, by message or class name, not a limit in validation', () => {
    expect(LIMIT_WORDS.length).toBeGreaterThan(0);
    expect(['packet quota reached', 'QuotaExceeded', 'DailyLimitExceeded', 'allocation exhausted', 'release exceeds the bond', 'credits used up'].every(limitMessage)).toBe(true);
    expect(['limit must be a number', 'page size', 'LimitOffsetPager', 'unknown plan'].some(limitMessage)).toBe(false);
    expect(REFUSAL_TEXT.test("throw new GraphQLError('packet quota reached')")).toBe(true);
  });
});

describe('vocabulary: promise gatherers', () => {
  it('names the Promise methods that wait for every promise of a list', () => expect(PROMISE_GATHERERS).toEqual(['all', 'allSettled']));
});

describe('vocabulary: server scripts', () => {
  it.each([...SERVER_SCRIPT_CALLS.map((n) => [n, true] as const), ...(['exec', 'script', 'call'] as const).map((n) => [n, false] as const)])(
    'isServerScriptCall(%s) → %s',
    (n, want) => expect(isServerScriptCall(n)).toBe(want),
  );
  it.each([
    ["redis.call('INCR', KEYS[1])", true],
    ['redis.pcall("SET", KEYS[1], ARGV[1])', true],
    ["redis.call('HINCRBY', KEYS[1], 'n', 1)", true],
    ["redis.call('DEL', KEYS[1])", true],
    ["return redis.call('GET', KEYS[1])", false],
    ["redis.call('SISMEMBER', KEYS[1], ARGV[1])", false],
    ['local x = 1', false],
  ] as const)('scriptWrites(%s) → %s', (text, want) => expect(scriptWrites(text)).toBe(want));
});

describe('vocabulary: operations', () => {
  it('store commands that write are those the stores table knows as writes', () => {
    expect(STORE_COMMANDS).toEqual(expect.arrayContaining(['PutCommand', 'DeleteObjectCommand', 'CopyObjectCommand', 'SendMessageCommand', 'PublishCommand', 'PutEventsCommand']));
    for (const read of ['GetCommand', 'QueryCommand', 'GetObjectCommand', 'ReceiveMessageCommand', 'ExecuteStatementCommand']) expect(STORE_COMMANDS).not.toContain(read);
  });
  it('must match: store writes, verbs of transfers and grants, raw SQL writes, requests that change things', () => {
    expect(['update', 'deleteMany', 'destroy', 'bulkWrite', 'hset'].every((w) => STORE_WRITES.includes(w))).toBe(true);
    expect(['transfer', 'debit', 'grant', 'revoke', 'issue'].every((w) => OPERATION_VERBS.includes(w))).toBe(true);
    for (const t of [
      'await db.doc.update({})',
      "pool.query('DELETE FROM t')",
      'await ledger.debitAccount(a)',
      "fetch(u, { method: 'POST' })",
      'client.send(new PutCommand({}))',
      "await redis.xAdd('s', '*', f)",
      "await client.hSet('k', f)",
      // with type arguments
      'await this.search.update<Doc, Partial<Doc>>({ index, id })',
    ])
      expect([t, mayHoldOperation(t)]).toEqual([t, true]);
  });

  it('names the request methods that only change things: not POST, which policy services are asked with, nor a read', () => {
    expect(HTTP_CHANGE_ONLY_METHODS.every((m) => HTTP_WRITE_METHODS.includes(m))).toBe(true);
    expect(HTTP_CHANGE_ONLY_METHODS).toEqual(expect.arrayContaining(['put', 'patch', 'delete']));
    for (const m of ['post', 'get', 'head', 'options']) expect(HTTP_CHANGE_ONLY_METHODS).not.toContain(m);
  });

  it('names the options that make a write conditional: a condition, the version read, a script run on the record', () => {
    expect(CONDITION_KEYS).toContain('ConditionExpression');
    // a DynamoDB transaction's condition-only item, and the key naming the table it asks of
    expect([TRANSACTION_CHECK_KEY, TABLE_NAME_KEY]).toEqual(['ConditionCheck', 'TableName']);
    expect(READ_VERSION_KEYS).toEqual(expect.arrayContaining(['if_seq_no', 'if_primary_term']));
    expect([SCRIPT_KEYS, SCRIPT_SOURCE_KEY]).toEqual([['script'], 'source']);
    // none of them is a filter or payload of ORMs
    for (const k of [...CONDITION_KEYS, ...READ_VERSION_KEYS, ...SCRIPT_KEYS]) expect(['where', 'data', 'filter', 'values']).not.toContain(k);
  });

  it('knows the members frameworks put on their context objects, not the clients apps keep there', () => {
    for (const m of ['state', 'locals', 'cookies', 'session', 'var', 'req', 'res']) expect([m, isFrameworkContextMember(m)]).toEqual([m, true]);
    for (const m of ['redis', 'prisma', 'db', 'orm', 'cache']) expect([m, isFrameworkContextMember(m)]).toEqual([m, false]);
    expect(new Set(FRAMEWORK_CONTEXT_MEMBERS).size).toBe(FRAMEWORK_CONTEXT_MEMBERS.length);
  });

  it('tells writes that only add an entry from changes to what exists', () => {
    expect(APPEND_WRITES.every((w) => STORE_WRITES.includes(w) || isAppendWrite(w))).toBe(true);
    expect(['insert', 'createMany', 'xadd', 'xAdd', 'rPush'].every(isAppendWrite)).toBe(true);
    expect(['update', 'upsert', 'save', 'hset', 'del', 'pexpire', 'destroy', 'set'].some(isAppendWrite)).toBe(false);
    expect(SQL_APPEND.test('INSERT INTO purge_log (npi) VALUES ($1)')).toBe(true);
    expect(SQL_APPEND.test('insert into slots (id) values ($1) on conflict (id) do update set callsign = $2')).toBe(false);
    expect(SQL_APPEND.test('INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2')).toBe(false);
    expect(SQL_APPEND.test("UPDATE slots SET callsign = 'x'")).toBe(false);
  });

  it('tells entries appended to a stream or list from records created', () => {
    expect(TRAIL_APPENDS.every(isAppendWrite)).toBe(true);
    expect(['xadd', 'xAdd', 'lpush', 'rPush'].every(isTrailAppend)).toBe(true);
    expect(['insert', 'create', 'createMany', 'hset', 'set', 'update'].some(isTrailAppend)).toBe(false);
  });

  it('names the writes that append only when they name no record (Elasticsearch index without an id)', () => {
    expect(unkeyedAppendField('index')).toBe('id');
    for (const m of ['update', 'delete', 'create', 'set', 'indexOf']) expect([m, unkeyedAppendField(m)]).toEqual([m, undefined]);
    // each such method is a store write, and not an append by its name alone
    for (const [m] of APPEND_WHEN_UNKEYED) expect([m, isAppendWrite(m)]).toEqual([m, false]);
  });

  it('must not match: reads and answers', () => {
    for (const t of ['await db.doc.findMany({})', 'res.json(x)', 'cache.get(k)', 'await fetch(u)']) expect([t, mayHoldOperation(t)]).toEqual([t, false]);
  });
});

describe('vocabulary: feature-flag SDKs', () => {
  it('must match: the clients and evaluations of the SDKs', () => {
    const unleash = flagSdk('unleash-client')!;
    expect(makesFlagClient(unleash, 'initialize')).toBe(true);
    expect(isFlagEvaluation(unleash, 'isEnabled')).toBe(true);
    expect(isDirectFlagEvaluation(unleash, 'isEnabled')).toBe(true);
    const gb = flagSdk('@growthbook/growthbook')!;
    expect(makesFlagClient(gb, 'GrowthBook')).toBe(true);
    expect(isFlagEvaluation(gb, 'isOn')).toBe(true);
    expect(isFlagEvaluation(flagSdk('@launchdarkly/node-server-sdk')!, 'boolVariation')).toBe(true);
    // a client handed in, declared with the SDK's type
    expect(isFlagClientType(unleash, 'Unleash')).toBe(true);
    expect(isFlagClientType(flagSdk('@launchdarkly/node-server-sdk')!, 'LDClient')).toBe(true);
  });

  it('must not match: other packages, methods that do not evaluate, a client used as an evaluation', () => {
    expect(flagSdk('unleash')).toBeUndefined();
    expect(flagSdk('express')).toBeUndefined();
    expect(isFlagEvaluation(flagSdk('unleash-client')!, 'destroy')).toBe(false);
    expect(isFlagEvaluation(flagSdk('@growthbook/growthbook')!, 'loadFeatures')).toBe(false);
    expect(isDirectFlagEvaluation(flagSdk('@growthbook/growthbook')!, 'isOn')).toBe(false);
    expect(makesFlagClient(flagSdk('unleash-client')!, 'isEnabled')).toBe(false);
    expect(isFlagClientType(flagSdk('unleash-client')!, 'UnleashConfig')).toBe(false);
    expect(isFlagClientType(flagSdk('@growthbook/growthbook')!, 'Context')).toBe(false);
  });

  it('every SDK names a module, a factory and an evaluation, once', () => {
    expect(new Set(FLAG_SDKS.map((s) => s.module)).size).toBe(FLAG_SDKS.length);
    for (const s of FLAG_SDKS) {
      expect(s.factories.length).toBeGreaterThan(0);
      expect(s.evaluations.length).toBeGreaterThan(0);
    }
  });
});

describe('vocabulary: flag evaluation names', () => {
  it.each([
    ['isEnabled', true],
    ['isOn', true],
    ['boolVariation', true],
    ['getBooleanValue', true],
    ['isActive', false],
    ['findOne', false],
  ])('mayEvaluateFlag(%s) → %s', (name, want) => expect(mayEvaluateFlag(name)).toBe(want));
});
