/**
 * Dependency-injection lifetimes: which classes the framework makes once for the process
 * (and so share their fields across requests), and which scopes make one per request.
 */

export interface DiDecorator {
  name: string;
  framework: 'nest';
}

/** NestJS class decorators of providers: one instance for the process unless given a request scope. */
export const SINGLETON_CLASS_DECORATORS: readonly DiDecorator[] = ['Injectable', 'Controller', 'Resolver', 'WebSocketGateway', 'Catch'].map((name) => ({ name, framework: 'nest' as const }));

/** NestJS scopes that make a provider per request (or per injection): `Scope.REQUEST`, `{ scope: 'transient' }`. */
export const PER_REQUEST_SCOPES: readonly string[] = ['REQUEST', 'TRANSIENT'];

export function isSingletonClassDecorator(name: string): boolean {
  return SINGLETON_CLASS_DECORATORS.some((d) => d.name === name);
}

/** Whether a decorator's text names a per-request scope: `@Injectable({ scope: Scope.REQUEST })`. */
export function namesPerRequestScope(decoratorText: string): boolean {
  return PER_REQUEST_SCOPES.some((scope) => new RegExp(`Scope\\.${scope}|['"]${scope}['"]`, 'i').test(decoratorText));
}

/** NestJS: the provider key that names a class to instantiate (`{ provide: APP_GUARD, useClass: AuthGuard }`). */
export const NEST_PROVIDER_CLASS_KEY = 'useClass';

/**
 * Container methods that hand back an instance of the class they are given:
 * NestJS `moduleRef.resolve(X)` / `app.get(X)`, tsyringe `container.resolve(X)`, inversify
 * `container.get(X)`, awilix `container.build(X)`.
 */
export const DI_RESOLVE_METHODS: readonly string[] = ['resolve', 'get', 'getAsync', 'create', 'build'];

export function resolvesInstance(method: string): boolean {
  return DI_RESOLVE_METHODS.includes(method);
}

/**
 * How containers are given a value for a token, so that resolving the token later gives it back:
 * tsyringe `register(T, { useValue: v })` and `registerInstance(T, v)`, inversify
 * `bind(T).toConstantValue(v)`, awilix `register('name', asValue(v))` / `register({ name: asValue(v) })`.
 */
export const DI_VALUE_REGISTRATIONS = {
  /** `register(T, { useValue: v })`: the option key that holds the value. */
  optionKeys: ['useValue'] as readonly string[],
  /** `registerInstance(T, v)`: methods whose second argument is the value. */
  instanceMethods: ['registerInstance', 'registerSingleton'] as readonly string[],
  /** `bind(T).toConstantValue(v)`: methods on a binding that take the value. */
  bindingMethods: ['toConstantValue'] as readonly string[],
  /** `asValue(v)`: awilix's wrapper of a value. */
  valueWrappers: ['asValue'] as readonly string[],
  /** `register(…)` and `bind(…)`: where the token is given. */
  registerMethods: ['register', 'bind'] as readonly string[],
};
