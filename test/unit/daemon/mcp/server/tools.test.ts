import { join } from 'node:path';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import t from 'tap';
import { ALL_TOOLS } from '../../../../../src/daemon/mcp/server/create-server.js';
import { ADMIN, connectClient, downApi, makeDaemonApi, NOW_NS, populatedStore, READER, tempDir } from './fixtures.js';

type Result = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown> };
const text = (r: Result): string => r.content.map((c) => c.text ?? '').join('');

async function rejection(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof McpError) return e;
    throw e;
  }
  throw new Error('expected a JSON-RPC error');
}

const ADMIN_TOOLS = ['apply_timekeeper_config', 'restart_timekeeper', 'calibrate_nmea_offset', 'set_rtc_from_system', 'get_audit_log'];

t.test('every tool is listed with schemas and annotations', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, ADMIN);
  t.teardown(c.close);
  const { tools } = await c.client.listTools();
  t.same(tools.map((x) => x.name).sort(), ALL_TOOLS.map((x) => x.name).sort());
  t.equal(tools.length, 22, '7 time, 10 timekeeping and diagnostic, 5 admin');
  for (const tool of tools) {
    t.equal(tool.inputSchema.type, 'object', `${tool.name} input schema`);
    t.equal(tool.outputSchema?.type, 'object', `${tool.name} output schema`);
    const a = tool.annotations;
    t.ok(a && typeof a.readOnlyHint === 'boolean' && typeof a.destructiveHint === 'boolean' && typeof a.idempotentHint === 'boolean', `${tool.name} hints`);
    t.equal(a?.openWorldHint, false, `${tool.name} closed world`);
    const destructive = ADMIN_TOOLS.includes(tool.name) && tool.name !== 'get_audit_log';
    t.equal(a?.destructiveHint, destructive, `${tool.name} destructiveHint`);
    t.equal(a?.readOnlyHint, !destructive, `${tool.name} readOnlyHint`);
  }
  const conv = tools.find((x) => x.name === 'convert_time');
  t.same((conv?.inputSchema.required as string[]).sort(), ['timestamp', 'to_timezone']);
});

t.test('every read tool answers with structured content valid against its schema, and text', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, READER);
  t.teardown(c.close);
  await c.client.listTools(); // the SDK client then validates structuredContent against each outputSchema
  const args: Record<string, Record<string, unknown>> = {
    get_time_formatted: { format: '%F %T.%N %Z', timezone: 'Europe/Berlin' },
    get_time_with_timezone: { timezone: 'America/New_York' },
    list_timezones: { filter: 'berlin' },
    convert_time: { timestamp: '1782907200', to_timezone: 'Asia/Tokyo' },
  };
  for (const tool of ALL_TOOLS.filter((x) => x.access === 'read')) {
    const r = (await c.client.callTool({ name: tool.name, arguments: args[tool.name] ?? {} })) as Result;
    t.notOk(r.isError, `${tool.name}: ${text(r).slice(0, 200)}`);
    t.type(r.structuredContent, 'object', `${tool.name} structured`);
    t.ok(text(r).length > 0, `${tool.name} text`);
  }
});

t.test('time tools: the values', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, READER);
  t.teardown(c.close);
  const call = async (name: string, a: Record<string, unknown> = {}) => (await c.client.callTool({ name, arguments: a })) as Result;
  const time = (await call('get_time')).structuredContent as Record<string, any>;
  t.equal(time.iso8601, '2026-07-01T12:00:00.123456789Z');
  t.equal(time.unixNs, NOW_NS.toString());
  t.equal(time.calendar.weekday, 'Wednesday');
  t.equal(time.quality.synced, true);
  t.equal(time.quality.source, 'PPS');
  t.ok(Math.abs(time.quality.estimatedErrorS - (2e-7 + 1.5e-5 + 0.5e-9)) < 1e-12, 'chronyc bound: |offset| + dispersion + delay/2');
  t.same((await call('get_unix_time')).structuredContent, { seconds: 1782907200, nanos: 123456789 });
  t.same((await call('get_nanos')).structuredContent, { nanos: '1782907200123456789' });
  t.equal(text(await call('get_time_formatted', { format: '%Y-%m-%d %H:%M:%S.%N %Z', timezone: 'Europe/Berlin' })), '2026-07-01 14:00:00.123456789 CEST');
  const bad = await call('get_time_formatted', { format: '%Y %Q' });
  t.ok(bad.isError);
  t.match(text(bad), /unsupported format specifier "%Q"/);
  const zone = await call('get_time_with_timezone', { timezone: 'Nowhere/Land' });
  t.ok(zone.isError);
  t.match(text(zone), /unknown time zone "Nowhere\/Land"/);
  const ny = (await call('get_time_with_timezone', { timezone: 'America/New_York' })).structuredContent as Record<string, any>;
  t.same([ny.utcOffset, ny.dst, ny.abbreviation], ['-04:00', true, 'EDT']);
});

