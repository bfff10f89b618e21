import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import type { Fn } from './handlers';
import { isLiteralAnswer, valueKey } from './expressions';
import { enclosingFunction, refusesRequest, rejects, type CheckSpec } from './dominance';
import { isFunctionLike, isInlineCallback, propertyNameText, returnedExpressions } from './modules';
import type { Project } from './project';
import { isHeaderObjectName, isPositiveSignal, isSignatureVerifier, peerInfoSource, trustSignalOf } from './vocabulary/identity-sources';
import { isAssertion, isThrowingRefusal } from './vocabulary/refusals';
import { isRequestConnectionField, isRequestObjectName, isRequestPathField } from './vocabulary/requests';
import { readsRequestInput } from './request-values';

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
 * Whether a read happens only after a check that rejects the request when trust is missing (the
 * check of trust; where it may sit and what "before" means is `dominance.ts`):
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

  private peerAddressChecked?: boolean;

  /**
   * Some code of the app refuses a request by the address of its peer (`if
   * (!PROXIES.has(req.socket.remoteAddress)) throw …`): the app itself expects peers other than its
   * proxy to connect. (A check of `authorized` says nothing of the kind: a server that verifies every
   * client makes it true for all.)
   */
  checksPeerAddress(): boolean {
    if (this.peerAddressChecked !== undefined) return this.peerAddressChecked;
    this.peerAddressChecked = false;
    const address = (n: ts.Node): boolean =>
      (ts.isPropertyAccessExpression(n) && (trustSignalOf(n.name.text) === 'peer-address' || this.isPeerInfoAddress(n))) || ts.forEachChild(n, address) === true;
    const visit = (n: ts.Node): void => {
      if (this.peerAddressChecked) return;
      if (ts.isIfStatement(n) && this.isRejectingCheck(n)) {
        const fn = enclosingFunction(n);
        if (fn && address(fn)) this.peerAddressChecked = true;
      } else ts.forEachChild(n, visit);
    };
    for (const facts of this.project.facts.values()) visit(facts.sourceFile);
    return this.peerAddressChecked;
  }

  /** The read is reached only after trust was checked, on every way the tool can see (`Dominance.checkBefore`). */
  guarded(read: ts.Node): boolean {
    const cached = this.guardedCache.get(read);
    if (cached !== undefined) return cached;
    const result = this.project.dominance.checkBefore(read, this.spec, (fn) => this.project.handlers.callersOf(fn)) !== undefined;
    this.guardedCache.set(read, result);
    return result;
  }

  /**
   * A rejecting condition that lets one kind of failure through: `!socket.authorized &&
   * socket.authorizationError !== 'CERT_HAS_EXPIRED'` refuses only the other failures, so an expired
   * (or otherwise named) certificate passes unverified.
   */
  private carvesOut(e: ts.Expression): boolean {
    // (for a peer check, `remote !== '127.0.0.1' && remote !== '::1'` is an allow-list, not an exception;
    // but a verification the client can switch off is: `typeof sig === 'string' && !signatureMatches(xfcc, sig)`
    // refuses only when the client sent a signature)
    if (this.kind !== 'authorized') return this.clientSkips(e);
    const x = skipOuter(e);
    if (!ts.isBinaryExpression(x)) return false;
    if (x.operatorToken.kind === ts.SyntaxKind.BarBarToken) return this.carvesOut(x.left) && this.carvesOut(x.right);
    if (x.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) return false;
    const exception = (side: ts.Expression): boolean => {
      const c = skipOuter(side);
      return (
        ts.isBinaryExpression(c) &&
        (c.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || c.operatorToken.kind === ts.SyntaxKind.ExclamationEqualsToken) &&
        (ts.isStringLiteralLike(skipOuter(c.right)) || ts.isStringLiteralLike(skipOuter(c.left)))
      );
    };
    return exception(x.left) || exception(x.right);
  }

  /** A rejecting `a && b` whose other side only asks about what the client sent: leaving it out skips the check. */
  private clientSkips(e: ts.Expression): boolean {
    const x = skipOuter(e);
    if (!ts.isBinaryExpression(x) || x.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) return false;
    const side = (trust: ts.Expression, other: ts.Expression): boolean => this.mentions(trust) && !this.mentions(other) && this.fromRequest(other);
    return side(x.right, x.left) || side(x.left, x.right);
  }

  /** Every name in `e` holds request input, or `e` reads it: `typeof signature === 'string'` with `const signature = request.headers['x-sig']`. */
  private fromRequest(e: ts.Expression): boolean {
    if (readsRequestInput(e)) return true;
    const names: ts.Identifier[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) names.push(n);
      else ts.forEachChild(n, visit);
    };
    visit(e);
    return (
      names.length > 0 &&
      names.every((n) => {
        const decl = this.project.modules.declarationOf(n.text, n);
        return decl !== undefined && ts.isVariableDeclaration(decl) && decl.initializer !== undefined && readsRequestInput(decl.initializer);
      })
    );
  }

  /** What counts as a check of trust, for `Dominance`. */
  private readonly spec: CheckSpec = {
    condition: (e) => this.mentions(e) && !this.carvesOut(e),
    statement: (s) => this.isRejectingCheck(s),
    gate: (fn) => this.isGate(fn),
    orCondition: true,
    // the value is what gets verified: `verify(req.headers['x-client-cert'], sig)`
    checksArgument: (call) => this.kind === 'peer' && isSignatureVerifier(calleeChain(call.expression)?.at(-1) ?? ''),
    checkedBeforeUse: (statement, after) => this.checkedBeforeUse(statement, after),
  };

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

  private isRejectingCheck(s: ts.Statement, gate?: Fn): boolean {
    // (in middleware, a branch that hands the request on, `if (!sock.authorized) return next()`, rejects nothing)
    const ends = (b: ts.Statement): boolean => rejects(b) && !(gate !== undefined && handsOn(b, gate));
    // (a branch entered only when trust is present, `if (socket.authorized) { … return 403 }`, turns away some
    // verified clients, never an unverified one)
    if (ts.isIfStatement(s))
      return (
        this.mentions(s.expression) &&
        !this.carvesOut(s.expression) &&
        ((ends(s.thenStatement) && !requiresVerified(s.expression)) || (s.elseStatement !== undefined && ends(s.elseStatement)))
      );
    // `try { verifyEdgeSignature(headers) } catch { return c.json(…, 401) }`: a throwing check whose failure the
    // `catch` turns into a refusal (a `catch` that swallows it lets the request on)
    if (ts.isTryStatement(s)) return s.tryBlock.statements.some((t) => this.isRejectingCheck(t, gate)) && (s.catchClause === undefined || ends(s.catchClause.block));
    // (also one whose result is kept: `const socket = assertVerifiedPeer(request)` returning the socket it checked)
    const kept = ts.isVariableStatement(s) && s.declarationList.declarations.length === 1 ? s.declarationList.declarations[0].initializer : undefined;
    if (ts.isExpressionStatement(s) || kept) {
      let e = skipOuter(kept ?? (s as ts.ExpressionStatement).expression);
      if (ts.isAwaitExpression(e)) e = skipOuter(e.expression);
      if (!ts.isCallExpression(e)) return false;
      const name = calleeChain(e.expression)?.at(-1) ?? '';
      // `assert(sock.authorized)`, `ctx.assert(ctx.req.socket.authorized, 401)`
      if (isAssertion(name) && e.arguments[0] && this.mentions(e.arguments[0])) return true;
      // `requireClientCert(req, res)` that throws or ends the response itself
      const fn = this.project.handlers.functionOf(e.expression);
      if (fn !== undefined && this.isGate(fn) && throwsOnFailure(fn)) return true;
      // a helper that verifies a signature over what it is given and throws when it fails, given the forwarded
      // value or the request's headers that carry it: `verifyEdgeSignature(c.req.raw.headers)`
      // (called for its effect: a value it hands back, `const principal = principalFromDer(…)`, is a reading, not that check)
      if (fn === undefined || kept || this.kind !== 'peer' || !throwsOnFailure(fn)) return false;
      if (this.signedParameters(fn).some((i) => e.arguments[i] !== undefined && this.carriesForwarded(e.arguments[i]))) return true;
      // or one given the peer's address that refuses on a test of it: `assertFromGateway(ctx.req.socket.remoteAddress)`
      // throwing unless the address is in the proxies' subnets
      return this.refusedParameters(fn).some((i) => e.arguments[i] !== undefined && this.mentions(e.arguments[i]));
    }
    return false;
  }

  /** An expression looks at trust: directly, through a local it was kept in, or through a helper. */
  mentions(expr: ts.Node, depth = 0): boolean {
    if (depth > 6) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      // a callback the test runs (`ranges.some(([r, bits]) => addr.match(r, bits))`) is part of the test
      if (found || (isFunctionLike(n) && !isInlineCallback(n))) return;
      if (this.isSignal(n)) {
        found = true;
        return;
      }
      // `legacy ? fromLb(req) : fromEdge(req)`: a value that looks at trust on one branch only is no check
      if (ts.isConditionalExpression(n)) {
        found = this.mentions(n.condition, depth + 1) || (this.mentions(n.whenTrue, depth + 1) && this.mentions(n.whenFalse, depth + 1));
        return;
      }
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        const decl = this.project.modules.declarationOf(n.text, n);
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.initializer.end <= n.pos && this.mentions(decl.initializer, depth + 1)) found = true;
        // `let addr; try { addr = parse(peer) } catch { … }`: what was assigned to it before
        else if (decl && ts.isVariableDeclaration(decl) && assignedBefore(decl, n).some((v) => this.mentions(v, depth + 1))) found = true;
        else if (decl && ts.isBindingElement(decl)) {
          const key = decl.propertyName ?? decl.name;
          if ((ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && this.isSignalName(key.text)) found = true;
        }
        return;
      }
      if (ts.isCallExpression(n)) {
        const fn = this.project.handlers.functionOf(n.expression);
        // or a helper that verifies a signature over what it is given, given the forwarded value:
        // `signatureValid(subject, issuedAt, sig)` computing an HMAC over `subject`
        const signed = fn && this.kind === 'peer' ? this.signedParameters(fn) : [];
        if (signed.some((i) => n.arguments[i] !== undefined && this.carriesForwarded(n.arguments[i]))) {
          found = true;
          return;
        }
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
    if (this.kind === 'peer' && ts.isCallExpression(n))
      return (isSignatureVerifier(calleeChain(n.expression)?.at(-1) ?? '') && this.overForwardedValue(n)) || this.verifiedPeerCertificate(n);
    return false;
  }

  /**
   * The peer's own certificate on a server that verifies every client (`rejectUnauthorized` left
   * on): a test of its subject or fingerprint (`if (!PROXY_CNS.has(sock.getPeerCertificate().subject.CN))
   * return 403`) proves the connection is the proxy's.
   */
  private verifiedPeerCertificate(call: ts.CallExpression): boolean {
    if (!this.project.identity.certReads().some((r) => r.call === call)) return false;
    const servers = this.project.servers.servingNode(call);
    return servers.length > 0 && servers.every((s) => this.project.servers.verification(s) === 'verified');
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

  /**
   * What a signature check is given covers the forwarded value: the value itself (through locals), or the
   * headers of a request that carries it (`req.headers`, `c.req.raw.headers`), from which the verifier
   * takes the signed header values itself.
   */
  private carriesForwarded(arg: ts.Expression): boolean {
    if (this.dependsOnSource(arg, 0)) return true;
    const e = skipOuter(arg);
    if (!ts.isPropertyAccessExpression(e) || !isHeaderObjectName(e.name.text)) return false;
    // the request itself or its raw form: `req`, `request.raw`, `c.req.raw`, `ctx.request`
    const chain = calleeChain(e.expression);
    return chain !== undefined && isRequestObjectName(chain[0]) && chain.slice(1).every(isRequestConnectionField);
  }

  /** The expression is computed from an identity source read, through locals of its function. */
  private dependsOnSource(expr: ts.Node, depth: number): boolean {
    const source = (n: ts.Node): boolean => this.project.identity.isSource(n);
    return this.dependsOn(expr, (n, decl) => source(n) || (decl !== undefined && ts.isBindingElement(decl) && source(decl)), depth);
  }

  /**
   * The expression is computed from what `leaf` accepts (a node, or a name with its declaration),
   * through the locals it reads (variables and destructuring declared before the read).
   */
  private dependsOn(expr: ts.Node, leaf: (n: ts.Node, decl?: ts.Node) => boolean, depth: number): boolean {
    if (depth > 6) return false;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (leaf(n)) {
        found = true;
        return;
      }
      if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
        const decl = this.project.modules.declarationOf(n.text, n);
        if (decl && leaf(n, decl)) found = true;
        else {
          const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : decl && ts.isBindingElement(decl) ? bindingOwner(decl) : undefined;
          if (init && init.end <= n.pos && this.dependsOn(init, leaf, depth + 1)) found = true;
        }
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

  private readonly signedCache = new Map<ts.Node, number[]>();
  private readonly refusedCache = new Map<ts.Node, number[]>();
  /** The parameters of a function that a signature verification in it covers (they reach the verifier's inputs). */
  private signedParameters(fn: Fn): number[] {
    const known = this.signedCache.get(fn);
    if (known) return known;
    const out: number[] = [];
    this.signedCache.set(fn, out);
    const names = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : undefined));
    if (!fn.body || names.every((n) => n === undefined)) return out;
    const verifiers: ts.CallExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (n !== fn && isFunctionLike(n)) return;
      if (ts.isCallExpression(n) && isSignatureVerifier(calleeChain(n.expression)?.at(-1) ?? '')) verifiers.push(n);
      ts.forEachChild(n, visit);
    };
    visit(fn.body);
    names.forEach((name, i) => {
      if (name === undefined) return;
      const one = new Set([name]);
      for (const v of verifiers) {
        const callee = skipOuter(v.expression);
        const inputs = [...v.arguments, ...(ts.isPropertyAccessExpression(callee) ? [callee.expression] : [])];
        // the parameter itself, or a local computed from it
        if (inputs.some((a) => this.dependsOn(a, (n, decl) => decl !== undefined && ts.isParameter(decl) && decl.parent === fn && one.has((n as ts.Identifier).text), 0))) {
          out.push(i);
          return;
        }
      }
    });
    return out;
  }

  /** The parameters a rejecting branch of `fn` tests, itself or through a local computed from it (`if (!addr || !allowed.has(addr)) throw …`). */
  private refusedParameters(fn: Fn): number[] {
    const known = this.refusedCache.get(fn);
    if (known) return known;
    const out: number[] = [];
    this.refusedCache.set(fn, out);
    if (!fn.body) return out;
    const tests: ts.Expression[] = [];
    const visit = (n: ts.Node): void => {
      if (n !== fn && isFunctionLike(n) && !isInlineCallback(n)) return;
      if (ts.isIfStatement(n) && rejects(n.thenStatement)) tests.push(n.expression);
      ts.forEachChild(n, visit);
    };
    visit(fn.body);
    fn.parameters.forEach((p, i) => {
      if (!ts.isIdentifier(p.name)) return;
      const param = p;
      const given = (_n: ts.Node, decl?: ts.Node): boolean => decl === param;
      if (tests.some((t) => this.dependsOn(t, given, 0))) out.push(i);
    });
    return out;
  }

  /** A function whose result says whether trust holds: `return req.socket.authorized`. */
  isPredicate(fn: Fn, depth = 0): boolean {
    const cached = this.predicates.get(fn);
    if (cached !== undefined) return cached;
    this.predicates.set(fn, false);
    // every value it can answer with looks at trust (a literal answer aside: `if (!sig) return false`): a helper that
    // answers with the forwarded address on one way (`return forwarded.split(',')[0]`) and the peer's on another is no check
    const answers = returnedExpressions(fn).filter((e) => !isLiteralAnswer(e));
    const result = answers.length > 0 && answers.every((e) => this.mentions(e, depth + 1));
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
        if (ts.isStatement(n) && this.isRejectingCheck(n, fn)) result = true;
        else ts.forEachChild(n, visit);
      };
      // a request let through by its path before the check (`if (!request.url.startsWith('/workshop/')) return;`)
      // is not checked: a check after that gates no route as a whole
      if (ts.isBlock(fn.body)) {
        for (const st of fn.body.statements) {
          if (ts.isIfStatement(st) && letsThrough(st.thenStatement, fn) && requestPathTest(st.expression)) break;
          visit(st);
          if (result) break;
        }
      } else ts.forEachChild(fn.body, visit);
    }
    this.gates.set(fn, result);
    return result;
  }
}

