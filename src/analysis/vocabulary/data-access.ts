import { nameSet } from './patterns';

export type DataLibrary =
  | 'prisma'
  | 'typeorm'
  | 'sequelize'
  | 'mongoose'
  | 'mongodb'
  | 'knex'
  | 'objection'
  | 'drizzle'
  | 'kysely'
  | 'mikro-orm'
  | 'pg'
  | 'mysql2'
  | 'better-sqlite3'
  | 'pg-promise'
  | 'node:sqlite';

export interface RecordMethod {
  name: string;
  libraries: readonly DataLibrary[];
  access: 'read' | 'write';
  /** Also a method of plain collections (`map.delete(k)`, `list.find(fn)`): a sink only on a receiver that looks like a database. */
  ambiguous?: true;
  /** The first argument is the record's id itself. */
  byId?: true;
}

const m = (access: RecordMethod['access'], libraries: readonly DataLibrary[], names: readonly string[], extra: Partial<RecordMethod> = {}): RecordMethod[] =>
  names.map((name) => ({ name, libraries, access, ...extra }));

/** ORM and driver methods that find, change or remove records, by name. */
export const RECORD_METHODS: readonly RecordMethod[] = [
  ...m('read', ['prisma'], ['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany']),
  ...m('write', ['prisma'], ['updateMany', 'upsert', 'deleteMany']),
  ...m('write', ['prisma', 'typeorm', 'sequelize'], ['update', 'delete'], { ambiguous: true }),
  ...m('read', ['typeorm'], ['findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail', 'findBy', 'findAndCount', 'findAndCountBy']),
  ...m('read', ['typeorm', 'mongoose', 'mongodb'], ['find'], { ambiguous: true }),
  ...m('read', ['typeorm'], ['findByIds'], { byId: true }),
  ...m('write', ['typeorm'], ['softDelete']),
  ...m('write', ['typeorm', 'sequelize'], ['restore', 'remove', 'increment', 'decrement', 'preload'], { ambiguous: true }),
  ...m('read', ['sequelize'], ['findByPk'], { byId: true }),
  ...m('read', ['sequelize'], ['findAll'], { ambiguous: true }),
  ...m('write', ['sequelize'], ['findOrCreate', 'destroy']),
  ...m('read', ['mongoose', 'objection'], ['findById'], { byId: true }),
  // Objection's query builder by id: `Animal.query().patchAndFetchById(id, patch)`
  ...m('write', ['objection'], ['patchAndFetchById', 'updateAndFetchById', 'deleteById'], { byId: true }),
  ...m('write', ['mongoose'], ['findByIdAndUpdate', 'findByIdAndDelete', 'findByIdAndRemove'], { byId: true }),
  ...m('write', ['mongoose', 'mongodb'], ['findOneAndUpdate', 'findOneAndDelete', 'findOneAndRemove', 'findOneAndReplace', 'updateOne', 'deleteOne', 'replaceOne']),
  ...m('read', ['mongoose', 'mongodb'], ['countDocuments']),
  ...m('read', ['mongoose', 'mongodb'], ['distinct'], { ambiguous: true }),
  // a pipeline whose `$match` stages select: `Reading.aggregate([{ $match: { meterId } }, …])`
  ...m('read', ['mongoose', 'mongodb'], ['aggregate']),
  // MikroORM's entity manager writes without loading: `em.nativeUpdate(Shipment, { id }, data)`
  ...m('write', ['mikro-orm'], ['nativeUpdate', 'nativeDelete']),
  // an entity built from client input, saved: TypeORM, Mongoose documents, MikroORM
  ...m('write', ['typeorm', 'mongoose', 'mikro-orm'], ['save'], { ambiguous: true }),
];

/**
 * ORM and driver methods that create records from an object they are given, and where the new
 * record is in their argument: the object itself (`Model.create(obj)`, `insertOne(doc)`, a list of
 * them for `bulkCreate`/`insertMany`), or its `data` (Prisma `create({ data })`).
 */
