import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { BIN, tempDir } from '../helpers/daemon-process.js';

/**
 * Who the control socket believes, end to end: the built daemon runs unprivileged (as the
 * packaged service does: its own uid, the socket's group), and callers run as other uids with
 * setpriv. The role comes from their uid and groups as the kernel reports them; what they claim
 * is ignored, and every refusal lands in the audit log under the real uid. Then the network
 * surface: a per-key session quota and the failed-authentication throttle over real HTTP.
 * Needs root (setpriv to other uids), as in CI.
 */
if (process.getuid?.() !== 0) {
  t.plan(0, 'needs root to run processes as other uids (setpriv)');
  process.exit(0);
}

const DAEMON_UID = 61000;
const SOCKET_GID = 61001; // the daemon's group: readers
const ADMIN_GID = 61010; // control.adminGroups, by number
const READER = ['--reuid=61002', '--regid=61002', `--groups=${SOCKET_GID}`];
const ADMIN = ['--reuid=61003', '--regid=61003', `--groups=${SOCKET_GID},${ADMIN_GID}`];
const NAMED_ADMIN = ['--reuid=61004', '--regid=61004', `--groups=${SOCKET_GID},65534`]; // nogroup, by name
const KEY = 'k'.repeat(32);

const dir = tempDir();
chmodSync(dir, 0o755);
const state = join(dir, 'state');
mkdirSync(state);
chownSync(state, DAEMON_UID, SOCKET_GID);
// As systemd's RuntimeDirectory= makes it: the service user's, open to its group.
mkdirSync(join(dir, 'run'), { mode: 0o750 });
chownSync(join(dir, 'run'), DAEMON_UID, SOCKET_GID);
const socket = join(dir, 'run', 'control.sock');