/**
 * The condition holds only for a verified client: `authorized` read as it is (not negated, not
 * compared) is the condition or one of its `&&` conjuncts (`socket.authorized && revoked.has(serial)`).
 */
function requiresVerified(cond: ts.Expression): boolean {
  const x = skipOuter(cond);
  if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken) return requiresVerified(x.left) || requiresVerified(x.right);
  const name = ts.isPropertyAccessExpression(x)
    ? x.name.text
    : ts.isElementAccessExpression(x) && ts.isStringLiteralLike(x.argumentExpression)
      ? x.argumentExpression.text
      : undefined;
  return name !== undefined && trustSignalOf(name) === 'verified-certificate' && isPositiveSignal(name);
}

/** A branch that ends the middleware without refusing: a bare `return`, or handing the request on (`return next()`). */
function letsThrough(branch: ts.Statement, fn: Fn): boolean {
  const end = ts.isBlock(branch) ? branch.statements[branch.statements.length - 1] : branch;
  if (!end || !ts.isReturnStatement(end)) return false;
  return end.expression === undefined || handsOn(branch, fn);
}

/** A test of the request's path: `req.url.startsWith('/workshop/')`, `request.url === '/healthz'`, `ctx.path.startsWith(…)`. */
function requestPathTest(cond: ts.Expression): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyAccessExpression(n) && isRequestPathField(n.name.text)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(cond);
  return found;
}

