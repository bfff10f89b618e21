import * as path from 'node:path';
import { ts } from '../ts';
import { isScope, requiredModule, skipOuter } from './facts/walk';
import { configFallbackIndex } from './vocabulary/values';
import { INSTANCE_DECORATE } from './vocabulary/frameworks';

const SK = ts.SyntaxKind;

/**
 * Names and values across the files of one project, without a type checker: which declaration a
 * name refers to (lexical scopes), what a file exports (ESM and CommonJS), and what an
 * expression's value is defined as — followed through `const` aliases, destructuring, object
 * properties and relative imports. Answers are syntactic and err towards "unknown".
 */
export class Modules {
  /**
   * What a framework passes for a parameter no call of the project's makes (a Fastify plugin's
   * options, from `app.register(plugin, opts)`): set by the project model once its handlers are known.
   */
  parameterArguments?: (param: ts.ParameterDeclaration) => readonly ts.Expression[];
  private readonly scopeCache = new WeakMap<ts.Node, Map<string, ts.Node>>();
  private readonly exportCache = new Map<string, Map<string, ExportEntry>>();
  private readonly aliasCache = new Map<string, string | undefined>();

  /**
   * The text of a scanned file without parsing it, where the files come from a scan (set by the
   * engine): what `importersOf` reads. Without it, the trees the model holds are read.
   */
  textOf?: (file: string) => string | undefined;
  private readonly importerCache = new Map<string, string[]>();

  constructor(
    private readonly files: ReadonlyMap<string, ts.SourceFile>,
    private readonly workspace?: Workspace,
  ) {}

  /** The files of the model that import `file` (a relative or alias specifier resolving to it), found by their text. */
  importersOf(file: string): string[] {
    const known = this.importerCache.get(file);
    if (known) return known;
    const stem = path.basename(file).replace(/\.[cm]?[jt]sx?$/, '');
    const out: string[] = [];
    for (const f of this.files.keys()) {
      if (f === file) continue;
      const text = this.textOf ? this.textOf(f) : this.files.get(f)?.text;
      if (!text?.includes(stem)) continue;
      if (importSpecifiers(text).some((spec) => this.resolveSpecifier(f, spec) === file)) out.push(f);
    }
    this.importerCache.set(file, out);
    return out;
  }

  sourceFile(file: string): ts.SourceFile | undefined {
    return this.files.get(file);
  }

  private readonly importsByTest = new Map<string, Map<string, string[]>>();
  /**
   * The files of the model whose text passes `test` (asked once per `key`, by text, without parsing), each with
   * the files it imports: `importersWith('di', …)` finds the container modules and what they register.
   */
  importersWith(key: string, test: (text: string) => boolean): ReadonlyMap<string, string[]> {
    const known = this.importsByTest.get(key);
    if (known) return known;
    const out = new Map<string, string[]>();
    for (const f of this.files.keys()) {
      const text = this.textOf ? this.textOf(f) : this.files.get(f)?.text;
      if (!text || !test(text)) continue;
      out.set(
        f,
        importSpecifiers(text).flatMap((spec) => this.resolveSpecifier(f, spec) ?? []),
      );
    }
    this.importsByTest.set(key, out);
    return out;
  }

  /**
   * What a type annotation's name stands for, through type-only imports too (`import type { Repo }
   * from './repo'`): a field typed `Repo` holds an instance of that class, though the import brings
   * only its type. (Values are never resolved through type-only imports.)
   */
  typeValueOf(typeName: ts.EntityName): ts.Node | undefined {
    if (!ts.isIdentifier(typeName)) return undefined;
    const value = this.valueOf(typeName);
    if (value) return value;
    const binding = typeOnlyImport(typeName);
    if (!binding) return undefined;
    return ts.isImportClause(binding)
      ? this.importedValue(binding.parent as ts.ImportDeclaration, 'default', 0)
      : this.importedValue(binding.parent.parent.parent as ts.ImportDeclaration, (binding.propertyName ?? binding.name).text, 0);
  }

  /**
   * The type alias a type name stands for (`type Context = Awaited<ReturnType<typeof createContext>>`),
   * declared in the file or imported from another (`import type { Context } from './context'`).
   */
  typeAliasOf(typeName: ts.EntityName): ts.TypeAliasDeclaration | undefined {
    const d = this.typeDeclarationOf(typeName);
    return d && ts.isTypeAliasDeclaration(d) ? d : undefined;
  }

