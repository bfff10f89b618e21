import { ts } from '../ts';
import { calleeChain, skipOuter } from './facts/walk';
import { propertyNameText } from './modules';
import type { Project } from './project';
import { isLocalSocketPath, isLoopbackHost, LISTEN_HOST_OPTIONS, LISTEN_METHOD, LISTEN_PATH_OPTION } from './vocabulary/frameworks';

/** Who can connect to a listener: the same host only (a Unix socket, loopback), anyone on the network, or unknown. */
export type Reach = 'local-socket' | 'loopback' | 'network' | 'unknown';

export interface Listener {
  call: ts.CallExpression;
  reach: Reach;
}

/**
 * Every place the app starts listening (`server.listen(…)`, `app.listen(…)`, `fastify.listen({ … })`,
 * Hono's `serve({ … })` of `@hono/node-server`) and who can reach it, from the arguments as written:
 * a path (`listen('/run/app.sock')`, `listen({ path })`) is a Unix domain socket; a host argument or
 * option that is a loopback address is local; a port alone listens on every interface. A value the
 * tool cannot read is `unknown`. A string with an environment override keeps the literal it falls
 * back to (`process.env.SOCKET ?? '/run/app.sock'`): the code says where it means to listen.
 */
export function listeners(project: Project): Listener[] {
  const out: Listener[] = [];
  for (const call of project.callsNamed(LISTEN_METHOD)) {
    if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipOuter(call.expression))) continue;
    out.push({ call, reach: reachOf(project, call.arguments) });
  }
  for (const call of project.callsNamed('serve')) {
    if (!ts.isCallExpression(call)) continue;
    const chain = calleeChain(call.expression);
    const binding = chain && project.facts.get(call.getSourceFile().fileName)?.bindings.get(chain[0]);
    if (binding?.module !== '@hono/node-server') continue;
    const opts = call.arguments[0] && project.modules.valueOf(call.arguments[0]);
    out.push({ call, reach: opts && ts.isObjectLiteralExpression(opts) ? optionsReach(project, opts) : 'unknown' });
  }
  return out;
}

/** Every listener of the app can be reached only from the same host (and there is one). */
export function onlyLocalListeners(project: Project): boolean {
  const all = listeners(project);
  return all.length > 0 && all.every((l) => l.reach === 'local-socket' || l.reach === 'loopback');
}

function reachOf(project: Project, args: readonly ts.Expression[]): Reach {
  const [first, second] = args;
  if (!first) return 'network';
  const v = project.modules.valueOf(first);
  if (v && ts.isObjectLiteralExpression(v)) return optionsReach(project, v);
  const text = literalStrings(project, first);
  if (text && text.length > 0 && text.every(isLocalSocketPath)) return 'local-socket';
  // `listen(port, host)`: the host decides
  if (second && !ts.isFunctionLike(skipOuter(second))) {
    const hosts = literalStrings(project, second);
    if (!hosts || hosts.length === 0) return 'unknown';
    return hosts.every(isLoopbackHost) ? 'loopback' : 'network';
  }
  return 'network';
}

function optionsReach(project: Project, opts: ts.ObjectLiteralExpression): Reach {
  let host: ts.Expression | undefined;
  for (const p of opts.properties) {
    if (ts.isSpreadAssignment(p)) return 'unknown';
    const name = p.name ? propertyNameText(p.name) : undefined;
    const value = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
    if (!value) continue;
    if (name === LISTEN_PATH_OPTION) return 'local-socket';
    if (name && LISTEN_HOST_OPTIONS.includes(name)) host = value;
  }
  if (!host) return 'network';
  const hosts = literalStrings(project, host);
  if (!hosts || hosts.length === 0) return 'unknown';
  return hosts.every(isLoopbackHost) ? 'loopback' : 'network';
}

/** The string literals an expression can be: through constants, `??`/`||` fallbacks and ternaries; `undefined` for anything else. */
function literalStrings(project: Project, expr: ts.Expression, depth = 0): string[] | undefined {
  if (depth > 6) return undefined;
  const e = skipOuter(expr);
  if (ts.isStringLiteralLike(e)) return [e.text];
  if (ts.isNumericLiteral(e)) return [e.text];
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    // `process.env.X ?? '/run/app.sock'`: the fallback the code means
    const right = literalStrings(project, e.right, depth + 1);
    const left = isEnvRead(e.left) ? [] : literalStrings(project, e.left, depth + 1);
    return right && left ? [...left, ...right] : undefined;
  }
  if (ts.isConditionalExpression(e)) {
    const a = literalStrings(project, e.whenTrue, depth + 1);
    const b = literalStrings(project, e.whenFalse, depth + 1);
    return a && b ? [...a, ...b] : undefined;
  }
  if (ts.isIdentifier(e)) {
    const decl = project.modules.declarationOf(e.text, e);
    if (decl && ts.isVariableDeclaration(decl) && decl.initializer && decl.parent.flags & ts.NodeFlags.Const) return literalStrings(project, decl.initializer, depth + 1);
  }
  return undefined;
}

function isEnvRead(e: ts.Expression): boolean {
  const chain = calleeChain(skipOuter(e));
  return chain !== undefined && chain[0] === 'process' && chain[1] === 'env';
}
