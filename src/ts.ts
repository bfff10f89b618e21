// The one TypeScript the tool parses with: the compiler ts-morph bundles. Everything in
// src/ and rules/ imports `ts` from here, so the version never drifts from ts-morph's.
import { ts } from 'ts-morph';

export { ts };
export type { ts as TS } from 'ts-morph';