  /**
   * The interface or type alias a type name stands for, declared in the file or imported from another
   * (`import type { GraphContext } from './context'`, `interface GraphContext { medications: MedicationRepository }`).
   */
  typeDeclarationOf(typeName: ts.EntityName): ts.TypeAliasDeclaration | ts.InterfaceDeclaration | undefined {
    if (!ts.isIdentifier(typeName)) return undefined;
    const sf = typeName.getSourceFile();
    const local = (file: ts.SourceFile, name: string): ts.TypeAliasDeclaration | ts.InterfaceDeclaration | undefined =>
      file.statements.find(
        (st): st is ts.TypeAliasDeclaration | ts.InterfaceDeclaration => (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) && st.name.text === name,
      );
    const here = local(sf, typeName.text);
    if (here) return here;
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || !st.importClause?.namedBindings) continue;
      const nb = st.importClause.namedBindings;
      const el = ts.isNamedImports(nb) ? nb.elements.find((e) => e.name.text === typeName.text) : undefined;
      if (!el) continue;
      const file = this.resolveSpecifier(sf.fileName, st.moduleSpecifier.text);
      const target = file ? this.sourceFile(file) : undefined;
      return target ? local(target, (el.propertyName ?? el.name).text) : undefined;
    }
    return undefined;
  }

  /** Drop what is known of a file's exports (its tree is let go: a later question parses it afresh). */
  forget(file: string): void {
    this.exportCache.delete(file);
    this.starCache.delete(file);
    // (a decorated value held from that file's tree would keep the tree alive)
    for (const [key, value] of this.decorationCache) if (value && value.getSourceFile().fileName === file) this.decorationCache.delete(key);
  }

  /** A relative specifier resolved to a scanned file, trying TypeScript's extension rules. */
  resolveSpecifier(fromFile: string, spec: string): string | undefined {
    return resolveModuleFile(fromFile, spec, this.files, this.aliasCache, this.workspace);
  }

  /** The declaration `name` refers to at `at`: a variable, parameter, function, class, import or binding element. */
  declarationOf(name: string, at: ts.Node): ts.Node | undefined {
    for (let n: ts.Node | undefined = at; n; n = n.parent) {
      if (!isContainer(n)) continue;
      const decl = this.declarationsIn(n).get(name);
      if (decl) return decl;
    }
    return undefined;
  }

  private declarationsIn(container: ts.Node): Map<string, ts.Node> {
    let map = this.scopeCache.get(container);
    if (map) return map;
    map = new Map();
    const add = (name: ts.BindingName | undefined, node: ts.Node): void => {
      if (!name) return;
      if (ts.isIdentifier(name)) {
        if (!map.has(name.text)) map.set(name.text, node);
        return;
      }
      for (const el of name.elements) if (!ts.isOmittedExpression(el)) add(el.name, ts.isIdentifier(el.name) ? el : el);
    };
    const addStatement = (st: ts.Node): void => {
      if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) add(d.name, ts.isIdentifier(d.name) ? d : d);
      else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) add(st.name, st);
      else if (ts.isEnumDeclaration(st)) add(st.name, st);
      else if (ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly) {
        const clause = st.importClause;
        if (clause.name) add(clause.name, clause);
        const nb = clause.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) add(nb.name, nb);
        if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) add(el.name, el);
      } else if (ts.isImportEqualsDeclaration(st)) add(st.name, st);
      else if (ts.isExportAssignment(st) || ts.isExportDeclaration(st)) return;
      else if (ts.isLabeledStatement(st)) addStatement(st.statement);
    };
    if (ts.isSourceFile(container) || ts.isBlock(container) || ts.isModuleBlock(container) || ts.isCaseClause(container) || ts.isDefaultClause(container)) {
      for (const st of container.statements) addStatement(st);
    } else if (isFunctionLike(container)) {
      if ((ts.isFunctionExpression(container) || ts.isClassExpression(container)) && container.name) {
        add(container.name, container);
      }
      for (const p of container.parameters) add(p.name, p);
    } else if (ts.isCatchClause(container)) {
      if (container.variableDeclaration) add(container.variableDeclaration.name, container.variableDeclaration);
    } else if (ts.isForStatement(container) || ts.isForOfStatement(container) || ts.isForInStatement(container)) {
      const init = container.initializer;
      if (init && ts.isVariableDeclarationList(init)) for (const d of init.declarations) add(d.name, d);
    }
    this.scopeCache.set(container, map);
    return map;
  }

  /**
   * What an expression is defined as: a function, class, object literal, call, `new`, literal or
   * parameter, following identifiers to their declarations, `a.b` into object literals and
   * namespaces, and imports to the exporting file. `undefined` when the trail goes cold.
   */
  valueOf(expr: ts.Node, depth = 0): ts.Node | undefined {
    if (depth > 12) return undefined;
    expr = skipOuter(expr as ts.Expression);
    if (ts.isIdentifier(expr)) {
      const decl = this.declarationOf(expr.text, expr);
      return decl ? this.valueOfDeclaration(decl, depth + 1) : undefined;
    }
    if (ts.isPropertyAccessExpression(expr) || (ts.isElementAccessExpression(expr) && ts.isStringLiteralLike(expr.argumentExpression))) {
      const key = ts.isPropertyAccessExpression(expr) ? expr.name.text : (expr.argumentExpression as ts.StringLiteralLike).text;
      const owner = this.valueOf(expr.expression, depth + 1);
      if (!owner) return undefined;
      return this.memberOf(owner, key, depth + 1);
    }
    const spec = requiredModule(expr as ts.Expression);
    if (spec !== undefined) {
      const file = this.resolveSpecifier(expr.getSourceFile().fileName, spec);
      return file ? this.moduleValue(file, depth + 1) : expr;
    }
    return expr;
  }

  /**
   * The strings an expression can hold, as far as the code says: a literal, either side of `??`,
   * `||` and `?:`, a case change or trim of one (`(process.env.H ?? 'x-client-dn').toLowerCase()`),
   * followed through `valueOf` (constants, config objects, imports). A value read from outside (an
   * environment variable) adds nothing.
   */
  /**
   * The key a member access names: `x.key`, `x['key']`, or `x[KEY]` where `KEY` is a constant with one
   * string value (`req[CELLAR_USER_KEY]` with `export const CELLAR_USER_KEY = 'cellarUser'`).
   */
  accessKey(e: ts.PropertyAccessExpression | ts.ElementAccessExpression): string | undefined {
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
    const arg = skipOuter(e.argumentExpression);
    if (ts.isStringLiteralLike(arg)) return arg.text;
    if (!ts.isIdentifier(arg) && !ts.isPropertyAccessExpression(arg)) return undefined;
    const values = this.stringValues(arg);
    return values.length === 1 ? values[0] : undefined;
  }

  stringValues(expr: ts.Node, depth = 0): string[] {
    if (depth > 8) return [];
    const e = skipOuter(expr as ts.Expression);
    if (ts.isStringLiteralLike(e)) return [e.text];
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === SK.QuestionQuestionToken || e.operatorToken.kind === SK.BarBarToken)) {
      return [...this.stringValues(e.left, depth + 1), ...this.stringValues(e.right, depth + 1)];
    }
    if (ts.isConditionalExpression(e)) return [...this.stringValues(e.whenTrue, depth + 1), ...this.stringValues(e.whenFalse, depth + 1)];
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.arguments.length > 0 && ts.isStringLiteralLike(e.arguments[0])) {
      // `config.get('MTLS_HEADER', 'x-client-cert')`: a config key's fallback
      const fallback = configFallbackIndex(e.expression.name.text, e.arguments.length);
      return fallback !== undefined ? this.stringValues(e.arguments[fallback], depth + 1) : [];
    }
    if (ts.isCallExpression(e) && e.arguments.length === 0 && ts.isPropertyAccessExpression(e.expression)) {
      const method = e.expression.name.text;
      const inner = this.stringValues(e.expression.expression, depth + 1);
      if (method === 'toLowerCase') return inner.map((v) => v.toLowerCase());
      if (method === 'toUpperCase') return inner.map((v) => v.toUpperCase());
      if (method === 'trim') return inner.map((v) => v.trim());
      return [];
    }
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const value = this.valueOf(e, depth + 1);
      // (a class's read-only static field: `ProjectArchived.topic` with `static readonly topic = 'project.archived'`)
      if (value && ts.isPropertyDeclaration(value) && value.initializer && isStaticReadonly(value)) return this.stringValues(value.initializer, depth + 1);
      return value && value !== e && !ts.isParameter(value) && !ts.isVariableDeclaration(value) ? this.stringValues(value, depth + 1) : [];
    }
    return [];
  }

  private decorationCache = new Map<string, ts.Expression | null>();
  private decoratingFiles?: string[];

  /** The value a Fastify plugin puts on the instance under `key` (`app.decorate('authz', authz)`), found by text first. */
  decoration(key: string): ts.Expression | undefined {
    const known = this.decorationCache.get(key);
    if (known !== undefined) return known ?? undefined;
    this.decoratingFiles ??= [...this.files.keys()].filter((f) => (this.textOf ? this.textOf(f) : this.files.get(f)?.text)?.includes(`.${INSTANCE_DECORATE}(`));
    let found: ts.Expression | undefined;
    for (const file of this.decoratingFiles) {
      const text = this.textOf ? this.textOf(file) : undefined;
      if (text !== undefined && !text.includes(key)) continue;
      const sf = this.sourceFile(file);
      const visit = (n: ts.Node): void => {
        if (found) return;
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === INSTANCE_DECORATE && n.arguments.length >= 2) {
          const [name, value] = n.arguments;
          if (ts.isStringLiteralLike(name) && name.text === key) found = value;
        }
        ts.forEachChild(n, visit);
      };
      if (sf) visit(sf);
      if (found) break;
    }
    this.decorationCache.set(key, found ?? null);
    return found;
  }

  /** The value behind a declaration node from `declarationOf`. */
  valueOfDeclaration(decl: ts.Node, depth = 0): ts.Node | undefined {
    if (depth > 12) return undefined;
    if (ts.isVariableDeclaration(decl)) {
      if (!ts.isIdentifier(decl.name)) return undefined;
      return decl.initializer ? this.valueOf(decl.initializer, depth + 1) : decl;
    }
    if (ts.isBindingElement(decl)) {
      // `const { a: { b } } = init` → the path ['a', 'b'] into init's value
      const keys: string[] = [];
      let n: ts.Node = decl;
      while (ts.isBindingElement(n)) {
        const key = n.propertyName ?? (ts.isIdentifier(n.name) ? n.name : undefined);
        if (!key || !(ts.isIdentifier(key) || ts.isStringLiteralLike(key))) return undefined;
        keys.unshift(key.text);
        n = n.parent.parent; // binding pattern → its owner
      }
      if (!ts.isVariableDeclaration(n) || !n.initializer) return ts.isParameter(n) ? decl : undefined;
      let value: ts.Node | undefined = this.valueOf(n.initializer, depth + 1);
      for (const key of keys) {
        if (!value) return undefined;
        value = this.memberOf(value, key, depth + 1);
      }
      return value;
    }
    if (ts.isImportClause(decl)) return this.importedValue(decl.parent as ts.ImportDeclaration, 'default', depth);
    if (ts.isNamespaceImport(decl)) return this.namespaceOf(decl.parent.parent as ts.ImportDeclaration, depth);
    if (ts.isImportSpecifier(decl)) {
      const imported = (decl.propertyName ?? decl.name).text;
      return this.importedValue(decl.parent.parent.parent as ts.ImportDeclaration, imported, depth);
    }
    if (ts.isImportEqualsDeclaration(decl)) {
      const ref = decl.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
        const file = this.resolveSpecifier(decl.getSourceFile().fileName, ref.expression.text);
        return file ? this.moduleValue(file, depth + 1) : decl;
      }
      return undefined;
    }
    return decl; // functions, classes, parameters, enums
  }

  /** `owner.key` where owner is an object literal, a namespace, a class (static) or a module. */
  memberOf(owner: ts.Node, key: string, depth: number): ts.Node | undefined {
    // a parameter that a framework fills (a Fastify plugin's options): a member of what it is given
    if (ts.isParameter(owner) && depth < 8) {
      for (const arg of this.parameterArguments?.(owner) ?? []) {
        const v = this.valueOf(arg, depth + 1);
        const m = v && v !== owner ? this.memberOf(v, key, depth + 1) : undefined;
        if (m) return m;
      }
      // (or what a Fastify plugin put on the instance it is handed: `app.authz` after `app.decorate('authz', authz)`)
      const decorated = this.decoration(key);
      return decorated ? this.valueOf(decorated, depth + 1) : undefined;
    }
    if (ts.isObjectLiteralExpression(owner)) {
      for (let i = owner.properties.length - 1; i >= 0; i--) {
        const p = owner.properties[i];
        if (ts.isSpreadAssignment(p)) {
          const inner = this.valueOf(p.expression, depth + 1);
          const hit = inner && this.memberOf(inner, key, depth + 1);
          if (hit) return hit;
          continue;
        }
        if (!p.name || propertyNameText(p.name) !== key) continue;
        if (ts.isPropertyAssignment(p)) return this.valueOf(p.initializer, depth + 1);
        if (ts.isShorthandPropertyAssignment(p)) return this.valueOf(p.name, depth + 1);
        return p; // method, accessor
      }
      return undefined;
    }
    if (owner.kind === SK.SourceFile) {
      return this.exportedValue((owner as ts.SourceFile).fileName, key, depth + 1);
    }
    // what a factory of the app hands back (`const router = createRouter()`, returning `{ add(…) {…}, match(…) {…} }`): that object's member
    if (ts.isCallExpression(owner) && depth < 8) {
      const fn = this.valueOf(owner.expression, depth + 1);
      if (fn && isFunctionLike(fn) && fn.body && !(ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async)) {
        for (const r of returnedExpressions(fn)) {
          const made = this.valueOf(r, depth + 1);
          const hit = made && ts.isObjectLiteralExpression(made) ? this.memberOf(made, key, depth + 1) : undefined;
          if (hit) return hit;
        }
      }
    }
    if (ts.isClassDeclaration(owner) || ts.isClassExpression(owner)) {
      return owner.members.find((m) => m.name && propertyNameText(m.name) === key);
    }
    return undefined;
  }

  private importedValue(decl: ts.ImportDeclaration, name: string, depth: number): ts.Node | undefined {
    if (!ts.isStringLiteral(decl.moduleSpecifier)) return undefined;
    const file = this.resolveSpecifier(decl.getSourceFile().fileName, decl.moduleSpecifier.text);
    if (!file) return decl; // a package: the import itself is the value
    if (name === 'default') {
      const exp = this.exports(file).get('default');
      // `import x from './cjs'` where the file sets `module.exports = …`
      return exp ? this.entryValue(exp, depth + 1) : this.files.get(file);
    }
    return this.exportedValue(file, name, depth + 1);
  }

  private namespaceOf(decl: ts.ImportDeclaration, _depth: number): ts.Node | undefined {
    if (!ts.isStringLiteral(decl.moduleSpecifier)) return undefined;
    const file = this.resolveSpecifier(decl.getSourceFile().fileName, decl.moduleSpecifier.text);
    return file ? this.files.get(file) : decl;
  }

  /** What `require(file)` returns: `module.exports = x`'s x, or the file as a namespace. */
  moduleValue(file: string, depth: number): ts.Node | undefined {
    const exp = this.exports(file).get('module.exports');
    return exp ? this.entryValue(exp, depth + 1) : this.files.get(file);
  }

  exportedValue(file: string, name: string, depth = 0, seen = new Set<string>()): ts.Node | undefined {
    if (depth > 12 || seen.has(file)) return undefined;
    seen.add(file);
    const exp = this.exports(file).get(name);
    if (exp) return this.entryValue(exp, depth + 1, seen);
    const whole = this.exports(file).get('module.exports');
    if (whole) {
      const value = this.entryValue(whole, depth + 1, seen);
      if (value) return this.memberOf(value, name, depth + 1);
    }
    for (const star of this.starExports(file)) {
      const hit = this.exportedValue(star, name, depth + 1, seen);
      if (hit) return hit;
    }
    return undefined;
  }

  private entryValue(entry: ExportEntry, depth: number, seen?: Set<string>): ts.Node | undefined {
    if (entry.from) return this.exportedValue(entry.from.file, entry.from.name, depth + 1, seen);
    return entry.node ? this.valueOf(entry.node, depth + 1) : undefined;
  }

  private readonly starCache = new Map<string, string[]>();
  private starExports(file: string): string[] {
    this.exports(file);
    return this.starCache.get(file) ?? [];
  }

  /** The export table of a file: ESM exports, `module.exports = …`, `exports.x = …`. */
  exports(file: string): Map<string, ExportEntry> {
    let table = this.exportCache.get(file);
    if (table) return table;
    table = new Map();
    this.exportCache.set(file, table);
    const sf = this.files.get(file);
    if (!sf) return table;
    const stars: string[] = [];
    const hasExport = (n: ts.Node): boolean => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === SK.ExportKeyword);
    const isDefault = (n: ts.Node): boolean => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === SK.DefaultKeyword);
    for (const st of sf.statements) {
      if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && hasExport(st)) {
        if (isDefault(st)) table.set('default', { node: st });
        if (st.name) table.set(st.name.text, { node: st });
      } else if (ts.isVariableStatement(st) && hasExport(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) table.set(d.name.text, { node: d.name });
      } else if (ts.isExportAssignment(st)) {
        table.set(st.isExportEquals ? 'module.exports' : 'default', { node: st.expression });
      } else if (ts.isExportDeclaration(st) && !st.isTypeOnly) {
        const from = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? this.resolveSpecifier(file, st.moduleSpecifier.text) : undefined;
        if (st.moduleSpecifier && !from) continue;
        if (!st.exportClause) {
          if (from) stars.push(from);
        } else if (ts.isNamedExports(st.exportClause)) {
          for (const el of st.exportClause.elements) {
            const local = (el.propertyName ?? el.name).text;
            table.set(el.name.text, from ? { from: { file: from, name: local } } : { node: el.propertyName ?? el.name });
          }
        }
      } else if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === SK.EqualsToken) {
        const target = exportTarget(st.expression.left);
        if (target) table.set(target, { node: st.expression.right });
      }
    }
    this.starCache.set(file, stars);
    return table;
  }
}

