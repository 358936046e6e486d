import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './load-config.js';
import type { Config } from './schema.js';

/**
 * Files the configuration names that the daemon must read when it starts: a path that is
 * missing or unreadable is as much a configuration error as a misspelt key (exit 78, the key's
 * path), so `config check` and `run` agree. Only files of the parts that are switched on count:
 * a TLS key for disabled MCP is not a reason to refuse to start.
 */
export function preflightProblems(config: Config, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const files: Array<{ key: string; path: string | undefined | null; pem?: boolean }> = [];
  if (config.mcp.enabled) {
    files.push({ key: 'mcp.tls.cert', path: config.mcp.tls.cert, pem: true }, { key: 'mcp.tls.key', path: config.mcp.tls.key, pem: true });
  }
  if (config.fleet.url !== null) {
    files.push({ key: 'fleet.tokenFile', path: config.fleet.tokenFile }, { key: 'fleet.ca', path: config.fleet.ca, pem: true });
  }
  const problems: string[] = [];
  for (const f of files) {
    if (f.path === undefined || f.path === null) continue;
    let text: string;
    try {
      text = read(f.path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      problems.push(`${f.key}: cannot read ${f.path}: ${e.code ?? e.message}`);
      continue;
    }
    if (f.pem && !text.includes('-----BEGIN ')) problems.push(`${f.key}: ${f.path} is not a PEM file (no -----BEGIN line)`);
    if (!f.pem && text.trim() === '') problems.push(`${f.key}: ${f.path} is empty`);
  }
  return problems;
}

/** loadConfig plus the file checks: what `run` and `config check` accept. */
export function loadRunnableConfig(file: string | null, env: NodeJS.ProcessEnv = process.env): Config {
  const config = loadConfig(file, env);
  const problems = preflightProblems(config);
  if (problems.length > 0) throw new ConfigError(file ?? '(defaults)', problems);
  return config;
}
