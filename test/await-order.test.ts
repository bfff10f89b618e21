import { conditionInQuery, locksRows, staleOperations, transactionOf, walkInOrder } from '../src/analysis/await-order';
import { callResolver, Decisions, errbackCall, type Check } from '../src/analysis/decisions';
import { Modules } from '../src/analysis/modules';
import { chainNames, isSqlWrite, operationOf } from '../src/analysis/operations';
import { SharedState } from '../src/analysis/shared-state';
import { collectFacts } from '../src/analysis/facts/walk';
import { parseFile } from '../src/parse';
import { ts } from '../src/ts';
import { run } from '../src/engine';
import { tempProject } from './helpers/project';

/** Parse a snippet and return its first function, with parent pointers set. */
function fnOf(code: string): ts.FunctionLikeDeclaration {
  const sf = parseFile('/a.ts', code).sourceFile;
  collectFacts('/a.ts', code, sf, [{}]);
  let fn: ts.FunctionLikeDeclaration | undefined;
  const visit = (n: ts.Node): void => {
    if (!fn && (ts.isFunctionDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n))) fn = n;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  return fn!;
}

/** Each read of `x` with its state there: `fresh`, `outdated` (by the boundary's text) or `-`. */
function statesOfX(code: string): string[] {
  const out: string[] = [];
  walkInOrder<string>(fnOf(code), {
    reads: (n) => (ts.isIdentifier(n) && n.text === 'x' ? ['x'] : undefined),
    visit: (n, s) => {
      if (!ts.isCallExpression(n) || n.expression.getText() !== 'use') return;
      const o = s.outdated('x');
      out.push(o ? `outdated by ${o.boundary.getText().slice(0, 12)}` : s.fresh('x') ? 'fresh' : '-');
    },
  });
  return out;
}

const calls = (code: string): ts.CallExpression[] => {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(fnOf(code));
  return out;
};

describe('await order: fresh and outdated reads', () => {
  it('an await outdates what was read before it; reading again makes it fresh', () => {
    expect(statesOfX('async function f() { x; use(); await a(); use(); x; use(); }')).toEqual(['fresh', 'outdated by await a()', 'fresh']);
  });

  it('joins branches: outdated on one way is outdated', () => {
    expect(statesOfX('async function f() { x; if (c) { await a(); } use(); }')).toEqual(['outdated by await a()']);
    expect(statesOfX('async function f() { x; if (c) { await a(); return; } use(); }')).toEqual(['fresh']);
    expect(statesOfX('async function f() { x; c ? await a() : 0; use(); }')).toEqual(['outdated by await a()']);
    expect(statesOfX('async function f() { x; c && (await a()); use(); }')).toEqual(['outdated by await a()']);
  });

  it('follows loops round the back edge, and for await', () => {
    expect(statesOfX('async function f() { x; for (const i of l) { use(); await a(i); } }')).toEqual(['fresh', 'outdated by await a(i)']);
    expect(statesOfX('async function f() { for (const i of l) { x; use(); await a(i); } }')).toEqual(['fresh', 'fresh']);
    expect(statesOfX('async function f() { x; for await (const i of l) { use(); } }')).toEqual(['outdated by for await (c', 'outdated by for await (c']);
  });

  it('runs finally after returns and throws, and catch after any point of the try', () => {
    expect(statesOfX('async function f() { x; try { await a(); } catch { use(); } }')).toEqual(['outdated by await a()']);
    expect(statesOfX('async function f() { x; try { return await a(); } finally { use(); } }')).toEqual(['outdated by await a()']);
  });

  it('crosses a boundary into deferred callbacks, not into in-place ones', () => {
    expect(statesOfX('function f() { x; p.then(() => use()); }')).toEqual(['outdated by p.then(() =>']);
    expect(statesOfX('function f() { x; setTimeout(() => use(), 10); }')).toEqual(['outdated by setTimeout((']);
    expect(statesOfX('function f() { x; items.forEach(() => use()); }')).toEqual(['fresh']);
    expect(statesOfX('async function f() { x; await db.$transaction(async (tx) => { use(); await tx.a(); use(); }); }')).toEqual(['fresh', 'outdated by await tx.a()']);
  });
});

/** The decisions (checks that refuse) of a snippet's first function, seen through the file alone. */
function decisionsOf(code: string): Check[] {
  const fn = fnOf(code);
  const sf = fn.getSourceFile();
  const modules = new Modules(new Map([[sf.fileName, sf]]));
  return new Decisions(modules, new SharedState(modules), callResolver(modules)).checksIn(fn);
}

