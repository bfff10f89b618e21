import { NestingTooDeep } from '../../isolate';
import { ts } from '../../ts';
import type { FactNeeds, FileFacts, ModuleBinding, PropertyNode, Scope } from './types';

const SK = ts.SyntaxKind;

/** Merge the needs of every active rule into one set of collectors for one walk. */
export function mergeNeeds(needs: readonly FactNeeds[]): {
  modules: boolean;
  calls: Set<string>;
  assignments: boolean;
  exits: boolean;
  allCalls: boolean;
  properties?: (name: string) => boolean;
} {
  const calls = new Set<string>();
  let modules = false;
  let assignments = false;
  let exits = false;
  let allCalls = false;
  const tests: ((name: string) => boolean)[] = [];
  for (const n of needs) {
    if (n.modules) modules = true;
    if (n.assignments) assignments = true;
    if (n.exits) exits = true;
    if (n.allCalls) allCalls = true;
    if (n.properties) tests.push(n.properties);
    for (const c of n.calls ?? []) calls.add(c);
  }
  const properties = tests.length === 0 ? undefined : tests.length === 1 ? tests[0] : (name: string) => tests.some((t) => t(name));
  return { modules, calls, assignments, exits, allCalls, properties };
}

/** Deeper syntax trees are not walked: no hand-written code nests this deep, and the stack must hold. */
export const MAX_WALK_DEPTH = 1000;

/**
 * The single walk over a file's raw compiler nodes. It sets parent pointers (the parse
 * skipped them to stay at the parse floor) and records only what the active rules need.
 */
