import * as path from 'node:path';
import { Project } from '../src/analysis/project';
import { findStoreSinks } from '../src/analysis/store-sinks';
import {
  isBatchMaker,
  isBatchRun,
  isMessageCommand,
  isStoreItemKey,
  STORE_CLIENTS,
  storeCallNames,
  storeCommand,
  storeFactory,
  storeMethod,
  storeType,
} from '../src/analysis/vocabulary/stores';
import { EMPTY_IDENTITY_SOURCES } from '../src/config/index';
import { parseFile } from '../src/parse';
import type { ts } from '../src/ts';

/** The store sinks of in-memory files (absolute names under /p/), as `label readOnly [selectors]`. */
function sinksOf(files: Record<string, string>): string[] {
  const map = new Map<string, { text: string; sourceFile: ts.SourceFile }>();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join('/p', name);
    map.set(file, { text, sourceFile: parseFile(file, text).sourceFile });
  }
  const project = new Project(map, EMPTY_IDENTITY_SOURCES);
  return findStoreSinks(project)
    .map((s) => `${s.label} ${s.readOnly ? 'read' : 'write'} [${s.selectors.map((n) => n.getText()).join(' | ')}]`)
    .sort();
}

const one = (code: string): Record<string, string> => ({ 'app.ts': code });