function staleOf(code: string): string[] {
  const fn = fnOf(code);
  const sf = fn.getSourceFile();
  const modules = new Modules(new Map([[sf.fileName, sf]]));
  const decisions = new Decisions(modules, new SharedState(modules), callResolver(modules));
  return staleOperations(fn, decisions).map((s) => `${chainNames((s.op.node as ts.CallExpression).expression).join('.')} after ${s.boundary.getText().slice(0, 16)}`);
}

describe('decisions: a refusal whose condition rests on an awaited read', () => {
  it('finds refusals by what they answer, not by names', () => {
    const refusals = [
      "if (m?.role !== 'owner') return res.sendStatus(403);",
      "if (row.locked_by !== me) ctx.throw(403, 'locked');",
      'if (!m) throw new ForbiddenException();',
      'if (!m) return reply.code(403).send();',
      "if (!m) return c.json({ error: 'no' }, 403);",
      "if (!m) throw new HTTPException(403, { message: 'no' });",
      "if (!m) throw new SeatDenied('seat');",
      "if (!m) throw new Error('not allowed to archive');",
      'if (line.available < amount) { res.status(403).json({}); return; }',
    ];
    for (const r of refusals) {
      const code = `async function f(res, ctx, reply, c, me, amount) { const m = await db.member.findUnique({}); const row = m; const line = m; ${r} }`;
      expect([r, decisionsOf(code).filter((d) => d.refusal).length]).toEqual([r, 1]);
    }
  });

  it('follows the value from the read: destructuring, a direct await, a .then parameter', () => {
    expect(
      decisionsOf("async function f() { const { rows } = await db.query('SELECT role FROM m'); if (rows[0].role !== 'admin') return res.sendStatus(403); }")[0].fields,
    ).toEqual(['role']);
    expect(decisionsOf('async function f() { if (!(await canDelete(user, page))) return res.sendStatus(403); }')).toHaveLength(1);
    expect(decisionsOf('function f() { db.query(q).then(({ rows }) => { if (!rows.length) return res.sendStatus(403); }); }')).toHaveLength(1);
  });

  it('is not a decision: a test of the request alone, mere existence, a conflict, a conditional write whose count is checked', () => {
    expect(decisionsOf("async function f(c) { const admin = c.get('admin'); if (admin.ou !== 'ops') throw new HTTPException(403); }")).toHaveLength(0);
    expect(decisionsOf('async function f() { const doc = await Doc.findById(id); if (!doc) return res.sendStatus(404); }')).toHaveLength(0);
    expect(decisionsOf('async function f() { const doc = await Doc.findById(id); if (doc.version !== v) return res.sendStatus(409); }').filter((d) => d.refusal)).toHaveLength(0);
    expect(decisionsOf('async function f() { const r = await db.doc.updateMany({ where: { id, ownerId } }); if (r.count === 0) return res.sendStatus(403); }')).toHaveLength(0);
    expect(decisionsOf("async function f() { const s = await redis.get('state'); if (s !== 'open') return res.sendStatus(409); }").filter((d) => d.refusal)).toHaveLength(0);
  });

  it('takes a conflict that compares the record with the caller for a decision: a lock holder, a limit', () => {
    expect(decisionsOf('async function f(me) { const holder = await redis.get(k); if (holder !== me) return res.sendStatus(409); }').map((d) => d.refusal)).toEqual(['conflict']);
    expect(decisionsOf('async function f(n) { const left = await limits.remaining(firm); if (n.mwh > left) return res.sendStatus(409); }').map((d) => d.refusal)).toEqual([
      'conflict',
    ]);
  });

  it('takes a call of a helper that refuses by throwing for a decision', () => {
    const code = `async function f() { await assertCanEdit(user, doc); await db.doc.update({}); }
async function assertCanEdit(user, doc) { const g = await db.grant.findFirst({}); if (!g) throw new ForbiddenError(); }`;
    expect(decisionsOf(code).map((d) => d.call.getText())).toEqual(['assertCanEdit(user, doc)']);
  });
});

