/**
 * Key-value, document, object and search stores: how their clients are created, and which
 * argument or field of each operation picks the key, item, object or document it touches.
 *
 * `store-sinks.ts` reads these tables; nothing here is matched by a variable's name. A client is
 * known by the call that made it (`new Redis()`, `createClient()`, `DynamoDBDocumentClient.from()`,
 * `new S3Client()`, `new Client()` from `@elastic/elasticsearch`), by a declaration typed with its
 * class (`private readonly redis: Redis`), or by the plugin that decorates a framework instance
 * with it (`@fastify/redis`). Adding a job to a queue (BullMQ `queue.add(name, data)`) is no data access by id
 * and is left to the job-queue tables; a job named by its id (`queue.getJob(id)`, `queue.remove(id)`) is one.
 */

export type StoreId = 'redis' | 'dynamodb' | 's3' | 'elasticsearch' | 'sqs' | 'sns' | 'eventbridge' | 'ses' | 'mail' | 'jobs';

/** A module export that makes a client: `path` from the module (`[]` = the module or its default export). */
export interface ClientFactory {
  module: string;
  path: readonly string[];
}

/**
 * Which parts of an operation choose its target. Positions count the call's arguments; field
 * paths are read in the operation's parameter object (`Key`, `body.query`).
 */
/**
 * Names a whole record put into a key-value store gives its key under (DynamoDB's single-table `pk`/`sk`, and
 * the common spellings of a partition and sort key): a put writes the item at that key, so the key chooses it,
 * and identity in it scopes it (`pk: \`SHIPPER#${me}\``).
 */
export const STORE_ITEM_KEYS: readonly string[] = ['pk', 'sk', 'PK', 'SK', 'partitionKey', 'sortKey', 'hashKey', 'rangeKey'];
export function isStoreItemKey(name: string): boolean {
  return STORE_ITEM_KEYS.includes(name);
}

export interface StoreOperation {
  /** It only reads: a record it returns can still be checked before use. */
  readOnly: boolean;
  /** Positional arguments that name a key (Redis): `get(key)`, `hget(key, field)`. */
  args?: readonly number[];
  /** Every argument from this position on names a key or field: `del(k1, k2)`, `hdel(key, f1, f2)`. */
  restFrom?: number;
  /** Fields of the parameter object that select: `Key`, `Prefix`, `id`, `query`. */
  fields?: readonly string[];
  /** The field holds a whole record written (`Item` of a put): its id and its references to other records select. */
  record?: true;
  /** Expressions whose `:placeholders` pick values of `ExpressionAttributeValues` that select: `KeyConditionExpression`. */
  selectingExpressions?: readonly string[];
  /** Expressions whose `:placeholders` pick values that only narrow (scope) it: `ConditionExpression`, `FilterExpression`. */
  conditionExpressions?: readonly string[];
  /** PartiQL: the statement field and its parameter array, split like raw SQL. */
  statement?: { text: string; params: string };
}

export interface StoreClientSpec {
  store: StoreId;
  /** For messages and docs. */
  label: string;
  /** Calls or `new` expressions that return a client. */
  factories: readonly ClientFactory[];
  /** Type names that declare a client: `constructor(private readonly redis: Redis)`. */
  types: readonly ClientFactory[];
  /** Methods on a client that return the same kind of client (a connection, a transaction, a pipeline). */
  passThrough?: readonly string[];
  /** Operations called as methods of the client, by lower-cased name (`hGetAll` and `hgetall` are one). */
  methods?: Readonly<Record<string, StoreOperation>>;
  /** Operations sent as command objects, `client.send(new GetCommand({ … }))`, by class name. */
  commands?: Readonly<Record<string, StoreOperation>>;
  /** Modules the command classes come from. */
  commandModules?: readonly string[];
  /** Plugins that decorate a framework instance with a client under a property: `@fastify/redis` → `fastify.redis`. */
  decorations?: readonly { module: string; property: string }[];
}

