import { nameSet } from './patterns';

/**
 * Forms that make a check and a use one step no other request can come between: transactions,
 * locking reads, conditions carried inside the write, compare-and-set.
 */

/** Calls whose callback runs in a transaction: `prisma.$transaction(async (tx) => …)`, `sequelize.transaction(…)`, `session.withTransaction(…)`. */
export const TRANSACTION_CALLEES: readonly string[] = ['$transaction', 'transaction', 'startTransaction', 'withTransaction', 'runInTransaction', 'transactional'];
/** Methods that open a transaction on a connection the code then writes through: mysql2 `conn.beginTransaction()`, a MongoDB session's `startTransaction()`. */
export const TRANSACTION_OPENERS: readonly string[] = ['beginTransaction', 'startTransaction'];

export function opensTransaction(name: string): boolean {
  return TRANSACTION_OPENERS.includes(name);
}

/** Names the transaction's handle goes by: `tx.user.update`, `trx('accounts')`, `manager.save`, `queryRunner.manager`. */
export const TRANSACTION_HANDLES: readonly string[] = ['tx', 'trx', 'transaction', 't', 'manager', 'entityManager', 'queryRunner', 'session', 'client'];
/** Options that run a call in a transaction or lock its rows: `{ transaction: t }`, `{ session }`, `{ lock: t.LOCK.UPDATE }`. */
export const TRANSACTION_OPTIONS: readonly string[] = ['transaction', 'session', 'lock'];
/** The option that locks what a read found. */
export const LOCK_OPTION = 'lock';
/** Lock modes that lock nothing: TypeORM `lock: { mode: 'optimistic', version }` only compares the version as it reads. */
export const OPTIMISTIC_LOCK_MODES: readonly string[] = ['optimistic'];
export function isOptimisticLockMode(mode: string): boolean {
  return OPTIMISTIC_LOCK_MODES.includes(mode);
}

export interface LockCall {
  name: string;
  does: 'lock' | 'join-transaction';
}

/** Chain calls that lock rows or join a transaction: Knex `.forUpdate()`, `.transacting(trx)`, TypeORM `.setLock(…)`. */
export const LOCK_CALLS: readonly LockCall[] = [
  { name: 'forUpdate', does: 'lock' },
  { name: 'forShare', does: 'lock' },
  { name: 'forNoKeyUpdate', does: 'lock' },
  { name: 'setLock', does: 'lock' },
  { name: 'transacting', does: 'join-transaction' },
];

/**
 * An optimistic transaction: keys watched before the reads, the writes queued in a transaction that
 * fails when a watched key changed since (Redis `conn.watch(keys)` … `conn.multi()….exec()`).
 */
export const WATCHED_TRANSACTION = { watch: 'watch', transaction: 'multi' } as const;

/**
 * A document store's own optimistic lock: a schema option that makes saving a document read earlier
 * fail when it changed since (Mongoose `new Schema({…}, { optimisticConcurrency: true })`, then
 * `doc.save()`, which throws `VersionError`).
 */
export const OPTIMISTIC_DOCUMENTS = { schemaOption: 'optimisticConcurrency', save: 'save' } as const;

/** Compare-and-set forms: the write fails when the value changed. */
export const COMPARE_AND_SET: readonly string[] = ['compareAndSwap', 'compareAndSet', 'cas', 'setnx', 'hsetnx', 'watch'];

const transactionCallees = nameSet(TRANSACTION_CALLEES);
const transactionHandles = nameSet(TRANSACTION_HANDLES);
const transactionOptions = nameSet(TRANSACTION_OPTIONS);
const lockCalls = new Map(LOCK_CALLS.map((l) => [l.name, l]));
const compareAndSet = nameSet(COMPARE_AND_SET.map((n) => n.toLowerCase()));

export function isTransactionCallee(name: string): boolean {
  return transactionCallees.has(name);
}
export function isTransactionHandle(name: string): boolean {
  return transactionHandles.has(name);
}
export function isTransactionOption(name: string): boolean {
  return transactionOptions.has(name);
}
/** A chain call that locks rows or joins a transaction. */
export function isLockCall(name: string): boolean {
  return lockCalls.has(name);
}
/** A chain call that locks rows. */
export function locksByCall(name: string): boolean {
  return lockCalls.get(name)?.does === 'lock';
}
/** `compareAndSwap`, `setNX`, `WATCH` (any case). */
export function isCompareAndSet(name: string): boolean {
  return compareAndSet.has(name.toLowerCase());
}

/**
 * Keys of a write's options that hold its filter (where the decision's condition can travel):
 * Prisma/Sequelize `where`, Mongo `filter`, `condition(s)`, DynamoDB `Key`, Elasticsearch `query`. DynamoDB's
 * `ConditionExpression` is read on its own (`CONDITION_KEYS` in `operations.ts`).
 */
export const FILTER_OPTION_KEYS: readonly string[] = ['where', 'filter', 'condition', 'conditions', 'Key', 'query'];
/**
 * Filter keys whose value is a query language nested by its syntax (Elasticsearch
 * `query: { bool: { filter: [{ term: { … } }] } }`): its depth is no relation filter.
 */
export const QUERY_DSL_KEYS: readonly string[] = ['query'];
const filterOptions = nameSet(FILTER_OPTION_KEYS);
export function isFilterOption(name: string): boolean {
  return filterOptions.has(name);
}
