/**
 * Feature-flag SDKs whose clients answer from flags they keep in memory and refresh in the
 * background: a synchronous evaluation (`unleash.isEnabled('exchange')`) reads state that another
 * request's change, or the next poll, can turn while a request waits. (Evaluations that return a
 * promise are awaited reads like any other.)
 */
export interface FlagSdk {
  /** The package. */
  module: string;
  /** Exports that make a client: called (`initialize(…)`, `LD.init(…)`) or constructed (`new GrowthBook(…)`). */
  factories: readonly string[];
  /** A client's methods that evaluate a flag. */
  evaluations: readonly string[];
  /** Exports that evaluate on the SDK's own client (`import { isEnabled } from 'unleash-client'`). */
  direct?: readonly string[];
  /** The client's type, as code that is handed one declares it (`flags: Unleash`, `private readonly ld: LDClient`). */
  types: readonly string[];
}

export const FLAG_SDKS: readonly FlagSdk[] = [
  {
    module: 'unleash-client',
    factories: ['initialize', 'startUnleash', 'Unleash'],
    evaluations: ['isEnabled', 'getVariant'],
    direct: ['isEnabled', 'getVariant'],
    types: ['Unleash'],
  },
  { module: '@growthbook/growthbook', factories: ['GrowthBook'], evaluations: ['isOn', 'isOff', 'getFeatureValue', 'evalFeature'], types: ['GrowthBook'] },
  {
    module: 'launchdarkly-node-server-sdk',
    factories: ['init'],
    evaluations: ['variation', 'boolVariation', 'stringVariation', 'numberVariation', 'jsonVariation'],
    types: ['LDClient'],
  },
  {
    module: '@launchdarkly/node-server-sdk',
    factories: ['init'],
    evaluations: ['variation', 'boolVariation', 'stringVariation', 'numberVariation', 'jsonVariation'],
    types: ['LDClient'],
  },
  {
    module: '@openfeature/server-sdk',
    factories: ['getClient'],
    evaluations: ['getBooleanValue', 'getStringValue', 'getNumberValue', 'getObjectValue'],
    types: ['Client'],
  },
];

/** The SDK a package is, if it is one. */
export function flagSdk(module: string): FlagSdk | undefined {
  return FLAG_SDKS.find((s) => s.module === module);
}

/** A flag client's method of that SDK evaluates a flag. */
export function isFlagEvaluation(sdk: FlagSdk, method: string): boolean {
  return sdk.evaluations.includes(method);
}

/** An export of the SDK that evaluates on its own client. */
export function isDirectFlagEvaluation(sdk: FlagSdk, name: string): boolean {
  return sdk.direct?.includes(name) ?? false;
}

/** A type of the SDK that is its client. */
export function isFlagClientType(sdk: FlagSdk, name: string): boolean {
  return sdk.types.includes(name);
}

/** An export of the SDK that makes a client. */
export function makesFlagClient(sdk: FlagSdk, name: string): boolean {
  return sdk.factories.includes(name);
}

const evaluationNames = new Set(FLAG_SDKS.flatMap((s) => [...s.evaluations, ...(s.direct ?? [])]));

/** A name some SDK evaluates a flag by: asked first, before what made the receiver is looked up. */
export function mayEvaluateFlag(name: string): boolean {
  return evaluationNames.has(name);
}