// ---------------------------------------------------------------------------------------------
// Redis: ioredis and node-redis (`@redis/client`). The first argument is the key.

const rKey = (readOnly: boolean): StoreOperation => ({ readOnly, args: [0] });

/**
 * Store commands that send a message and keep nothing: Redis `PUBLISH` / `SPUBLISH`. Waiting for one
 * lets other requests run like waiting for any other request; it is not the first half of a write.
 */
/**
 * Batches a store client makes, whose commands are queued and run together when the batch is run:
 * node-redis and ioredis `const multi = redis.multi(); multi.hSet(…); await multi.exec()`, ioredis
 * `pipeline()`. A queued command is not waited for; the run is the write.
 */
export const BATCHES: { readonly makers: readonly string[]; readonly runs: readonly string[] } = { makers: ['multi', 'pipeline'], runs: ['exec'] };

export function isBatchMaker(name: string): boolean {
  return BATCHES.makers.includes(name);
}

export function isBatchRun(name: string): boolean {
  return BATCHES.runs.includes(name);
}

export const MESSAGE_COMMANDS: readonly string[] = ['publish', 'spublish'];

export function isMessageCommand(name: string): boolean {
  return MESSAGE_COMMANDS.includes(name.toLowerCase());
}
const rKeys = (readOnly: boolean): StoreOperation => ({ readOnly, restFrom: 0 });
/** A hash field chooses a record inside the key as much as the key does: `hget('devices', id)`. */
const rField = (readOnly: boolean): StoreOperation => ({ readOnly, args: [0, 1] });
const rFields = (readOnly: boolean): StoreOperation => ({ readOnly, args: [0], restFrom: 1 });

const REDIS_METHODS: Record<string, StoreOperation> = {
  // strings
  get: rKey(true),
  getrange: rKey(true),
  strlen: rKey(true),
  mget: rKeys(true),
  getbuffer: rKey(true),
  set: rKey(false),
  setex: rKey(false),
  psetex: rKey(false),
  setnx: rKey(false),
  getset: rKey(false),
  getdel: rKey(false),
  getex: rKey(false),
  append: rKey(false),
  incr: rKey(false),
  incrby: rKey(false),
  incrbyfloat: rKey(false),
  decr: rKey(false),
  decrby: rKey(false),
  setrange: rKey(false),
  // keys
  exists: rKeys(true),
  ttl: rKey(true),
  pttl: rKey(true),
  type: rKey(true),
  dump: rKey(true),
  del: rKeys(false),
  unlink: rKeys(false),
  expire: rKey(false),
  pexpire: rKey(false),
  expireat: rKey(false),
  pexpireat: rKey(false),
  persist: rKey(false),
  rename: { readOnly: false, args: [0, 1] },
  renamenx: { readOnly: false, args: [0, 1] },
  copy: { readOnly: false, args: [0, 1] },
  // hashes: the field is a record inside the key
  hget: rField(true),
  hexists: rField(true),
  hstrlen: rField(true),
  hmget: rFields(true),
  hgetall: rKey(true),
  hkeys: rKey(true),
  hvals: rKey(true),
  hlen: rKey(true),
  hscan: rKey(true),
  hgetallbuffer: rKey(true),
  hset: rField(false),
  hsetnx: rField(false),
  hmset: rField(false),
  hincrby: rField(false),
  hincrbyfloat: rField(false),
  hdel: rFields(false),
  // lists
  lrange: rKey(true),
  lindex: rKey(true),
  llen: rKey(true),
  lpos: rKey(true),
  lpush: rKey(false),
  rpush: rKey(false),
  lpushx: rKey(false),
  rpushx: rKey(false),
  lpop: rKey(false),
  rpop: rKey(false),
  lset: rKey(false),
  lrem: rKey(false),
  ltrim: rKey(false),
  linsert: rKey(false),
  lmove: { readOnly: false, args: [0, 1] },
  rpoplpush: { readOnly: false, args: [0, 1] },
  blpop: rKey(false),
  brpop: rKey(false),
  // sets
  smembers: rKey(true),
  // a membership test asks about the member as much as the set: `sismember(poolKey, runner.id)` is
  // scoped by the runner it asks about
  sismember: rField(true),
  smismember: rFields(true),
  scard: rKey(true),
  srandmember: rKey(true),
  sscan: rKey(true),
  sadd: rKey(false),
  srem: rKey(false),
  spop: rKey(false),
  smove: { readOnly: false, args: [0, 1] },
  // sorted sets
  zrange: rKey(true),
  zrevrange: rKey(true),
  zrangebyscore: rKey(true),
  zrevrangebyscore: rKey(true),
  zscore: rKey(true),
  zrank: rKey(true),
  zrevrank: rKey(true),
  zcard: rKey(true),
  zcount: rKey(true),
  zscan: rKey(true),
  zmscore: rKey(true),
  zadd: rKey(false),
  zrem: rKey(false),
  zincrby: rKey(false),
  zremrangebyscore: rKey(false),
  zremrangebyrank: rKey(false),
  zpopmin: rKey(false),
  zpopmax: rKey(false),
  // streams
  xrange: rKey(true),
  xrevrange: rKey(true),
  xlen: rKey(true),
  xadd: rKey(false),
  xdel: rKey(false),
  xtrim: rKey(false),
  xack: rKey(false),
  // pub/sub: the channel is the target
  publish: rKey(false),
  spublish: rKey(false),
  // RedisJSON through node-redis (`client.json.get(key)`) and ioredis' `call`-less helpers
  'json.get': rKey(true),
  'json.mget': rKeys(true),
  'json.type': rKey(true),
  'json.set': rKey(false),
  'json.del': rKey(false),
  'json.merge': rKey(false),
  'json.arrappend': rKey(false),
  'json.numincrby': rKey(false),
};

