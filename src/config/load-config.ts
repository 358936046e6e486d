import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { applyEnvOverrides } from './env-overrides.js';
import { allowedKeysAt } from './schema-walk.js';

/** sysexits.h EX_CONFIG: what systemd and operators expect for "your config is wrong". */
export const EX_CONFIG = 78;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads YAML (or nothing: all defaults), applies `STRATUM1D_*` environment overrides and
 * validates. Throws ConfigError with every problem found, each naming its key path.
 */
export function loadConfig(file: string | null, env: NodeJS.ProcessEnv = process.env): Config {
  const source = file ?? '(defaults)';
  let raw: unknown = {};
  if (file !== null) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(source, [`cannot read: ${(err as Error).message}`]);
    }
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
    }
    try {
      // maxAliasCount bounds alias expansion: a "billion laughs" file is a configuration error,
      // not a daemon that grows until the OOM killer (or a stack trace) ends it.
      raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
    } catch (err) {
      throw new ConfigError(source, [`YAML: ${(err as Error).message.split('\n')[0]}`]);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError(source, ['the top level must be a mapping of sections (log, gnss, ...)']);
    }
  }
  const overridden = applyEnvOverrides(raw as Record<string, unknown>, env);
  if (overridden.problems.length > 0) throw new ConfigError(`${source} + environment`, overridden.problems);
  return validateConfig(overridden.value, overridden.used.length > 0 ? `${source} + environment` : source);
}

export function validateConfig(raw: unknown, source = '(object)'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map(describeIssue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path.map(String));
    return issue.keys
      .map((k) => `${path ? `${path}.` : ''}${k}: unknown key (allowed here: ${allowed.join(', ')})`)
      .join('\n  - ');
  }
  return `${path || '(top level)'}: ${issue.message}`;
}
