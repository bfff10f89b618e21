import Ajv from 'ajv-draft-04';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './project';

const SCHEMA = path.join(REPO, 'test', 'schemas', 'sarif-schema-2.1.0.json');
let validateFn: ((data: unknown) => boolean) & { errors?: unknown };

/** Schema errors of a SARIF log (empty when valid), against test/schemas/sarif-schema-2.1.0.json (vendored). */
export function sarifSchemaErrors(log: unknown): unknown[] {
  if (!validateFn) {
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false });
    validateFn = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
  }
  return validateFn(log) ? [] : ((validateFn.errors as unknown[]) ?? []);
}

/** The official validator's binary; npm does not run its install script, so it is made executable here. */
export function multitool(): string {
  const bin = path.join(REPO, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');
  fs.chmodSync(bin, 0o755);
  return bin;
}

/** Results (errors and warnings) of `sarif-multitool validate --rule-kind "Sarif;Gh"` on a log. */
export function multitoolProblems(logText: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'toctou-sarif-'));
  try {
    const input = path.join(dir, 'in.sarif');
    const output = path.join(dir, 'out.sarif');
    fs.writeFileSync(input, logText);
    const r = spawnSync(multitool(), ['validate', '--rule-kind', 'Sarif;Gh', input, '-o', output], {
      encoding: 'utf8',
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    });
    if (r.status !== 0 || !fs.existsSync(output)) throw new Error(`sarif-multitool failed (${r.status}): ${r.stdout}\n${r.stderr}`);
    const log = JSON.parse(fs.readFileSync(output, 'utf8')) as { runs: { results?: { level?: string; ruleId: string; message: { text?: string; arguments?: string[] } }[] }[] };
    return (log.runs[0].results ?? [])
      .filter((res) => res.level === 'error' || res.level === 'warning' || res.level === undefined)
      .map((res) => `${res.level ?? 'warning'} ${res.ruleId}: ${res.message.text ?? (res.message.arguments ?? []).join(' | ')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
