import type { Rule } from '../src/rule';
import fsCheckThenUse from './fs-check-then-use';

/** Every rule the tool ships, in the order reports list them. */
export const rules: readonly Rule[] = [fsCheckThenUse];

/** The ids RULES.md fixes, shipped or not yet: config and directives accept all of them. */
export const KNOWN_RULE_IDS: readonly string[] = [
  'cert-claims-cached',
  'identity-from-request-params',
  'auth-across-await',
  'fs-check-then-use',
  'unverified-peer-cert',
  'missing-revocation-check',
  'cert-from-header',
];
