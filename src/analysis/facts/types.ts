import type { ts } from '../../ts';

/** A function-like node, or the source file for top-level code: the unit that orders checks and uses. */
export type Scope = ts.SourceFile | ts.FunctionLikeDeclaration;

/**
 * A local name bound to a module or something inside it.
 * `import { promises as fsp } from 'fs'` → `{ local: 'fsp', module: 'fs', path: ['promises'] }`;
 * `import * as fs from 'node:fs'` and `const fs = require('fs')` → `path: []`;
 * `import fs from 'fs'` → `path: []` as well (CommonJS default interop is the module itself).
 */
export interface ModuleBinding {
  local: string;
  /** The specifier with any `node:` prefix removed. */
  module: string;
  path: string[];
  node: ts.Node;
}

/** A call whose callee is a name or a chain of property reads: `a.b.c(...)`, `require('x').y(...)`. */
export interface CallFact {
  node: ts.CallExpression | ts.NewExpression;
  /**
   * The callee as a chain: `['fs', 'promises', 'readFile']`. A `require('m')` at the root is
   * written `require:m`, `this` as `this`.
   */
  callee: string[];
  /** The innermost function around the call, or the file. */
  scope: Scope;
  /** The chain of scopes from the file down to `scope`. */
  scopes: readonly Scope[];
}

/** What a rule needs collected. The walk gathers the union of the active rules' needs. */
export interface FactNeeds {
  /** `import`/`require` bindings. */
  modules?: boolean;
  /** Calls whose last callee name is one of these. */
  calls?: readonly string[];
  /** Assignments (`x = …`, `this.file = …`) and declarations (`const x`, parameters) of names. */
  assignments?: boolean;
  /** `return`, `throw`, `break`, `continue` and `process.exit()`: where a flow can stop. */
  exits?: boolean;
  /** Every call, indexed by its last callee name (the project model looks callers up by name). */
  allCalls?: boolean;
  /**
   * Property reads and keys whose name passes this test: `x.authorized`, `headers['x-client-cert']`,
   * `{ requestCert: true }`, `const { 'x-client-cert': pem } = req.headers`.
   */
  properties?: (name: string) => boolean;
}

export interface FileFacts {
  file: string;
  text: string;
  sourceFile: ts.SourceFile;
  bindings: Map<string, ModuleBinding>;
  calls: CallFact[];
  /**
   * A name or property path as written (`x`, `this.file`; `cache[]` for a computed key,
   * `cache[k] = …`) → the nodes that give it a value, in source order: assignment expressions,
   * variable declarations and parameters.
   */
  assignments: Map<string, ts.Node[]>;
  /** Statements and calls that leave the flow they are in, with their function, in source order. */
  exits: { node: ts.Node; scope: Scope }[];
  /** With `allCalls`: every call and `new`, by last callee name (`a.b.c()` → `c`). */
  callsByName: Map<string, (ts.CallExpression | ts.NewExpression)[]>;
  /** With `allCalls`: every function-like node, in source order (outer before inner). */
  functions: ts.FunctionLikeDeclaration[];
  /** With `properties`: property reads, object keys and destructured keys, by name, in source order. */
  properties: Map<string, PropertyNode[]>;
}

/** A property access, an element access with a literal key, an object-literal property or a binding element. */
export type PropertyNode = ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.ObjectLiteralElementLike | ts.BindingElement;