export interface CreateMethod {
  name: string;
  libraries: readonly DataLibrary[];
  /** The member of the first argument that holds the record, when not the argument itself. */
  recordKey?: string;
}
export const CREATE_METHODS: readonly CreateMethod[] = [
  { name: 'create', libraries: ['prisma'], recordKey: 'data' },
  { name: 'createMany', libraries: ['prisma'], recordKey: 'data' },
  { name: 'create', libraries: ['sequelize', 'mongoose', 'typeorm'] },
  { name: 'bulkCreate', libraries: ['sequelize'] },
  { name: 'insertMany', libraries: ['mongoose', 'mongodb'] },
  { name: 'insertOne', libraries: ['mongodb'] },
  { name: 'insert', libraries: ['typeorm', 'knex'] },
];
export const CREATE_METHOD_NAMES: readonly string[] = [...new Set(CREATE_METHODS.map((c) => c.name))];

/**
 * A key or column that refers to another record (`patientId`, `trip_id`, `articleUuid`, DICOM's
 * `studyInstanceUid`): in a record being created, a client-chosen one picks the record the new one is
 * attached to. Not the new record's own `id`, which chooses nothing that exists.
 */
const REFERENCE_KEY = /(?:[a-z0-9](?:Id|ID|Uuid|UUID|Uid|UID)|[A-Za-z0-9]_(?:id|uuid|uid))$/;
export function isReferenceKey(name: string): boolean {
  return REFERENCE_KEY.test(name);
}
/**
 * An insert's chain that turns it into an update of the row it collides with: Knex (and Objection's)
 * `.insert(row).onConflict(columns).merge()`; the conflict columns' values choose that row.
 */
export const UPSERT_CONFLICT = { on: 'onConflict', merge: 'merge' } as const;

/** Keys that name the record itself: an entity saved with one (`save({ id, … })`) is the record with that id. */
export const RECORD_ID_KEYS: readonly string[] = ['id', '_id'];

const records = new Map(RECORD_METHODS.map((r) => [r.name, r]));

export function recordMethodOf(name: string): RecordMethod | undefined {
  return records.get(name);
}

export interface QueryBuilderCall {
  /** Filters the rows: `where`, `andWhere`, `whereIn`. */
  filters?: true;
  /** Carries values written, read back or ordered, not the selection: `set`, `values`, `orderBy`. */
  payload?: true;
  /** Changes what the query selects: `update`, `delete`, `insert`. */
  writes?: true;
  /** Continues the query rather than using its result: `first`, `getOne`, `exec`, `then`. */
  continues?: true;
}

/** Query-builder chain calls: Knex, TypeORM's query builder, Drizzle, Kysely, Mongoose queries, Supabase. */
export const QUERY_BUILDER: Readonly<Record<string, QueryBuilderCall>> = {
  where: { filters: true, continues: true },
  andWhere: { filters: true, continues: true },
  orWhere: { filters: true, continues: true },
  whereIn: { filters: true, continues: true },
  whereRaw: { filters: true, continues: true },
  andWhereRaw: { filters: true, continues: true },
  whereNot: { filters: true, continues: true },
  whereInIds: { filters: true },
  update: { payload: true, writes: true, continues: true },
  set: { payload: true, writes: true, continues: true },
  insert: { payload: true, writes: true },
  delete: { writes: true, continues: true },
  del: { writes: true, continues: true },
  softDelete: { writes: true },
  restore: { writes: true },
  increment: { payload: true, writes: true },
  decrement: { payload: true, writes: true },
  values: { payload: true, continues: true },
  returning: { payload: true, continues: true },
  select: { payload: true, continues: true },
  orderBy: { payload: true, continues: true },
  limit: { payload: true, continues: true },
  offset: { payload: true, continues: true },
  take: { payload: true, continues: true },
  skip: { payload: true, continues: true },
  groupBy: { payload: true },
  having: { payload: true },
  leftJoinAndSelect: { payload: true, continues: true },
  innerJoinAndSelect: { payload: true, continues: true },
  merge: { payload: true },
  onConflict: { payload: true },
  first: { continues: true },
  firstOrFail: { continues: true },
  getOne: { continues: true },
  getOneOrFail: { continues: true },
  getMany: { continues: true },
  getRawOne: { continues: true },
  getRawMany: { continues: true },
  execute: { continues: true },
  exec: { continues: true },
  lean: { continues: true },
  populate: { continues: true },
  from: { continues: true },
  leftJoin: { continues: true },
  innerJoin: { continues: true },
  single: { continues: true },
  maybeSingle: { continues: true },
  get: { continues: true },
  all: { continues: true },
  run: { continues: true },
  one: { continues: true },
  sort: { continues: true },
  session: { continues: true },
  setOptions: { continues: true },
  orFail: { continues: true },
  toArray: { continues: true },
  count: { continues: true },
  pluck: { continues: true },
  modify: { continues: true },
  forUpdate: { continues: true },
  transacting: { continues: true },
  then: { continues: true },
};