/** The branch calls the middleware's continuation with nothing (`next()`, `done()`: its last parameter), letting the request on. */
function handsOn(branch: ts.Statement, fn: Fn): boolean {
  const last = fn.parameters[fn.parameters.length - 1]?.name;
  if (fn.parameters.length < 2 || !last || !ts.isIdentifier(last)) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || isFunctionLike(n)) return;
    if (ts.isCallExpression(n) && n.arguments.length === 0 && ts.isIdentifier(skipOuter(n.expression)) && (skipOuter(n.expression) as ts.Identifier).text === last.text)
      found = true;
    else ts.forEachChild(n, visit);
  };
  visit(branch);
  return found;
}

/**
 * A statement that touches the forwarded value only to get it checked, not to use it: a validation
 * that turns the request away (`if (!pem || stale(ts)) return 401`), or a local computed from it
 * without waiting on anything (`const mac = createHmac(…).update(pem).digest()`), whose name then
 * counts as the value. Anything else — an `await`, a write, a call that stands alone — is a use.
 */
function preparesCheck(s: ts.Statement, names: Set<string>): boolean {
  if (ts.isIfStatement(s))
    return !s.elseStatement && !references(s.thenStatement, names) && (refusesRequest(s.thenStatement) || givesUp(s.thenStatement)) && !hasAwait(s.expression);
  if (ts.isVariableStatement(s)) {
    if (s.declarationList.declarations.some((d) => !d.initializer || hasAwait(d.initializer))) return false;
    for (const d of s.declarationList.declarations) collectNames(d.name, names);
    return true;
  }
  return false;
}

