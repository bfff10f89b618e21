import type { Rule } from '../src/rule';
import authAcrossAwait from './auth-across-await';
import certClaimsCached from './cert-claims-cached';
import certFromHeader from './cert-from-header';
import fsCheckThenUse from './fs-check-then-use';
import identityFromRequestParams from './identity-from-request-params';
import missingRevocationCheck from './missing-revocation-check';
import unverifiedPeerCert from './unverified-peer-cert';

/** Every rule the tool ships, in the order reports list them. */
export const rules: readonly Rule[] = [unverifiedPeerCert, certFromHeader, missingRevocationCheck, identityFromRequestParams, certClaimsCached, authAcrossAwait, fsCheckThenUse];

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