export function collectFacts(file: string, text: string, sourceFile: ts.SourceFile, needs: readonly FactNeeds[]): FileFacts {
  const want = mergeNeeds(needs);
  const facts: FileFacts = {
    file,
    text,
    sourceFile,
    bindings: new Map(),
    calls: [],
    assignments: new Map(),
    exits: [],
    callsByName: new Map(),
    functions: [],
    properties: new Map(),
  };
  const wantProp = want.properties;
  const prop = (node: PropertyNode, name: string): void => {
    if (wantProp!(name)) record(facts.properties, name, node);
  };
  const scopes: Scope[] = [sourceFile];
  // the node whose children are being visited, and their depth: one visitor for every node
  // instead of a closure made per node
  let parent: ts.Node = sourceFile;
  let depth = 1;

  const visit = (node: ts.Node): void => {
    // the walk recurses: a hostile file must not overflow the stack (the engine skips it, named)
    if (depth > MAX_WALK_DEPTH) throw new NestingTooDeep(file, MAX_WALK_DEPTH);
    (node as { parent: ts.Node }).parent = parent;
    const kind = node.kind;
    if (kind === SK.CallExpression || kind === SK.NewExpression) {
      const call = node as ts.CallExpression;
      const last = lastCalleeName(call.expression);
      // a wanted name, or a bare call of a name bound to a module member under another name
      // (`import { unlinkSync as removeFile }`, `const statAsync = promisify(fs.stat)`)
      const wanted = last !== undefined && (want.calls.has(last) || (want.calls.size > 0 && skipOuter(call.expression).kind === SK.Identifier && facts.bindings.has(last)));
      if (wanted) {
        const callee = calleeChain(call.expression);
        if (callee) facts.calls.push({ node: call, callee, scope: scopes[scopes.length - 1], scopes: scopes.slice() });
      }
      if (want.exits && last === 'exit' && isProcessExit(call.expression)) facts.exits.push({ node, scope: scopes[scopes.length - 1] });
      if (want.allCalls && last !== undefined) record(facts.callsByName, last, call);
      // a call through a table indexed by a value (`ROUTES[action](…)`): listed under one key of its own
      else if (want.allCalls && skipOuter(call.expression).kind === SK.ElementAccessExpression) record(facts.callsByName, DYNAMIC_CALL, call);
    } else if (want.exits && (kind === SK.ReturnStatement || kind === SK.ThrowStatement || kind === SK.BreakStatement || kind === SK.ContinueStatement)) {
      facts.exits.push({ node, scope: scopes[scopes.length - 1] });
    } else if (want.modules && (kind === SK.ImportDeclaration || kind === SK.ImportEqualsDeclaration)) {
      for (const b of moduleBindings(node, facts.bindings)) facts.bindings.set(b.local, b);
    } else if (kind === SK.VariableDeclaration || kind === SK.Parameter) {
      const decl = node as ts.VariableDeclaration | ts.ParameterDeclaration;
      if (want.modules && kind === SK.VariableDeclaration) {
        for (const b of moduleBindings(node, facts.bindings)) facts.bindings.set(b.local, b);
      }
      if (want.assignments) for (const name of boundNames(decl.name)) record(facts.assignments, name, decl);
    } else if (want.assignments && kind === SK.BinaryExpression) {
      const bin = node as ts.BinaryExpression;
      const op = bin.operatorToken.kind;
      if (op >= SK.FirstAssignment && op <= SK.LastAssignment) {
        // `x = …` and `this.file = …` / `opts.path = …`, keyed as written: `x`, `this.file`
        const target = bin.left.kind === SK.Identifier ? [(bin.left as ts.Identifier).text] : (calleeChain(bin.left) ?? computedTarget(bin.left) ?? callTarget(bin.left));
        if (target && !target[0].startsWith('require:')) record(facts.assignments, target.join('.'), bin);
      }
    }
    if (wantProp) {
      if (kind === SK.PropertyAccessExpression) prop(node as ts.PropertyAccessExpression, (node as ts.PropertyAccessExpression).name.text);
      else if (kind === SK.ElementAccessExpression) {
        const arg = (node as ts.ElementAccessExpression).argumentExpression;
        if (ts.isStringLiteralLike(arg)) prop(node as ts.ElementAccessExpression, arg.text);
      } else if (kind === SK.PropertyAssignment || kind === SK.ShorthandPropertyAssignment || kind === SK.MethodDeclaration) {
        const name = (node as ts.PropertyAssignment).name;
        if (node.parent.kind === SK.ObjectLiteralExpression && (ts.isIdentifier(name) || ts.isStringLiteralLike(name))) prop(node as ts.ObjectLiteralElementLike, name.text);
      } else if (kind === SK.BindingElement) {
        const el = node as ts.BindingElement;
        const key = el.propertyName ?? (ts.isIdentifier(el.name) ? el.name : undefined);
        if (key && (ts.isIdentifier(key) || ts.isStringLiteralLike(key))) prop(el, key.text);
      }
    }
    const scope = isScope(node);
    if (scope) {
      scopes.push(node);
      if (want.allCalls) facts.functions.push(node);
    }
    const outer = parent;
    parent = node;
    depth++;
    ts.forEachChild(node, visit);
    depth--;
    parent = outer;
    if (scope) scopes.pop();
  };
  ts.forEachChild(sourceFile, visit);
  return facts;
}

/** `cache[key] = …`, `this.sessions[id] = …`: keyed by the object's chain and `[]` (`cache[]`, `this.sessions[]`). */
function computedTarget(left: ts.Expression): string[] | undefined {
  const e = skipOuter(left);
  if (e.kind !== SK.ElementAccessExpression) return undefined;
  const chain = calleeChain((e as ts.ElementAccessExpression).expression);
  if (!chain) return undefined;
  chain[chain.length - 1] += '[]';
  return chain;
}

/** A field of what a call returns: `container.resolve(Holder).current = …` → `container.resolve().current`. */
function callTarget(left: ts.Expression): string[] | undefined {
  const fields: string[] = [];
  let e = skipOuter(left);
  while (e.kind === SK.PropertyAccessExpression) {
    fields.unshift((e as ts.PropertyAccessExpression).name.text);
    e = skipOuter((e as ts.PropertyAccessExpression).expression);
  }
  if (fields.length === 0 || e.kind !== SK.CallExpression) return undefined;
  const chain = calleeChain((e as ts.CallExpression).expression);
  if (!chain || chain[0].startsWith('require:')) return undefined;
  chain[chain.length - 1] += '()';
  return [...chain, ...fields];
}

function isProcessExit(callee: ts.Expression): boolean {
  const chain = calleeChain(callee);
  return chain !== undefined && chain.length === 2 && chain[0] === 'process';
}

