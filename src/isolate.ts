/**
 * Isolation of one step of the analysis (parsing a file, the walk over it, a rule on it, the
 * project model of one app): whatever a scanned file makes the step do — overflow the stack of
 * the TypeScript parser or of one of our walks, or hit a walk's depth cap — the failure is kept
 * to that step, and the engine turns it into a notification naming the file and the reason.
 *
 * The analysis core uses only `NestingTooDeep` (to cap a walk) and may call `isolate` around its
 * own steps; everything else about reporting stays in the engine.
 */

/** Thrown by a walk that would go deeper than it allows: the file is too deeply nested to analyse. */
export class NestingTooDeep extends Error {
  constructor(
    readonly file: string,
    /** The walk's cap, when a walk stopped; undefined when the parser overflowed. */
    readonly limit?: number,
  ) {
    super(limit === undefined ? 'nested too deeply to parse' : `nested more than ${limit} levels deep`);
  }
}

/** A JavaScript stack overflow (V8: `RangeError: Maximum call stack size exceeded`). */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/** A failure caused by the shape of the scanned code rather than by a bug: the file is skipped, the run goes on. */
export function isTooDeep(err: unknown): boolean {
  return err instanceof NestingTooDeep || isStackOverflow(err);
}

export type Isolated<T> = { ok: true; value: T } | { ok: false; error: unknown; tooDeep: boolean; reason: string };

/** Run `step`; a throw becomes a value saying why, so the caller can skip just this file or app. */
export function isolate<T>(step: () => T): Isolated<T> {
  try {
    return { ok: true, value: step() };
  } catch (error) {
    return { ok: false, error, tooDeep: isTooDeep(error), reason: failureReason(error) };
  }
}

/** The reason of a failure, in words, for a notification. */
export function failureReason(err: unknown): string {
  if (err instanceof NestingTooDeep) return `the code is ${err.message}`;
  if (isStackOverflow(err)) return 'the code is nested too deeply to analyse (the call stack overflowed)';
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