const builder = (name: string): QueryBuilderCall | undefined => (Object.prototype.hasOwnProperty.call(QUERY_BUILDER, name) ? QUERY_BUILDER[name] : undefined);
const builderNames = (role: keyof QueryBuilderCall): string[] => Object.keys(QUERY_BUILDER).filter((n) => QUERY_BUILDER[n][role]);

/** Query-builder filters: `where`, `andWhere`, `whereIn`, … */
export const QUERY_FILTER_CALLS: readonly string[] = builderNames('filters');

/**
 * Query-builder calls whose first argument names the table the query runs on: Kysely's
 * `selectFrom('unit_roles')`, `updateTable`, `deleteFrom`, `insertInto`; Knex's `from`, `table`, `into`.
 * Two queries of one database handle (`ctx.db.selectFrom('call_sheets')`, `ctx.db.selectFrom('unit_roles')`)
 * read what these name, not the handle.
 */
export const QUERY_TABLE_CALLS: readonly string[] = ['selectFrom', 'updateTable', 'deleteFrom', 'insertInto', 'from', 'table', 'into'];

/** Calls that start a query over another table inside a condition (a sub-query): `exists(selectFrom('brewers')…)`, `qb.from('t')`. */
export const SUBQUERY_CALLS: readonly string[] = ['selectFrom', 'from', 'exists', 'whereExists', 'subQuery'];
export function isSubqueryCall(name: string): boolean {
  return SUBQUERY_CALLS.includes(name);
}

export function isQueryFilterCall(name: string): boolean {
  return builder(name)?.filters === true;
}
export function isQueryPayloadCall(name: string): boolean {
  return builder(name)?.payload === true;
}
export function isQueryWriteCall(name: string): boolean {
  return builder(name)?.writes === true;
}
export function continuesQuery(name: string): boolean {
  return builder(name)?.continues === true;
}

/** Keys of a query's options that carry values written or shape the result, not the selection. */
export const PAYLOAD_KEYS: readonly string[] = [
  'data',
  'values',
  'update',
  '$set',
  '$inc',
  '$push',
  '$pull',
  '$unset',
  '$addToSet',
  'select',
  'include',
  'orderBy',
  'order',
  'take',
  'skip',
  'limit',
  'offset',
  'cursor',
  'attributes',
  'relations',
  'projection',
  'sort',
  'create',
  'transaction',
  'lock',
  'returning',
  'individualHooks',
];
/** Keys of a query's options that hold the selection itself. */
export const FILTER_KEYS: readonly string[] = ['where', 'filter', 'conditions'];

/**
 * Operators of a field's filter (Prisma `{ createdAt: { lt: cutoff } }`, MongoDB `{ qty: { $gte: n } }`):
 * an object of them compares the field, it does not reach into another record the way a relation
 * filter (`{ members: { some: { userId } } }`) or a sub-query does. Sequelize's are symbols, `{ [Op.lt]: cutoff }`.
 */