function record(map: Map<string, ts.Node[]>, key: string, node: ts.Node): void {
  const list = map.get(key);
  if (list) list.push(node);
  else map.set(key, [node]);
}

/** The names a declaration binds: `x`, or every name of a destructuring pattern. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const out: string[] = [];
  for (const el of name.elements) if (!ts.isOmittedExpression(el)) out.push(...boundNames(el.name));
  return out;
}

/** Function-like nodes: the scopes calls are attributed to. */
export function isScope(node: ts.Node): node is ts.FunctionLikeDeclaration {
  switch (node.kind) {
    case SK.FunctionDeclaration:
    case SK.FunctionExpression:
    case SK.ArrowFunction:
    case SK.MethodDeclaration:
    case SK.Constructor:
    case SK.GetAccessor:
    case SK.SetAccessor:
      return true;
    default:
      return false;
  }
}

/** Strip parentheses, `as`, `!`, `satisfies` and type assertions. */
export function skipOuter(node: ts.Expression): ts.Expression {
  for (;;) {
    switch (node.kind) {
      case SK.ParenthesizedExpression:
      case SK.AsExpression:
      case SK.NonNullExpression:
      case SK.SatisfiesExpression:
      case SK.TypeAssertionExpression:
        node = (node as ts.ParenthesizedExpression).expression;
        break;
      default:
        return node;
    }
  }
}

/** The key `callsByName` lists calls through a computed member under (`ROUTES[action](…)`): never a name. */
export const DYNAMIC_CALL = '[]';

function lastCalleeName(expr: ts.Expression): string | undefined {
  expr = skipOuter(expr);
  if (expr.kind === SK.Identifier) return (expr as ts.Identifier).text;
  if (expr.kind === SK.PropertyAccessExpression) return (expr as ts.PropertyAccessExpression).name.text;
  if (expr.kind === SK.ElementAccessExpression) {
    const arg = (expr as ts.ElementAccessExpression).argumentExpression;
    if (ts.isStringLiteralLike(arg)) return arg.text;
  }
  return undefined;
}

/** The name a call calls: `getContext` of `GqlExecutionContext.create(c).getContext()`, `f` of `f()`. */
export function calleeName(call: ts.CallExpression): string | undefined {
  const callee = skipOuter(call.expression);
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  return undefined;
}

/** `a.b['c']` → `['a','b','c']`; `require('fs').x` → `['require:fs','x']`; anything else → undefined. */
export function calleeChain(expr: ts.Expression): string[] | undefined {
  const out: string[] = [];
  for (;;) {
    expr = skipOuter(expr);
    if (expr.kind === SK.PropertyAccessExpression) {
      const pa = expr as ts.PropertyAccessExpression;
      out.push(pa.name.text);
      expr = pa.expression;
    } else if (expr.kind === SK.ElementAccessExpression) {
      const ea = expr as ts.ElementAccessExpression;
      if (!ts.isStringLiteralLike(ea.argumentExpression)) return undefined;
      out.push(ea.argumentExpression.text);
      expr = ea.expression;
    } else if (expr.kind === SK.Identifier) {
      out.push((expr as ts.Identifier).text);
      return out.reverse();
    } else if (expr.kind === SK.ThisKeyword) {
      out.push('this');
      return out.reverse();
    } else {
      const spec = requiredModule(expr);
      if (spec === undefined) return undefined;
      out.push(`require:${spec}`);
      return out.reverse();
    }
  }
}

/** The specifier of `require('x')`, without a `node:` prefix. */
export function requiredModule(expr: ts.Expression): string | undefined {
  expr = skipOuter(expr);
  if (expr.kind !== SK.CallExpression) return undefined;
  const call = expr as ts.CallExpression;
  if (call.expression.kind !== SK.Identifier || (call.expression as ts.Identifier).text !== 'require') return undefined;
  const arg = call.arguments[0];
  if (call.arguments.length !== 1 || !arg || !ts.isStringLiteralLike(arg)) return undefined;
  return stripNodePrefix(arg.text);
}

const stripNodePrefix = (spec: string): string => (spec.startsWith('node:') ? spec.slice(5) : spec);

const topLevel = new WeakMap<ts.SourceFile, Map<string, ModuleBinding>>();