/** `static readonly x = …`: a field of the class itself that nothing sets again. */
function isStaticReadonly(p: ts.PropertyDeclaration): boolean {
  const mods = ts.getModifiers(p) ?? [];
  return mods.some((m) => m.kind === SK.StaticKeyword) && mods.some((m) => m.kind === SK.ReadonlyKeyword);
}

/**
 * A TypeScript path alias (`@/guards/mtls`, `~/tls`, `#/routes`): the project file whose path ends
 * with what follows the prefix, the one nearest the importer when several do. tsconfig `paths` are not
 * read; these prefixes are the conventions nearly every project uses.
 */
export function aliasTarget(fromFile: string, spec: string, files: Iterable<string>, cache: Map<string, string | undefined>): string | undefined {
  if (!/^[@~#]\//.test(spec)) return undefined;
  // an alias means the importer's own package: of the files that end in the path, the one that
  // shares the most folders with the importer, then the shortest (never one from another app)
  const dir = path.dirname(fromFile);
  const key = `${dir}\0${spec}`;
  if (cache.has(key)) return cache.get(key);
  const rest = '/' + spec.slice(2).replace(/\.(?:[mc]?js|jsx)$/, '');
  let byName = aliasIndexes.get(cache);
  if (!byName) aliasIndexes.set(cache, (byName = indexByName(files)));
  const last = rest.slice(rest.lastIndexOf('/') + 1);
  let best: string | undefined;
  let bestShared = -1;
  for (const file of [...(byName.get(last) ?? []), ...(byName.get(`${last}/index`) ?? [])]) {
    const stem = file.replace(/\.(?:[mc]?[jt]s|[jt]sx)$/, '');
    if (!stem.endsWith(rest) && !stem.endsWith(rest + '/index')) continue;
    const shared = sharedFolders(dir, file);
    if (shared > bestShared || (shared === bestShared && best !== undefined && file.length < best.length)) {
      best = file;
      bestShared = shared;
    }
  }
  cache.set(key, best);
  return best;
}

const aliasIndexes = new WeakMap<Map<string, string | undefined>, Map<string, string[]>>();

/** Files by the last part of their path without extension (`db`), and folders' index files as `lib/index`. */
function indexByName(files: Iterable<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of files) {
    const stem = path.basename(file).replace(/\.(?:[mc]?[jt]s|[jt]sx)$/, '');
    const name = stem === 'index' ? `${path.basename(path.dirname(file))}/index` : stem;
    const list = out.get(name);
    if (list) list.push(file);
    else out.set(name, [file]);
  }
  return out;
}

/** How many leading folders two paths have in common. */
function sharedFolders(dir: string, file: string): number {
  const a = dir.split(path.sep);
  const b = path.dirname(file).split(path.sep);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export interface ExportEntry {
  node?: ts.Node;
  from?: { file: string; name: string };
}

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/**
 * The project file a specifier names, the way TypeScript resolves it: the exact path, the path
 * with each extension (`./a.js` may name `a.ts`), a folder's `index`, or a path alias.
 */
export function resolveModuleFile(
  fromFile: string,
  spec: string,
  files: ReadonlyMap<string, unknown>,
  aliasCache: Map<string, string | undefined>,
  workspace?: Workspace,
): string | undefined {
  if (!spec.startsWith('.')) {
    // a workspace package or a tsconfig path alias, as the workspace's own files declare them
    for (const candidate of workspace?.candidates(spec, fromFile) ?? []) {
      const hit = resolveBase(candidate, files);
      if (hit) return hit;
    }
    return aliasTarget(fromFile, spec, files.keys(), aliasCache);
  }
  return resolveBase(path.resolve(path.dirname(fromFile), spec), files);
}

/**
 * What a monorepo declares about its packages (`package.json` names, tsconfig `paths`): the
 * absolute paths (without extension) a bare specifier can name, nearest first.
 */
export interface Workspace {
  candidates(spec: string, fromFile: string): string[];
}

/** A path as TypeScript resolves it: exact, with an extension (`./a.js` may name `a.ts`), or a folder's `index`. */
function resolveBase(base: string, files: ReadonlyMap<string, unknown>): string | undefined {
  if (files.has(base)) return base;
  const stem = base.replace(/\.(?:[mc]?js|jsx)$/, '');
  for (const b of stem === base ? [base] : [stem, base]) {
    for (const ext of EXTENSIONS) if (files.has(b + ext)) return b + ext;
    // joined once: `join(b, 'index') + ext` is `join(b, 'index' + ext)`
    const index = path.join(b, 'index');
    for (const ext of EXTENSIONS) if (files.has(index + ext)) return index + ext;
  }
  return undefined;
}

/** `module.exports` → 'module.exports'; `module.exports.x` / `exports.x` → 'x'. */
function exportTarget(left: ts.Expression): string | undefined {
  if (!ts.isPropertyAccessExpression(left)) return undefined;
  const obj = left.expression;
  if (ts.isIdentifier(obj) && obj.text === 'module' && left.name.text === 'exports') return 'module.exports';
  if (ts.isIdentifier(obj) && obj.text === 'exports') return left.name.text;
  if (ts.isPropertyAccessExpression(obj) && ts.isIdentifier(obj.expression) && obj.expression.text === 'module' && obj.name.text === 'exports') {
    return left.name.text;
  }
  return undefined;
}

export function propertyNameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** The value an object literal gives a key: `{ key: v }` → `v`, `{ key }` → `key`. */
export function member(obj: ts.ObjectLiteralExpression, key: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (!p.name || propertyNameText(p.name) !== key) continue;
    if (ts.isPropertyAssignment(p)) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p)) return p.name;
  }
  return undefined;
}

