import t from 'tap';
import { userInfo } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, DaemonProcess, eventually } from '../helpers/daemon-process.js';

/**
 * The whole stdio path as an operator's SSH session uses it: the SDK client spawns the built
 * `stratum1d mcp`, which bridges to a real simulated daemon over its control socket.
 * (`npm run build` first.)
 */

type Result = { isError?: boolean; content?: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };
const text = (r: Result) => r.content?.[0]?.text ?? '';
/** Protocol-level refusals (bad arguments, unknown tool) come back as a thrown McpError. */
const rpcError = (p: Promise<unknown>) => p.then(() => null, (e: { code?: number; message: string }) => e);

const daemon = new DaemonProcess(['run', '--simulate']);
t.teardown(() => daemon.stop());
await daemon.waitForLog((r) => r.msg === 'ready', 15_000);

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [BIN, 'mcp', '--socket', daemon.socket],
  stderr: 'pipe',
});
let bridgeStderr = '';
transport.stderr!.on('data', (c: Buffer) => (bridgeStderr += c.toString()));
const client = new Client({ name: 'stdio-process-test', version: '0' });
// Anything on the bridge's stdout that is not JSON-RPC makes the SDK's reader report an error here.
const transportErrors: Error[] = [];
client.onerror = (e) => transportErrors.push(e);
await client.connect(transport);
t.teardown(() => client.close());

t.test('tools are listed with input schemas and annotations', async (t) => {
  const { tools } = await client.listTools();
  for (const want of ['get_time', 'get_gnss_status', 'get_health', 'calibrate_nmea_offset', 'get_audit_log']) t.ok(tools.some((x) => x.name === want), `${want} listed`);
  for (const tool of tools) {
    t.equal(tool.inputSchema.type, 'object', `${tool.name}: object input schema`);
    t.match(tool.annotations, { readOnlyHint: Boolean, destructiveHint: Boolean, idempotentHint: Boolean, openWorldHint: false }, `${tool.name}: annotations`);
  }
  t.match(tools.find((x) => x.name === 'get_time_with_timezone')?.inputSchema, { properties: { timezone: { type: 'string' } }, required: ['timezone'] });
  t.match(tools.find((x) => x.name === 'calibrate_nmea_offset')?.annotations, { destructiveHint: true, readOnlyHint: false });
  t.match(tools.find((x) => x.name === 'get_gnss_status')?.annotations, { destructiveHint: false, readOnlyHint: true });
});

t.test('get_gnss_status: a 3D, time-valid fix from the simulator', async (t) => {
  const gnss = await eventually(
    async () => {
      const r = (await client.callTool({ name: 'get_gnss_status', arguments: {} })) as Result;
      const s = r.structuredContent as { timeValid?: boolean; fix?: { mode?: number } } | undefined;
      return !r.isError && s?.timeValid === true && s.fix?.mode === 3 ? r : undefined;
    },
    20_000,
    'a time-valid 3D fix',
  );
  t.match(gnss.structuredContent, { device: 'simulator', fix: { mode: 3 }, timeValid: true, satellitesUsed: Number });
  t.ok((gnss.structuredContent as { satellitesUsed: number }).satellitesUsed > 0, 'satellites used');
  t.match(text(gnss), /3D fix, time valid/);
});

t.test('get_time answers with the daemon up', async (t) => {
  const before = Date.now();
  const r = (await client.callTool({ name: 'get_time', arguments: {} })) as Result;
  t.notOk(r.isError);
  const s = r.structuredContent as { unixSeconds: number; unixNs: string; quality: { daemon: string } };
  t.ok(Math.abs(s.unixSeconds * 1000 - before) < 5000, 'near the local clock');
  t.match(s.unixNs, /^\d{19}$/);
  t.not(s.quality.daemon, 'down', 'quality comes from the running daemon');
});

t.test('bad arguments → -32602 naming the field; unknown tool → error', async (t) => {
  t.match(await rpcError(client.callTool({ name: 'get_time_with_timezone', arguments: { timezone: 7 } })), { code: -32602, message: /timezone/ });
  t.match(await rpcError(client.callTool({ name: 'get_time_formatted', arguments: {} })), { code: -32602, message: /format/ });
  const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).then(
    (r) => ({ isError: (r as Result).isError === true, message: text(r as Result) }),
    (e: Error) => ({ isError: true, message: e.message }),
  );
  t.ok(unknown.isError, 'unknown tool refused');
  t.match(unknown.message, /no_such_tool/);
});

t.test('an admin call over stdio leaves an audit row as <user>(uid N) from the kernel, transport stdio', async (t) => {
  const r = (await client.callTool({ name: 'calibrate_nmea_offset', arguments: {} })) as Result;
  // A fresh simulator may not have enough samples: a failure is a legitimate, audited outcome,
  // but it must say why.
  if (r.isError) t.match(text(r), /\w{4,}/, `refusal explained: ${text(r)}`);
  else t.ok(r.structuredContent, 'calibration result');
  const audit = (await client.callTool({ name: 'get_audit_log', arguments: { limit: 10 } })) as Result;
  t.notOk(audit.isError);
  const entries = (audit.structuredContent as { entries: Array<Record<string, unknown>> }).entries;
  const row = entries.find((e) => e.tool === 'calibrate_nmea_offset');
  t.ok(row, 'audit row written');
  t.match(row, { caller: `${userInfo().username}(uid ${process.getuid!()})`, uid: process.getuid!(), pid: Number, role: 'admin', transport: 'stdio', ok: r.isError !== true, durationMs: Number });
});

t.test('stdout carried only JSON-RPC; stderr carried diagnostics, no protocol', async (t) => {
  t.same(transportErrors.map((e) => e.message), [], 'the SDK reader saw nothing but JSON-RPC');
  t.match(bridgeStderr, /serving on stdio as \S+\(uid \d+\) \(admin\)/);
  t.notMatch(bridgeStderr, /"jsonrpc"/, 'no protocol on stderr');
});

t.test('with the daemon stopped the session stays alive: health says down, time still answers', async (t) => {
  const { code } = await daemon.stop();
  t.equal(code, 0, 'daemon stopped cleanly');
  const health = (await client.callTool({ name: 'get_health', arguments: {} })) as Result;
  t.match(health.structuredContent, { overall: 'down', components: [{ name: 'daemon', level: 'down' }] });
  t.match(text(health), /daemon: down/);
  const time = (await client.callTool({ name: 'get_time', arguments: {} })) as Result;
  t.notOk(time.isError, 'get_time still answers');
  t.match(time.structuredContent, { unixNs: /^\d{19}$/, quality: { daemon: 'down', synced: null } });
  t.same(transportErrors.map((e) => e.message), [], 'still only JSON-RPC on stdout');
});
