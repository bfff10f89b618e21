/**
 * Dependency-injection lifetimes: which classes the framework makes once for the process
 * (and so share their fields across requests), and which scopes make one per request.
 */

export interface DiDecorator {
  name: string;
  framework: 'nest';
}

/** NestJS class decorators of providers: one instance for the process unless given a request scope. */
export const SINGLETON_CLASS_DECORATORS: readonly DiDecorator[] = ['Injectable', 'Controller', 'Resolver', 'WebSocketGateway', 'Catch'].map((name) => ({
  name,
  framework: 'nest' as const,
}));

/** NestJS scopes that make a provider per request (or per injection): `Scope.REQUEST`, `{ scope: 'transient' }`. */
export const PER_REQUEST_SCOPES: readonly string[] = ['REQUEST', 'TRANSIENT'];

export function isSingletonClassDecorator(name: string): boolean {
  return SINGLETON_CLASS_DECORATORS.some((d) => d.name === name);
}

/** Whether a decorator's text names a per-request scope: `@Injectable({ scope: Scope.REQUEST })`. */
export function namesPerRequestScope(decoratorText: string): boolean {
  return PER_REQUEST_SCOPES.some((scope) => new RegExp(`Scope\\.${scope}|['"]${scope}['"]`, 'i').test(decoratorText));
}

/** awilix: the object a container (or a request's scope) hands registrations out on by name: `req.container.cradle.analyst`. */
export const DI_CRADLE = 'cradle';

/**
 * awilix-express: a function that makes route handlers out of a class's methods, each named by a
 * string (`const api = makeInvoker(ShipmentController); router.get('/x', api('bySeal'))`).
 */
export const METHOD_INVOKER_FACTORIES: readonly string[] = ['makeInvoker', 'makeClassInvoker'];
export function isMethodInvokerFactory(name: string): boolean {
  return METHOD_INVOKER_FACTORIES.includes(name);
}

/** NestJS: the provider key that names a class to instantiate (`{ provide: APP_GUARD, useClass: AuthGuard }`). */
export const NEST_PROVIDER_CLASS_KEY = 'useClass';

/**
 * Dependency injection outside NestJS (tsyringe, inversify, awilix): how a registration says how
 * long its instance lives. `singleton` is one instance for the process, `per-request` one per child
 * container or request scope, `transient` one per resolution. Unregistered defaults are transient
 * in all three (tsyringe `@injectable()`, inversify `bind(X).toSelf()`, awilix `asClass(X)`).
 */
export type DiLifetime = 'singleton' | 'per-request' | 'transient';

export interface DiLifetimeForm {
  library: 'tsyringe' | 'inversify' | 'awilix';
  /** A class decorator (`@singleton()`), a method on the registration (`.inSingletonScope()`), or a lifetime value (`Lifetime.SCOPED`). */
  form: 'decorator' | 'method' | 'value';
  /** The decorator or method name, or the value as written (`Lifecycle.Singleton`). */
  name: string;
  lifetime: DiLifetime;
}

export const DI_LIFETIME_FORMS: readonly DiLifetimeForm[] = [
  { library: 'tsyringe', form: 'decorator', name: 'singleton', lifetime: 'singleton' },
  { library: 'tsyringe', form: 'method', name: 'registerSingleton', lifetime: 'singleton' },
  { library: 'tsyringe', form: 'value', name: 'Lifecycle.Singleton', lifetime: 'singleton' },
  { library: 'tsyringe', form: 'value', name: 'Lifecycle.ContainerScoped', lifetime: 'per-request' },
  { library: 'tsyringe', form: 'value', name: 'Lifecycle.ResolutionScoped', lifetime: 'per-request' },
  { library: 'tsyringe', form: 'value', name: 'Lifecycle.Transient', lifetime: 'transient' },
  { library: 'inversify', form: 'method', name: 'inSingletonScope', lifetime: 'singleton' },
  { library: 'inversify', form: 'method', name: 'inRequestScope', lifetime: 'per-request' },
  { library: 'inversify', form: 'method', name: 'inTransientScope', lifetime: 'transient' },
  { library: 'awilix', form: 'method', name: 'singleton', lifetime: 'singleton' },
  { library: 'awilix', form: 'method', name: 'scoped', lifetime: 'per-request' },
  { library: 'awilix', form: 'method', name: 'transient', lifetime: 'transient' },
  { library: 'awilix', form: 'value', name: 'Lifetime.SINGLETON', lifetime: 'singleton' },
  { library: 'awilix', form: 'value', name: 'Lifetime.SCOPED', lifetime: 'per-request' },
  { library: 'awilix', form: 'value', name: 'Lifetime.TRANSIENT', lifetime: 'transient' },
];

