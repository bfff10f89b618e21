import { alternation, escapeRegExp, nameSet, startsWithWord, textPattern } from './patterns';

/**
 * Authorization decisions: the words that name a permission, role, ownership, membership,
 * revocation, feature-flag or balance lookup, the verbs of lookups and record reads, the fields of
 * a record a decision tests, and the operations a decision guards.
 */

export interface DecisionWord {
  /** Lower case; found inside a name (`hasRole`, `acl.can`, `isRevoked`), `_` and `-` ignored, any case. */
  word: string;
  /**
   * `decision`: a name holding it is the decision itself (`hasRole`, `canEdit`, `checkAccess`), its
   * test needs no refusal text to count; `subject`: what a decision looks up (`credit`, `featureFlag`).
   */
  names: 'decision' | 'subject';
  /** Only as a camel-case word of its own: `canEdit`, `can`; not `cancel`, `scan`. */
  camel?: true;
  /** Only followed by nothing or one of these and then no letter: `perm`, `perms`, not `permanent`. */
  endings?: readonly string[];
  /** Not when followed by one of these: `access`, not `accessToken`, `accessory`. */
  unless?: readonly string[];
}

/** The one table of decision words (it replaces four copies in `await-order` and `auth-across-await`). */
export const DECISION_WORDS: readonly DecisionWord[] = [
  { word: 'perm', names: 'decision', endings: ['s', 'ission', 'issions'] },
  { word: 'permission', names: 'decision' },
  { word: 'permit', names: 'decision' },
  { word: 'role', names: 'decision' },
  { word: 'acl', names: 'decision' },
  { word: 'authoriz', names: 'decision' },
  { word: 'authoris', names: 'decision' },
  { word: 'allow', names: 'decision' },
  { word: 'entitle', names: 'decision' },
  { word: 'privilege', names: 'decision' },
  { word: 'policy', names: 'decision' },
  { word: 'policies', names: 'decision' },
  { word: 'owner', names: 'decision' },
  { word: 'owns', names: 'decision', camel: true },
  { word: 'member', names: 'decision' },
  { word: 'revoc', names: 'decision' },
  { word: 'revok', names: 'decision' },
  { word: 'grant', names: 'decision' },
  { word: 'rights', names: 'decision' },
  { word: 'quota', names: 'decision' },
  { word: 'balance', names: 'decision' },
  { word: 'funds', names: 'decision' },
  { word: 'access', names: 'decision', unless: ['token', 'ory'] },
  { word: 'admin', names: 'decision' },
  { word: 'can', names: 'decision', camel: true },
  { word: 'cannot', names: 'decision', camel: true },
  { word: 'blocklist', names: 'subject' },
  { word: 'denylist', names: 'subject' },
  { word: 'banned', names: 'subject' },
  { word: 'blocked', names: 'subject' },
  { word: 'credit', names: 'subject' },
  { word: 'flag', names: 'subject' },
  { word: 'enabled', names: 'subject' },
];

function wordSource(w: DecisionWord): string {
  const body = escapeRegExp(w.word);
  if (w.camel) {
    // a word of its own in camel case: at the start or after a non-letter, or capitalised; then no lower-case letter
    const first = escapeRegExp(w.word.charAt(0));
    const rest = escapeRegExp(w.word.slice(1));
    return `(?:(?<![A-Za-z])${first}|${first.toUpperCase()})${rest}(?![a-z])`;
  }
  if (w.endings) return `${body}(?:${alternation(w.endings)})?(?![a-z])`;
  if (w.unless) return `${body}(?!${alternation(w.unless)})`;
  return body;
}

/** The words as two tests: the ordinary ones in any case, the camel-case ones with case. */
function wordTests(names?: DecisionWord['names']): { anyCase: RegExp; withCase: RegExp | undefined } {
  const list = DECISION_WORDS.filter((w) => names === undefined || w.names === names);
  const camel = list.filter((w) => w.camel).map(wordSource);
  return {
    anyCase: new RegExp(
      list
        .filter((w) => !w.camel)
        .map(wordSource)
        .join('|'),
      'i',
    ),
    withCase: camel.length > 0 ? new RegExp(camel.join('|')) : undefined,
  };
}