// ---------------------------------------------------------------------------------------------
// DynamoDB: AWS SDK v3 (`@aws-sdk/lib-dynamodb`, `@aws-sdk/client-dynamodb`) and v2 (`aws-sdk`).

const dKey = (readOnly: boolean): StoreOperation => ({ readOnly, fields: ['Key'], conditionExpressions: ['ConditionExpression', 'FilterExpression'] });
const dPut: StoreOperation = { readOnly: false, fields: ['Item'], record: true, conditionExpressions: ['ConditionExpression'] };
const dQuery: StoreOperation = {
  readOnly: true,
  fields: ['KeyConditions', 'IndexName'],
  selectingExpressions: ['KeyConditionExpression'],
  conditionExpressions: ['FilterExpression'],
};
const dScan: StoreOperation = { readOnly: true, fields: ['ScanFilter'], selectingExpressions: ['FilterExpression'] };
const dBatch = (readOnly: boolean): StoreOperation => ({ readOnly, fields: ['RequestItems'] });
const dTransact = (readOnly: boolean): StoreOperation => ({ readOnly, fields: ['TransactItems'] });
const dStatement = (readOnly: boolean): StoreOperation => ({ readOnly, statement: { text: 'Statement', params: 'Parameters' } });

/** Command classes, v3: the document client's and the low-level `*ItemCommand` forms. */
const DYNAMO_COMMANDS: Record<string, StoreOperation> = {
  GetCommand: dKey(true),
  GetItemCommand: dKey(true),
  DeleteCommand: dKey(false),
  DeleteItemCommand: dKey(false),
  UpdateCommand: dKey(false),
  UpdateItemCommand: dKey(false),
  PutCommand: dPut,
  PutItemCommand: dPut,
  QueryCommand: dQuery,
  ScanCommand: dScan,
  BatchGetCommand: dBatch(true),
  BatchGetItemCommand: dBatch(true),
  BatchWriteCommand: dBatch(false),
  BatchWriteItemCommand: dBatch(false),
  TransactGetCommand: dTransact(true),
  TransactGetItemsCommand: dTransact(true),
  TransactWriteCommand: dTransact(false),
  TransactWriteItemsCommand: dTransact(false),
  ExecuteStatementCommand: dStatement(false),
};