export const FIELD_FILTER_OPERATORS: readonly string[] = [
  'equals',
  'not',
  'in',
  'notIn',
  'lt',
  'lte',
  'gt',
  'gte',
  'contains',
  'startsWith',
  'endsWith',
  'mode',
  'has',
  'hasSome',
  'hasEvery',
  'isEmpty',
  '$eq',
  '$ne',
  '$in',
  '$nin',
  '$lt',
  '$lte',
  '$gt',
  '$gte',
  '$exists',
  '$regex',
  '$options',
  '$size',
  '$all',
];
/** The namespace of Sequelize's operator symbols: `[Op.lt]`. */
export const OPERATOR_SYMBOLS = 'Op';

export function isFieldFilterOperator(key: string): boolean {
  return FIELD_FILTER_OPERATORS.includes(key);
}

const payloadKeys = nameSet(PAYLOAD_KEYS);
export function isPayloadKey(key: string): boolean {
  return payloadKeys.has(key);
}

export interface SqlRunner {
  name: string;
  libraries: readonly DataLibrary[];
  /** `statement`: on a prepared statement (`db.prepare(sql).get(id)`), the SQL being the `prepare` argument. */
  on: 'connection' | 'statement';
}

/** Methods that run raw SQL: node-postgres, mysql2, better-sqlite3, Sequelize, TypeORM, Knex, pg-promise, Prisma's unsafe forms. */
export const SQL_RUNNERS: readonly SqlRunner[] = [
  ...['query', 'execute'].map((name) => ({ name, libraries: ['pg', 'mysql2', 'sequelize', 'typeorm'] as DataLibrary[], on: 'connection' as const })),
  { name: 'raw', libraries: ['knex'], on: 'connection' },
  ...['one', 'oneOrNone', 'many', 'manyOrNone', 'any', 'none'].map((name) => ({ name, libraries: ['pg-promise'] as DataLibrary[], on: 'connection' as const })),
  ...['$queryRawUnsafe', '$executeRawUnsafe', '$queryRaw', '$executeRaw'].map((name) => ({ name, libraries: ['prisma'] as DataLibrary[], on: 'connection' as const })),
  { name: 'queryOne', libraries: ['mysql2'], on: 'connection' },
  { name: 'exec', libraries: ['better-sqlite3', 'node:sqlite'], on: 'connection' },
  ...['get', 'all', 'run', 'iterate', 'pluck'].map((name) => ({ name, libraries: ['better-sqlite3', 'node:sqlite'] as DataLibrary[], on: 'statement' as const })),
];

export const SQL_CONNECTION_METHODS: readonly string[] = SQL_RUNNERS.filter((r) => r.on === 'connection').map((r) => r.name);
export const SQL_STATEMENT_METHODS: readonly string[] = SQL_RUNNERS.filter((r) => r.on === 'statement').map((r) => r.name);
/** The call that makes a prepared statement: `db.prepare(sql)`. */
export const PREPARE_METHOD = 'prepare';
/** Keys of node-postgres query config objects that hold the SQL: `query({ text, values })`. */
export const SQL_CONFIG_KEYS: readonly string[] = ['text', 'sql'];
/**
 * Fields of a query's result that count what it found (pg `rowCount`, an array's `length`, Prisma's
 * `count`, a Set's `size`): compared with zero, they test only that something exists.
 */
/**
 * Re-reading an entity held in memory from the store: MikroORM `em.refresh(entity)` (the entity is the
 * argument), Sequelize `instance.reload()` and TypeORM's `BaseEntity#reload()` (the entity is the receiver).
 */
export const ENTITY_RELOADS: { readonly byArgument: readonly string[]; readonly byReceiver: readonly string[] } = { byArgument: ['refresh'], byReceiver: ['reload'] };

export const RESULT_COUNT_FIELDS: readonly string[] = ['rowCount', 'length', 'count', 'size'];
/**
 * Fields only a driver's result has, never a record (pg's `rowCount`, mysql2's `affectedRows` and
 * `changedRows`, mssql's `rowsAffected`): a test of one asks whether the query found rows, not what a row holds.
 */
export const DRIVER_RESULT_FIELDS: readonly string[] = ['rowCount', 'affectedRows', 'changedRows', 'rowsAffected'];

