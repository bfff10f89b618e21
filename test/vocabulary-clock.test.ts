import { isClockValue, isMoment, recordsActivityOnly } from '../src/analysis/operations';
import { isActivityField, isSqlClock, namesActivityRecord } from '../src/analysis/vocabulary/clock';
import { ts } from '../src/ts';

/** The last call (or tagged template) of a snippet's last statement. */
function lastCall(code: string): ts.CallExpression | ts.TaggedTemplateExpression {
  const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true);
  let found: ts.CallExpression | ts.TaggedTemplateExpression | undefined;
  const visit = (n: ts.Node): void => {
    if ((ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) && !found) found = n;
    ts.forEachChild(n, visit);
  };
  visit(sf.statements[sf.statements.length - 1]);
  return found!;
}

function expression(code: string): ts.Expression {
  const sf = ts.createSourceFile('x.ts', `(${code});`, ts.ScriptTarget.Latest, true);
  return ((sf.statements[0] as ts.ExpressionStatement).expression as ts.ParenthesizedExpression).expression;
}

describe('vocabulary: the clock', () => {
  it('must match: values that are now', () => {
    for (const c of [
      'new Date()',
      'Date.now()',
      'knex.fn.now()',
      'dayjs()',
      'moment()',
      'DateTime.now()',
      "sequelize.fn('NOW')",
      "Sequelize.literal('CURRENT_TIMESTAMP')",
      'sql`now()`',
      'new Date().toISOString()',
      'new Date(Date.now())',
      'now()',
    ])
      expect([c, isClockValue(expression(c))]).toEqual([c, true]);
    for (const t of ['NOW()', 'current_timestamp', 'CURRENT_TIMESTAMP()', "datetime('now')", 'GETUTCDATE()']) expect([t, isSqlClock(t)]).toEqual([t, true]);
  });

  it('must not match: times the code chose, other values', () => {
    for (const c of ['new Date(Date.now() + ttl)', 'Date.now() + 1000', 'new Date(body.at)', 'dayjs(input)', 'addDays(new Date(), 30)', "'now'", 'true', 'user.id'])
      expect([c, isClockValue(expression(c))]).toEqual([c, false]);
    for (const t of ['NOW() + interval', "'2024-01-01'", '$1']) expect([t, isSqlClock(t)]).toEqual([t, false]);
  });

  it('a moment the code works out from the clock: now, a span from now, written as text', () => {
    for (const c of ['new Date()', 'Date.now() + 1000', 'new Date(Date.now() + ttl)', 'String(Date.now() + minutes * 60_000)', 'new Date().toISOString()', 'Date.now() - grace'])
      expect([c, isMoment(expression(c))]).toEqual([c, true]);
    for (const c of ['new Date(body.at)', 'dayjs(input)', "'now'", 'user.id', 'ttl + 1000', 'String(body.closesAt)']) expect([c, isMoment(expression(c))]).toEqual([c, false]);
  });

  it('must match: fields that say when a record was last used', () => {
    for (const f of ['lastUsedAt', 'last_used_at', 'lastSeen', 'last_login_at', 'lastActivity', 'updatedAt', 'updated_on', 'activeAt', 'lastAccessedAt'])
      expect([f, isActivityField(f)]).toEqual([f, true]);
  });

  it('must not match: timestamps that are a state, other fields', () => {
    for (const f of ['revokedAt', 'revoked_at', 'used_at', 'deletedAt', 'expiresAt', 'consumedAt', 'approvedAt', 'lastName', 'last', 'createdAt'])
      expect([f, isActivityField(f)]).toEqual([f, false]);
  });

  it('must match: method names that record activity', () => {
    for (const n of ['updateActiveAt', 'updateLastUsedForPAT', 'touchLastSeen', 'setLastLoginAt', 'markLastUsed', 'markLastPing', 'touch', 'updateLastActivity'])
      expect([n, namesActivityRecord(n)]).toEqual([n, true]);
  });

  it('must not match: writes of anything else', () => {
    for (const n of ['updateRole', 'setActive', 'updateLastName', 'updateActivity', 'revokeLastUsed', 'update', 'touchesLimit'])
      expect([n, namesActivityRecord(n)]).toEqual([n, false]);
  });
});

describe('writes that only record activity', () => {
  it('must match: every value stored is the clock', () => {
    for (const c of [
      'prisma.token.update({ where: { id }, data: { updatedOn: new Date() } })',
      'User.update({ lastActiveAt: new Date() }, { where: { id } })',
      "knex('keys').where({ id }).update({ last_used_at: knex.fn.now() })",
      'repo.update({ id }, { lastUsedAt: new Date() })',
      'db.update(keys).set({ lastUsedAt: new Date() }).where(eq(keys.id, id))',
      'keys.updateOne({ _id: id }, { $set: { lastSeen: new Date() } })',
      "pool.query('UPDATE keys SET last_used_at = NOW() WHERE id = $1', [id])",
      "pool.query('UPDATE keys SET last_used_at = $2 WHERE id = $1', [id, new Date()])",
      'function f() { this.lastActiveAt = new Date(); return this.save({ silent: true }); }',
    ])
      expect([c, recordsActivityOnly(lastCall(c))]).toEqual([c, true]);
  });

  it('must not match: anything else stored with it, or a time the code chose', () => {
    for (const c of [
      'prisma.token.update({ where: { id }, data: { updatedOn: new Date(), scopes } })',
      'User.update({ role: "admin", updatedAt: new Date() }, { where: { id } })',
      'repo.update(id, dto)',
      "pool.query('UPDATE keys SET revoked = true, updated_at = NOW() WHERE id = $1', [id])",
      "pool.query('UPDATE keys SET expires_at = $2 WHERE id = $1', [id, new Date(Date.now() + ttl)])",
      "pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id])",
      'repo.update({ id }, { used_at: new Date() })',
      'function f() { token.usedAt = new Date(); return token.save(); }',
      "pool.query('DELETE FROM keys WHERE id = $1', [id])",
      'function f() { this.role = "admin"; this.lastActiveAt = new Date(); return this.save(); }',
      'function f() { return this.save(); }',
      'prisma.token.update({ where: { id }, data: { ...patch, updatedOn: new Date() } })',
    ])
      expect([c, recordsActivityOnly(lastCall(c))]).toEqual([c, false]);
  });
});
