import { alternation } from './patterns';

export interface SqlVerb {
  verb: string;
  /** What a statement led by it does. */
  does: 'read' | 'write';
}

/** Raw-SQL statement verbs. */
export const SQL_VERBS: readonly SqlVerb[] = [
  { verb: 'select', does: 'read' },
  { verb: 'insert', does: 'write' },
  { verb: 'update', does: 'write' },
  { verb: 'delete', does: 'write' },
  { verb: 'merge', does: 'write' },
  { verb: 'upsert', does: 'write' },
];

/** Clauses that make a text SQL even without a verb of its own. */
export const SQL_CLAUSES: readonly string[] = ['where'];
/** Conditions of a conditional write: `UPDATE … WHERE id = $1 AND owner = $2`, `… WHERE EXISTS (…)`. */
export const SQL_CONDITION_WORDS: readonly string[] = ['and', 'exists'];
/** Statements that open a transaction on a connection: `client.query('BEGIN')`, `START TRANSACTION`. */
export const SQL_TRANSACTION_STARTS: readonly string[] = ['begin', 'start transaction'];
/** Locking reads: `SELECT … FOR UPDATE`, `FOR SHARE`, `FOR NO KEY UPDATE`. */
export const SQL_LOCK_CLAUSES: readonly string[] = ['update', 'share', 'no key update'];

const words = (list: Iterable<string>): string => `\\b(?:${alternation(list)})\\b`;
const verbs = (does?: SqlVerb['does']): string[] => SQL_VERBS.filter((v) => does === undefined || v.does === does).map((v) => v.verb);

const leadingVerb = new RegExp(`^\\W*(${alternation(verbs())})\\b`, 'i');
const anySql = new RegExp(words([...verbs(), ...SQL_CLAUSES]), 'i');
const writing = new RegExp(words(verbs('write')), 'i');
const lock = new RegExp(`\\bfor\\s+(?:${SQL_LOCK_CLAUSES.map((c) => c.replace(/ /g, '\\s+')).join('|')})\\b`, 'i');
const conditional = new RegExp(`\\b(?:update|delete)\\b[\\s\\S]*${words(SQL_CLAUSES)}[\\s\\S]*${words(SQL_CONDITION_WORDS)}`, 'i');

/** The verb a statement starts with (`select`, `update`, …), after quotes and leading punctuation. */
export function sqlVerbOf(text: string): string | undefined {
  return leadingVerb.exec(text.replace(/^[`'"]/, ''))?.[1].toLowerCase();
}

/** Text that reads like SQL: a statement verb or a `WHERE` clause. */
export function looksLikeSqlText(text: string): boolean {
  return anySql.test(text);
}

/** A statement that changes rows: `UPDATE`, `DELETE`, `INSERT`, `MERGE`, `UPSERT` anywhere in it. */
export function isWritingSql(text: string): boolean {
  return writing.test(text);
}

/** A read that locks what it read: `FOR UPDATE`, `FOR SHARE`, `FOR NO KEY UPDATE`. */
export function locksInSql(text: string): boolean {
  return lock.test(text);
}

/**
 * A statement that only reads: it starts with `SELECT`, also one that locks what it read (`SELECT … FOR
 * UPDATE` changes nothing; a check of what it found, `if (studio.allowed_team !== me.team) throw 404`, comes
 * before anything is changed, and the transaction it locks in ends with the refusal).
 */
export function selectsOnlySql(text: string): boolean {
  return sqlVerbOf(text) === 'select';
}

/** A write whose condition travels with it: `UPDATE … WHERE id = $1 AND owner_id = $2`. */
export function isConditionalWriteSql(text: string): boolean {
  return conditional.test(text);
}

const transactionStart = new RegExp(`^\\s*(?:${SQL_TRANSACTION_STARTS.map((t) => t.replace(/ /g, '\\s+')).join('|')})\\b`, 'i');
/** A statement that opens a transaction: `BEGIN`, `BEGIN ISOLATION LEVEL …`, `START TRANSACTION`. */
export function startsTransactionSql(text: string): boolean {
  return transactionStart.test(text);
}

/** Clauses that name the tables a statement reads or writes: `FROM`, `JOIN`, `INTO`, `UPDATE`. */
export const SQL_TABLE_CLAUSES: readonly string[] = ['from', 'join', 'into', 'update'];
const tableAfter = new RegExp(`${words(SQL_TABLE_CLAUSES)}\\s+([\\w."\`]+)`, 'gi');

/** The tables a statement names (`revoked_certificates` of `SELECT 1 FROM revoked_certificates WHERE serial = $1`), as written. */
export function sqlTables(text: string): string[] {
  return [...text.matchAll(tableAfter)].map((m) => m[1].replace(/["`]/g, ''));
}