const anyDecision = wordTests();
const decisionItself = wordTests('decision');

function matches(tests: ReturnType<typeof wordTests>, text: string): boolean {
  const plain = text.replace(/[_-]/g, '');
  return tests.anyCase.test(plain) || (tests.withCase?.test(plain) ?? false);
}

/** Whether a name or callee chain names an authorization decision or what one looks up: `acl.can`, `getRoles`, `featureFlags.get`. */
export function namesDecision(text: string): boolean {
  return matches(anyDecision, text);
}

/** Whether a name is the decision itself: `hasRole`, `roleOf`, `canEdit`, `isRevoked`, `checkAccess` (not `getCredit`). */
export function isDecisionName(name: string): boolean {
  return matches(decisionItself, name);
}

/** Every decision word as found anywhere in text: for prefilters, a superset of `namesDecision`. */
export const DECISION_TEXT_SOURCE = alternation(DECISION_WORDS.map((w) => w.word));

export interface LookupVerb {
  verb: string;
  /** `read`: fetches a record or value; `check`: answers yes or no. */
  kind: 'read' | 'check';
}

/** Verbs of a lookup (a read or a check), not of a change. */
export const LOOKUP_VERBS: readonly LookupVerb[] = [
  ...['get', 'find', 'fetch', 'load', 'lookup', 'lookUp', 'read', 'select', 'query', 'resolve', 'retrieve'].map((verb) => ({ verb, kind: 'read' as const })),
  ...['can', 'cannot', 'is', 'has', 'check', 'verify', 'assert', 'ensure', 'require', 'authorize', 'authorise', 'count', 'exists', 'evaluate', 'enforce', 'validate', 'test'].map(
    (verb) => ({ verb, kind: 'check' as const }),
  ),
];

/** The suffix of a record read named for what it returns: `accountOf(id)`, `roleOf(user)`. */
export const RECORD_READ_SUFFIX = 'Of';

const lookupVerbs = LOOKUP_VERBS.map((v) => v.verb);
const readVerbs = LOOKUP_VERBS.filter((v) => v.kind === 'read').map((v) => v.verb);

/** A name led by a lookup verb as a word of its own: `canEdit`, `getRoles`, `isOwner`; not `issue`. */
export function isLookupName(name: string): boolean {
  return startsWithWord(name, lookupVerbs) !== undefined;
}

/** A read of a record: `findById`, `getAccount`, `loadDoc`, `query`, or a name ending in `Of` (`accountOf`). */
export function isRecordReadName(name: string): boolean {
  return readVerbs.some((v) => name.startsWith(v)) || name.endsWith(RECORD_READ_SUFFIX);
}

/** Fields of a record whose test is an ownership, role, membership or standing decision: `doc.ownerCn`, `account.status`. */
export const RECORD_DECISION_FIELDS: readonly string[] = [
  'owner',
  'creator',
  'createdby',
  'author',
  'assignee',
  'role',
  'perm',
  'acl',
  'allow',
  'member',
  'writer',
  'editor',
  'admin',
  'status',
  'active',
  'enabled',
  'disabled',
  'frozen',
  'locked',
  'suspended',
  'revoked',
  'banned',
  'blocked',
  'quota',
  'balance',
  'limit',
  'collaborator',
  'grant',
];
const recordDecision = textPattern(RECORD_DECISION_FIELDS, { flags: 'i' });

/** A record field a decision tests: `ownerId`, `writers`, `status`, `isLocked` (any case). */
export function isRecordDecisionField(name: string): boolean {
  return recordDecision.test(name);
}

/** A record's decision field under test, by text: `.ownerCn !==`, `.writers.includes(`, `.status)`. */
export const RECORD_TEST_TEXT = textPattern(RECORD_DECISION_FIELDS, {
  before: '\\.\\w*?',
  after: '\\w*\\s*(?:[!=]==?|\\.includes\\(|\\.has\\(|\\)|&&|\\|\\|)',
  flags: 'i',
});

