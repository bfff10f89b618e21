import * as path from 'node:path';
import { checkInFunction, decidesReach, rejects, type CheckSpec } from '../src/analysis/dominance';
import { collectFacts } from '../src/analysis/facts/walk';
import { Project } from '../src/analysis/project';
import { EMPTY_IDENTITY_SOURCES } from '../src/config/index';
import { parseFile } from '../src/parse';
import { ts } from '../src/ts';

/** A project model over in-memory files (absolute names under /d/). */
function model(files: Record<string, string>): Project {
  const map = new Map<string, { text: string; sourceFile: ts.SourceFile }>();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join('/d', name);
    map.set(file, { text, sourceFile: parseFile(file, text).sourceFile });
  }
  return new Project(map, EMPTY_IDENTITY_SOURCES);
}

/** The `use()` calls of a project, in source order. */
function uses(p: Project): ts.CallExpression[] {
  return p
    .callsNamed('use')
    .filter(ts.isCallExpression)
    .filter((c) => ts.isIdentifier(c.expression));
}

/** A check is anything that reads `ok`; a statement is a check when it rejects on it. */
const mentionsOk = (n: ts.Node): boolean => n.getText().includes('ok');
const spec: CheckSpec = {
  condition: mentionsOk,
  statement: (s) => ts.isIfStatement(s) && mentionsOk(s.expression) && rejects(s.thenStatement),
  gate: (fn) => fn.getText().includes('ok'),
};

describe('dominance: does a check decide that a use runs', () => {
  it.each([
    ['if (ok) { use(); }', true],
    ['if (!ok) return; use();', true],
    ['if (!ok) throw new Error(); use();', true],
    ['ok && use();', true],
    ['ok ? use() : 0;', true],
    ['if (!ok) log(); use();', false],
    ['use(); if (!ok) return;', false],
    ['if (other) { use(); }', false],
    ['ok || use();', false],
  ])('in one function: %s → %s', (body, expected) => {
    const p = model({ 'a.ts': `declare const ok: boolean, other: boolean; declare function use(): void; declare function log(): void;\nexport function f() { ${body} }` });
    const call = uses(p)[0];
    const fn = call.parent.parent.parent;
    let f: ts.Node = call;
    while (!ts.isFunctionDeclaration(f)) f = f.parent;
    expect(checkInFunction(call, f, spec) !== undefined).toBe(expected);
    expect(fn).toBeDefined();
  });

  it('counts `ok || deny()` only where the spec says so', () => {
    const p = model({ 'a.ts': 'declare const ok: boolean; declare function use(): void;\nexport function f() { ok || use(); }' });
    const call = uses(p)[0];
    let f: ts.Node = call;
    while (!ts.isFunctionDeclaration(f)) f = f.parent;
    expect(checkInFunction(call, f, { ...spec, orCondition: true })).toBeDefined();
  });

  const app = (handlerBody: string, middleware = 'function gate(req: any, res: any, next: any) { if (!req.ok) return res.sendStatus(403); next(); }') => `
import express from 'express';
declare function use(): void;
const app = express();
${middleware}
app.use(gate);
function helper() { use(); }
app.get('/x', (req, res) => { ${handlerBody} });
`;

  it('follows the request path: middleware registered before the handler decides it', () => {
    const p = model({ 'app.ts': app('helper(); res.end();') });
    expect(p.dominance.checkBefore(uses(p)[0], spec, (fn) => p.values.callersOf(fn))).toBeDefined();
  });

  it('a gate that does not check leaves the use undecided', () => {
    const p = model({ 'app.ts': app('helper(); res.end();', 'function gate(req: any, res: any, next: any) { next(); }') });
    expect(p.dominance.checkBefore(uses(p)[0], spec, (fn) => p.values.callersOf(fn))).toBeUndefined();
  });

  it('a helper is decided only when every call site is', () => {
    const p = model({
      'app.ts': `
declare function use(): void; declare const ok: boolean;
function helper() { use(); }
export function a() { if (!ok) return; helper(); }
export function b() { helper(); }
export function c() { if (!ok) return; helper(); }
`,
    });
    const call = uses(p)[0];
    expect(p.dominance.checkBefore(call, spec, (fn) => p.values.callersOf(fn))).toBeUndefined();
    const q = model({ 'app.ts': 'declare function use(): void; declare const ok: boolean;\nfunction helper() { use(); }\nexport function a() { if (!ok) return; helper(); }\n' });
    expect(q.dominance.checkBefore(uses(q)[0], spec, (fn) => q.values.callersOf(fn))).toBeDefined();
  });

  it('an inline callback passed as `next` to a gate is decided by it', () => {
    const p = model({ 'app.ts': app('gate(req, res, () => use());').replace('app.use(gate);', '') });
    const inCallback = uses(p).at(-1)!;
    expect(p.dominance.checkBefore(inCallback, spec, (fn) => p.values.callersOf(fn))?.getText()).toBe('gate(req, res, () => use())');
    const q = model({ 'app.ts': app('log(req, res, () => use());').replace('app.use(gate);', 'function log(req: any, res: any, next: any) { next(); }') });
    expect(q.dominance.checkBefore(uses(q).at(-1)!, spec, (fn) => q.values.callersOf(fn))).toBeUndefined();
  });

  it.each([
    ['if (existsSync(p)) { use(p); }', true],
    ['if (!existsSync(p)) return; use(p);', true],
    ['if (existsSync(p)) log(); use(p);', false],
    ['if (a) { existsSync(p); } else { use(p); }', false],
  ])('for one check and one use (fs): %s → %s', (body, expected) => {
    const text = `declare function existsSync(p: string): boolean; declare function use(p: string): void; declare function log(): void; declare const a: boolean;\nexport function f(p: string) { ${body} }`;
    const { sourceFile } = parseFile('/d/f.ts', text);
    const facts = collectFacts('/d/f.ts', text, sourceFile, [{ allCalls: true, assignments: true, exits: true }]);
    const check = facts.callsByName.get('existsSync')![0];
    const use = facts.callsByName.get('use')![0];
    expect(decidesReach(check, false, use, (use as ts.CallExpression).arguments[0], facts)).toBe(expected);
  });
});

describe('refusals', () => {
  it.each([
    ['return;', true],
    ['throw new Error("x");', true],
    ['res.status(403).end();', true],
    ['next(new Error("denied"));', true],
    ['log("x");', false],
    ['res.status(200).end();', false],
  ])('%s ends the request: %s', (code, expected) => {
    const sf = ts.createSourceFile('r.ts', `function f() { ${code} }`, ts.ScriptTarget.Latest, true);
    const fn = sf.statements[0] as ts.FunctionDeclaration;
    expect(rejects(fn.body!)).toBe(expected);
  });
});
