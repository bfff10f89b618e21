import { splitSql } from '../src/analysis/sql';
import { ts } from '../src/ts';

/** Parse `query(<sql>, <params…>)` and split it; values are shown by their text. */
function split(call: string): { selectors: string[]; written: string[] } | undefined {
  const sf = ts.createSourceFile('q.ts', `${call};`, ts.ScriptTarget.Latest, true);
  const stmt = sf.statements[0] as ts.ExpressionStatement;
  const c = stmt.expression as ts.CallExpression;
  const r = splitSql(c.arguments[0], c.arguments.slice(1), () => undefined);
  return r && { selectors: r.selectors.map((n) => n.getText()), written: r.written.map((n) => n.getText()) };
}

describe('raw SQL: which bound values choose rows', () => {
  it.each([
    ["q('UPDATE t SET status = $1, by = $2 WHERE id = $3', [s, me, id])", ['id'], ['s', 'me']],
    ["q('SELECT * FROM t WHERE id = $1 AND tenant = $2', [id, tenant])", ['id', 'tenant'], []],
    ["q('UPDATE t SET a = ? WHERE id = ? AND owner = ?', [a, id, me])", ['id', 'me'], ['a']],
    ["q('DELETE FROM t WHERE id = :id AND org = :org', { id, org: me.org })", ['id', 'me.org'], []],
    ['q(`UPDATE t SET v = ${v} WHERE id = ${id}`)', ['id'], ['v']],
    ["q('SELECT * FROM a JOIN b ON b.a = a.id AND b.owner = $1', [me])", ['me'], []],
    ["q('INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = $2 WHERE t.k = $3', [a, b, k])", ['k'], ['a', 'b', 'b']],
    ["q('SELECT * FROM t WHERE note = \\'where $9\\' AND id = $1', [id])", ['id'], []],
    ['stmt(`SELECT * FROM t WHERE id = ? AND org = ?`, id, org)', ['id', 'org'], []],
    // a value the rows must differ from chooses none
    ["q('UPDATE r SET signed_by = ? WHERE id = ? AND requested_by <> ?', [me, id, me])", ['id'], ['me']],
    ["q('SELECT * FROM t WHERE site = $1 AND owner != $2', [site, me])", ['site'], []],
    ["q('DELETE FROM t WHERE org = ? AND id NOT IN (?, ?)', [org, a, b])", ['org'], []],
  ])('%s', (call, selectors, written) => {
    expect(split(call)).toEqual({ selectors, written });
  });

  it.each([["q('INSERT INTO t VALUES ($1, $2)', [a, b])"], ["q('INSERT INTO t (a, b) VALUES ($1)', [a])"], ["q('SELECT * FROM t WHERE id = ' + id)"], ['q(sql, [a])']])(
    'gives no split for %s',
    (call) => {
      expect(split(call)).toBeUndefined();
    },
  );
});

describe('raw SQL: an INSERT splits by column, references to other rows choosing', () => {
  it.each([
    ["q('INSERT INTO allergies (patient_id, substance, recorded_by) VALUES ($1, $2, $3)', [p, s, me])", ['p'], ['s', 'me']],
    ["q('INSERT INTO t (tripId, note) VALUES (?, lower(?))', [trip, note])", ['trip'], ['note']],
    ["q('INSERT INTO t (id, body) VALUES ($1, $2)', [id, body])", [], ['id', 'body']],
    ['q(\'INSERT INTO "t" ("matter_id", "mins") VALUES ($2, $1)\', [mins, matter])', ['matter'], ['mins']],
    // the list of an INSERT … SELECT, up to its FROM
    ["q('INSERT INTO r (container_id, at, temp) SELECT $1, x.at, $2 FROM jsonb_to_recordset($3) AS x(at timestamptz) ON CONFLICT DO NOTHING', [c, t, rows])", ['c'], ['t']],
    ["q('INSERT INTO r (trip_id, note) SELECT $1, $2', [trip, note])", ['trip'], ['note']],
  ])('%s', (call, selectors, written) => {
    expect(split(call)).toEqual({ selectors, written });
  });
});
