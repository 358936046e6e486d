import t from 'tap';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { controlCall } from '../../src/daemon/control/control-client.js';
import { chronydConf, hasChrony, spawnChronyd } from '../helpers/chronyd-lab.js';
import { BIN, DaemonProcess, eventually, tempDir } from '../helpers/daemon-process.js';
import { freeUdpPort } from '../helpers/ports.js';

/**
 * The stdio bridge's quality subscription, end to end: a real simulated daemon, `stratum1d mcp`
 * as a real child of the SDK client, and a real `chronyd -x` that appears after both. get_time's
 * quality must follow the daemon without a control round trip per call (the daemon counts its
 * control requests by method), and once the daemon stops answering (SIGSTOP: the connection stays
 * open, the heartbeats stop; SIGKILL: the connection drops) the bridge must report the daemon
 * down, never keep handing out the last snapshot. (`npm run build` first.)
 */

if (!hasChrony) {
  t.test('quality subscription', { skip: 'chronyd or chronyc not installed' }, () => undefined);
} else {
  type Quality = { daemon: string; synced: boolean | null; timekeeper: string; note: string };
  type Stats = { byMethod: Record<string, number>; streams: number };

  const dir = tempDir();
  const port = await freeUdpPort();
  const daemon = new DaemonProcess(['run', '--simulate'], dir, {
    STRATUM1D_TIMEKEEPER__CHRONY__COMMAND_SOCKET: `127.0.0.1:${port}`,
    STRATUM1D_TIMEKEEPER__CHRONY__SOCK_PATH: join(dir, 'nmea.sock'),
    STRATUM1D_TIMEKEEPER__STATUS_INTERVAL_S: '1',
  });
  let chronyd: ChildProcess | null = null;
  t.teardown(async () => {
    chronyd?.kill('SIGTERM');
    if (daemon.child.exitCode === null) daemon.child.kill('SIGCONT');
    await daemon.stop();
  });
  await daemon.waitForLog((r) => r.msg === 'ready', 15_000);

  const client = new Client({ name: 'quality-subscription-test', version: '0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--socket', daemon.socket], stderr: 'ignore' }));
  t.teardown(() => client.close());

  const quality = async (): Promise<Quality> => {
    const r = (await client.callTool({ name: 'get_time', arguments: {} })) as { isError?: boolean; structuredContent?: { quality: Quality } };
    if (r.isError || !r.structuredContent) throw new Error(`get_time failed: ${JSON.stringify(r)}`);
    return r.structuredContent.quality;
  };
  const stats = async (): Promise<Stats> => (await controlCall(daemon.socket, 'control-stats', undefined, 10_000)) as Stats;
  const stateCalls = async () => (await stats()).byMethod['mcp.state'] ?? 0;

  await t.test('get_time is answered from the subscription: no control request per call', async (t) => {
    const q = await eventually(async () => {
      const x = await quality();
      return x.daemon === 'up' ? x : undefined;
    }, 30_000, 'quality from the running daemon');
    t.equal(q.timekeeper, 'chrony');
    t.equal(q.synced, null, 'no chronyd yet: nobody can say');
    t.match(q.note, /unavailable/);
    const before = await stats();
    for (let i = 0; i < 25; i++) t.equal((await quality()).daemon, 'up');
    const after = await stats();
    t.equal(after.byMethod['mcp.state'] ?? 0, before.byMethod['mcp.state'] ?? 0, 'no mcp.state round trip for 25 calls');
    t.equal(after.byMethod['mcp.watchQuality'], 1, 'one subscription');
    t.equal(after.streams, 1, 'open now');
  });

  await t.test('a change in the daemon (chronyd starts answering) reaches the bridge by the subscription', async (t) => {
    const calls = await stateCalls();
    chronyd = spawnChronyd(chronydConf(dir, port, [`refclock SOCK ${join(dir, 'nmea.sock')} refid NMEA noselect poll 0 delay 0.2`]));
    const q = await eventually(async () => {
      const x = await quality();
      return x.synced === false ? x : undefined;
    }, 60_000, 'chronyd reachable and (with only a noselect source) not synchronised');
    t.match(q.note, /not synchronised/);
    t.equal(await stateCalls(), calls, 'still no mcp.state round trip: the change was pushed');
  });

  await t.test('a daemon that stops pushing (SIGSTOP) is reported down, not served from the old snapshot', async (t) => {
    daemon.child.kill('SIGSTOP');
    const q = await eventually(async () => {
      const x = await quality();
      return x.daemon === 'down' ? x : undefined;
    }, 60_000, 'the bridge to notice the silent daemon');
    t.equal(q.synced, null);
    t.match(q.note, /daemon is down/);
    daemon.child.kill('SIGCONT');
    await eventually(async () => {
      const x = await quality();
      return x.daemon === 'up' && x.synced === false ? x : undefined;
    }, 60_000, 'fresh quality again once the daemon runs');
    const calls = await stateCalls();
    for (let i = 0; i < 10; i++) await quality();
    t.equal(await stateCalls(), calls, 'served from the subscription again');
  });

  await t.test('a dropped subscription (daemon killed) means daemon down at once after the drop', async (t) => {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    const q = await eventually(async () => {
      const x = await quality();
      return x.daemon === 'down' ? x : undefined;
    }, 60_000, 'the bridge to report the daemon down');
    t.match(q.note, /daemon is down/);
    for (let i = 0; i < 5; i++) t.equal((await quality()).daemon, 'down', 'and stays down: the last snapshot is never served again');
  });
}