// tap hooks child processes through NODE_OPTIONS with files only root may write: the other uids run without it.
const NODE = ['env', '-u', 'NODE_OPTIONS', process.execPath];
const daemon = spawn('setpriv', [`--reuid=${DAEMON_UID}`, `--regid=${SOCKET_GID}`, '--clear-groups', ...NODE, BIN, 'run', '--simulate'], {
  env: {
    PATH: process.env.PATH,
    HOME: dir,
    STRATUM1D_PATHS__RUNTIME_DIR: join(dir, 'run'),
    STRATUM1D_PATHS__STATE_DIR: state,
    STRATUM1D_GPSD__PORT: '0',
    STRATUM1D_HTTP__LISTEN: '127.0.0.1:0',
    // No timekeeper: an admin call must never restart the host's chronyd.
    STRATUM1D_TIMEKEEPER__KIND: 'none',
    STRATUM1D_CONTROL__ADMIN_GROUPS: `[${ADMIN_GID}, nogroup]`,
    STRATUM1D_MCP__ENABLED: 'true',
    STRATUM1D_MCP__PORT: '0',
    STRATUM1D_MCP__KEYS: `[{name: reader, role: read, sha256: ${hashKey(KEY)}}]`,
    STRATUM1D_MCP__MAX_CONNECTIONS_PER_KEY: '2',
    STRATUM1D_MCP__AUTH_FAILURES__BURST: '3',
    STRATUM1D_MCP__AUTH_FAILURES__PER_MINUTE: '1',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
daemon.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
t.teardown(() => {
  daemon.kill('SIGTERM');
});
const logs = (): Array<Record<string, unknown>> =>
  stderr.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
const deadline = Date.now() + 60_000;
while (!logs().some((r) => r.msg === 'ready')) {
  if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not come up:\n${stderr}`);
  await new Promise((r) => setTimeout(r, 50));
}
const mcpUrl = String(logs().find((r) => r.msg === 'MCP listening')?.http);

/** One control call from a process running with `ids` (setpriv options); [] = this process (root). */
function callAs(ids: string[], method: string, params?: unknown): Promise<{ result?: unknown; error?: string }> {
  const client = new URL('../../dist/daemon/control/control-client.js', import.meta.url).pathname;
  const code = `import(${JSON.stringify(client)}).then(m => m.controlCall(${JSON.stringify(socket)}, ${JSON.stringify(method)}, ${JSON.stringify(params ?? null)}, 20000)).then(r => console.log(JSON.stringify({ result: r })), e => console.log(JSON.stringify({ error: e.message })))`;
  const argv = ids.length ? ['setpriv', [...ids, ...NODE, '--input-type=module', '-e', code]] : [process.execPath, ['--input-type=module', '-e', code]];
  return new Promise((resolve, reject) => {
    execFile(argv[0] as string, argv[1] as string[], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(JSON.parse(stdout) as never)));
  });
}
const value = (r: { result?: unknown }) => (r.result as { ok: boolean; value?: unknown; error?: { kind: string; message: string } }) ?? { ok: false };
const forged = { caller: { id: 'root', role: 'admin' } };

t.test('the role comes from the kernel; a forged role and id are ignored', async (t) => {
  t.match(value(await callAs(READER, 'mcp.whoami', forged)), { ok: true, value: { role: 'read', uid: 61002, id: 'uid 61002', pid: Number } });
  t.match(value(await callAs(ADMIN, 'mcp.whoami', forged)), { ok: true, value: { role: 'admin', uid: 61003, because: /admin group 61010/ } });
  t.match(value(await callAs(NAMED_ADMIN, 'mcp.whoami')), { ok: true, value: { role: 'admin', because: /admin group 65534/ } }, 'a group named in the config');
  t.match(value(await callAs([], 'mcp.whoami')), { ok: true, value: { role: 'admin', uid: 0, id: 'root(uid 0)' } });
  t.match(value(await callAs(ADMIN, 'mcp.whoami', { caller: { role: 'read' } })), { value: { role: 'read' } }, 'a claim can lower the role (--read-only)');
});

t.test('a read caller forging admin is refused, and the refusal is audited with its real uid', async (t) => {
  const r = value(await callAs(READER, 'mcp.restartTimekeeper', forged));
  t.match(r, { ok: false, error: { kind: 'Forbidden', message: /restart_timekeeper requires the admin role; caller uid 61002 has the read role/ } });
  t.match(value(await callAs(READER, 'mcp.auditLog', { limit: 5 })), { ok: false, error: { kind: 'Forbidden' } }, 'the audit log is not for readers either');
  // An admin action, audited with the admin's real uid (no timekeeper in the simulator: a failure, still an action).
  t.match(value(await callAs(ADMIN, 'mcp.restartTimekeeper', { caller: { id: 'someone-else', role: 'admin' } })), { ok: false, error: { kind: 'SubsystemMissing' } });
  const actions = value(await callAs([], 'mcp.auditLog', { limit: 10 })).value as Array<Record<string, unknown>>;
  t.match(actions[0], { tool: 'restart_timekeeper', caller: 'uid 61003', uid: 61003, role: 'admin', transport: 'stdio', ok: false });
  t.notOk(actions.some((a) => a.uid === 61002), 'no refusal among the actions');
  const refusals = value(await callAs([], 'mcp.refusalLog', { limit: 10 })).value as Array<Record<string, unknown>>;
  t.ok(refusals.some((r) => r.tool === 'restart_timekeeper' && r.uid === 61002 && r.caller === 'uid 61002' && r.role === 'read'), 'refusal row with the real uid');
  t.ok(refusals.some((r) => r.tool === 'get_audit_log' && r.uid === 61002));
});

t.test('a caller in none of the groups is refused by the socket itself, and that refusal is audited too', async (t) => {
  // An operator who opened the socket to everyone (o+rw): roles still hold, and the refusal is on record.
  chmodSync(join(dir, 'run'), 0o755);
  chmodSync(socket, 0o666);
  t.teardown(() => {
    chmodSync(join(dir, 'run'), 0o750);
    chmodSync(socket, 0o660);
  });
  const stranger = ['--reuid=61005', '--regid=61005', '--clear-groups'];
  const r = await callAs(stranger, 'mcp.state');
  t.match(r.error, /mcp\.state needs the read role; uid 61005 has no role/, 'refused with the reason');
  const refusals = value(await callAs([], 'mcp.refusalLog', { limit: 20 })).value as Array<Record<string, unknown>>;
  t.ok(
    refusals.some((x) => x.tool === 'mcp.state' && x.uid === 61005 && x.role === 'none' && x.transport === 'control'),
    `the socket's refusal is in the audit log with the kernel's uid: ${JSON.stringify(refusals.filter((x) => x.uid === 61005))}`,
  );
});

t.test('stdio bridge as a read-only uid: no admin tools listed; a refused call is audited by the daemon', async (t) => {
  const transport = new StdioClientTransport({ command: 'setpriv', args: [...READER, ...NODE, BIN, 'mcp', '--socket', socket], stderr: 'pipe' });
  let bridgeErr = '';
  transport.stderr!.on('data', (c: Buffer) => (bridgeErr += c.toString()));
  const client = new Client({ name: 'read-uid', version: '0' });
  await client.connect(transport);
  t.teardown(() => client.close());
  const { tools } = await client.listTools();
  t.ok(tools.some((x) => x.name === 'get_health'), 'read tools listed');
  t.same(
    tools.filter((x) => ['apply_timekeeper_config', 'restart_timekeeper', 'calibrate_nmea_offset', 'set_rtc_from_system', 'get_audit_log'].includes(x.name)).map((x) => x.name),
    [],
    'no admin tool listed',
  );
  const r = (await client.callTool({ name: 'set_rtc_from_system', arguments: {} })) as { isError?: boolean; content: Array<{ text: string }> };
  t.equal(r.isError, true);
  t.match(r.content[0]!.text, /requires the admin role/);
  t.match(bridgeErr, /serving on stdio as uid 61002 \(read\)/);
  const refusals = value(await callAs([], 'mcp.refusalLog', { limit: 20 })).value as Array<Record<string, unknown>>;
  t.ok(refusals.some((x) => x.tool === 'set_rtc_from_system' && x.uid === 61002 && x.transport === 'stdio'), 'the bridge refusal is in the daemon audit log');
});

async function initialize(key: string): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'quota', version: '0' } } }),
  });
}

t.test('one key holds at most mcp.maxConnectionsPerKey sessions', async (t) => {
  const a = await initialize(KEY);
  const b = await initialize(KEY);
  t.equal(a.status, 200);
  t.equal(b.status, 200);
  await Promise.all([a.body?.cancel(), b.body?.cancel()]);
  const c = await initialize(KEY);
  t.equal(c.status, 429, 'the third session of the key is refused');
  t.match(await c.text(), /maxConnectionsPerKey/);
  // Closing one frees its slot.
  const del = await fetch(mcpUrl, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}`, 'mcp-session-id': a.headers.get('mcp-session-id')! } });
  t.equal(del.status, 200);
  const d = await initialize(KEY);
  t.equal(d.status, 200, 'a slot freed by DELETE is available again');
  await d.body?.cancel();
});

t.test('failed authentication is throttled per address, counted, and not logged per attempt', async (t) => {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await initialize(`wrong-key-${i}-${'x'.repeat(20)}`);
    statuses.push(r.status);
    if (r.status === 429) t.match(r.headers.get('retry-after'), /^\d+$/);
    await r.body?.cancel();
  }
  t.same(statuses, [401, 401, 401, 429, 429, 429, 429, 429]);
  const good = await initialize(KEY);
  t.equal(good.status, 429, 'while throttled even a valid key waits: guessing gets no faster');
  await good.body?.cancel();
  const stats = (await callAs([], 'mcp-stats')).result as { auth: { failures: number; throttled: number } };
  t.match(stats.auth, { failures: 3, throttled: 6 });
  // (The control socket's own refusal above logs once per connection: not an MCP authentication.)
  t.equal(logs().filter((r) => /refused|authentication/i.test(String(r.msg)) && r.level === 'warn' && r.msg !== 'control request refused').length, 0, 'no warning per failed attempt');
});