/** Methods: the v3 aggregated clients (`DynamoDBDocument`, `DynamoDB`) and the v2 `DocumentClient` / `DynamoDB`. */
const DYNAMO_METHODS: Record<string, StoreOperation> = {
  get: dKey(true),
  getitem: dKey(true),
  delete: dKey(false),
  deleteitem: dKey(false),
  update: dKey(false),
  updateitem: dKey(false),
  put: dPut,
  putitem: dPut,
  query: dQuery,
  scan: dScan,
  batchget: dBatch(true),
  batchgetitem: dBatch(true),
  batchwrite: dBatch(false),
  batchwriteitem: dBatch(false),
  transactget: dTransact(true),
  transactgetitems: dTransact(true),
  transactwrite: dTransact(false),
  transactwriteitems: dTransact(false),
  executestatement: dStatement(false),
};

// ---------------------------------------------------------------------------------------------
// S3: v3 (`@aws-sdk/client-s3`) and v2. The object key, prefix or copy source chooses the object;
// any part of it the client sent chooses, as with a file path.

const sObject = (readOnly: boolean): StoreOperation => ({ readOnly, fields: ['Key', 'Bucket'] });
const S3_OPERATIONS: Record<string, StoreOperation> = {
  GetObject: sObject(true),
  HeadObject: sObject(true),
  GetObjectAttributes: sObject(true),
  GetObjectTagging: sObject(true),
  GetObjectAcl: sObject(true),
  GetObjectRetention: sObject(true),
  PutObject: sObject(false),
  DeleteObject: sObject(false),
  PutObjectAcl: sObject(false),
  PutObjectTagging: sObject(false),
  DeleteObjectTagging: sObject(false),
  RestoreObject: sObject(false),
  CreateMultipartUpload: sObject(false),
  UploadPart: sObject(false),
  CompleteMultipartUpload: sObject(false),
  AbortMultipartUpload: sObject(false),
  CopyObject: { readOnly: false, fields: ['CopySource', 'Key', 'Bucket'] },
  DeleteObjects: { readOnly: false, fields: ['Delete', 'Bucket'] },
  ListObjectsV2: { readOnly: true, fields: ['Prefix', 'Bucket'] },
  ListObjects: { readOnly: true, fields: ['Prefix', 'Bucket'] },
  ListObjectVersions: { readOnly: true, fields: ['Prefix', 'Bucket'] },
};
/** An AWS SDK service's operations as v3 commands (`PutObjectCommand`) and as v2 methods, looked up lower-cased (`putobject`). */
const commandsOf = (ops: Record<string, StoreOperation>): Record<string, StoreOperation> => Object.fromEntries(Object.entries(ops).map(([k, v]) => [`${k}Command`, v]));
const methodsOf = (ops: Record<string, StoreOperation>): Record<string, StoreOperation> => Object.fromEntries(Object.entries(ops).map(([k, v]) => [k.toLowerCase(), v]));
const S3_COMMANDS = commandsOf(S3_OPERATIONS);
const S3_METHODS = methodsOf(S3_OPERATIONS);

// ---------------------------------------------------------------------------------------------
// Message services (SQS, SNS, EventBridge): a message sent is work handed on — a grant, a payout, a
// broadcast — so sending one is a write; the queue, topic or bus it goes to is what it chooses.

const mSend = (field: string): StoreOperation => ({ readOnly: false, fields: [field] });
const SQS_OPERATIONS: Record<string, StoreOperation> = {
  SendMessage: mSend('QueueUrl'),
  SendMessageBatch: mSend('QueueUrl'),
  DeleteMessage: mSend('QueueUrl'),
  ReceiveMessage: { readOnly: true, fields: ['QueueUrl'] },
};
const SNS_OPERATIONS: Record<string, StoreOperation> = { Publish: mSend('TopicArn'), PublishBatch: mSend('TopicArn') };

