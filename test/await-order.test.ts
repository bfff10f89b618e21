import { conditionInQuery, isGuardedOperation, locksRows, lookupOf, recordDecisionOf, transactionOf, walkInOrder } from '../src/analysis/await-order';
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

describe('await order: decisions, operations and atomic forms', () => {
  it('recognises permission lookups by their names, and record checks by their tests', () => {
    const [can] = calls('async function f() { const allowed = await acl.can(u, "delete", d); if (!allowed) throw e; }');
    expect(lookupOf(can)?.key).toBe('acl.can');
    const [role] = calls('async function f() { if ((await roles.roleOf(t, cn)) !== "owner") return; }');
    expect(lookupOf(role)?.key).toBe('roles.roleOf');
    const [find] = calls('async function f() { const doc = await Doc.findById(id); if (!doc || doc.ownerCn !== me) return 404; }');
    expect(lookupOf(find)).toBeUndefined();
    expect(recordDecisionOf(find, find.parent.parent.parent.parent.parent.parent as ts.Node)?.names).toEqual(['doc']);
    const [plain] = calls('async function f() { const doc = await Doc.findById(id); if (!doc) return 404; }');
    expect(recordDecisionOf(plain, plain.parent.parent.parent.parent.parent.parent as ts.Node)).toBeUndefined();
  });

  it('tells writes from reads and from answers to the client', () => {
    const ops = calls('async function f() { await db.user.update({}); await Doc.deleteOne({}); res.send(1); logger.info(1); await client.query("UPDATE a SET b = 1"); await client.query("SELECT 1"); https.createServer(o); }');
    expect(ops.filter(isGuardedOperation).map((c) => c.expression.getText())).toEqual(['db.user.update', 'Doc.deleteOne', 'client.query']);
  });

  it('recognises the condition in the query, transactions and locking reads', () => {
    const [scoped, byId, sql] = calls('async function f() { await db.doc.updateMany({ where: { id, ownerId } }); await db.doc.update({ where: { id } }); await c.query("UPDATE d SET x = 1 WHERE id = $1 AND owner = $2"); }');
    expect([conditionInQuery(scoped), conditionInQuery(byId), conditionInQuery(sql)]).toEqual([true, false, true]);
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