function isContainer(n: ts.Node): boolean {
  switch (n.kind) {
    case SK.SourceFile:
    case SK.Block:
    case SK.ModuleBlock:
    case SK.CaseClause:
    case SK.DefaultClause:
    case SK.CatchClause:
    case SK.ForStatement:
    case SK.ForOfStatement:
    case SK.ForInStatement:
      return true;
    default:
      return isFunctionLike(n);
  }
}

/** Function-like nodes (the walk's scopes). */
export const isFunctionLike: (n: ts.Node) => n is ts.FunctionLikeDeclaration = isScope;

/** An arrow or function expression passed straight to a call: `.then(cert => …)`, `app.get('/', (req, res) => …)`. */
export function isInlineCallback(fn: ts.Node): boolean {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  let n: ts.Node = fn;
  while (ts.isParenthesizedExpression(n.parent)) n = n.parent;
  const p = n.parent;
  return (ts.isCallExpression(p) || ts.isNewExpression(p)) && (p.arguments ?? []).some((a) => a === n);
}

/** Where a class declares `name`: a member of that name, or a constructor parameter property (`constructor(private readonly repo: Repo)`). */
export function fieldDeclaration(cls: ts.ClassLikeDeclaration | undefined, name: string): ts.ClassElement | ts.ParameterDeclaration | undefined {
  return (
    cls?.members.find((m) => m.name !== undefined && propertyNameText(m.name) === name) ??
    cls?.members.find(ts.isConstructorDeclaration)?.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === name)
  );
}

