// The one TypeScript the tool parses with: the compiler ts-morph bundles. Everything in
// src/ and rules/ imports `ts` from here, so the version never drifts from ts-morph's.
//
// It is loaded from @ts-morph/common (ts-morph's own dependency, pinned to the range ts-morph
// asks for, so npm installs one copy) rather than through `require('ts-morph').ts`: that would
// also load ts-morph's 4 MB of node wrappers, which the hot path never uses and which cost a
// quarter of a pre-commit run's start-up. test/ts.test.ts checks both are the same module.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- `import =` keeps the CommonJS module whole
import ts = require('@ts-morph/common/dist/typescript.js');

export { ts };
