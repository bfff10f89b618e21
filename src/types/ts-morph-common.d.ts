// The compiler ts-morph bundles, loaded without ts-morph's wrappers (see src/ts.ts).
declare module '@ts-morph/common/dist/typescript.js' {
  import { ts } from '@ts-morph/common';
  export = ts;
}