/**
 * The type a receiver was declared with, as written: `this.access` → the field's or constructor
 * parameter's type (`private readonly access: OrgAccessService`), a name → its declaration's type —
 * found by `declarationOf` when given one, else among the parameters of the enclosing functions.
 */
export function declaredType(receiver: ts.Expression, declarationOf?: (name: ts.Identifier) => ts.Node | undefined): ts.TypeReferenceNode | undefined {
  const r = skipOuter(receiver);
  let decl: ts.Node | undefined;
  if (ts.isPropertyAccessExpression(r) && r.expression.kind === SK.ThisKeyword) decl = fieldDeclaration(ts.findAncestor(r, ts.isClassLike), r.name.text);
  else if (ts.isIdentifier(r) && declarationOf) decl = declarationOf(r);
  else if (ts.isIdentifier(r)) {
    const named = (p: ts.ParameterDeclaration): boolean => ts.isIdentifier(p.name) && p.name.text === r.text;
    for (let n: ts.Node | undefined = r.parent; n && !decl; n = n.parent) if (isFunctionLike(n)) decl = n.parameters.find(named);
  }
  const type = decl && (ts.isParameter(decl) || ts.isVariableDeclaration(decl) || ts.isPropertyDeclaration(decl)) ? decl.type : undefined;
  return type && ts.isTypeReferenceNode(type) ? type : undefined;
}