t.test('convert_time reports DST ambiguity and gaps with candidates', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, READER);
  t.teardown(c.close);
  const conv = async (a: Record<string, unknown>) => (await c.client.callTool({ name: 'convert_time', arguments: a })) as Result;
  const amb = await conv({ timestamp: '2026-11-01T01:30:00', from_timezone: 'America/New_York', to_timezone: 'UTC' });
  const s = amb.structuredContent as Record<string, any>;
  t.equal(s.status, 'ambiguous');
  t.equal(s.result, null, 'no guess');
  t.same(s.candidates.map((x: any) => x.target.iso8601), ['2026-11-01T05:30:00.000000000Z', '2026-11-01T06:30:00.000000000Z']);
  t.match(text(amb), /^AMBIGUOUS/);
  const gap = await conv({ timestamp: '2026-03-08T02:30:00', from_timezone: 'America/New_York', to_timezone: 'Europe/London' });
  t.equal((gap.structuredContent as any).status, 'nonexistent');
  t.equal((gap.structuredContent as any).gapSeconds, 3600);
  t.match(text(gap), /^NONEXISTENT/);
  const ok = await conv({ timestamp: '1793511000123456789', to_timezone: 'America/New_York' });
  t.equal((ok.structuredContent as any).result.target.iso8601, '2026-11-01T01:30:00.123456789-04:00');
  t.equal((ok.structuredContent as any).interpretedAs, 'Unix nanoseconds');
  const junk = await conv({ timestamp: 'next tuesday', to_timezone: 'UTC' });
  t.ok(junk.isError);
  t.match(text(junk), /cannot read "next tuesday"/);
});

t.test('bad arguments are a -32602 error naming the field; an unknown tool is an error', async (t) => {
  const { api } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, ADMIN);
  t.teardown(c.close);
  const missing = await rejection(c.client.callTool({ name: 'get_time_with_timezone', arguments: {} }));
  t.equal(missing.code, ErrorCode.InvalidParams);
  t.match(missing.message, /timezone/);
  const wrongType = await rejection(c.client.callTool({ name: 'get_audit_log', arguments: { limit: 'ten' } }));
  t.equal(wrongType.code, -32602);
  t.match(wrongType.message, /limit/);
  const extra = await rejection(c.client.callTool({ name: 'get_time', arguments: { zone: 'UTC' } }));
  t.equal(extra.code, -32602);
  t.match(extra.message, /zone/, 'an unknown argument is named too');
  const unknown = await rejection(c.client.callTool({ name: 'get_weather', arguments: {} }));
  t.equal(unknown.code, -32602);
  t.match(unknown.message, /unknown tool "get_weather"/);
  // The server survives all of it.
  const ok = (await c.client.callTool({ name: 'get_unix_time', arguments: {} })) as Result;
  t.notOk(ok.isError);
});

t.test('a read caller is refused admin tools, and the refusal is audited', async (t) => {
  const { api, audit, fakes } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, READER);
  t.teardown(c.close);
  for (const name of ADMIN_TOOLS) {
    const r = (await c.client.callTool({ name, arguments: {} })) as Result;
    t.ok(r.isError, `${name} refused`);
    t.match(text(r), /requires the admin role/);
  }
  t.same(fakes.calls, [], 'nothing ran');
  t.same(audit.recent(10), [], 'refusals are not admin actions');
  const rows = audit.recentRefusals(10);
  t.equal(rows.length, ADMIN_TOOLS.length);
  t.ok(rows.every((r) => r.count === 1 && r.caller === 'dash-key' && r.role === 'read' && r.transport === 'http'));
  t.same(rows.map((r) => r.tool).sort(), [...ADMIN_TOOLS].sort());
  const { tools } = await c.client.listTools();
  t.same(tools.filter((x) => ADMIN_TOOLS.includes(x.name)).map((x) => x.name), [], 'tools/list shows a read caller no admin tool');
  t.ok(tools.some((x) => x.name === 'get_health'), 'and every read tool');
});