// Mail (SES, nodemailer and NestJS's mailer over it): a message sent to a person releases what it carries
// and cannot be taken back, so sending one is a write; it picks no record (the recipient is an address,
// not a row another client owns), so it chooses nothing.
const mailSend: StoreOperation = { readOnly: false, fields: [] };
const SES_OPERATIONS: Record<string, StoreOperation> = { SendEmail: mailSend, SendRawEmail: mailSend, SendTemplatedEmail: mailSend, SendBulkEmail: mailSend };
const MAIL_METHODS: Record<string, StoreOperation> = { sendmail: mailSend };
const EVENTBRIDGE_OPERATIONS: Record<string, StoreOperation> = { PutEvents: mSend('Entries') };

/** A message service of the AWS SDK: v3 `@aws-sdk/client-<module>` (`<Name>Client`, `<Name>`) and v2 `aws-sdk`'s `<Name>`. */
function awsMessageService(store: StoreId, label: string, module: string, name: string, ops: Record<string, StoreOperation>): StoreClientSpec {
  const v3 = `@aws-sdk/client-${module}`;
  const v3Clients = [
    { module: v3, path: [`${name}Client`] },
    { module: v3, path: [name] },
  ];
  return {
    store,
    label,
    factories: [...v3Clients, { module: 'aws-sdk', path: [name] }],
    types: v3Clients,
    methods: methodsOf(ops),
    commands: commandsOf(ops),
    commandModules: [v3],
  };
}

/** SES, v1 and v2 of its API: one service (`SESClient` / `SESv2Client`), the same sends. */
function sesService(): StoreClientSpec {
  const v1 = awsMessageService('ses', 'SES', 'ses', 'SES', SES_OPERATIONS);
  const v2 = awsMessageService('ses', 'SES', 'sesv2', 'SESv2', SES_OPERATIONS);
  return {
    ...v1,
    factories: [...v1.factories, ...v2.factories.filter((f) => f.module !== 'aws-sdk')],
    types: [...v1.types, ...v2.types],
    commandModules: [...(v1.commandModules ?? []), ...(v2.commandModules ?? [])],
  };
}

// ---------------------------------------------------------------------------------------------
// Elasticsearch / OpenSearch: one parameter object; `id` picks a document, the query picks many
// (and a `term` on the identity in it scopes them). v7 and OpenSearch put the query in `body`.

const eDoc = (readOnly: boolean): StoreOperation => ({ readOnly, fields: ['id', 'index', 'routing'] });
const eQuery = (readOnly: boolean): StoreOperation => ({ readOnly, fields: ['query', 'body.query', 'q', 'index'] });
/** A document written whole (`document`, v7's `body`): its id and its references to other records choose, as an `Item` does. */
const eWrite: StoreOperation = { readOnly: false, fields: ['id', 'index', 'routing', 'document', 'body'], record: true };
const SEARCH_METHODS: Record<string, StoreOperation> = {
  get: eDoc(true),
  exists: eDoc(true),
  getsource: eDoc(true),
  existssource: eDoc(true),
  delete: eDoc(false),
  update: eDoc(false),
  index: eWrite,
  create: eWrite,
  mget: { readOnly: true, fields: ['ids', 'docs', 'body.ids', 'body.docs', 'index'] },
  search: eQuery(true),
  count: eQuery(true),
  deletebyquery: eQuery(false),
  updatebyquery: eQuery(false),
  // documents a query picks copied into another index: a write to the destination
  reindex: { readOnly: false, fields: ['source.query', 'source.index', 'dest.index', 'body.source.query', 'body.source.index', 'body.dest.index'] },
};

