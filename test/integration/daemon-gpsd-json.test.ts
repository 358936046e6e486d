import t from 'tap';
import { execFile } from 'node:child_process';
import { DaemonProcess } from '../helpers/daemon-process.js';

/** The built daemon on its simulator, read by gpsd's own client: what a user's gpspipe sees. */
t.test('gpspipe -w reads TPV and SKY from the running daemon', async (t) => {
  const d = new DaemonProcess(['run', '--simulate']);
  t.teardown(() => d.stop('SIGKILL'));
  const listening = await d.waitForLog((r) => r.msg === 'gpsd JSON server listening', 15_000);
  const port = Number(listening.port);
  t.ok(port > 0, `listening on ${listening.host}:${port}`);
  t.equal(listening.host, '127.0.0.1', 'loopback by default');

  // Until the GNSS time is trusted (3 good epochs) TPV carries no time (gpsd-time-gate.ts).
  await d.waitForLog((r) => r.msg === 'GNSS fix changed' && r.timeValid === true, 60_000);
  const captureStart = Date.now();
  const out = await new Promise<string>((resolve, reject) =>
    execFile('gpspipe', ['-w', '-n', '12', `127.0.0.1:${port}`], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const reports = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const classes = new Set(reports.map((r) => r.class));
  t.ok(classes.has('VERSION') && classes.has('DEVICES') && classes.has('WATCH'), [...classes].join(','));
  const tpv = reports.find((r) => r.class === 'TPV' && r.mode === 3);
  t.ok(tpv, 'a 3D TPV');
  t.match(String(tpv?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // The label names the second the fix was sent in, so it falls inside gpspipe's capture
  // (less a second for the label's own resolution), however long a loaded machine made that.
  const labelMs = Date.parse(String(tpv?.time));
  t.ok(labelMs >= captureStart - 2000 && labelMs <= Date.now(), `the simulator labels the current time (${String(tpv?.time)}, capture from ${new Date(captureStart).toISOString()})`);
  t.equal(tpv?.lat, 51.4779);
  const sky = reports.find((r) => r.class === 'SKY' && Array.isArray(r.satellites));
  t.ok(sky && (sky.uSat as number) > 0, 'a SKY with satellites used');

  const stats = await d.status('--json');
  t.equal(stats.code, 0);
  t.equal((await d.stop()).code, 0);
});
