import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { isStatementList } from './flow';
import { isFunctionLike, isInlineCallback, propertyNameText, returnedExpressions } from './modules';
import type { Project } from './project';
import { isSignatureVerifier, peerInfoSource, trustSignalOf } from './vocabulary/identity-sources';
import { isAssertion, isErrorCallback, isRefusalCall, isThrowingRefusal, refusesWithStatus } from './vocabulary/refusals';

const SK = ts.SyntaxKind;

/**
 * What a check must look at to count:
 * - `authorized`: the TLS layer's verdict on the client certificate (`socket.authorized`,
 *   `authorizationError`);
 * - `peer`: anything that shows the request came from the trusted proxy — the immediate peer's
 *   address (`socket.remoteAddress`), the proxy's own verified certificate (`authorized`), or a
 *   signature/HMAC verified over the forwarded value.
 */
export type TrustKind = 'authorized' | 'peer';

/**
 * Whether a read happens only after a check that rejects the request when trust is missing:
 * in the same function (a rejecting `if` before it, or before the read's value is first used;
 * the read inside a branch of the check), earlier on the request path (middleware, hooks, guards
 * registered before the handler), or at every call site of the helper it sits in.
 */
export class Guards {
  private readonly predicates = new Map<ts.Node, boolean>();
  private readonly gates = new Map<ts.Node, boolean>();
  private readonly guardedCache = new Map<ts.Node, boolean>();

  constructor(
    private readonly project: Project,
    private readonly kind: TrustKind,
  ) {}

  /** The read is reached only after trust was checked, on every way the tool can see. */
  guarded(read: ts.Node, depth = 0): boolean {
    const cached = this.guardedCache.get(read);
    if (cached !== undefined) return cached;
    this.guardedCache.set(read, false);
    const result = this.computeGuarded(read, depth);
    this.guardedCache.set(read, result);
    return result;
  }

