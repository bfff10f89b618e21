import { code, snippet, valueKey } from '../src/analysis/expressions';
import type { FileFacts } from '../src/analysis/facts/types';
import { decidesReach } from '../src/analysis/dominance';
import { reboundBetween, runsWithin } from '../src/analysis/flow';
import { checkThrows, FS_CALL_NAMES, helperCalls, importedHelperCalls, mayUseFsChecks, resolveFsCalls, type FsCall, type FsPathUse } from '../src/analysis/fs';
import type { Modules } from '../src/analysis/modules';
import { FS_IMPORT_TEXT } from '../src/analysis/vocabulary/fs';
import { defineRule } from '../src/rule';

interface Check {
  call: FsCall;
  key: string;
  use: FsPathUse;
}

export default defineRule({
  id: 'fs-check-then-use',
  title: 'File-system check then use',
  description: 'A path is checked (exists, access, stat) and then used by a separate call, so the file can change or become a symlink in between.',
  severity: 'warning',
  precision: 'high',
  securitySeverity: 5.9,
  cwe: [367],
  seeds: [
    {
      title: 'Time Of Check Time Of Use in Aspnet with Mutual Tls',
      section:
        'the check-then-open scenario: a resource whose path or symlinks can change between the rights check and its use, and the advice to make check and use one atomic operation',
    },
  ],
  messages: {
    checkThenWrite: '{{path}} is checked with `{{check}}()` at line {{checkLine}}, then {{effect}} with `{{use}}()`: the path can be swapped, e.g. for a symlink, in between',
    checkThenRead: '{{path}} is checked with `{{check}}()` at line {{checkLine}}, then {{effect}} with `{{use}}()`',
    checkThenRedundant:
      '{{path}} is checked with `{{check}}()` at line {{checkLine}}, then {{effect}} with `{{use}}()`, which copes with either answer by itself: the check decides nothing and leaves a window in which the path can be swapped, e.g. for a symlink',
  },
  remediationSummary:
    'Drop the separate check: open or create the file in one call (flags `wx`/`O_EXCL`, or open then `fh.stat()`) and handle the error it raises (`ENOENT`, `EEXIST`).',
  remediation: `A check on a path (\`exists\`, \`access\`, \`stat\`) and a later call that uses the path are two
separate trips to the file system. Between them another process, or an attacker who can write to
the directory, can create, delete or replace the file, or swap it for a symbolic link to a file the
service must not touch. The decision made at the check then applies to a different file.

The ASP.NET document in our seeds describes exactly this: a rights check on a resource followed by
opening or modifying it, broken when the path or its symlinks can change in between; its advice is
to make the check and the use one atomic operation. In Node that means letting the operation itself
be the check:

- **Create without clobbering**: \`fs.writeFile(p, data, { flag: 'wx' })\`, \`fs.open(p, 'wx')\`,
  \`fs.copyFile(src, dest, fs.constants.COPYFILE_EXCL)\`, and handle \`EEXIST\`.
- **Read if present**: call \`readFile\` directly and treat \`ENOENT\` as "absent".
- **Need metadata and content**: \`const fh = await fs.promises.open(p, 'r')\`, then \`fh.stat()\` and
  \`fh.readFile()\` on the same descriptor, so both describe the same file.
- **Delete if present**: \`fs.rm(p, { force: true })\` instead of \`exists\` then \`unlink\`.
- **Directories**: \`fs.mkdir(dir, { recursive: true })\` without a prior \`exists\`.
- **Replace a file**: write a temporary file in the same folder with \`'wx'\`, then \`rename\` it over
  the target: the rename swaps the directory entry atomically, symlink and all.
- **In a request handler** (Express, Fastify, Koa, NestJS, Hono): do the operation and map its error
  to the response, \`ENOENT\` to 404 and \`EEXIST\` to 409, instead of checking first.
- When the path comes from a request, resolve it inside a directory the service owns, open it with
  \`fs.constants.O_NOFOLLOW\` so a planted symlink fails, and check what you opened with
  \`fh.stat()\` rather than the path.

Writes, deletes, renames and permission changes after a check are reported as warnings; reads after
a check as notes, since there the race mostly makes the read fail or read a swapped file.`,
  prefilter: mayUseFsChecks,
  // a file that imports fs may call a check helper of another module of the project (`fileExists(dest)`)
  projectSeed: (text) => FS_IMPORT_TEXT.test(text),
  facts: { modules: true, calls: FS_CALL_NAMES, assignments: true, exits: true, allCalls: true },
  create(context) {
    const report = ({ call, use, check }: Pair, facts: FileFacts): void => {
      const sf = facts.sourceFile;
      // a forced remove or a recursive mkdir copes with either answer: after an existence check it is
      // reported as a needless window
      const redundant = use.idempotent === 'create' || (use.idempotent === 'delete' && check.use.existenceOnly === true);
      const checkLine = sf.getLineAndCharacterOfPosition(check.call.fact.node.getStart(sf)).line + 1;
      context.report({
        node: call.fact.node,
        messageId: redundant ? 'checkThenRedundant' : use.access === 'write' ? 'checkThenWrite' : 'checkThenRead',
        severity: use.access === 'write' ? 'warning' : 'note',
        data: { path: code(snippet(use.path, sf)), check: check.call.display, checkLine, effect: use.effect, use: call.display },
        related: [{ node: check.call.fact.node, message: `${code(snippet(check.use.path, sf))} is checked here with \`${check.call.display}()\`` }],
      });
    };
    return {
      file(facts: FileFacts) {
        const fsCalls = resolveFsCalls(facts);
        // and the file's own helpers that answer whether a path passes a check (`if (await fileExists(p))`), or use
        // the path they are given (`await purgeArchive(dir)`)
        for (const pair of pairs([...fsCalls, ...helperCalls(facts, fsCalls)], facts)) report(pair, facts);
      },
      imports(facts: FileFacts, modules: Modules) {
        const imported = importedHelperCalls(facts, modules);
        if (imported.length === 0) return;
        const fsCalls = resolveFsCalls(facts);
        // what the helpers of other modules add to what the file showed alone: a check or a use made there
        const local = [...fsCalls, ...helperCalls(facts, fsCalls)];
        for (const pair of pairs([...local, ...imported], facts)) if (imported.includes(pair.check.call) || imported.includes(pair.call)) report(pair, facts);
      },
    };
  },
});

