import * as fs from 'node:fs';
import type { ErrorObject } from 'ajv';
import * as path from 'node:path';
import type { SeveritySetting } from '../findings';
import { LIMITS, readTextSafely, ReadError } from '../read';

/** The effective configuration from a config file (flags are merged in by the engine). */
export interface Config {
  /** The file it came from, or undefined when none was found. */
  file?: string;
  rules: Record<string, SeveritySetting>;
  /** gitignore-style patterns, relative to the config file's folder. */
  ignore: string[];
  /** Extra places client identity comes from, beyond the built-in ones. */
  identitySources: IdentitySourcesConfig;
  /** Extra sinks for `identity-from-request-params`: functions that read or change records, by called name. */
  sinks: string[];
}

export interface IdentitySourcesConfig {
  /** Request header names (any case) that carry a client certificate or its fields. */
  headers: string[];
  /** Names of functions whose return value is the client identity (`getClientIdentity`). */
  functions: string[];
}

export const EMPTY_IDENTITY_SOURCES: IdentitySourcesConfig = { headers: [], functions: [] };

export class ConfigError extends Error {}

export const CONFIG_FILES = ['toctou-lint.config.json', '.toctoulintrc.json'] as const;
const PACKAGE_KEY = 'toctou-lint';

/** The JSON schema of the config file; the README and the error messages quote it. */
export function configSchema(ruleIds: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'Editor hint; ignored.' },
      rules: {
        type: 'object',
        description: 'Severity per rule id: off, note, warning or error.',
        propertyNames: { enum: [...ruleIds] },
        additionalProperties: { enum: ['off', 'note', 'warning', 'error'] },
      },
      ignore: {
        type: 'array',
        description: 'gitignore-style patterns, relative to the folder of the config file.',
        items: { type: 'string', minLength: 1 },
      },
      identitySources: {
        type: 'object',
        description: 'Extra sources of client identity, added to the built-in ones.',
        additionalProperties: false,
        properties: {
          headers: {
            type: 'array',
            description: 'Request header names (any case) that carry a client certificate or fields of it, e.g. "x-my-client-dn".',
            items: { type: 'string', minLength: 1 },
          },
          functions: {
            type: 'array',
            description: 'Names of functions whose return value is the client identity, e.g. "getClientIdentity" (matched by the called name).',
            items: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*$' },
          },
        },
      },
      sinks: {
        type: 'array',
        description:
          'Functions that read or change records, files or other services by the arguments they get, for identity-from-request-params, e.g. "loadAccount" or "ledger.transfer" (matched by the end of the called name).',
        items: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$' },
      },
    },
  };
}

/**
 * Look for a config from `startDir` upward; in each folder `toctou-lint.config.json`, then
 * `.toctoulintrc.json`, then a `package.json` with a `"toctou-lint"` key; the first found wins.
 * The search stops at the project's boundary: the repository root (a folder holding `.git`) or
 * the nearest folder with a `package.json`, whichever is nearer. Outside any repository or
 * package it stops at `stopAt` (the current folder) when the start is inside it, else at the start:
 * a config lying in `/tmp` or a home folder must never apply to a project below it.
 */
export function findConfigFile(startDir: string, stopAt?: string, notes: { file: string; message: string }[] = []): string | undefined {
  const start = path.resolve(startDir);
  let bounded = false;
  for (let dir = start; !bounded; dir = path.dirname(dir)) {
    bounded = isProjectRoot(dir);
    if (path.dirname(dir) === dir) break;
  }
  const limit = bounded ? undefined : stopAt !== undefined && isWithin(start, path.resolve(stopAt)) ? path.resolve(stopAt) : start;
  for (let dir = start; ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) return packageHasKey(pkg, notes) ? pkg : undefined;
    if (fs.existsSync(path.join(dir, '.git')) || dir === limit || path.dirname(dir) === dir) return undefined;
  }
}

const isProjectRoot = (dir: string): boolean => fs.existsSync(path.join(dir, 'package.json')) || fs.existsSync(path.join(dir, '.git'));