describe('the stores table', () => {
  it('has each store once, with factories, types and operations', () => {
    expect(STORE_CLIENTS.map((s) => s.store)).toEqual(['redis', 'dynamodb', 's3', 'elasticsearch', 'sqs', 'sns', 'eventbridge', 'ses', 'mail', 'jobs']);
    for (const s of STORE_CLIENTS) {
      expect(s.factories.length).toBeGreaterThan(0);
      expect(s.types.length).toBeGreaterThan(0);
      expect(Object.keys(s.methods ?? {}).length + Object.keys(s.commands ?? {}).length).toBeGreaterThan(0);
      // method names are looked up lower-cased
      for (const m of Object.keys(s.methods ?? {})) expect(m).toBe(m.toLowerCase());
    }
  });

  it.each([
    ['ioredis', [], 'redis'],
    ['ioredis', ['Redis'], 'redis'],
    ['ioredis', ['Cluster'], 'redis'],
    ['redis', ['createClient'], 'redis'],
    ['redis', ['createCluster'], 'redis'],
    ['@aws-sdk/lib-dynamodb', ['DynamoDBDocumentClient', 'from'], 'dynamodb'],
    ['@aws-sdk/client-dynamodb', ['DynamoDBClient'], 'dynamodb'],
    ['aws-sdk', ['DynamoDB', 'DocumentClient'], 'dynamodb'],
    ['@aws-sdk/client-s3', ['S3Client'], 's3'],
    ['aws-sdk', ['S3'], 's3'],
    ['@elastic/elasticsearch', ['Client'], 'elasticsearch'],
    ['@opensearch-project/opensearch', ['Client'], 'elasticsearch'],
    ['@aws-sdk/client-ses', ['SESClient'], 'ses'],
    ['@aws-sdk/client-sesv2', ['SESv2Client'], 'ses'],
    ['aws-sdk', ['SES'], 'ses'],
    ['nodemailer', ['createTransport'], 'mail'],
    ['bullmq', ['Queue'], 'jobs'],
  ])('%s %j makes a %s client', (module, p, store) => expect(storeFactory(module, p)?.store).toBe(store));

  it.each([
    ['bullmq', ['Worker']],
    ['bull', []],
    ['lru-cache', ['LRUCache']],
    ['redis', []],
    ['@aws-sdk/lib-dynamodb', ['DynamoDBDocumentClient']],
    ['pg', ['Client']],
    ['undici', ['Client']],
    ['node-cache', []],
    ['nodemailer', []],
    ['nodemailer', ['createTestAccount']],
  ])('%s %j makes no store client', (module, p) => expect(storeFactory(module, p)).toBeUndefined());

  it.each([
    ['ioredis', ['Redis'], 'redis'],
    ['redis', ['RedisClientType'], 'redis'],
    ['@aws-sdk/lib-dynamodb', ['DynamoDBDocumentClient'], 'dynamodb'],
    ['@aws-sdk/client-s3', ['S3Client'], 's3'],
    ['@nestjs/elasticsearch', ['ElasticsearchService'], 'elasticsearch'],
    ['nodemailer', ['Transporter'], 'mail'],
    ['@nestjs-modules/mailer', ['MailerService'], 'mail'],
  ])('type %s %j declares a %s client', (module, p, store) => expect(storeType(module, p)?.store).toBe(store));

  it.each([
    ['redis', 'hGetAll', true],
    ['redis', 'hgetall', true],
    ['redis', 'getBuffer', true],
    ['redis', 'lrange', true],
    ['redis', 'del', false],
    ['redis', 'publish', false],
    ['redis', 'json.set', false],
    ['dynamodb', 'get', true],
    ['dynamodb', 'updateItem', false],
    ['s3', 'getObject', true],
    ['s3', 'deleteObject', false],
    ['elasticsearch', 'search', true],
    ['elasticsearch', 'deleteByQuery', false],
    ['elasticsearch', 'index', false],
    ['elasticsearch', 'reindex', false],
    ['mail', 'sendMail', false],
    ['ses', 'sendEmail', false],
    ['jobs', 'getJob', true],
    ['jobs', 'remove', false],
  ])('%s method %s is an operation (read only: %s)', (store, name, readOnly) => {
    const spec = STORE_CLIENTS.find((s) => s.store === store)!;
    expect(storeMethod(spec, name)?.readOnly).toBe(readOnly);
  });

  it.each([
    ['hget', [0, 1], undefined],
    ['sismember', [0, 1], undefined],
    ['sIsMember', [0, 1], undefined],
    ['smismember', [0], 1],
    ['smembers', [0], undefined],
  ] as const)('redis %s chooses by arguments %j (and every one from %s)', (name, args, restFrom) => {
    const op = storeMethod(
      STORE_CLIENTS.find((s) => s.store === 'redis')!,
      name,
    );
    expect(op?.args).toEqual(args);
    expect(op?.restFrom).toBe(restFrom);
  });

  it.each([
    ['redis', 'add'],
    ['redis', 'quit'],
    ['redis', 'on'],
    ['redis', 'subscribe'],
    ['dynamodb', 'send'],
    ['s3', 'send'],
    ['elasticsearch', 'ping'],
    ['elasticsearch', 'close'],
    ['mail', 'verify'],
    ['mail', 'close'],
  ])('%s method %s is not', (store, name) => {
    const spec = STORE_CLIENTS.find((s) => s.store === store)!;
    expect(storeMethod(spec, name)).toBeUndefined();
  });

  it.each([
    ['@aws-sdk/lib-dynamodb', 'GetCommand', 'dynamodb'],
    ['@aws-sdk/client-dynamodb', 'DeleteItemCommand', 'dynamodb'],
    ['@aws-sdk/lib-dynamodb', 'QueryCommand', 'dynamodb'],
    ['@aws-sdk/client-s3', 'GetObjectCommand', 's3'],
    ['@aws-sdk/client-s3', 'ListObjectsV2Command', 's3'],
    ['@aws-sdk/client-sqs', 'SendMessageCommand', 'sqs'],
    ['@aws-sdk/client-sns', 'PublishCommand', 'sns'],
    ['@aws-sdk/client-eventbridge', 'PutEventsCommand', 'eventbridge'],
    ['@aws-sdk/client-ses', 'SendEmailCommand', 'ses'],
    ['@aws-sdk/client-sesv2', 'SendEmailCommand', 'ses'],
  ])('%s %s is a %s command', (module, cls, store) => expect(storeCommand(module, cls)?.spec.store).toBe(store));

  it.each([
    ['@aws-sdk/client-s3', 'CreateBucketCommand'],
    ['@aws-sdk/client-ses', 'VerifyEmailIdentityCommand'],
    ['@aws-sdk/client-kms', 'EncryptCommand'],
    ['@aws-sdk/lib-dynamodb', 'GetObjectCommand'],
    ['./commands', 'GetCommand'],
  ])('%s %s is not a store command', (module, cls) => expect(storeCommand(module, cls)).toBeUndefined());

  it('names every call the walk must index', () => {
    expect(storeCallNames()).toEqual(expect.arrayContaining(['send', 'getSignedUrl', 'hget', 'get', 'search', 'getobject']));
  });
});

