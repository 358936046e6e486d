import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { eventually } from '../helpers/daemon-process.js';
import { chronydWarnings } from '../helpers/chronyd-lab.js';
import { chronyc, hasFeedTools, startFedDaemon, watchNmeaSamples } from '../helpers/fed-daemon.js';

/**
 * No stall corrupts a sample. The built daemon reads a receiver on a real pseudo-terminal
 * (`stratum1d simulate` plays into the other end) and feeds a real chronyd -x, while
 * - one gpsd client writes 100,000 `?POLL;` in one write and reads the replies,
 * - one control-socket client writes 20,000 `status` requests in one write,
 * - and the daemon is stopped outright for 3.5 s (SIGSTOP/SIGCONT): the receiver keeps
 *   talking, so on waking the daemon reads several seconds of sentences at once, every one
 *   stamped late: the stall a blocked event loop causes, made certain.
 * (The MCP transports and /health + /metrics have flood tests of their own.)
 *
 * Judged from chronyd's side: every NMEA sample chronyd reports (chronyc sources, polled
 * throughout) and its statistics over them (chronyc sourcestats) must be as right as before
 * the flood; the late epochs must have been dropped and counted by the daemon, not sent.
 * No timing is asserted, only samples.
 */

async function open(path: string | number): Promise<Socket> {
  const s = typeof path === 'number' ? connect(path, '127.0.0.1') : connect(path);
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  s.on('error', () => undefined);
  s.on('data', () => undefined); // read and discard the replies
  return s;
}

t.test('floods on every surface and a 3.5 s stall: no NMEA sample chronyd receives is built from a late stamp', { skip: hasFeedTools ? false : 'chronyd, chronyc or socat missing' }, async (t) => {
  const { d, dir, port, state } = await startFedDaemon(t);

  // Watch every sample chronyd reports, from before the flood to well after the stall.
  const watcher = watchNmeaSamples(port);
  const samples = watcher.samples;

  const gpsdAddr = await eventually(() => {
    const line = d.logs().find((l) => l.msg === 'gpsd JSON server listening') as { port?: number } | undefined;
    return line?.port;
  }, 10_000, 'the gpsd JSON port');
  const gpsdClient = await open(gpsdAddr);
  const controlClient = await open(d.socket);
  t.teardown(() => {
    gpsdClient.destroy();
    controlClient.destroy();
  });
  gpsdClient.write('?POLL;'.repeat(100_000));
  controlClient.write(Array.from({ length: 20_000 }, (_, i) => `${JSON.stringify({ id: i, method: 'status' })}\n`).join(''));
  await new Promise((r) => setTimeout(r, 2000));

  d.child.kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, 3500));
  d.child.kill('SIGCONT');
  await new Promise((r) => setTimeout(r, 8000));
  await watcher.stop();

  t.ok(samples.length > 20, `${samples.length} readings of chronyd's NMEA source`);
  const worst = samples.reduce((w, s) => (Math.abs(s.offsetS) > Math.abs(w.offsetS) ? s : w));
  // 0.4 s: PPS numbers a pulse by a label within 0.4 s of it; a late stamp would show seconds.
  t.ok(Math.abs(worst.offsetS) < 0.4, `every NMEA sample within 400 ms of truth (worst ${(worst.offsetS * 1000).toFixed(1)} ms); a late stamp would show seconds`);
  const stats = (await chronyc(port, 'sourcestats')).split('\n').find((l) => l.split(',')[0] === 'NMEA')?.split(',');
  t.ok(stats && Number(stats[7]) < 0.05, `chronyd's std dev over its NMEA samples ${stats ? (Number(stats[7]) * 1000).toFixed(2) : '?'} ms (sourcestats: ${stats?.join(',')}; chronyd's warnings: ${JSON.stringify(chronydWarnings(dir))})`);
  const after = await state();
  const feed = after!.timekeeper.feed;
  t.ok(feed.stalledDropped! >= 2, `the epochs read late after the stall were dropped and counted (${feed.stalledDropped}, worst ${feed.worstStallS} s)`);
  t.ok((feed.sockSent ?? 0) > 10, `${feed.sockSent} samples sent around them`);
  const text = await d.status();
  t.match(text.stdout, /dropped as stalled/, 'shown in `stratum1d status`');
});