export const STORE_CLIENTS: readonly StoreClientSpec[] = [
  {
    store: 'redis',
    label: 'Redis',
    factories: [
      { module: 'ioredis', path: [] },
      { module: 'ioredis', path: ['Redis'] },
      { module: 'ioredis', path: ['Cluster'] },
      { module: 'ioredis', path: ['Redis', 'Cluster'] },
      { module: 'redis', path: ['createClient'] },
      { module: 'redis', path: ['createCluster'] },
      { module: '@redis/client', path: ['createClient'] },
      { module: '@redis/client', path: ['createCluster'] },
      { module: 'ioredis-mock', path: [] },
    ],
    types: [
      { module: 'ioredis', path: [] },
      { module: 'ioredis', path: ['Redis'] },
      { module: 'ioredis', path: ['Cluster'] },
      { module: 'redis', path: ['RedisClientType'] },
      { module: 'redis', path: ['RedisClusterType'] },
      { module: '@redis/client', path: ['RedisClientType'] },
    ],
    passThrough: ['connect', 'duplicate', 'multi', 'pipeline', 'withTypeMapping', 'isolated'],
    methods: REDIS_METHODS,
    decorations: [{ module: '@fastify/redis', property: 'redis' }],
  },
  {
    store: 'dynamodb',
    label: 'DynamoDB',
    factories: [
      { module: '@aws-sdk/lib-dynamodb', path: ['DynamoDBDocumentClient', 'from'] },
      { module: '@aws-sdk/lib-dynamodb', path: ['DynamoDBDocument', 'from'] },
      { module: '@aws-sdk/client-dynamodb', path: ['DynamoDBClient'] },
      { module: '@aws-sdk/client-dynamodb', path: ['DynamoDB'] },
      { module: 'aws-sdk', path: ['DynamoDB', 'DocumentClient'] },
      { module: 'aws-sdk', path: ['DynamoDB'] },
      { module: 'aws-sdk/clients/dynamodb', path: ['DocumentClient'] },
      { module: 'aws-sdk/clients/dynamodb', path: [] },
    ],
    types: [
      { module: '@aws-sdk/lib-dynamodb', path: ['DynamoDBDocumentClient'] },
      { module: '@aws-sdk/lib-dynamodb', path: ['DynamoDBDocument'] },
      { module: '@aws-sdk/client-dynamodb', path: ['DynamoDBClient'] },
      { module: '@aws-sdk/client-dynamodb', path: ['DynamoDB'] },
      { module: 'aws-sdk', path: ['DynamoDB', 'DocumentClient'] },
      { module: 'aws-sdk/clients/dynamodb', path: ['DocumentClient'] },
    ],
    methods: DYNAMO_METHODS,
    commands: DYNAMO_COMMANDS,
    commandModules: ['@aws-sdk/lib-dynamodb', '@aws-sdk/client-dynamodb'],
  },
  {
    store: 's3',
    label: 'S3',
    factories: [
      { module: '@aws-sdk/client-s3', path: ['S3Client'] },
      { module: '@aws-sdk/client-s3', path: ['S3'] },
      { module: 'aws-sdk', path: ['S3'] },
      { module: 'aws-sdk/clients/s3', path: [] },
    ],
    types: [
      { module: '@aws-sdk/client-s3', path: ['S3Client'] },
      { module: '@aws-sdk/client-s3', path: ['S3'] },
      { module: 'aws-sdk', path: ['S3'] },
    ],
    methods: S3_METHODS,
    commands: S3_COMMANDS,
    commandModules: ['@aws-sdk/client-s3'],
  },
  {
    store: 'elasticsearch',
    label: 'Elasticsearch',
    factories: [
      { module: '@elastic/elasticsearch', path: ['Client'] },
      { module: '@opensearch-project/opensearch', path: ['Client'] },
    ],
    types: [
      { module: '@elastic/elasticsearch', path: ['Client'] },
      { module: '@opensearch-project/opensearch', path: ['Client'] },
      { module: '@nestjs/elasticsearch', path: ['ElasticsearchService'] },
    ],
    methods: SEARCH_METHODS,
    decorations: [{ module: '@fastify/elasticsearch', property: 'elastic' }],
  },
  awsMessageService('sqs', 'SQS', 'sqs', 'SQS', SQS_OPERATIONS),
  awsMessageService('sns', 'SNS', 'sns', 'SNS', SNS_OPERATIONS),
  awsMessageService('eventbridge', 'EventBridge', 'eventbridge', 'EventBridge', EVENTBRIDGE_OPERATIONS),
  sesService(),
  {
    store: 'mail',
    label: 'mail transport',
    factories: [{ module: 'nodemailer', path: ['createTransport'] }],
    types: [
      { module: 'nodemailer', path: ['Transporter'] },
      { module: '@nestjs-modules/mailer', path: ['MailerService'] },
    ],
    methods: MAIL_METHODS,
  },
  {
    store: 'jobs',
    label: 'job queue',
    factories: [{ module: 'bullmq', path: ['Queue'] }],
    types: [{ module: 'bullmq', path: ['Queue'] }],
    // the job the first argument names: read, or taken out of the queue
    methods: {
      getjob: { readOnly: true, args: [0] },
      getjobstate: { readOnly: true, args: [0] },
      getjoblogs: { readOnly: true, args: [0] },
      remove: { readOnly: false, args: [0] },
    },
  },
];