/** A helper giving up without a value (`return;`, `return null`, `return undefined`, `return false`): its caller refuses. */
function givesUp(stmt: ts.Statement): boolean {
  const only = ts.isBlock(stmt) && stmt.statements.length === 1 ? stmt.statements[0] : stmt;
  if (!ts.isReturnStatement(only)) return false;
  const e = only.expression && skipOuter(only.expression);
  // (or a result without what was forwarded: a context factory's `return { prisma, keeperId: undefined }`;
  // the caller checks that the branch does not use the value)
  return !e || e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.FalseKeyword || (ts.isIdentifier(e) && e.text === 'undefined') || ts.isObjectLiteralExpression(e);
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

/**
 * The whole certificate handed on next to the TLS layer's verdict on the same socket: arguments of
 * one call (`cb(sock.authorized, sock.authorizationError, sock.getPeerCertificate(), cipher)`) or
 * members of one object (`setTLS({ verified: sock.authorized, peerCertificate: sock.getPeerCertificate() })`),
 * directly or through a local used only that way. That records the outcome of the handshake — for
 * logs, `Received` headers, a later consumer — rather than taking an identity: whoever takes one
 * from it has the verdict beside it. A consumer the tool can see must take the verdict in (a
 * parameter it never reads drops it). A field of the certificate used on the spot
 * (`{ verified, user: sock.getPeerCertificate().subject.CN }`) is an identity taken here.
 */
export function travelsWithVerdict(read: ts.CallExpression, project: Project, resolve: (call: ts.CallExpression) => ts.FunctionLikeDeclaration | undefined): boolean {
  const sf = read.getSourceFile();
  const socket = skipOuter((skipOuter(read.expression) as ts.PropertyAccessExpression).expression);
  const key = valueKey(socket, sf);
  if (key === undefined) return false;
  const isVerdict = (expr: ts.Node, depth = 0): boolean => {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found || isFunctionLike(n)) return;
      if (ts.isPropertyAccessExpression(n) && trustSignalOf(n.name.text) === 'verified-certificate' && valueKey(n.expression, sf) === key) found = true;
      else if (ts.isIdentifier(n) && depth < 3) {
        // `const verified = sock.authorized`
        const decl = project.modules.declarationOf(n.text, n);
        if (decl && ts.isVariableDeclaration(decl) && decl.initializer && isVerdict(decl.initializer, depth + 1)) found = true;
      } else ts.forEachChild(n, visit);
    };
    visit(expr);
    return found;
  };
  const handedOn = (node: ts.Expression): boolean => {
    let n: ts.Node = node;
    while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
    const parent = n.parent;
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== n) {
      const args = parent.arguments ?? [];
      const verdicts = args.map((a, i) => (a !== n && isVerdict(a) ? i : -1)).filter((i) => i >= 0);
      if (verdicts.length === 0) return false;
      // a consumer the tool can see takes the verdict in
      const fn = ts.isCallExpression(parent) ? resolve(parent) : undefined;
      if (!fn?.body) return true;
      return verdicts.some((i) => {
        const p = fn.parameters[i];
        if (!p) return false;
        const names = new Set<string>();
        collectNames(p.name, names);
        return references(fn.body!, names);
      });
    }
    if ((ts.isPropertyAssignment(parent) && parent.initializer === n) || ts.isShorthandPropertyAssignment(parent)) {
      const obj = parent.parent;
      return ts.isObjectLiteralExpression(obj) && obj.properties.some((p) => p !== parent && isVerdict(p));
    }
    return false;
  };
  let n: ts.Node = read;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent))) n = n.parent;
  // `const cert = sock.getPeerCertificate(); done(sock.authorized, cert)`: every use is such a hand-off
  if (ts.isVariableDeclaration(n.parent) && n.parent.initializer === n && ts.isIdentifier(n.parent.name)) {
    const decl = n.parent;
    const name = n.parent.name.text;
    const scope = decl.parent.parent.parent;
    const uses: ts.Identifier[] = [];
    const visit = (x: ts.Node): void => {
      if (
        ts.isIdentifier(x) &&
        x.text === name &&
        x !== decl.name &&
        !(ts.isPropertyAccessExpression(x.parent) && x.parent.name === x) &&
        project.modules.declarationOf(name, x) === decl
      )
        uses.push(x);
      ts.forEachChild(x, visit);
    };
    visit(scope);
    return uses.length > 0 && uses.every((u) => handedOn(u));
  }
  return handedOn(read);
}

/** The values assigned to a variable (`x = …`) in its scope before a read of it. */
function assignedBefore(decl: ts.VariableDeclaration, read: ts.Node): ts.Expression[] {
  const name = ts.isIdentifier(decl.name) ? decl.name.text : undefined;
  const scope = decl.parent?.parent?.parent;
  if (!name || !scope) return [];
  const out: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (n.pos >= read.pos) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name && n.end <= read.pos) out.push(n.right);
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return out;
}