describe('operations: what a decision guards', () => {
  const ops = (code: string): string[] =>
    calls(code)
      .filter((c) => operationOf(c))
      .map((c) => chainNames(c.expression).join('.'));

  it('tells writes from reads, answers and in-memory builds', () => {
    expect(
      ops(
        'async function f() { await db.user.update({}); await Doc.deleteOne({}); res.send(1); logger.info(1); const e = this.repo.create(dto); await this.repo.save(e); await db.user.findMany({}); }',
      ),
    ).toEqual(['db.user.update', 'Doc.deleteOne', 'this.repo.save']);
  });

  it('classifies raw SQL by its verb, whatever the method', () => {
    expect(
      ops("async function f() { await prisma.$queryRawUnsafe('UPDATE a SET b = 1'); await c.query('SELECT * FROM a FOR UPDATE'); await pool.execute('DELETE FROM a'); }"),
    ).toEqual(['prisma.$queryRawUnsafe', 'pool.execute']);
    expect(isSqlWrite('WITH x AS (SELECT 1) INSERT INTO a SELECT * FROM x')).toBe(true);
  });

  it('takes builder chains, store commands and outbound requests that change things', () => {
    expect(
      ops(
        "async function f() { await knex('t').where({ id }).update({ a: 1 }); await doc.send(new DeleteCommand({})); await axios.post(u, {}); await fetch(u, { method: 'DELETE' }); await fetch(u); }",
      ),
    ).toEqual(['knex.where.update', 'doc.send', 'axios.post', 'fetch']);
  });
});

describe('windows: a boundary between the decision and the operation', () => {
  const decide = "const m = await db.member.findUnique({ where: { id } }); if (m?.role !== 'owner') return res.sendStatus(403);";

  it('reports the operation after another await, in a .then callback, or after a timer', () => {
    expect(staleOf(`async function f() { ${decide} await storage.archivePrefix(p); await db.project.delete({ where: { id } }); }`)).toEqual([
      'db.project.delete after await storage.ar',
    ]);
    expect(staleOf(`async function f() { ${decide} setTimeout(async () => { await db.project.delete({ where: { id } }); }, 1000); }`)).toEqual([
      'db.project.delete after setTimeout(async',
    ]);
  });

  it('does not report the operation right after the decision, a re-check, or an atomic form', () => {
    expect(staleOf(`async function f() { ${decide} await db.project.delete({ where: { id } }); }`)).toEqual([]);
    expect(
      staleOf(
        `async function f() { ${decide} await hook(); const again = await db.member.findUnique({}); if (again?.role !== 'owner') return; await db.project.delete({ where: { id } }); }`,
      ),
    ).toEqual([]);
    expect(staleOf(`async function f() { ${decide} await hook(); await db.project.deleteMany({ where: { id, members: { some: { role: 'owner' } } } }); }`)).toEqual([]);
    expect(staleOf(`async function f() { ${decide} await hook(); await c.query('UPDATE p SET x = 1 WHERE id = $1 AND role = $2'); }`)).toEqual([]);
  });

  it('recognises the condition in the query only when it carries what the decision tested', () => {
    const op = (code: string) => ({ node: calls(code).find((c) => operationOf(c))!, kind: 'store' as const });
    const call = calls('async function f() { await acl.can(user, id); }')[0];
    expect(conditionInQuery(op('async function f() { await db.doc.updateMany({ where: { id, ownerId: user } }); }'), { fields: [], call })).toBe(true);
    expect(conditionInQuery(op('async function f() { await db.doc.update({ where: { id } }); }'), { fields: [], call })).toBe(false);
    expect(conditionInQuery(op('async function f() { await db.doc.delete({ where: { id, fleetId } }); }'), { fields: ['role'], call })).toBe(false);
    expect(conditionInQuery(op("async function f() { await knex('r').where({ id, locked_by: me }).update({}); }"), { fields: ['locked_by'], call })).toBe(true);
    const inTx = calls('async function f() { await prisma.$transaction(async (tx) => { await tx.a.update({}); }); }').find((c) => c.expression.getText() === 'tx.a.update')!;
    expect(transactionOf(inTx)).toBeDefined();
    const [lock] = calls('async function f() { await c.query("SELECT * FROM a WHERE id = $1 FOR UPDATE"); }');
    expect(locksRows(lock)).toBe(true);
  });
});

describe('auth-across-await on a file without mTLS', () => {
  it('reports a permission trusted across an await, and not the same code re-checked or made atomic', async () => {
    const dir = tempProject({
      'routes.ts': `import { acl, audit, db } from './services';
export async function remove(user: string, id: string) {
  const allowed = await acl.canDelete(user, id);
  if (!allowed) throw new Error('forbidden');
  await audit.record(user, id);
  await db.document.delete({ where: { id } });
}
export async function removeChecked(user: string, id: string) {
  await audit.record(user, id);
  if (!(await acl.canDelete(user, id))) throw new Error('forbidden');
  await db.document.delete({ where: { id } });
}
export async function removeScoped(user: string, id: string) {
  const allowed = await acl.canDelete(user, id);
  if (!allowed) throw new Error('forbidden');
  await audit.record(user, id);
  await db.document.deleteMany({ where: { id, ownerId: user } });
}
`,
    });
    const result = await run({ targets: ['.'], cwd: dir, onlyRules: ['auth-across-await'] });
    expect(result.findings.map((f) => [f.location.line, f.severity])).toEqual([[6, 'warning']]);
    expect(result.findings[0].related.map((r) => r.location.line)).toEqual([3, 5]);
  });
});

