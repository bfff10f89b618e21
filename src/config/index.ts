import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeveritySetting } from '../findings';

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
        description: 'Functions that read or change records, files or other services by the arguments they get, for identity-from-request-params, e.g. "loadAccount" or "ledger.transfer" (matched by the end of the called name).',
        items: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$' },
      },
    },
  };
}

/** Look for a config from `startDir` up to the file-system root; the first one found wins. */
export function findConfigFile(startDir: string): string | undefined {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && packageHasKey(pkg)) return pkg;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function packageHasKey(pkg: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(pkg, 'utf8');
  } catch {
    return false;
  }
  try {
    const json = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
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
  const kind = err.message.replace(/,? ".*$/s, '').replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected token .*/, 'unexpected character');
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
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError(`${file}: invalid JSON${jsonErrorWhere(text, err as Error)}`);
  }
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

function validate(file: string, json: unknown, ruleIds: readonly string[]): void {
  // ajv is loaded only when there is a config to check: it costs start-up time
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = (require('ajv') as typeof import('ajv')).default;
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const check = ajv.compile(configSchema(ruleIds));
  if (check(json)) return;
  const where = path.basename(file) === 'package.json' ? `${file} ("${PACKAGE_KEY}" key)` : file;
  const lines = (check.errors ?? [])
    .filter((e) => e.keyword !== 'propertyNames' || e.params.propertyName === undefined)
    .map((e) => describe(e, ruleIds));
  throw new ConfigError(`${where}: invalid config:\n${[...new Set(lines)].map((l) => `  - ${l}`).join('\n')}`);
}

function describe(e: import('ajv').ErrorObject, ruleIds: readonly string[]): string {
  const key = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${key === '(top level)' ? '' : key + '.'}${e.params.additionalProperty as string}: unknown key; allowed keys: ${key === 'identitySources' ? 'headers, functions' : '$schema, rules, ignore, identitySources, sinks'}`;
    case 'enum':
      if (e.propertyName !== undefined) return `rules.${e.propertyName}: unknown rule id; known ids: ${ruleIds.join(', ')}`;
      return `${key}: ${JSON.stringify(e.data)} is not allowed; allowed: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'type':
      return `${key}: must be ${e.params.type as string}`;
    default:
      return `${key}: ${e.message ?? 'invalid'}`;
  }
}
