import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { DaemonProcess, eventually, tempDir } from '../helpers/daemon-process.js';
import { freeTcpPort } from '../helpers/ports.js';

/**
 * Footprint: a daemon loads what its configuration uses and nothing else. Checked on a real
 * `stratum1d run --simulate` process two ways: every module it loads is logged by a loader
 * hook preloaded into it (test/helpers/module-load-log.mjs), and `status --json` lists the
 * optional subsystems the daemon says it loaded (`footprint.loaded`).
 */
const HOOK = new URL('../helpers/module-load-log.mjs', import.meta.url).pathname;

/** Packages that only optional subsystems need. */
const OPTIONAL_PACKAGES = {
  mcpSdk: '/node_modules/@modelcontextprotocol/sdk/',
  ws: '/node_modules/ws/',
  hono: '/node_modules/hono/',
  sqlite: '/node_modules/better-sqlite3/',
  serialport: '/node_modules/serialport/',
};

function start(dir: string, args: string[]): { d: DaemonProcess; modules: () => string[] } {
  const log = join(dir, 'modules.log');
  const d = new DaemonProcess(['run', '--simulate', ...args], dir, { NODE_OPTIONS: `--import=${HOOK}`, S1D_MODULE_LOG: log });
  return { d, modules: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

async function footprint(d: DaemonProcess): Promise<{ loaded: string[]; rssBytes: number }> {
  const r = await d.status('--json');
  if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { footprint: { loaded: string[]; rssBytes: number } }).footprint;
}

const loadedPackages = (modules: string[]) =>
  Object.entries(OPTIONAL_PACKAGES)
    .filter(([, p]) => modules.some((u) => u.includes(p)))
    .map(([name]) => name);

t.test('the default configuration loads neither the MCP SDK, nor SQLite, nor serialport', async (t) => {
  const dir = tempDir();
  const { d, modules } = start(dir, []);
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', 30_000);
  // A first fix and a status round trip: the daemon has done an epoch's work, not only started.
  await eventually(async () => ((await d.status('--json')).stdout.includes('"timeValid":true') ? true : undefined), 60_000, 'GNSS time valid');
  const seen = modules();
  t.ok(seen.some((u) => u.includes('/dist/daemon/lifecycle/daemon-lifecycle.js')), 'the hook sees the daemon load its modules');
  t.ok(seen.some((u) => u.includes('/node_modules/zod/')), 'and packages (zod for the configuration)');
  t.same(loadedPackages(seen), [], 'no MCP SDK, ws, hono, better-sqlite3 or serialport');
  const f = await footprint(d);
  t.ok(f.loaded.includes('gnss-simulator') && f.loaded.includes('http'), `loaded: ${f.loaded.join(', ')}`);
  for (const name of ['mcp-network', 'mcp-audit-store', 'fleet', 'serialport', 'timekeeper-apply']) t.notOk(f.loaded.includes(name), `${name} not loaded`);
  t.ok(f.rssBytes > 0, 'RSS reported');
});

t.test('a reload that enables MCP loads it then; an audited call loads the audit store', async (t) => {
  const dir = tempDir();
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, 'mcp:\n  enabled: false\n');
  const { d, modules } = start(dir, ['--config', cfg]);
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', 30_000);
  t.same(loadedPackages(modules()), [], 'nothing optional before the reload');

  const port = await freeTcpPort();
  writeFileSync(cfg, `mcp:\n  enabled: true\n  port: ${port}\n  keys:\n    - { name: ops, role: admin, sha256: ${hashKey('key-ops')} }\n`);
  d.child.kill('SIGHUP');
  const rec = await d.waitForLog((r) => r.msg === 'configuration reloaded', 30_000);
  t.ok((rec.applied as string[]).includes('mcp.enabled'), `applied: ${String(rec.applied)}`);
  t.equal(rec.outcome, 'applied');
  t.ok(loadedPackages(modules()).includes('mcpSdk'), 'the MCP SDK is loaded by the reload');
  t.ok((await footprint(d)).loaded.includes('mcp-network'), 'footprint lists mcp-network');
  await new Promise<void>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve();
    }).once('error', reject);
  });
  t.pass(`MCP listens on ${port}`);
  t.notOk(loadedPackages(modules()).includes('sqlite'), 'no SQLite until something is audited');

  // get_audit_log over Streamable HTTP reaches the audit store: its module loads then.
  const url = `http://127.0.0.1:${port}/mcp`;
  const headers = { 'x-api-key': 'key-ops', 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } }),
  });
  t.equal(init.status, 200, 'initialize');
  const session = init.headers.get('mcp-session-id');
  await init.text();
  const h2 = { ...headers, ...(session ? { 'mcp-session-id': session } : {}) };
  await (await fetch(url, { method: 'POST', headers: h2, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  const call = await fetch(url, { method: 'POST', headers: h2, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_audit_log', arguments: {} } }) });
  const body = await call.text();
  t.equal(call.status, 200, 'get_audit_log answered');
  t.notMatch(body, /"isError":\s*true/, 'without an error');
  t.ok(loadedPackages(modules()).includes('sqlite'), 'better-sqlite3 loaded by the audited call');
  t.ok((await footprint(d)).loaded.includes('mcp-audit-store'), 'footprint lists mcp-audit-store');
});