/**
 * The functions a callee may hold, as written: a name, a member (`exhibits.checkout`), one of two
 * (`ok ? setpoint : close`), or an entry of a dispatch table picked by a key (`{ checkout:
 * exhibits.checkout, seal: exhibits.seal }[action]`, also through a `const` holding the table).
 */
export function heldValues(e: ts.Expression, valueOf: (id: ts.Identifier) => ts.Node | undefined, depth = 0): ts.Expression[] {
  const x = skipOuter(e);
  if (depth > 3) return [];
  if (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x)) return [x];
  if (ts.isConditionalExpression(x)) return [...heldValues(x.whenTrue, valueOf, depth + 1), ...heldValues(x.whenFalse, valueOf, depth + 1)];
  if (ts.isElementAccessExpression(x) && !ts.isStringLiteralLike(x.argumentExpression)) {
    let table: ts.Node | undefined = skipOuter(x.expression);
    if (ts.isIdentifier(table)) {
      const v = valueOf(table);
      table = v && ts.isVariableDeclaration(v) && v.initializer ? skipOuter(v.initializer) : v && ts.isExpression(v) ? skipOuter(v) : undefined;
    }
    if (!table || !ts.isObjectLiteralExpression(table)) return [];
    return table.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? heldValues(p.initializer, valueOf, depth + 1) : ts.isShorthandPropertyAssignment(p) ? [p.name] : []));
  }
  return [];
}