interface Pair {
  call: FsCall;
  use: FsPathUse;
  check: Check;
}

/** Each use of a path with the check that decides it. */
function pairs(calls: readonly FsCall[], facts: FileFacts): Pair[] {
  const sf = facts.sourceFile;
  const checks: Check[] = [];
  for (const call of calls) {
    for (const use of call.paths) {
      if (use.access !== 'check') continue;
      const key = valueKey(use.path, sf);
      if (key) checks.push({ call, key, use });
    }
  }
  if (checks.length === 0) return [];
  const out: Pair[] = [];
  for (const call of calls) {
    for (const use of call.paths) {
      if (use.access === 'check') continue;
      const key = valueKey(use.path, sf);
      if (!key) continue;
      const check = latestCheckBefore(checks, key, call, use, facts);
      // (a forced remove or a recursive mkdir after the code's own use of the path is that use's clean-up)
      if (check && !(use.idempotent && usedBetween(calls, key, check.call, call, facts))) out.push({ call, use, check });
    }
  }
  return out;
}

/**
 * The nearest check of the same path that runs before the use and can decide it: earlier in the
 * same function or in one the use's callback runs within, with the path's variables not given
 * new values on the way to the use, and with the use depending on what the check found.
 */
function latestCheckBefore(checks: readonly Check[], key: string, useCall: FsCall, use: FsPathUse, facts: FileFacts): Check | undefined {
  const useStart = useCall.fact.node.getStart(facts.sourceFile);
  let best: Check | undefined;
  for (const check of checks) {
    if (check.key !== key || check.call === useCall) continue;
    const checkStart = check.call.fact.node.pos;
    if (checkStart >= useStart || (best && checkStart <= best.call.fact.node.pos)) continue;
    if (!runsWithin(useCall.fact, check.call.fact.scope)) continue;
    if (reboundBetween(use.path, check.use.path.end, useCall.fact.node, facts)) continue;
    if (!decidesReach(check.call.fact.node, checkThrows(check.call), useCall.fact.node, use.path, facts, use.replaced)) continue;
    best = check;
  }
  return best;
}

/** Whether the code itself uses the path (writes, reads) between the check and the use. */
function usedBetween(calls: readonly FsCall[], key: string, check: FsCall, use: FsCall, facts: FileFacts): boolean {
  const from = check.fact.node.end;
  const to = use.fact.node.pos;
  return calls.some(
    (c) =>
      c !== use &&
      c.fact.node.pos >= from &&
      c.fact.node.end <= to &&
      runsWithin(use.fact, c.fact.scope) &&
      c.paths.some((p) => p.access !== 'check' && valueKey(p.path, facts.sourceFile) === key),
  );
}
