/**
 * Where test code lives, by the conventions Jest, Mocha, Vitest, Playwright and the NestJS CLI
 * follow (and Semgrep's default ignore list): test folders and test-file suffixes. Test code is
 * read as context (it may import the app) but not reported, and it never starts an application.
 */
export const TEST_FOLDERS: readonly string[] = ['test', 'tests', '__tests__', '__test__', 'e2e', 'spec', '__mocks__'];

/** The part of a file name before the extension that marks a test: `orders.test.ts`, `app.e2e-spec.ts`. */
export const TEST_FILE_SUFFIXES: readonly string[] = ['.test', '.spec', '.e2e-spec', '.e2e', '.e2e-test', '.int-spec', '.integration'];

const SOURCE_EXTENSION = /\.(?:[mc]?[jt]s|[jt]sx)$/;

/**
 * Is this path (relative to the folder scanned, with `/` or the platform separator) test code?
 * Only folders below the scanned folder count: scanning `~/tests/my-app` reports `my-app`.
 */
export function isTestPath(relative: string): boolean {
  const parts = relative.split(/[\\/]/);
  const name = parts.pop() ?? '';
  if (parts.some((p) => TEST_FOLDERS.includes(p))) return true;
  const stem = name.replace(SOURCE_EXTENSION, '');
  return TEST_FILE_SUFFIXES.some((s) => stem.endsWith(s));
}