/** The names a file's top-level imports and `require`s bind (the walk's `bindings`, for a caller that has only the tree). */
export function topLevelBindings(sf: ts.SourceFile): ReadonlyMap<string, ModuleBinding> {
  let out = topLevel.get(sf);
  if (out) return out;
  out = new Map();
  for (const st of sf.statements) {
    const nodes: ts.Node[] = ts.isVariableStatement(st) ? [...st.declarationList.declarations] : [st];
    for (const n of nodes) for (const b of moduleBindings(n, out)) out.set(b.local, b);
  }
  topLevel.set(sf, out);
  return out;
}

function moduleBindings(node: ts.Node, known: ReadonlyMap<string, ModuleBinding>): ModuleBinding[] {
  if (ts.isImportDeclaration(node)) {
    if (!ts.isStringLiteral(node.moduleSpecifier) || !node.importClause || node.importClause.isTypeOnly) return [];
    const module = stripNodePrefix(node.moduleSpecifier.text);
    const clause = node.importClause;
    const out: ModuleBinding[] = [];
    if (clause.name) out.push({ local: clause.name.text, module, path: [], node });
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) out.push({ local: nb.name.text, module, path: [], node });
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) {
        if (el.isTypeOnly) continue;
        const imported = (el.propertyName ?? el.name).text;
        out.push({ local: el.name.text, module, path: imported === 'default' ? [] : [imported], node });
      }
    }
    return out;
  }
  if (ts.isImportEqualsDeclaration(node)) {
    const ref = node.moduleReference;
    if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
      return [{ local: node.name.text, module: stripNodePrefix(ref.expression.text), path: [], node }];
    }
    return [];
  }
  if (ts.isVariableDeclaration(node) && node.initializer) {
    // `require('fs')`, `require('fs').promises`, `await import('fs')`, `promisify(fs.stat)`,
    // and aliases of names already bound: `const fsp = fs.promises`, `const { stat } = fsp`
    let init = unwrapPromisify(skipOuter(node.initializer));
    const path: string[] = [];
    while (ts.isPropertyAccessExpression(init)) {
      path.unshift(init.name.text);
      init = skipOuter(init.expression);
    }
    if (ts.isIdentifier(init)) {
      const alias = known.get(init.text);
      return alias ? bindPattern(node.name, alias.module, [...alias.path, ...path], node) : [];
    }
    const module = requiredModule(init) ?? importedModule(init);
    if (module === undefined) return [];
    return bindPattern(node.name, module, path, node);
  }
  return [];
}

/** `promisify(x)` / `util.promisify(x)` → `x`: the promisified function names the same operation. */
function unwrapPromisify(expr: ts.Expression): ts.Expression {
  if (ts.isCallExpression(expr) && expr.arguments.length === 1 && lastCalleeName(expr.expression) === 'promisify') {
    return skipOuter(expr.arguments[0]);
  }
  return expr;
}

/** The specifier of `await import('x')`, without a `node:` prefix. */
function importedModule(expr: ts.Expression): string | undefined {
  if (!ts.isAwaitExpression(expr)) return undefined;
  const call = skipOuter(expr.expression);
  if (!ts.isCallExpression(call) || call.expression.kind !== SK.ImportKeyword) return undefined;
  const arg = call.arguments[0];
  return arg && ts.isStringLiteralLike(arg) ? stripNodePrefix(arg.text) : undefined;
}

function bindPattern(name: ts.BindingName, module: string, path: string[], node: ts.Node): ModuleBinding[] {
  if (ts.isIdentifier(name)) return [{ local: name.text, module, path, node }];
  if (ts.isObjectBindingPattern(name)) {
    const out: ModuleBinding[] = [];
    for (const el of name.elements) {
      if (el.dotDotDotToken) continue;
      const key = el.propertyName ?? (ts.isIdentifier(el.name) ? el.name : undefined);
      if (!key || !(ts.isIdentifier(key) || ts.isStringLiteral(key))) continue;
      // `const { default: fs } = await import('fs')` is the module itself
      const inner = key.text === 'default' && path.length === 0 ? path : [...path, key.text];
      out.push(...bindPattern(el.name, module, inner, node));
    }
    return out;
  }
  return [];
}