/** The lifetime a class decorator gives (`@singleton()`), if it is one of the DI libraries'. */
export function diDecoratorLifetime(name: string): DiLifetime | undefined {
  return DI_LIFETIME_FORMS.find((f) => f.form === 'decorator' && f.name === name)?.lifetime;
}
/** The lifetime a registration method gives (`.singleton()`, `.inRequestScope()`, `registerSingleton(…)`). */
export function diMethodLifetime(name: string): DiLifetime | undefined {
  return DI_LIFETIME_FORMS.find((f) => f.form === 'method' && f.name === name)?.lifetime;
}
/** The lifetime a value names: `Lifecycle.Singleton`, `Lifetime.SCOPED`, or awilix's string `'SCOPED'`. */
export function diLifetimeValue(text: string): DiLifetime | undefined {
  const t = text.replace(/^['"`]|['"`]$/g, '');
  return DI_LIFETIME_FORMS.find((f) => f.form === 'value' && (f.name === t || (f.library === 'awilix' && f.name.split('.')[1] === t)))?.lifetime;
}
/** Registration methods by lifetime, for finding them in the project. */
export const DI_LIFETIME_METHODS: readonly string[] = [...new Set(DI_LIFETIME_FORMS.filter((f) => f.form === 'method').map((f) => f.name))];
/** Option keys that carry a lifetime value: awilix `{ lifetime }`, tsyringe `{ lifecycle }`. */
export const DI_LIFETIME_OPTIONS: readonly string[] = ['lifetime', 'lifecycle'];

/**
 * Containers: the root one lives as long as the process (what it holds is shared by every
 * request); a child container or scope is made per request (awilix-express puts it on
 * `req.container`).
 */
export interface DiContainerForm {
  library: 'tsyringe' | 'inversify' | 'awilix';
  /** `export`: the library's own root container; `factory`: a call or `new` that makes a root; `child`: a method that makes a child. */
  form: 'export' | 'factory' | 'child';
  name: string;
}

export const DI_CONTAINER_FORMS: readonly DiContainerForm[] = [
  { library: 'tsyringe', form: 'export', name: 'container' },
  { library: 'tsyringe', form: 'child', name: 'createChildContainer' },
  { library: 'inversify', form: 'factory', name: 'Container' },
  { library: 'inversify', form: 'child', name: 'createChild' },
  { library: 'awilix', form: 'factory', name: 'createContainer' },
  { library: 'awilix', form: 'child', name: 'createScope' },
];

/** The DI packages whose containers and lifetimes the model knows. */
export const DI_MODULES: readonly string[] = [...new Set(DI_CONTAINER_FORMS.map((f) => f.library))];

export function isDiModule(module: string): boolean {
  return DI_MODULES.includes(module);
}
/** What a name imported from a DI package makes or is: the root container, a factory of one. */
export function diContainerForm(module: string, name: string): DiContainerForm['form'] | undefined {
  return DI_CONTAINER_FORMS.find((f) => f.library === module && f.name === name && f.form !== 'child')?.form;
}
/** A method that makes a child container or scope: `createChildContainer()`, `createScope()`, `createChild()`. */
export function makesChildContainer(method: string): boolean {
  return DI_CONTAINER_FORMS.some((f) => f.form === 'child' && f.name === method);
}

/**
 * How an instance or a value is taken out of a container (`container.resolve(X)`, inversify
 * `container.get(X)`, awilix `container.resolve('name')`), and how a value is put in: tsyringe
 * `register(T, { useValue: v })` / `registerInstance(T, v)`, inversify `bind(T).toConstantValue(v)`,
 * awilix `register({ name: asValue(v) })` / `register('name', asValue(v))`.
 */
export const DI_RESOLVE_METHODS: readonly string[] = ['resolve', 'get', 'getAsync'];
export interface DiValueRegistration {
  name: string;
  form: 'method' | 'option' | 'wrapper';
  /** For methods: which argument is the value. */
  valueArg?: number;
}
export const DI_VALUE_REGISTRATIONS: readonly DiValueRegistration[] = [
  { name: 'registerInstance', form: 'method', valueArg: 1 },
  { name: 'toConstantValue', form: 'method', valueArg: 0 },
  { name: 'useValue', form: 'option' },
  { name: 'asValue', form: 'wrapper' },
];
/** awilix's `container.register(…)`: a name per entry of its object, or a name and a registration. */
export const DI_REGISTER = 'register';
/** The calls that register something in a container, whose arguments may hold a value registration. */
export const DI_REGISTER_METHODS: readonly string[] = [DI_REGISTER, ...DI_VALUE_REGISTRATIONS.filter((r) => r.form === 'method').map((r) => r.name)];

/**
 * How a class is registered to be made on resolution: awilix `register({ name: asClass(C) })` /
 * `register('name', asClass(C).scoped())`, tsyringe `register(T, { useClass: C })`, inversify
 * `bind(T).to(C)`. Read like the value registrations: a wrapper, an option, or a method on `bind(T)`.
 */
export const DI_CLASS_REGISTRATIONS: readonly DiValueRegistration[] = [
  { name: 'asClass', form: 'wrapper' },
  { name: 'useClass', form: 'option' },
  { name: 'to', form: 'method', valueArg: 0 },
];
export function diClassRegistration(name: string): DiValueRegistration | undefined {
  return DI_CLASS_REGISTRATIONS.find((r) => r.name === name);
}

/**
 * How a factory is registered to make the value on resolution: awilix `register({ photoStore: asFunction(({ s3 })
 * => new PhotoStore(s3)) })`, tsyringe `register(T, { useFactory: (c) => new C(…) })`, inversify
 * `bind(T).toDynamicValue(() => new C(…))`. The class it makes is the one its factory returns (`new C(…)`).
 */
export const DI_FACTORY_REGISTRATIONS: readonly DiValueRegistration[] = [
  { name: 'asFunction', form: 'wrapper' },
  { name: 'useFactory', form: 'option' },
  { name: 'toDynamicValue', form: 'method', valueArg: 0 },
];
export function diFactoryRegistration(name: string): DiValueRegistration | undefined {
  return DI_FACTORY_REGISTRATIONS.find((r) => r.name === name);
}

/** Parameter decorators that name the token a constructor parameter is injected for: tsyringe / inversify `@inject(T)`, NestJS `@Inject(T)`. */
export const DI_INJECT_DECORATORS: readonly string[] = ['inject', 'Inject'];
export function isDiInjectDecorator(name: string): boolean {
  return DI_INJECT_DECORATORS.includes(name);
}

export function isDiResolve(method: string): boolean {
  return DI_RESOLVE_METHODS.includes(method);
}
export function diValueRegistration(name: string): DiValueRegistration | undefined {
  return DI_VALUE_REGISTRATIONS.find((r) => r.name === name);
}