describe('error-first callbacks of I/O', () => {
  const callbackOf = (code: string): ts.CallExpression | undefined => {
    const outer = fnOf(code);
    let inner: ts.FunctionLikeDeclaration | undefined;
    const visit = (n: ts.Node): void => {
      if (!inner && n !== outer && (ts.isArrowFunction(n) || ts.isFunctionExpression(n))) inner = n;
      else ts.forEachChild(n, visit);
    };
    visit(outer.body!);
    return errbackCall(inner);
  };

  it('is the last argument, testing its first parameter first and stopping', () => {
    expect(callbackOf('function h(req, res, next) { pool.query(sql, [id], (err, rows) => { if (err) return next(err); use(rows); }); }')).toBeDefined();
    expect(callbackOf('function h(res) { readGauge(id, function (e, levels) { if (e || !levels) { return res.sendStatus(502); } go(levels); }); }')).toBeDefined();
    expect(callbackOf("function h(res) { redis.get('fleet:7', (err, v) => { if (err) return res.sendStatus(500); use(v); }); }")).toBeDefined();
    // first of an and, or tested against null
    expect(callbackOf("function h(res) { s3.getObject(p, (gerr) => { if (gerr && gerr.code === 'NoSuchKey') return res.sendStatus(409); go(); }); }")).toBeDefined();
    expect(callbackOf('function h(done) { fs.stat(p, (err, st) => { if (err != null) return done(err); go(st); }); }')).toBeDefined();
  });

  it('is not a route handler testing its request, a callback that goes on, or one not last', () => {
    expect(callbackOf("function f(app) { app.post('/x', (req, res) => { if (req) return res.end(); }); }")).toBeUndefined();
    expect(callbackOf('function h() { pool.query(sql, [id], (err, rows) => { if (err) log(err); use(rows); }); }')).toBeUndefined();
    expect(callbackOf('function h() { pool.query(sql, (err, rows) => { if (err) return; }, opts); }')).toBeUndefined();
    expect(callbackOf('function h() { items.forEach((item) => { use(item); }); }')).toBeUndefined();
    // a test of something else first, even beside the error in an and
    expect(callbackOf('function h(res) { pool.query(sql, (err, rows) => { if (ready && err) return res.end(); use(rows); }); }')).toBeUndefined();
  });
});

describe('a write handed a callback', () => {
  const opOf = (code: string, method = 'update'): string | undefined => {
    const sf = parseFile('/a.cjs', code).sourceFile;
    collectFacts('/a.cjs', code, sf, [{}]);
    let found: string | undefined;
    const visit = (n: ts.Node): void => {
      if (found === undefined && ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === method) found = operationOf(n)?.kind ?? 'none';
      ts.forEachChild(n, visit);
    };
    visit(sf);
    return found;
  };

  it('is sent as an awaited one is, and a bare statement or a kept value is not', () => {
    expect(opOf('function f(done) { Fleet.update({ _id: id }, { $set: { s: 1 } }, (err) => done(err)); }')).toBe('store');
    expect(opOf('async function f() { await Fleet.update({ _id: id }, { $set: { s: 1 } }); }')).toBe('store');
    expect(opOf('function f() { const q = Fleet.update({ _id: id }, { $set: { s: 1 } }); return 1; }')).toBe('none');
  });

  it('is a batch run when a write was queued on the batch a store client made', () => {
    expect(opOf("async function f() { const multi = redis.multi(); multi.hSet('k', { a: 1 }); await multi.exec(); }", 'exec')).toBe('store');
    expect(opOf("async function f() { const multi = redis.multi(); multi.hGetAll('k'); await multi.exec(); }", 'exec')).toBe('none');
    expect(opOf("async function f() { const job = spawn('x'); job.update(1); await job.exec(); }", 'exec')).toBe('none');
  });

  it('is not a route registered with a handler', () => {
    expect(opOf("fleetRoutes.delete('/fleet/:id', (req, res) => res.end());", 'delete')).toBe('none');
    expect(opOf('function f(done) { fleetStore.delete(id, (err) => done(err)); }', 'delete')).toBe('store');
  });
});