/**
 * Functions that turn a command into a grant of access without sending it: a presigned S3 URL
 * lets its holder read or write the object the command names.
 */
export const COMMAND_PRESIGNERS: readonly { module: string; name: string; commandArg: number }[] = [
  { module: '@aws-sdk/s3-request-presigner', name: 'getSignedUrl', commandArg: 1 },
];

/** Every method and command name a store sink can be called by: what the walk must have indexed. */
export function storeCallNames(): string[] {
  const names = new Set<string>(['send', ...COMMAND_PRESIGNERS.map((p) => p.name)]);
  for (const spec of STORE_CLIENTS) for (const m of Object.keys(spec.methods ?? {})) names.add(m.split('.').at(-1)!);
  return [...names];
}

/** The operation a method name means on a client of this store: `hGetAll` → `hgetall`, `getBuffer` → `getbuffer`. */
export function storeMethod(spec: StoreClientSpec, name: string): StoreOperation | undefined {
  const methods = spec.methods;
  if (!methods) return undefined;
  const lower = name.toLowerCase();
  if (Object.hasOwn(methods, lower)) return methods[lower];
  // ioredis' `…Buffer` variants read the same keys
  if (spec.store === 'redis' && lower.endsWith('buffer') && Object.hasOwn(methods, lower.slice(0, -6))) return methods[lower.slice(0, -6)];
  return undefined;
}

/** The operation a command class means, and its store: `GetObjectCommand` → S3 `GetObject`. */
export function storeCommand(module: string, className: string): { spec: StoreClientSpec; operation: StoreOperation } | undefined {
  for (const spec of STORE_CLIENTS) {
    if (!spec.commandModules?.includes(module) || !spec.commands || !Object.hasOwn(spec.commands, className)) continue;
    return { spec, operation: spec.commands[className] };
  }
  return undefined;
}

const samePath = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The store whose client `module` + `path` makes (`new`, a call, a `.from()`), if any. */
export function storeFactory(module: string, path: readonly string[]): StoreClientSpec | undefined {
  return STORE_CLIENTS.find((s) => s.factories.some((f) => f.module === module && samePath(f.path, path)));
}

/** The store whose client a type named by `module` + `path` declares, if any. */
export function storeType(module: string, path: readonly string[]): StoreClientSpec | undefined {
  return STORE_CLIENTS.find((s) => s.types.some((f) => f.module === module && samePath(f.path, path)));
}