t.test('admin calls run, leave audit rows, and are readable with get_audit_log', async (t) => {
  const { api, audit, fakes } = makeDaemonApi(populatedStore(), join(tempDir(t), 'a.db'));
  const c = await connectClient(api, ADMIN);
  t.teardown(c.close);
  await c.client.listTools();
  const apply = (await c.client.callTool({ name: 'apply_timekeeper_config', arguments: {} })) as Result;
  t.notOk(apply.isError);
  t.match(text(apply), /applied/);
  fakes.applyOk = false;
  const rolled = (await c.client.callTool({ name: 'apply_timekeeper_config', arguments: {} })) as Result;
  t.ok(rolled.isError, 'a rolled-back apply is reported as an error');
  t.equal((rolled.structuredContent as any).details.status, 'rolled-back');
  t.notOk(((await c.client.callTool({ name: 'restart_timekeeper', arguments: {} })) as Result).isError);
  const cal = (await c.client.callTool({ name: 'calibrate_nmea_offset', arguments: {} })) as Result;
  t.match(text(cal), /123\.000 ms from 128 samples/);
  const rtc = (await c.client.callTool({ name: 'set_rtc_from_system', arguments: {} })) as Result;
  t.ok(rtc.isError, 'no RTC setter');
  t.match(text(rtc), /no writable real-time clock.*To fix: fit a DS3231/s);
  t.same(fakes.calls, ['apply', 'apply', 'restart', 'calibrate']);

  const rows = audit.recent(10);
  t.same(rows.map((r) => [r.tool, r.ok]), [
    ['set_rtc_from_system', false],
    ['calibrate_nmea_offset', true],
    ['restart_timekeeper', true],
    ['apply_timekeeper_config', false],
    ['apply_timekeeper_config', true],
  ]);
  t.ok(rows.every((r) => r.caller === 'ops-key' && r.role === 'admin' && r.transport === 'websocket' && r.durationMs >= 0));
  const log = (await c.client.callTool({ name: 'get_audit_log', arguments: { limit: 2 } })) as Result;
  const entries = (log.structuredContent as any).entries;
  t.equal(entries.length, 2);
  t.same(entries.map((e: any) => e.tool), ['set_rtc_from_system', 'calibrate_nmea_offset']);
  t.match(entries[0].at, /^\d{4}-\d\d-\d\dT/);
});

t.test('daemon down: time tools answer, health says down, others say what is missing', async (t) => {
  const c = await connectClient(downApi, ADMIN);
  t.teardown(c.close);
  const time = (await c.client.callTool({ name: 'get_time', arguments: {} })) as Result;
  t.notOk(time.isError);
  t.equal((time.structuredContent as any).quality.daemon, 'down');
  t.match(text(time), /quality unknown: the stratum1d daemon is down/);
  const health = (await c.client.callTool({ name: 'get_health', arguments: {} })) as Result;
  t.notOk(health.isError);
  t.equal((health.structuredContent as any).overall, 'down');
  for (const name of ['get_ntp_status', 'get_gnss_status', 'explain_sync', 'get_config', 'render_timekeeper_config', 'apply_timekeeper_config']) {
    const r = (await c.client.callTool({ name, arguments: {} })) as Result;
    t.ok(r.isError, name);
    t.match(text(r), /daemon is not running or not reachable.*systemctl start stratum1d/s, name);
  }
});

t.test('absent subsystems: isError saying what is missing and how to fix it', async (t) => {
  const store = populatedStore();
  store.update('timekeeper', { kind: 'none', reachable: false, synced: null, sources: [], tracking: null });
  store.update('rtc', { model: null, readable: false });
  store.update('pps', { source: null, link: 'absent' });
  const { api } = makeDaemonApi(store, join(tempDir(t), 'a.db'), { timekeeper: null });
  const c = await connectClient(api, ADMIN);
  t.teardown(c.close);
  const expect: Record<string, RegExp> = {
    get_ntp_status: /no timekeeper is configured.*Missing: timekeeper.*apt install chrony/s,
    get_ntp_peers: /no timekeeper/,
    get_rtc_status: /no real-time clock.*Missing: rtc/s,
    get_pps_status: /no PPS source.*Missing: pps.*pps-gpio/s,
    render_timekeeper_config: /no timekeeper/,
    restart_timekeeper: /no timekeeper/,
  };
  for (const [name, re] of Object.entries(expect)) {
    const r = (await c.client.callTool({ name, arguments: {} })) as Result;
    t.ok(r.isError, name);
    t.match(text(r), re, name);
  }
  // chrony configured but not answering (e.g. not installed)
  store.update('timekeeper', { kind: 'chrony', reachable: false, lastError: 'chronyd not running (connection refused)' });
  const r = (await c.client.callTool({ name: 'get_ntp_status', arguments: {} })) as Result;
  t.ok(r.isError);
  t.match(text(r), /chronyd is not answering.*connection refused.*sudo apt install chrony/s);
  const h = (await c.client.callTool({ name: 'get_health', arguments: {} })) as Result;
  t.equal((h.structuredContent as any).overall, 'failed');
});