/** The expressions a function returns: an arrow's expression body, or every `return x` outside nested functions. */
export function returnedExpressions(fn: ts.FunctionLikeDeclaration): ts.Expression[] {
  if (!fn.body) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
    else ts.forEachChild(n, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}

/** The binding of a type-only import of a name in its file (`import type { Redis } from 'ioredis'`), which a value lookup skips. */
export function typeOnlyImport(name: ts.Identifier): ts.ImportSpecifier | ts.ImportClause | undefined {
  for (const st of name.getSourceFile().statements) {
    if (!ts.isImportDeclaration(st) || !st.importClause?.isTypeOnly) continue;
    const clause = st.importClause;
    if (clause.name?.text === name.text) return clause;
    const nb = clause.namedBindings;
    const el = nb && ts.isNamedImports(nb) ? nb.elements.find((e) => e.name.text === name.text) : undefined;
    if (el) return el;
  }
  return undefined;
}

/**
 * The type a type gives one of its members: `{ repo: Repo }`, or `Deps` with `interface Deps { repo: Repo }`
 * or `type Deps = { repo: Repo }` in the file, or (with `aliasOf`) a type alias another module declares.
 */
export function typeMember(
  type: ts.TypeNode,
  name: string,
  declarationOf?: (typeName: ts.EntityName) => ts.TypeAliasDeclaration | ts.InterfaceDeclaration | undefined,
): ts.TypeNode | undefined {
  let members: ts.NodeArray<ts.TypeElement> | undefined;
  if (ts.isTypeLiteralNode(type)) members = type.members;
  else if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    const ref = type.typeName.text;
    const local = type
      .getSourceFile()
      .statements.find((st): st is ts.InterfaceDeclaration | ts.TypeAliasDeclaration => (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && st.name.text === ref);
    const found = local ?? declarationOf?.(type.typeName);
    if (found && ts.isInterfaceDeclaration(found)) members = found.members;
    else if (found && ts.isTypeLiteralNode(found.type)) members = found.type.members;
  }
  const m = members?.find((x): x is ts.PropertySignature => ts.isPropertySignature(x) && x.name !== undefined && propertyNameText(x.name) === name);
  return m?.type;
}

/** The specifiers a file's text imports, requires or re-exports (a text scan, for prefilters and the import graph). */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) out.push(m[2]);
  return out;
}

/** Structural, not vocabulary: the specifier of an import, require or re-export. */
const IMPORT_RE = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\1/g;

/** The class a chain of members reaches from a parameter or variable with a declared type: the type's members, level by level. */
export function classAlongType(recv: ts.Expression, modules: Modules): ts.ClassLikeDeclaration | undefined {
  const names: string[] = [];
  let e: ts.Expression = recv;
  while (ts.isPropertyAccessExpression(e)) {
    names.unshift(e.name.text);
    e = skipOuter(e.expression);
  }
  // (none, `repo.save()` with `repo: Repo`, is the declaration's own type: classOfDeclaration)
  if (!ts.isIdentifier(e) || names.length === 0) return undefined;
  const decl = modules.declarationOf(e.text, e);
  let type = decl && (ts.isParameter(decl) || ts.isVariableDeclaration(decl)) ? decl.type : undefined;
  for (const name of names) type = type && typeMember(type, name, (t) => modules.typeDeclarationOf(t));
  if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
  const v = modules.typeValueOf(type.typeName);
  return v && ts.isClassLike(v) ? v : undefined;
}
