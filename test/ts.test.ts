import { ts } from '../src/ts';

describe('the TypeScript the tool parses with', () => {
  it('is the very compiler ts-morph bundles, not a second copy', () => {
    // eslint-disable-next-line @typescript-eslint/consistent-type-imports, @typescript-eslint/no-require-imports -- the wrapper module is what is compared
    const morph = require('ts-morph') as typeof import('ts-morph');
    // ts-morph re-exports the module through a namespace copy, so compare what it holds
    expect(ts.version).toBe(morph.ts.version);
    expect(ts.createSourceFile).toBe(morph.ts.createSourceFile);
    expect(ts.forEachChild).toBe(morph.ts.forEachChild);
    expect(ts.version).toMatch(/^6\.0\./);
  });
});