function isWithin(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function packageHasKey(pkg: string, notes: { file: string; message: string }[]): boolean {
  let text: string;
  try {
    text = readTextSafely(pkg, LIMITS.packageJson);
  } catch (err) {
    // a package.json we cannot read (a FIFO, a device, huge) cannot mean to configure us: say so, go on
    if (!(err instanceof ReadError)) throw err;
    if (err.code !== 'ENOENT')
      notes.push({
        file: pkg,
        message: `${err.code === 'not-regular' || err.code === 'too-large' || err.code === 'timeout' ? err.message : `cannot read it (${err.code})`}; not read for a "${PACKAGE_KEY}" config`,
      });
    return false;
  }
  try {
    const json = JSON.parse(text) as unknown;
    return typeof json === 'object' && json !== null && PACKAGE_KEY in json;
  } catch {
    // a broken package.json is ours to report only when it means to configure us
    return text.includes(`"${PACKAGE_KEY}"`);
  }
}

/**
 * Where JSON.parse stopped, as line and column. The parser's own message quotes the file's
 * text, which is not ours to echo (think `-c /etc/shadow`), so only its kind is kept.
 */
function jsonErrorWhere(text: string, err: Error): string {
  const at = /position (\d+)/.exec(err.message);
  const kind = err.message
    .replace(/,? ".*$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^Unexpected token .*/, 'unexpected character');
  if (!at) return `: ${kind}`;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = Number(at[1]) - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}: ${kind}`;
}

/** Read and validate a config file; every problem is a ConfigError naming the file and key. */
export function loadConfig(file: string, ruleIds: readonly string[]): Config {
  let text: string;
  try {
    text = readTextSafely(file, path.basename(file) === 'package.json' ? LIMITS.packageJson : LIMITS.config);
  } catch (err) {
    const e = err as ReadError;
    throw new ConfigError(`${file}: cannot read config (${e.code === 'not-regular' || e.code === 'too-large' || e.code === 'timeout' ? e.message : e.code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: invalid JSON${jsonErrorWhere(text, err as Error)}`);
  }
  const depth = nestingDepth(json, MAX_CONFIG_DEPTH);
  if (depth > MAX_CONFIG_DEPTH) throw new ConfigError(`${file}: invalid config: nested more than ${MAX_CONFIG_DEPTH} levels deep (a config is a few levels deep)`);
  if (path.basename(file) === 'package.json') json = (json as Record<string, unknown>)[PACKAGE_KEY];
  validate(file, json, ruleIds);
  const raw = json as { rules?: Record<string, SeveritySetting>; ignore?: string[]; identitySources?: Partial<IdentitySourcesConfig>; sinks?: string[] };
  return {
    file,
    rules: raw.rules ?? {},
    ignore: raw.ignore ?? [],
    identitySources: { headers: raw.identitySources?.headers ?? [], functions: raw.identitySources?.functions ?? [] },
    sinks: raw.sinks ?? [],
  };
}

/** A config is a few levels deep; deeper JSON would only make the validator recurse. */
const MAX_CONFIG_DEPTH = 32;

/** How deeply arrays and objects nest in `value`, counted without recursion and no further than `limit + 1`. */
function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, depth]);
  }
  return max;
}

/** Values from the config file are echoed in messages at most this long. */
const MAX_ECHO = 60;

/** A value from the config, as JSON, cut to `MAX_ECHO` characters and with control characters escaped. */
export function echo(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value.length > MAX_ECHO * 2 ? value.slice(0, MAX_ECHO * 2) : value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  text = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const size = typeof value === 'string' ? value.length : text.length;
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}… (${size} characters)` : text;
}

/** A key path from the config, cut like a value. */
const cut = (s: string): string => (s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}…` : s);

function validate(file: string, json: unknown, ruleIds: readonly string[]): void {
  // ajv is loaded only when there is a config to check: it costs start-up time
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- loaded lazily
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const check = ajv.compile(configSchema(ruleIds));
  if (check(json)) return;
  const where = path.basename(file) === 'package.json' ? `${file} ("${PACKAGE_KEY}" key)` : file;
  const lines = (check.errors ?? []).filter((e) => e.keyword !== 'propertyNames' || e.params.propertyName === undefined).map((e) => describe(e, ruleIds));
  throw new ConfigError(`${where}: invalid config:\n${[...new Set(lines)].map((l) => `  - ${l}`).join('\n')}`);
}

function describe(e: ErrorObject, ruleIds: readonly string[]): string {
  const key = cut(e.instancePath.replace(/^\//, '').replace(/\//g, '.')) || '(top level)';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${key === '(top level)' ? '' : key + '.'}${cut(String(e.params.additionalProperty))}: unknown key; allowed keys: ${key === 'identitySources' ? 'headers, functions' : '$schema, rules, ignore, identitySources, sinks'}`;
    case 'enum':
      if (e.propertyName !== undefined) return `rules.${cut(e.propertyName)}: unknown rule id; known ids: ${ruleIds.join(', ')}`;
      return `${key}: ${echo(e.data)} is not allowed; allowed: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'type':
      return `${key}: must be ${e.params.type as string}`;
    default:
      return `${key}: ${e.message ?? 'invalid'}`;
  }
}