describe('store sinks: must match', () => {
  it.each<[string, Record<string, string>, string[]]>([
    [
      'ioredis client in its own module, key templates',
      {
        'redis.ts': "import Redis from 'ioredis';\nexport const redis = new Redis(process.env.REDIS_URL);",
        'app.ts':
          "import { redis } from './redis';\nexport const log = (jobId: string) => redis.lrange(`job:${jobId}:log`, 0, -1);\nexport const drop = (k: string) => redis.del(k, `${k}:meta`);",
      },
      ['redis.del write [k | `${k}:meta`]', 'redis.lrange read [`job:${jobId}:log`]'],
    ],
    [
      'a hash field chooses as much as the key',
      one("import { Redis } from 'ioredis';\nconst r = new Redis();\nr.hget('pools', id);\nr.hset(`pool:${id}`, 'owner', me);\nr.hset('settings', { ownerId: body.ownerId });"),
      ["r.hget read ['pools' | id]", "r.hset write ['settings']", "r.hset write [`pool:${id}` | 'owner']"],
    ],
    [
      'node-redis createClient, connected, camelCase commands and RedisJSON',
      one(
        "import { createClient } from 'redis';\nconst client = await createClient({ url }).connect();\nawait client.hGetAll(`device:${id}`);\nawait client.json.get(`doc:${id}`);",
      ),
      ['client.hGetAll read [`device:${id}`]', 'client.json.get read [`doc:${id}`]'],
    ],
    [
      'a module variable assigned a client later',
      one(
        "const redis = require('redis');\nlet client;\nasync function init() { client = redis.createClient(); }\nfunction publish(lockId, cmd) { return client.publish(`lock:${lockId}:cmd`, cmd); }",
      ),
      ['client.publish write [`lock:${lockId}:cmd`]'],
    ],
    [
      'NestJS: an injected, typed client (type-only import)',
      one(
        "import type { Redis } from 'ioredis';\nimport { InjectRedis } from '@nestjs-modules/ioredis';\nexport class Locks {\n  constructor(@InjectRedis() private readonly redis: Redis) {}\n  status(id: string) { return this.redis.get(`lock:${id}`); }\n}",
      ),
      ['this.redis.get read [`lock:${id}`]'],
    ],
    [
      'a class field created in the constructor (JS)',
      {
        'store.js':
          "const Redis = require('ioredis');\nclass Store {\n  constructor(url) { this.client = new Redis(url); }\n  forget(id) { return this.client.unlink(`s:${id}`); }\n}\nmodule.exports = Store;",
      },
      ['this.client.unlink write [`s:${id}`]'],
    ],
    [
      'a multi() transaction queues commands on the same keys',
      one("import Redis from 'ioredis';\nconst redis = new Redis();\nawait redis.multi().set(`a:${id}`, v).del(`b:${id}`).exec();"),
      ['redis.multi(…).set write [`a:${id}`]', '…(…).del write [`b:${id}`]'],
    ],
    [
      'DynamoDB document client: Get, Update with a condition, Put, Query',
      one(
        [
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
          "import { DynamoDBDocumentClient, GetCommand, UpdateCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';",
          'const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
          'await ddb.send(new GetCommand({ TableName: T, Key: { thingName } }));',
          "await ddb.send(new UpdateCommand({ TableName: T, Key: { id }, UpdateExpression: 'SET s = :s', ConditionExpression: 'ownerId = :me', ExpressionAttributeValues: { ':s': s, ':me': me } }));",
          'await ddb.send(new PutCommand({ TableName: T, Item: { id, name } }));',
          "const params = { TableName: T, KeyConditionExpression: 'pk = :pk', FilterExpression: 'owner = :o', ExpressionAttributeValues: { ':pk': pk, ':o': o } };",
          'await ddb.send(new QueryCommand(params));',
        ].join('\n'),
      ),
      ['ddb.send(GetCommand) read [{ thingName }]', 'ddb.send(PutCommand) write [id]', 'ddb.send(QueryCommand) read [pk]', 'ddb.send(UpdateCommand) write [{ id }]'],
    ],
    [
      'DynamoDB low-level ItemCommand and PartiQL',
      one(
        "const { DynamoDBClient, DeleteItemCommand, ExecuteStatementCommand } = require('@aws-sdk/client-dynamodb');\nconst db = new DynamoDBClient({});\ndb.send(new DeleteItemCommand({ TableName: 'x', Key: { pk: { S: id } } }));\ndb.send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM x WHERE pk = ?', Parameters: [{ S: id }] }));",
      ),
      ['db.send(DeleteItemCommand) write [{ pk: { S: id } }]', 'db.send(ExecuteStatementCommand) read [{ S: id }]'],
    ],
    [
      'DynamoDB v2 DocumentClient with .promise()',
      {
        'db.js':
          "const AWS = require('aws-sdk');\nconst docClient = new AWS.DynamoDB.DocumentClient();\nexports.get = (id) => docClient.get({ TableName: 'x', Key: { id } }).promise();",
      },
      ['docClient.get read [{ id }]'],
    ],
    [
      'S3 v3 commands, a presigned URL and the v3 aggregated client',
      one(
        [
          "import { S3Client, S3, GetObjectCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';",
          "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
          'const s3 = new S3Client({});',
          'await s3.send(new GetObjectCommand({ Bucket: B, Key: `devices/${deviceId}/fw.bin` }));',
          'await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: `${tenant}/` }));',
          'await getSignedUrl(s3, new DeleteObjectCommand({ Bucket: B, Key: key }), { expiresIn: 60 });',
          'await new S3({}).headObject({ Bucket: B, Key: key });',
        ].join('\n'),
      ),
      [
        'getSignedUrl(DeleteObjectCommand) write [key | B]',
        's3.send(GetObjectCommand) read [`devices/${deviceId}/fw.bin` | B]',
        's3.send(ListObjectsV2Command) read [`${tenant}/` | B]',
        '….headObject read [key | B]',
      ],
    ],
    [
      'Elasticsearch and OpenSearch clients: by id and by query',
      one(
        [
          "import { Client } from '@elastic/elasticsearch';",
          "import { Client as OpenSearch } from '@opensearch-project/opensearch';",
          "const es = new Client({ node: 'http://es:9200' });",
          'const os = new OpenSearch({});',
          "await es.get({ index: 'tickets', id });",
          "await es.deleteByQuery({ index: 'tickets', query: { term: { ticketId: id } } });",
          "await os.search({ index: 'tickets', body: { query: { match: { title } } } });",
        ].join('\n'),
      ),
      ["es.deleteByQuery write [{ term: { ticketId: id } } | 'tickets']", "es.get read [id | 'tickets']", "os.search read [{ match: { title } } | 'tickets']"],
    ],
    [
      'a client a project function makes, a typed parameter',
      {
        'clients.ts': "import { S3Client } from '@aws-sdk/client-s3';\nexport function makeS3() { return new S3Client({ region: 'eu-west-1' }); }",
        'app.ts':
          "import { makeS3 } from './clients';\nimport { Client } from '@elastic/elasticsearch';\nconst s3 = makeS3();\ns3.deleteObject({ Bucket: 'b', Key: k });\nexport function find(es: Client, id: string) { return es.exists({ index: 'i', id }); }",
      },
      ["es.exists read [id | 'i']", "s3.deleteObject write [k | 'b']"],
    ],
    [
      'Fastify: the @fastify/redis plugin decorates the instance',
      one(
        "import fastifyRedis from '@fastify/redis';\napp.register(fastifyRedis, { url });\napp.get('/x/:id', async function (request) { return this.redis.get(`x:${request.params.id}`); });",
      ),
      ['this.redis.get read [`x:${request.params.id}`]'],
    ],
    [
      'BullMQ: a job named by its id is read or taken out of the queue',
      one("import { Queue } from 'bullmq';\nconst queue = new Queue('alerts');\nawait queue.getJob(req.params.jobId);\nawait queue.remove(req.params.jobId);"),
      ['queue.getJob read [req.params.jobId]', 'queue.remove write [req.params.jobId]'],
    ],
  ])('%s', (_name, files, expected) => expect(sinksOf(files)).toEqual(expected));
});

