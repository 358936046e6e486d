import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { runMcp } from '../../src/cli/mcp.js';
import { ControlServer } from '../../src/daemon/control/control-server.js';
import { createLogger } from '../../src/daemon/logger.js';
import { DaemonDown, SubsystemMissing } from '../../src/daemon/mcp/appliance-api.js';
import { ControlApi } from '../../src/daemon/mcp/control-api.js';
import { registerMcpControlMethods } from '../../src/daemon/mcp/control-methods.js';
import { FakeApi, testServer } from '../unit/daemon/mcp/transports/test-server.js';

/**
 * The stdio bridge in-process: `runMcp` on piped stdin/stdout, a real ControlServer on a unix
 * socket serving the control methods from a fake api. (Through the real `stratum1d mcp`
 * process once the CLI and daemon wiring land.)
 */
const log = createLogger({ level: 'error', format: 'json' });

/** The client end of newline-delimited JSON-RPC over a pair of streams (what StdioClientTransport does over a child's pipes). */
class PipeClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (e: Error) => void;
  onmessage?: (m: JSONRPCMessage) => void;
  readonly #buf = new ReadBuffer();
  constructor(
    private readonly toServer: PassThrough,
    private readonly fromServer: PassThrough,
  ) {}
  async start(): Promise<void> {
    this.fromServer.on('data', (c: Buffer) => {
      this.#buf.append(c);
      for (let m = this.#buf.readMessage(); m; m = this.#buf.readMessage()) this.onmessage?.(m);
    });
  }
  async send(m: JSONRPCMessage): Promise<void> {
    this.toServer.write(serializeMessage(m));
  }
  async close(): Promise<void> {
    this.toServer.end();
    this.onclose?.();
  }
}

async function bridge(t: { teardown(fn: () => unknown): void }, socket: string, extra: string[] = []) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = runMcp(['--socket', socket, ...extra], { stdin, stdout, stderr }, { createServer: testServer });
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(new PipeClientTransport(stdin, stdout));
  t.teardown(() => client.close());
  return { client, exit, stdout: () => out, stderr: () => err };
}

const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;

const dir = mkdtempSync(join(tmpdir(), 's1d-mcp-stdio-'));
const api = new FakeApi();
const control = new ControlServer(join(dir, 'control.sock'), log);
registerMcpControlMethods(control, api);
await control.start();
t.teardown(() => control.stop());

t.test('the bridge serves tools backed by the daemon over the control socket', async (t) => {
  const b = await bridge(t, control.path);
  const { tools } = await b.client.listTools();
  t.ok(tools.find((x) => x.name === 'echo')?.inputSchema.properties?.text, 'tools listed with schemas');
  t.equal(text(await b.client.callTool({ name: 'daemon_version', arguments: {} })), '9.9.9-test', 'state came through the socket');
  const r = await b.client.callTool({ name: 'restart_timekeeper', arguments: {} });
  t.equal(r.isError, true);
  t.match(text(r), /missing chrony: chronyd is not installed; fix: apt install chrony/, 'SubsystemMissing rebuilt on the bridge side');
  // The daemon names the caller from the socket's peer credentials, not from what the bridge says.
  t.match(api.calls.at(-1), { method: 'restart', caller: { id: `${userInfo().username}(uid ${process.getuid!()})`, uid: process.getuid!(), pid: Number, role: 'admin', transport: 'stdio' } });
  await b.client.close();
  t.equal(await b.exit, 0, 'end of stdin ends the bridge');
  for (const line of b.stdout().split('\n').filter(Boolean)) t.equal((JSON.parse(line) as { jsonrpc: string }).jsonrpc, '2.0');
  t.match(b.stderr(), /serving on stdio/, 'diagnostics on stderr');
});

t.test('--read-only withholds admin tools', async (t) => {
  const b = await bridge(t, control.path, ['--read-only']);
  const n = api.calls.length;
  const r = await b.client.callTool({ name: 'restart_timekeeper', arguments: {} });
  t.equal(r.isError, true);
  t.equal(api.calls.length, n, 'nothing reached the daemon');
});

t.test('with the daemon down, time tools answer and daemon tools say it is down', async (t) => {
  const b = await bridge(t, join(dir, 'nobody-here.sock'));
  t.match(text(await b.client.callTool({ name: 'get_time', arguments: {} })), /^\d{13}$/);
  const r = await b.client.callTool({ name: 'daemon_version', arguments: {} });
  t.equal(r.isError, true);
  t.match(text(r), /daemon down: .*not running/);
});

t.test('ControlApi: typed errors cross the socket; a read caller cannot run admin methods', async (t) => {
  const c = new ControlApi(control.path);
  await t.rejects(c.restartTimekeeper({ id: 'ssh:x', role: 'admin', transport: 'stdio' }), SubsystemMissing);
  // A caller may lower its own role (--read-only), never raise it: root here, refused as read.
  await t.rejects(c.calibrateNmeaOffset({ id: 'ssh:x', role: 'read', transport: 'stdio' }), /requires the admin role/);
  t.same(await c.calibrateNmeaOffset({ id: 'ssh:x', role: 'admin', transport: 'websocket' }), { offsetS: 0.12 });
  t.equal(api.calls.at(-1)?.caller?.transport, 'stdio', 'the socket path is always recorded as stdio');
  t.equal((await c.auditLog(1)).length, 1);
  await t.rejects(c.auditLog(0), /limit must be/);
  t.match(await c.renderTimekeeperConfig(), { kind: 'chrony' });
  const down = await new ControlApi(join(dir, 'absent.sock')).state().catch((e: unknown) => e);
  t.ok(down instanceof DaemonDown, 'no daemon → DaemonDown');
});
