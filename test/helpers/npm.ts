/**
 * The environment of the test run minus npm's own `npm_*` variables. Under `npm test`, npm sets
 * e.g. `npm_config_local_prefix` to this repository; a child `npm install` (directly, or through
 * pre-commit) would then treat this repository as its project. Cache, registry and npmrc
 * locations are kept.
 */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || keep.has(k.toLowerCase())) env[k] = v;
  delete env.INIT_CWD;
  delete env.FORCE_COLOR;
  return { ...env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}
