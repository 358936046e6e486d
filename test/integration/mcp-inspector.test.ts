import t from 'tap';
import { execFile } from 'node:child_process';
import { BIN, DaemonProcess } from '../helpers/daemon-process.js';

/**
 * An independent client: the MCP Inspector's CLI (@modelcontextprotocol/inspector-cli, without
 * the Inspector's web UI and its React tree) spawns
 * the built `stratum1d mcp` against a running simulated daemon. The Inspector prints the
 * JSON-RPC result on stdout and exits 0 even when the tool reports isError, so that is read
 * from the JSON; a protocol error (bad arguments) makes it exit non-zero with the message on
 * stderr. (`npm run build` first.)
 */
const INSPECTOR_DIR = new URL('../../node_modules/@modelcontextprotocol/inspector-cli/build/', import.meta.url).pathname;
// It finds its own package.json relative to the working directory: run it from its build dir.
const INSPECTOR = `${INSPECTOR_DIR}index.js`;

const daemon = new DaemonProcess(['run', '--simulate']);
t.teardown(() => daemon.stop());
await daemon.waitForLog((r) => r.msg === 'ready', 15_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `mcp-inspector-cli node bin/stratum1d.js mcp --socket SOCK --method ...`; the target's flags before the Inspector's. */
function inspector(method: string, ...extra: string[]): Promise<Run> {
  const argv = [INSPECTOR, process.execPath, BIN, 'mcp', '--socket', daemon.socket, '--method', method, ...extra];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: INSPECTOR_DIR, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

type CallResult = { isError?: boolean; content: Array<{ type: string; text: string }>; structuredContent?: Record<string, unknown> };
const json = <T>(r: Run): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`inspector printed no JSON (exit ${r.code}); stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
};

t.test('tools/list: every tool with its input schema and annotations', async (t) => {
  const r = await inspector('tools/list');
  t.equal(r.code, 0, r.stderr);
  const { tools } = json<{ tools: Array<{ name: string; inputSchema: { type: string; properties?: Record<string, unknown> }; annotations?: Record<string, unknown> }> }>(r);
  const names = tools.map((x) => x.name);
  for (const want of ['get_time', 'get_time_with_timezone', 'get_gnss_status', 'get_health', 'explain_sync', 'apply_timekeeper_config', 'get_audit_log']) t.ok(names.includes(want), `${want} listed`);
  t.ok(tools.every((x) => x.inputSchema.type === 'object' && x.annotations?.openWorldHint === false), 'schemas and annotations on every tool');
  t.ok(tools.find((x) => x.name === 'get_time_with_timezone')?.inputSchema.properties?.timezone, 'timezone argument described');
});

t.test('tools/call get_time', async (t) => {
  const before = Date.now();
  const r = await inspector('tools/call', '--tool-name', 'get_time');
  t.equal(r.code, 0, r.stderr);
  const res = json<CallResult>(r);
  t.notOk(res.isError);
  const after = Date.now();
  const s = res.structuredContent as { unixSeconds: number; unixNs: string; iso8601: string };
  // Between the spawn and the answer (however long a loaded machine takes), not a fixed window.
  t.ok(s.unixSeconds * 1000 >= before - 1000 && s.unixSeconds * 1000 <= after + 1000, 'the time of the call, by the local clock');
  t.match(s.unixNs, /^\d{19}$/);
  t.match(res.content[0]!.text, s.iso8601.slice(0, 19), 'text rendering carries the same time');
});

t.test('tools/call with --tool-arg: get_time_with_timezone Europe/Berlin', async (t) => {
  const r = await inspector('tools/call', '--tool-name', 'get_time_with_timezone', '--tool-arg', 'timezone=Europe/Berlin');
  t.equal(r.code, 0, r.stderr);
  const res = json<CallResult>(r);
  t.notOk(res.isError);
  const s = res.structuredContent as { zone: string; utcOffset: string; dst: boolean; abbreviation: string };
  t.equal(s.zone, 'Europe/Berlin');
  // CET in winter, CEST in summer: the flag and the offset must agree.
  t.equal(s.utcOffset, s.dst ? '+02:00' : '+01:00');
  t.equal(s.abbreviation, s.dst ? 'CEST' : 'CET');
});

t.test('a tool failure is isError in the JSON (exit 0); bad arguments are a reported protocol error', async (t) => {
  const zone = await inspector('tools/call', '--tool-name', 'get_time_with_timezone', '--tool-arg', 'timezone=Nowhere/Atlantis');
  t.equal(zone.code, 0, 'the Inspector exits 0 on an isError result');
  const res = json<CallResult>(zone);
  t.equal(res.isError, true);
  t.match(res.content[0]!.text, /unknown time zone "Nowhere\/Atlantis"/);

  const bad = await inspector('tools/call', '--tool-name', 'get_time_formatted');
  t.not(bad.code, 0, 'no result to print: the Inspector fails');
  t.match(bad.stderr, /-32602/, 'JSON-RPC invalid params');
  t.match(bad.stderr, /format/, 'naming the missing field');

  const unknown = await inspector('tools/call', '--tool-name', 'no_such_tool');
  t.not(unknown.code, 0);
  t.match(unknown.stderr, /no_such_tool/);
});

t.test('tools/call get_gnss_status reaches the daemon', async (t) => {
  const r = await inspector('tools/call', '--tool-name', 'get_gnss_status');
  t.equal(r.code, 0, r.stderr);
  const res = json<CallResult>(r);
  t.notOk(res.isError, res.content[0]?.text ?? 'no text');
  t.match(res.structuredContent, { device: 'simulator', link: 'open' });
});