  private computeGuarded(read: ts.Node, depth: number): boolean {
    if (depth > 5) return false;
    let node = read;
    for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(node)) {
      if (this.guardedInFunction(node, fn)) return true;
      const entry = this.project.handlers.gatedBefore(fn, (f) => f !== fn && this.isGate(f));
      if (entry !== undefined) return entry;
      if (isInlineCallback(fn)) {
        // `clientCertAuth(req, res, () => { … })`: the callback is the `next` of a gate
        let holder: ts.Node = fn.parent;
        while (ts.isParenthesizedExpression(holder)) holder = holder.parent;
        const gate = this.project.handlers.functionOf((holder as ts.CallExpression).expression);
        if (gate && this.isGate(gate)) return true;
        node = fn.parent; // the call it is passed to, inside the outer function
        continue;
      }
      const callers = this.project.handlers.callersOf(fn);
      return callers.length > 0 && callers.every((c) => this.guarded(c, depth + 1));
    }
    return false;
  }

  /** A check in `fn` decides whether `read` (or every use of its value) runs. */
  guardedInFunction(read: ts.Node, fn: ts.Node): boolean {
    for (let n: ts.Node = read; n !== fn && n.parent; n = n.parent) {
      const p = n.parent;
      if (ts.isIfStatement(p) && n !== p.expression && this.mentions(p.expression)) return true;
      if (ts.isConditionalExpression(p) && n !== p.condition && this.mentions(p.condition)) return true;
      if (ts.isBinaryExpression(p) && n === p.right && (p.operatorToken.kind === SK.AmpersandAmpersandToken || p.operatorToken.kind === SK.BarBarToken) && this.mentions(p.left)) {
        return true;
      }
      // the value is what gets verified: `verify(req.headers['x-client-cert'], sig)`
      if (this.kind === 'peer' && ts.isCallExpression(p) && p.arguments.some((a) => a === n) && isSignatureVerifier(calleeChain(p.expression)?.at(-1) ?? '')) return true;
      if (isStatementList(p)) {
        const statements = (p as ts.Block).statements;
        const at = statements.indexOf(n as ts.Statement);
        for (let i = 0; i < at; i++) if (this.isRejectingCheck(statements[i])) return true;
        if (this.checkedBeforeUse(n as ts.Statement, statements.slice(at + 1))) return true;
      }
    }
    return false;
  }

  /**
   * `const cert = sock.getPeerCertificate(); if (!sock.authorized) return deny(); use(cert)`:
   * the value is read first but not used until a rejecting check has run.
   */
  private checkedBeforeUse(statement: ts.Statement, after: readonly ts.Statement[]): boolean {
    if (!ts.isVariableStatement(statement)) return false;
    const names = new Set<string>();
    for (const d of statement.declarationList.declarations) collectNames(d.name, names);
    if (names.size === 0) return false;
    for (const s of after) {
      if (this.isRejectingCheck(s)) return true;
      // `claims = jwt.verify(assertion, key)`: verification that throws is the check
      if (this.kind === 'peer' && !ts.isIfStatement(s) && verifies(s, names)) return true;
      if (references(s, names)) {
        if (this.kind === 'peer' && preparesCheck(s, names)) continue;
        return false;
      }
    }
    return false;
  }

  private isRejectingCheck(s: ts.Statement): boolean {
    if (ts.isIfStatement(s)) return this.mentions(s.expression) && (rejects(s.thenStatement) || (s.elseStatement !== undefined && rejects(s.elseStatement)));
    if (ts.isExpressionStatement(s)) {
      let e = skipOuter(s.expression);
      if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
      if (!ts.isCallExpression(e)) return false;
      const name = calleeChain(e.expression)?.at(-1) ?? '';
      // `assert(sock.authorized)`, `ctx.assert(ctx.req.socket.authorized, 401)`
      if (isAssertion(name) && e.arguments[0] && this.mentions(e.arguments[0])) return true;
      // `requireClientCert(req, res)` that throws or ends the response itself
      const fn = this.project.handlers.functionOf(e.expression);
      return fn !== undefined && this.isGate(fn) && throwsOnFailure(fn);
    }
    return false;
  }

  /** An expression looks at trust: directly, through a local it was kept in, or through a helper. */
  mentions(expr: ts.Node, depth = 0): boolean {
    if (depth > 6) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (this.isSignal(n)) {
        found = true;
        return;
      }
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        const decl = this.project.modules.declarationOf(n.text, n);
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.initializer.end <= n.pos && this.mentions(decl.initializer, depth + 1)) found = true;
        else if (decl && ts.isBindingElement(decl)) {
          const key = decl.propertyName ?? decl.name;
          if ((ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && this.isSignalName(key.text)) found = true;
        }
        return;
      }
      if (ts.isCallExpression(n)) {
        const fn = this.project.handlers.functionOf(n.expression);
        if (fn && (this.isPredicate(fn, depth + 1) || this.isGate(fn))) {
          found = true;
          return;
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(expr);
    return found;
  }

  private isSignalName(name: string): boolean {
    const shows = trustSignalOf(name);
    return shows === 'verified-certificate' || (this.kind === 'peer' && shows === 'peer-address');
  }

  private isSignal(n: ts.Node): boolean {
    if (ts.isPropertyAccessExpression(n)) return this.isSignalName(n.name.text) || (this.kind === 'peer' && this.isPeerInfoAddress(n));
    if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)) return this.isSignalName(n.argumentExpression.text);
    if (this.kind === 'peer' && ts.isCallExpression(n)) return isSignatureVerifier(calleeChain(n.expression)?.at(-1) ?? '') && this.overForwardedValue(n);
    return false;
  }

  /**
   * A verification whose input includes a forwarded identity value: the HMAC over the header
   * (`timingSafeEqual(given, createHmac(…).update(\`${ts}.${pem}\`).digest())`), the certificate in
   * the header checked against a CA (`new X509Certificate(pem).verify(ca.publicKey)`) — not a token
   * of its own (`jwt.verify(bearer, key)`), which proves nothing about the header.
   */
  private overForwardedValue(call: ts.CallExpression): boolean {
    const callee = skipOuter(call.expression);
    const inputs = [...call.arguments, ...(ts.isPropertyAccessExpression(callee) ? [callee.expression] : [])];
    return inputs.some((a) => this.dependsOnSource(a, 0));
  }

  /** The expression is computed from an identity source read, through locals of its function. */
  private dependsOnSource(expr: ts.Node, depth: number): boolean {
    if (depth > 6) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (this.project.identity.isSource(n)) {
        found = true;
        return;
      }
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        const decl = this.project.modules.declarationOf(n.text, n);
        const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : decl && ts.isBindingElement(decl) ? bindingOwner(decl) : undefined;
        if (init && init.end <= n.pos && this.dependsOnSource(init, depth + 1)) found = true;
        else if (decl && ts.isBindingElement(decl) && this.project.identity.isSource(decl)) found = true;
        return;
      }
      ts.forEachChild(n, visit);
    };
    visit(expr);
    return found;
  }

  /** `getConnInfo(c).remote.address` (Hono): the immediate peer's address, whatever it is called. */
  private isPeerInfoAddress(n: ts.PropertyAccessExpression): boolean {
    const path: string[] = [];
    let e: ts.Expression = n;
    for (let i = 0; i < 6; i++) {
      e = skipOuter(e);
      if (ts.isPropertyAccessExpression(e)) {
        path.unshift(e.name.text);
        e = e.expression;
        continue;
      }
      if (ts.isAwaitExpression(e)) {
        e = e.expression;
        continue;
      }
      if (ts.isIdentifier(e)) {
        const decl = this.project.modules.declarationOf(e.text, e);
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer) {
          e = decl.initializer;
          continue;
        }
        // `const { remote } = getConnInfo(c)`
        if (decl && ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent) && ts.isVariableDeclaration(decl.parent.parent) && decl.parent.parent.initializer) {
          const key = decl.propertyName ?? decl.name;
          if (!ts.isIdentifier(key)) return false;
          path.unshift(key.text);
          e = decl.parent.parent.initializer;
          continue;
        }
        return false;
      }
      if (ts.isCallExpression(e) && ts.isIdentifier(skipOuter(e.expression))) {
        const id = skipOuter(e.expression) as ts.Identifier;
        const binding = this.project.facts.get(e.getSourceFile().fileName)?.bindings.get(id.text);
        const source = binding && peerInfoSource(binding.module, binding.path.at(-1) ?? id.text);
        return source !== undefined && source.address.join('.') === path.join('.');
      }
      return false;
    }
    return false;
  }

  /** A function whose result says whether trust holds: `return req.socket.authorized`. */
  isPredicate(fn: Fn, depth = 0): boolean {
    const cached = this.predicates.get(fn);
    if (cached !== undefined) return cached;
    this.predicates.set(fn, false);
    const result = returnedExpressions(fn).some((e) => this.mentions(e, depth + 1));
    this.predicates.set(fn, result);
    return result;
  }

  /**
   * A function that ends the request when trust is missing: middleware or a hook with a rejecting
   * check, or a NestJS guard whose `canActivate` answers from the check.
   */
  isGate(fn: Fn): boolean {
    const cached = this.gates.get(fn);
    if (cached !== undefined) return cached;
    this.gates.set(fn, false);
    let result = false;
    if (ts.isMethodDeclaration(fn) && fn.name && propertyNameText(fn.name) === 'canActivate') result = this.isPredicate(fn);
    if (!result && fn.body) {
      const visit = (n: ts.Node): void => {
        if (result || (isFunctionLike(n) && !isInlineCallback(n))) return;
        if (ts.isStatement(n) && this.isRejectingCheck(n)) result = true;
        else ts.forEachChild(n, visit);
      };
      ts.forEachChild(fn.body, visit);
    }
    this.gates.set(fn, result);
    return result;
  }
}

