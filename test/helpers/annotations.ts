import * as fs from 'node:fs';

/**
 * Expectations written in a fixture itself, Semgrep style, on the line(s) before the code:
 *   // ruleid: <id>:<messageId>[, …] [note|warning|error]   the next code line must be reported with
 *                                                       that message (at that severity)
 *   // ok: <id>                                    the next code line must not be reported
 *   // todoruleid: <id>                            a known miss: reported neither now nor silently later
 *   // todook: <id>                                a known false alarm: reported now, and flagged if fixed
 */
export type Expectation = 'ruleid' | 'ok' | 'todoruleid' | 'todook';

export interface Annotation {
  kind: Expectation;
  ruleId: string;
  /** The message the finding must carry (`ruleid: id:messageId`). */
  messageId?: string;
  severity?: string;
  /** The annotated code line (1-based). */
  line: number;
  /** Where the annotation is. */
  annotationLine: number;
}

const ANNOTATION_RE = /^\s*(?:\/\/|\/\*|\{\s*\/\*)\s*(ruleid|ok|todoruleid|todook):\s*([a-z-]+(?::[A-Za-z]+)?(?:\s*,\s*[a-z-]+(?::[A-Za-z]+)?)*)(?:\s+(note|warning|error))?\b/;

export function readAnnotations(file: string): Annotation[] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const out: Annotation[] = [];
  let pending: Omit<Annotation, 'line'>[] = [];
  lines.forEach((text, i) => {
    const m = ANNOTATION_RE.exec(text);
    if (m) {
      for (const [id, messageId] of m[2].split(',').map((s) => s.trim().split(':'))) {
        pending.push({ kind: m[1] as Expectation, ruleId: id, messageId, severity: m[3], annotationLine: i + 1 });
      }
      return;
    }
    if (pending.length > 0 && text.trim() !== '') {
      out.push(...pending.map((p) => ({ ...p, line: i + 1 })));
      pending = [];
    }
  });
  if (pending.length > 0) throw new Error(`${file}:${pending[0].annotationLine}: annotation with no code line after it`);
  return out;
}
