import { connect } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { DaemonProcess, simulatedDaemonWithConfig, eventually, tempDir } from '../helpers/daemon-process.js';
import { freeTcpPort } from '../helpers/ports.js';

/** A daemon whose gpsd port comes from the config file (the helper pins it to 0 by environment). */
class FilePortDaemon extends DaemonProcess {
  override env(): NodeJS.ProcessEnv {
    const e = super.env();
    delete e.STRATUM1D_GPSD__PORT;
    return e;
  }
}

interface Status {
  state: {
    gnss: { trust: { timeValid: boolean; validStreak: number } };
    holdover: { state: string };
    timekeeper: { reachable: boolean | null };
    alarms: { active: Array<{ id: string }>; raised: number };
    reload: { outcome: string; applied: string[]; pendingRestart: Array<{ key: string; running: unknown; pending: unknown }> };
  };
  summary: string;
}

async function status(d: DaemonProcess): Promise<Status> {
  const r = await d.status('--json');
  if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Status;
}

async function reload(d: DaemonProcess): Promise<Record<string, unknown>> {
  const before = d.logs().filter((r) => r.msg === 'configuration reloaded').length;
  d.child.kill('SIGHUP');
  return eventually(() => d.logs().filter((r) => r.msg === 'configuration reloaded')[before], 20_000, 'configuration reloaded');
}

t.test('a reload with an unchanged configuration changes nothing observable', async (t) => {
  const { d, cfg } = await simulatedDaemonWithConfig(t, 'log:\n  level: info\ngpsd:\n  enabled: true\n');
  const before = await eventually(async () => {
    const s = await status(d);
    // Settled first: with no chronyd answering, its alarm matures on its own after the debounce,
    // and on a loaded machine that can fall between the two readings (seen beside a second suite).
    const settled = s.state.timekeeper.reachable !== false || s.state.alarms.active.some((a) => a.id === 'timekeeper-unreachable');
    return s.state.gnss.trust.timeValid && s.state.holdover.state !== 'holdover' && settled ? s : undefined;
  }, 60_000, 'GNSS time valid and the alarms settled');
  const rec = await reload(d);
  t.equal(rec.outcome, 'unchanged');
  const after = await status(d);
  t.equal(after.state.gnss.trust.timeValid, true, 'GNSS trust kept');
  t.ok(after.state.gnss.trust.validStreak >= before.state.gnss.trust.validStreak, `valid streak not reset (${before.state.gnss.trust.validStreak} → ${after.state.gnss.trust.validStreak})`);
  t.equal(after.state.holdover.state, before.state.holdover.state, 'holdover state unchanged');
  t.same(after.state.alarms.active.map((a) => a.id), before.state.alarms.active.map((a) => a.id), 'same active alarms');
  t.equal(after.state.alarms.raised, before.state.alarms.raised, 'no alarm raised by the reload');
  t.same(after.state.reload.pendingRestart, []);
  t.notOk(d.logs().some((r) => /holdover/.test(String(r.msg)) && r.level === 'warn'), 'never entered holdover');
});

t.test('a reload removing an MCP key refuses it at once, open session included', async (t) => {
  const dir = tempDir();
  const cfg = join(dir, 'config.yaml');
  const port = await freeTcpPort();
  const keys = (names: string[]) => names.map((n) => `    - { name: ${n}, role: read, sha256: ${hashKey(`key-${n}`)} }`).join('\n');
  const write = (names: string[]) => writeFileSync(cfg, `mcp:\n  enabled: true\n  port: ${port}\n  keys:\n${keys(names)}\n`);
  write(['alice', 'bob']);
  const d = new DaemonProcess(['run', '--simulate', '--config', cfg], dir);
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', 30_000);
  const url = `http://127.0.0.1:${port}/mcp`;
  const post = (key: string, body: unknown, session?: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(session ? { 'mcp-session-id': session } : {}) },
      body: JSON.stringify(body),
    });
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } };
  const r1 = await post('key-alice', init);
  t.equal(r1.status, 200, 'alice works before');
  const session = r1.headers.get('mcp-session-id') ?? undefined;
  await r1.text();
  t.ok(session, 'a session was opened');

  write(['bob']);
  const rec = await reload(d);
  t.same(rec.applied, ['mcp.keys']);
  const r2 = await post('key-alice', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, session);
  t.equal(r2.status, 401, 'the open session of the removed key is refused');
  await r2.text();
  const r3 = await post('key-alice', init);
  t.equal(r3.status, 401, 'a new session with the removed key is refused');
  await r3.text();
  const r4 = await post('key-bob', init);
  t.equal(r4.status, 200, 'the remaining key works');
  await r4.text();
});

function gpsdAnswers(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    const done = (v: string | null) => {
      s.destroy();
      resolve(v);
    };
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
      if (buf.includes('\n')) done(buf.split('\n')[0]!);
    });
    s.on('error', () => done(null));
    s.setTimeout(10_000, () => done(null));
  });
}

t.test('a reload changing the gpsd port moves the server', async (t) => {
  const dir = tempDir();
  const cfg = join(dir, 'config.yaml');
  const [p1, p2] = [await freeTcpPort(), await freeTcpPort()];
  writeFileSync(cfg, `gpsd:\n  enabled: true\n  port: ${p1}\n`);
  const d = new FilePortDaemon(['run', '--simulate', '--config', cfg], dir);
  t.teardown(() => d.stop('SIGKILL'));
  await d.waitForLog((r) => r.msg === 'ready', 30_000);
  t.match(await gpsdAnswers(p1), /"class":"VERSION"/, 'the first port answers');
  writeFileSync(cfg, `gpsd:\n  enabled: true\n  port: ${p2}\n`);
  const rec = await reload(d);
  t.same(rec.applied, ['gpsd.port']);
  t.match(await gpsdAnswers(p2), /"class":"VERSION"/, 'the new port answers');
  t.equal(await gpsdAnswers(p1), null, 'the old port is closed');
});

t.test('a key that needs a restart is reported and keeps its running value', async (t) => {
  const { d, cfg } = await simulatedDaemonWithConfig(t, 'log:\n  format: json\n');
  writeFileSync(cfg, 'log:\n  format: text\n  level: debug\n');
  const rec = await reload(d);
  t.equal(rec.outcome, 'partial');
  t.same(rec.applied, ['log.level'], 'the live key applied');
  t.same(rec.restartNeeded, ['log.format']);
  const warn = d.logs().find((r) => r.msg === 'reload: these keys need a restart; the old value keeps running until then');
  t.same(warn?.keys, ['log.format'], 'logged with the key');
  const s = await status(d);
  t.same(s.state.reload.pendingRestart.map((p) => [p.key, p.running, p.pending]), [['log.format', 'json', 'text']], 'status shows running and pending values');
  const alarm = await eventually(async () => (await status(d)).state.alarms.active.find((a) => a.id === 'restart-needed'), 10_000, 'restart-needed alarm');
  t.match(alarm, { id: 'restart-needed' });
  t.match(s.summary, /./);
  const n = d.stderrLines.length;
  await d.waitForLog((r) => r.level === 'debug', 10_000);
  t.ok(d.stderrLines.slice(n).every((l) => l.startsWith('{')), 'logs still JSON: the old format runs');
  // Reverting the file clears the pending key.
  writeFileSync(cfg, 'log:\n  format: json\n  level: debug\n');
  const rec2 = await reload(d);
  t.same(rec2.restartNeeded, []);
  t.same((await status(d)).state.reload.pendingRestart, []);
});