/** Words in a receiver's chain that name a database handle: `prisma`, `usersRepo`, `db`, `tx`, `OrderModel`. */
export const DATABASE_RECEIVER_WORDS: readonly { text: string; at: 'anywhere' | 'start' | 'end' | 'whole' }[] = [
  ...['prisma', 'repo', 'repository', 'model', 'collection', 'knex', 'manager', 'table', 'entity', 'orm', 'sequelize', 'mongo'].map((text) => ({ text, at: 'anywhere' as const })),
  ...['db', 'tx', 'dao', 'store'].map((text) => ({ text, at: 'end' as const })),
  { text: 'db', at: 'start' },
  { text: 'trx', at: 'whole' },
];

const receiverWords = new RegExp(
  DATABASE_RECEIVER_WORDS.map(({ text, at }) => (at === 'whole' ? `^${text}$` : at === 'start' ? `^${text}` : at === 'end' ? `${text}$` : text)).join('|'),
  'i',
);

/** A part of a receiver chain named like a database handle (any case), or a class-like name (`Invoice`, `User`). */
export function namesDatabase(part: string): boolean {
  return receiverWords.test(part) || /^[A-Z][A-Za-z0-9]*$/.test(part);
}

/** Calls that hand back a repository, model, collection or table: `db.collection('x')`, `getRepository(X)`, `knex('t')`. */
export const DATABASE_HANDLE_CALLS: readonly { name: string; in: 'receiver' | 'initializer' | 'both' }[] = [
  ...['collection', 'getRepository', 'getCustomRepository', 'getMongoRepository', 'getTreeRepository', 'model', 'withRepository'].map((name) => ({ name, in: 'both' as const })),
  ...['table', 'from', 'knex', 'db'].map((name) => ({ name, in: 'receiver' as const })),
  { name: 'extend', in: 'initializer' },
];

const handleCalls = (where: 'receiver' | 'initializer'): string[] => DATABASE_HANDLE_CALLS.filter((c) => c.in === where || c.in === 'both').map((c) => c.name);
const receiverHandles = nameSet(handleCalls('receiver').map((n) => n.toLowerCase()));
const initializerHandles = nameSet(handleCalls('initializer'));

/** A receiver that is a call returning a database handle: `db.collection('x').findOne(…)` (any case). */
export function returnsDatabaseHandle(call: string): boolean {
  return receiverHandles.has(call.toLowerCase());
}

/** A declaration initialised with a database handle: `const orders = dataSource.getRepository(Order)`. */
export function initializesDatabaseHandle(call: string): boolean {
  return initializerHandles.has(call);
}

/** Declared types of database handles: TypeORM, Sequelize, Mongoose, MongoDB, Knex, Prisma, pg, Kysely, any `…Repository`/`…Model`. */
export const DATABASE_TYPES: readonly string[] = [
  'Repository',
  'MongoRepository',
  'TreeRepository',
  'EntityRepository',
  'EntityManager',
  'Model',
  'ModelStatic',
  'ModelCtor',
  'Collection',
  'Knex',
  'PrismaClient',
  'PrismaService',
  'DataSource',
  'Db',
  'Pool',
  'PoolClient',
  'Client',
  'Connection',
  'Sequelize',
  'Kysely',
];
const databaseTypes = nameSet(DATABASE_TYPES);

export function isDatabaseType(typeName: string): boolean {
  return databaseTypes.has(typeName) || /^Knex\.\w+$/.test(typeName) || /^\w+(?:Repository|Model)$/.test(typeName);
}

/** NestJS injection decorators of database handles: `@InjectRepository(X)`, `@InjectModel(X)`, … */
export const DATABASE_INJECTIONS: readonly string[] = [
  'InjectRepository',
  'InjectModel',
  'InjectConnection',
  'InjectEntityManager',
  'InjectDataSource',
  'InjectKnex',
  'InjectCollection',
];

/** Of those, the ones whose argument is the entity the handle is for: `@InjectRepository(StaffMember)`, `@InjectModel(Shift.name)`. */
export const ENTITY_INJECTIONS: readonly string[] = ['InjectRepository', 'InjectModel'];