describe('store sinks: must not match', () => {
  it.each<[string, Record<string, string>]>([
    ['a Map named redis', one('const redis = new Map();\nredis.get(id);\nredis.delete(id);')],
    ['an LRU cache', one("import { LRUCache } from 'lru-cache';\nconst cache = new LRUCache({ max: 100 });\ncache.get(id);")],
    ['the session', one('app.get("/", (req) => { req.session.get(id); req.session.destroy(); });')],
    ['an untyped parameter named redis that no caller gives a client', one('export function f(redis) { return redis.get(`k:${id}`); }\nf(new Map());')],
    ['a local class named Redis', one('class Redis { get(k) { return k; } }\nconst redis = new Redis();\nredis.get(id);')],
    ['a job added to a BullMQ queue', one("import { Queue } from 'bullmq';\nconst queue = new Queue('jobs');\nawait queue.add('run', { jobId });")],
    ['a client method that is no operation', one("import Redis from 'ioredis';\nconst redis = new Redis();\nredis.on('error', log);\nawait redis.quit();")],
    [
      'send of another SDK command',
      one("import { KMSClient, EncryptCommand } from '@aws-sdk/client-kms';\nconst kms = new KMSClient({});\nawait kms.send(new EncryptCommand({ KeyId: k, Plaintext: id }));"),
    ],
    ['a command class of the project named like an SDK one', one("import { GetCommand } from './commands';\nawait bus.send(new GetCommand({ Key: { id } }));")],
    ['res.send and socket.send', one('app.get("/", (req, res) => { res.send({ id }); ws.send(id); });')],
    ['an HTTP client named es', one("import axios from 'axios';\nconst es = axios.create({ baseURL });\nawait es.get({ index: 'i', id });")],
    [
      'an S3 put with no key chosen',
      one("import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';\nconst s3 = new S3Client({});\nawait s3.send(new ListBucketsCommand({}));"),
    ],
    [
      'a mail sent to an address the client gave (a write, but no record is chosen)',
      one(
        "import nodemailer from 'nodemailer';\nimport { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';\nconst transport = nodemailer.createTransport({});\nawait transport.sendMail({ to: req.body.email, text });\nconst ses = new SESv2Client({});\nawait ses.send(new SendEmailCommand({ Destination: { ToAddresses: [req.body.email] } }));",
      ),
    ],
    [
      'an Elasticsearch index call without an id (a new document)',
      one("import { Client } from '@elastic/elasticsearch';\nconst es = new Client({});\nawait es.index({ document: { title } });"),
    ],
  ])('%s', (_name, files) => expect(sinksOf(files)).toEqual([]));
});

describe('message commands', () => {
  it.each([
    ['publish', true],
    ['PUBLISH', true],
    ['spublish', true],
    ['xadd', false],
    ['set', false],
    ['hset', false],
  ])('isMessageCommand(%s) → %s', (name, want) => expect(isMessageCommand(name)).toBe(want));
});

describe('batches', () => {
  it.each([
    ['multi', true],
    ['pipeline', true],
    ['exec', false],
    ['batchGet', false],
  ])('isBatchMaker(%s) → %s', (name, want) => expect(isBatchMaker(name)).toBe(want));
  it.each([
    ['exec', true],
    ['execute', false],
    ['multi', false],
  ])('isBatchRun(%s) → %s', (name, want) => expect(isBatchRun(name)).toBe(want));
});

describe('store item keys', () => {
  it.each([
    ['pk', true],
    ['SK', true],
    ['partitionKey', true],
    ['id', false],
    ['tenantId', false],
    ['key', false],
  ])('isStoreItemKey(%s) → %s', (name, want) => expect(isStoreItemKey(name)).toBe(want));
});