export interface CollectionTest {
  name: string;
  /** `membership`: is it in there (`has`, `includes`); `lookup`: what is kept for it (`get`); `every`/`some`: a test over elements; `affix`: a string's start or end. */
  asks: 'membership' | 'lookup' | 'quantifier' | 'affix';
}

/** Calls that test a collection or string: `set.has(id)`, `grants.get(cn)`, `doc.members.includes(me)`, `roles.some(…)`. */
export const COLLECTION_TESTS: readonly CollectionTest[] = [
  { name: 'has', asks: 'membership' },
  { name: 'includes', asks: 'membership' },
  { name: 'get', asks: 'lookup' },
  { name: 'some', asks: 'quantifier' },
  { name: 'every', asks: 'quantifier' },
  { name: 'startsWith', asks: 'affix' },
  { name: 'endsWith', asks: 'affix' },
];

/** Whether `name` is a collection test of one of the kinds. */
export function isCollectionTest(name: string, ...asks: CollectionTest['asks'][]): boolean {
  return COLLECTION_TESTS.some((t) => t.name === name && asks.includes(t.asks));
}

const membershipTests = COLLECTION_TESTS.filter((t) => t.asks === 'membership').map((t) => t.name);

/** A record tested by its membership in a collection, by text: `allowed.has(doc.id)`, `ids.includes(account.id)`. */
export const RECORD_MEMBERSHIP_TEXT = new RegExp(`\\.(?:${alternation(membershipTests)})\\(\\s*[\\w$]+\\.`);

/** A file may test a record's ownership, role or standing. */
export function mayTestRecord(text: string): boolean {
  return RECORD_TEST_TEXT.test(text) || RECORD_MEMBERSHIP_TEXT.test(text);
}

/** A look into state named for a decision, by text: `exportGrants.get(cn)`, `revokedSerials.has(serial)`. */
export const STATE_LOOKUP_TEXT = new RegExp(
  `(?:${DECISION_TEXT_SOURCE})\\w*\\.(?:${alternation(COLLECTION_TESTS.filter((t) => t.asks === 'membership' || t.asks === 'lookup').map((t) => t.name))})\\(`,
  'i',
);

/** An awaited lookup named for a decision, or an awaited result kept under a decision's name, by text. */
export const LOOKUP_TEXT = new RegExp(`(?:await\\s+|=\\s*await\\s+\\(?)[\\w$.]*?(?:${DECISION_TEXT_SOURCE})|(?:${DECISION_TEXT_SOURCE})\\w*\\s*=\\s*await\\b`, 'i');

export interface GuardedOperation {
  /** The verb a callee name starts with, as a camel-case word: `update`, `updateMany`, `deleteUser`, `setRole`. */
  verb: string;
  does: 'write' | 'delete' | 'transfer' | 'grant' | 'file' | 'raw';
  /** Only the verb itself, not names it leads: `query`, not `queryBuilder`. */
  exact?: true;
}

const op = (does: GuardedOperation['does'], verbs: readonly string[], extra: Partial<GuardedOperation> = {}): GuardedOperation[] => verbs.map((verb) => ({ verb, does, ...extra }));

/** Operations an authorization decision guards: writes, deletes, transfers, grants, raw statements. */
export const GUARDED_OPERATIONS: readonly GuardedOperation[] = [
  ...op('write', [
    'update',
    'upsert',
    'save',
    'insert',
    'create',
    'archive',
    'restore',
    'publish',
    'increment',
    'decrement',
    'assign',
    'approve',
    'put',
    'patch',
    'replaceOne',
    'moveTo',
    'release',
    'issue',
    'findOneAndUpdate',
    'findByIdAndUpdate',
  ]),
  ...op('write', ['setRole', 'setPermission', 'setOwner', 'setAdmin', 'setBalance', 'setStatus']),
  ...op('delete', ['delete', 'destroy', 'remove', 'drop', 'truncate', 'purge', 'findOneAndDelete', 'findByIdAndDelete']),
  ...op('transfer', ['transfer', 'withdraw', 'deposit', 'pay', 'charge', 'refund', 'debit', 'credit', 'sendMoney', 'sendPayment', 'sendFunds']),
  ...op('grant', ['grant', 'revoke', 'promote', 'demote', 'ban', 'unban', 'kick', 'invite', 'addMember', 'addRole', 'addPermission', 'addUser', 'addOwner']),
  ...op('file', ['unlink', 'rm', 'rmdir', 'rename', 'writeFile']),
  ...op('raw', ['$executeRaw', '$executeRawUnsafe']),
  ...op('raw', ['query', 'raw', 'run', 'execute', 'exec', 'bulkWrite'], { exact: true }),
];