/** Statements that end the request or the flow: return, throw, 4xx responses, `next(err)`, `destroy()`. */
export function rejects(stmt: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) || ts.isThrowStatement(n)) {
      found = true;
      return;
    }
    if (ts.isCallExpression(n)) {
      const chain = calleeChain(n.expression);
      const name = chain?.at(-1) ?? '';
      if (isRefusalCall(name)) found = true;
      if (n.arguments[0] && ts.isNumericLiteral(n.arguments[0]) && refusesWithStatus(name, Number(n.arguments[0].text))) found = true;
      if (isErrorCallback(name) && n.arguments.length > 0) found = true;
      if (chain?.join('.') === 'process.exit') found = true;
    }
    if (!found) ts.forEachChild(n, visit);
  };
  visit(stmt);
  return found;
}

/**
 * A statement that touches the forwarded value only to get it checked, not to use it: a validation
 * that turns the request away (`if (!pem || stale(ts)) return 401`), or a local computed from it
 * without waiting on anything (`const mac = createHmac(…).update(pem).digest()`), whose name then
 * counts as the value. Anything else — an `await`, a write, a call that stands alone — is a use.
 */
function preparesCheck(s: ts.Statement, names: Set<string>): boolean {
  if (ts.isIfStatement(s)) return !s.elseStatement && !references(s.thenStatement, names) && refusesRequest(s.thenStatement) && !hasAwait(s.expression);
  if (ts.isVariableStatement(s)) {
    if (s.declarationList.declarations.some((d) => !d.initializer || hasAwait(d.initializer))) return false;
    for (const d of s.declarationList.declarations) collectNames(d.name, names);
    return true;
  }
  return false;
}