/** Whether a decorator's text injects a database handle (`@InjectRepository(Invoice)`). */
export function injectsDatabase(decoratorText: string): boolean {
  return DATABASE_INJECTIONS.some((d) => decoratorText.startsWith(d));
}

/** Classes whose instances are in-memory collections or clients of other kinds, not databases. */
export const NOT_DATABASE_CLASSES: readonly string[] = [
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'URLSearchParams',
  'Headers',
  'FormData',
  'LRUCache',
  'LRU',
  'NodeCache',
  'EventEmitter',
];
/** `crypto` factories: `createHash('sha256').update(x)` is not a database update. */
export const CRYPTO_FACTORIES: readonly string[] = ['createHash', 'createHmac', 'createCipheriv', 'createDecipheriv', 'createSign', 'createVerify'];

const notDbClasses = nameSet(NOT_DATABASE_CLASSES);
const cryptoFactories = nameSet(CRYPTO_FACTORIES);

export function isNonDatabaseClass(name: string): boolean {
  return notDbClasses.has(name);
}
export function isCryptoFactory(name: string): boolean {
  return cryptoFactories.has(name);
}
/**
 * The method that feeds a value to what a crypto factory made: `createHash('sha256').update(der).digest('hex')`
 * is a fingerprint of `der`, a form of it (value flow follows it).
 */
export const CRYPTO_FEED_METHOD = 'update';

/**
 * How a write takes its selection (`conditionInQuery` reads the filter, not the values it stores):
 * - `payload`: keys of a write's options that carry what it stores, not which rows (`data`, `$set`, …);
 * - `filterFirst`: methods whose first argument is the filter (`updateMany(filter, update)`);
 * - `entityFirst`: methods that take the entity class first and the filter second (MikroORM `em.nativeUpdate(Item, where, data)`);
 * - `criteriaFirst`: methods that take criteria first when given two arguments (TypeORM `repo.update({ id, holderId }, partial)`);
 * - `conditions`: query-builder calls that carry a condition (`where`, `andWhereRaw`, `having`, …);
 * - `subqueryConditions`: conditions whose argument is a sub-query (`whereExists(qb => …)`, `whereIn(sub)`).
 */
export const WRITE_SELECTION = {
  payload: ['data', 'values', 'update', 'create', '$set', '$inc', '$push', '$pull', '$unset', '$addToSet', 'select', 'include', 'orderBy', 'returning', 'transaction', 'lock'],
  filterFirst: [
    'updateOne',
    'updateMany',
    'deleteOne',
    'deleteMany',
    'findOneAndUpdate',
    'findOneAndDelete',
    'findOneAndRemove',
    'findOneAndReplace',
    'replaceOne',
    'nativeUpdate',
    'nativeDelete',
  ],
  entityFirst: ['nativeUpdate', 'nativeDelete'],
  criteriaFirst: ['update', 'delete', 'softDelete', 'restore', 'increment', 'decrement'],
  conditions: ['where', 'andWhere', 'orWhere', 'whereIn', 'whereRaw', 'andWhereRaw', 'whereNot', 'whereExists', 'whereNotExists', 'having'],
  subqueryConditions: ['whereExists', 'whereIn', 'andWhereExists', 'orWhereExists'],
} as const satisfies Record<string, readonly string[]>;
export type WriteSelectionRole = keyof typeof WRITE_SELECTION;
/** Whether a key or method has a role in how a write takes its selection. */
export function writeSelection(role: WriteSelectionRole, name: string): boolean {
  return (WRITE_SELECTION[role] as readonly string[]).includes(name);
}

/** Option keys that name the table, index, bucket or collection a read asks of: `{ TableName: DOCS }`, `{ index: 'rights' }`. */
export const READ_TARGET_KEYS: readonly string[] = ['TableName', 'table', 'index', 'Bucket', 'collection'];

/**
 * Roots that hold the app's clients rather than being one (`this.repo`, `ctx.prisma`, `c.var.db`):
 * the store a write talks to is the member taken off them.
 */
export const CLIENT_HOLDER_ROOTS: readonly string[] = ['this', 'ctx', 'c', 'context', 'req', 'request', 'app', 'fastify', 'container'];