const prefixVerbs = GUARDED_OPERATIONS.filter((o) => !o.exact).map((o) => o.verb);
const exactVerbs = nameSet(GUARDED_OPERATIONS.filter((o) => o.exact).map((o) => o.verb));
const rawSqlVerbs = nameSet(['query', 'raw', 'run', 'execute', 'exec']);

/** A callee name that is a guarded operation: `update`, `deleteMany`, `transferFunds`, `setRole`, `query` (not `queryBuilder`). */
export function isOperationName(name: string): boolean {
  return exactVerbs.has(name) || startsWithWord(name, prefixVerbs) !== undefined;
}

/** An operation that runs a raw SQL statement (its first argument decides whether it writes). */
export function runsRawStatement(name: string): boolean {
  return rawSqlVerbs.has(name);
}

/** A call that can be a guarded operation, by text: `.update(`, `.transferFunds(`, `.$executeRaw(`. */
export const OPERATION_TEXT = textPattern(
  GUARDED_OPERATIONS.map((o) => o.verb),
  { before: '\\.', after: '\\w*\\s*\\(' },
);

/** What `create…` makes in memory, not a record: `createServer`, `createHash`, `createContext`, … */
export const IN_MEMORY_CREATIONS: readonly string[] = [
  'Server',
  'SecureServer',
  'Hash',
  'Hmac',
  'Cipher',
  'Decipher',
  'Sign',
  'Verify',
  'ReadStream',
  'Interface',
  'Context',
  'Element',
  'Logger',
  'Client',
  'Connection',
  'Pool',
  'App',
  'Application',
  'Router',
  'Middleware',
  'ParamDecorator',
  'Store',
  'Storage',
  'Selector',
  'Slice',
  'Reducer',
  'Action',
  'Query',
  'QueryBuilder',
  'Url',
  'URL',
  'Error',
  'Schema',
  'Request',
  'Response',
  'Event',
  'Emitter',
  'Worker',
  'Cache',
  'Instance',
  'Module',
  'Factory',
  'Mock',
  'Spy',
  'Test',
  'Component',
  'Ref',
  'Signal',
  'Effect',
  'Memo',
  'Resource',
  'Intl',
  'Default',
  'Format',
  'Formatter',
  'Parser',
  'Transform',
  'Buffer',
  'Blob',
  'Proxy',
  'Token',
  'Tokens',
  'Jwt',
  'Local',
  'Nest',
  'Bound',
  'Command',
  'Program',
  'Option',
  'Argument',
  'Stream',
  'Writable',
  'Readable',
  'Duplex',
  'Gzip',
  'Gunzip',
  'Deflate',
  'Inflate',
  'Socket',
  'Agent',
  'Tracker',
  'Observer',
  'Loader',
  'Resolver',
];
/** Objects whose `create` is a plain factory: `Object.create`, `document.createElement`, `http.createServer`, `crypto.create…`. */
export const PLAIN_FACTORY_OBJECTS: readonly string[] = ['Object', 'document', 'http', 'https', 'crypto'];

const inMemory = nameSet(IN_MEMORY_CREATIONS.map((s) => `create${s}`));
const plainFactories = nameSet(PLAIN_FACTORY_OBJECTS);

/** `createServer`, `createHash`, …: a `create…` that makes a thing in memory. */
export function createsInMemory(name: string): boolean {
  return inMemory.has(name);
}
/** `Object.create(…)`, `crypto.create…`: the receiver is a plain factory. */
export function isPlainFactoryObject(name: string): boolean {
  return plainFactories.has(name);
}