/**
 * A branch that turns the request away, not one that may let it go on (`return next()`): a throw,
 * a refusal call, a refusing status (`res.status(401)`, Hono's `c.json(body, 401)`), `next(err)`.
 */
function refusesRequest(stmt: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isThrowStatement(n)) found = true;
    else if (ts.isCallExpression(n)) {
      const name = calleeChain(n.expression)?.at(-1) ?? '';
      const status = n.arguments.find((a) => ts.isNumericLiteral(a) && Number(a.text) >= 400 && Number(a.text) < 600);
      if (isRefusalCall(name) || (name !== '' && isErrorCallback(name) && n.arguments.length > 0) || status !== undefined) found = true;
    }
    if (!found) ts.forEachChild(n, visit);
  };
  visit(stmt);
  return found;
}

function hasAwait(n: ts.Node): boolean {
  let found = false;
  const visit = (c: ts.Node): void => {
    if (found || isFunctionLike(c)) return;
    if (ts.isAwaitExpression(c) || ts.isYieldExpression(c)) found = true;
    else ts.forEachChild(c, visit);
  };
  visit(n);
  return found;
}

/** The value a destructured name is taken from: `const { a } = init` → `init`. */
function bindingOwner(decl: ts.BindingElement): ts.Expression | undefined {
  let n: ts.Node = decl;
  while (ts.isBindingElement(n)) n = n.parent.parent;
  return ts.isVariableDeclaration(n) ? n.initializer : undefined;
}

/** A gate that throws or ends the response itself, so calling it as a statement is the check. */
function throwsOnFailure(fn: Fn): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isThrowStatement(n)) found = true;
    else if (ts.isCallExpression(n) && isThrowingRefusal(calleeChain(n.expression)?.at(-1) ?? '')) found = true;
    else ts.forEachChild(n, visit);
  };
  if (fn.body) ts.forEachChild(fn.body, visit);
  return found;
}

export function enclosingFunction(node: ts.Node): Fn | undefined {
  for (let n = node.parent; n; n = n.parent) if (isFunctionLike(n)) return n;
  return undefined;
}

export function collectNames(name: ts.BindingName, out: Set<string>): void {
  if (ts.isIdentifier(name)) out.add(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) collectNames(el.name, out);
}

/** A verify call that takes one of the names: `jwt.verify(assertion, key)`. */
function verifies(node: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isCallExpression(n) && isSignatureVerifier(calleeChain(n.expression)?.at(-1) ?? '') && n.arguments.some((a) => references(a, names))) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** `node` refers to one of the local names (not as a property name). */
export function references(node: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && names.has(n.text) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}
