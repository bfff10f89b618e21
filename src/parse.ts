import * as path from 'node:path';
import type { Notification } from './findings';
import { ts } from './ts';

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};

/**
 * Parse one file with the TypeScript that ts-morph bundles: no program, no type checker,
 * no lib files, no parent pointers (the fact walk sets them where it walks). The parser
 * recovers from syntax errors; they come back as one notification per file.
 */
export function parseFile(file: string, text: string): { sourceFile: ts.SourceFile; notification?: Notification } {
  const kind = SCRIPT_KINDS[path.extname(file)] ?? ts.ScriptKind.TS;
  // JSDoc is never read by a rule; not parsing it saves a tenth of the parse
  const options = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
  const sourceFile = ts.createSourceFile(file, text, options, false, kind);
  return { sourceFile, notification: syntaxNotification(file, sourceFile) };
}

/** The one notification a parsed file's syntax errors make, if it has any. */
export function syntaxNotification(file: string, sourceFile: ts.SourceFile): Notification | undefined {
  const diagnostics = (sourceFile as unknown as { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diagnostics.length === 0) return undefined;
  const first = diagnostics[0];
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(first.start);
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
  return {
    level: 'warning',
    kind: 'syntax-error',
    message: `syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, ' ').replace(/\.$/, '')}${more}; analysed where the parser recovered`,
    file,
    line: line + 1,
    column: character + 1,
  };
}
