import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, DaemonProcess, eventually, tempDir } from '../helpers/daemon-process.js';
import { hasChrony, hasSocat, playReceiver, until } from '../helpers/chronyd-lab.js';
import { freeUdpPort } from '../helpers/ports.js';

const WEEKS_MS = 1024 * 7 * 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hasGpspipe = spawnSync('gpspipe', ['-V']).status === 0;
type Report = Record<string, unknown>;

/**
 * What ntpd's gpsd refclock driver would read: `gpspipe -w -P` asks for the JSON reports and
 * the pps ones (TOFF), as the driver's WATCH does. `lines` counts every line, greeting included.
 */
async function gpspipe(port: number, lines: number): Promise<{ reports: Report[]; from: number; to: number }> {
  const from = Date.now();
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('gpspipe', ['-w', '-P', '-n', String(lines), `127.0.0.1:${port}`], { timeout: 60_000 }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  const reports = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Report);
  return { reports, from, to: Date.now() };
}

/**
 * A receiver date the release-date floor cannot correct: 1024 weeks (19.6 years) in the
 * future, right time of day. The floor only moves dates forward, so this one passes it; the
 * only clock that can tell is the RTC, which holds the right time (`rtc.model: simulated`, an
 * in-memory RTC started from the system clock; the host clock is never touched). chronyd -x
 * here has no other source, so the system clock does not count as synchronised and the RTC
 * is the reference.
 *
 * Judged from chronyd's side (`log refclocks` records every sample it receives): no NMEA
 * sample while the date is wrong; the `gnss-time-disagrees` alarm, status and MCP say why;
 * once the receiver sends the right date, samples flow, none off by a second.
 *
 * ntpd's side is the daemon's gpsd port, read by a real gpspipe: while the date is refused,
 * TPV reports carry no `time` and there is no TOFF (the two things ntpd's gpsd driver takes
 * its time from); once the date is accepted, both are back.
 */
t.test('an uncorrectable rollover caught only by the RTC never reaches chronyd', { skip: hasChrony && hasSocat && hasGpspipe ? false : 'chronyd, socat or gpspipe not installed' }, async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freeUdpPort();
  const sock = join(dir, 'nmea.sock');
  const conf = join(dir, 'chrony.conf');
  writeFileSync(conf, [`refclock SOCK ${sock} refid NMEA noselect poll 0 delay 0.2`, 'port 0', `cmdport ${port}`, 'bindcmdaddress 127.0.0.1', `pidfile ${join(dir, 'chronyd.pid')}`, `driftfile ${join(dir, 'drift')}`, `logdir ${dir}`, 'log refclocks', ''].join('\n'));
  const chronyd: ChildProcess = spawn('chronyd', ['-x', '-d', '-u', 'root', '-f', conf], { stdio: 'ignore' });
  t.teardown(() => chronyd.kill('SIGKILL'));
  await eventually(() => (existsSync(sock) ? true : undefined), 10_000, 'chronyd to create its SOCK socket');
  /** Offsets (s) of every NMEA sample chronyd logged. */
  const nmeaOffsets = (): number[] => {
    const file = join(dir, 'refclocks.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').flatMap((l) => {
      const f = l.trim().split(/\s+/);
      return f[2] === 'NMEA' ? [f[6], f[7]].map(Number).filter(Number.isFinite) : [];
    });
  };

  const rx = await playReceiver();
  rx.link.generator.labelShiftMs = WEEKS_MS;
  t.teardown(() => rx.stop());
  const d = new DaemonProcess(['run'], dir, {
    STRATUM1D_GNSS__DEVICE: rx.pty.daemonSide,
    STRATUM1D_TIMEKEEPER__CHRONY__SOCK_PATH: sock,
    STRATUM1D_TIMEKEEPER__CHRONY__COMMAND_SOCKET: `127.0.0.1:${port}`,
    STRATUM1D_TIMEKEEPER__STATUS_INTERVAL_S: '1',
    STRATUM1D_TIMEKEEPER__PPS__KIND: 'none',
    STRATUM1D_RTC__MODEL: 'simulated',
    STRATUM1D_RTC__READ_INTERVAL_S: '1',
    STRATUM1D_RTC__SET_SYSTEM_CLOCK_AT_START: 'false',
    STRATUM1D_ALARMS__RAISE_AFTER_S: '1',
  });
  t.teardown(() => d.stop('SIGKILL'));
  const gpsdPort = Number((await d.waitForLog((r) => r.msg === 'gpsd JSON server listening')).port);

  const bad = await until(d, 'the label held against the RTC and found 1024 weeks ahead', (v) =>
    v.gnss.trust.check?.verdict === 'disagrees' && v.gnss.trust.check.reference === 'RTC' && v.alarms.active.some((a) => a.id === 'gnss-time-disagrees'), 45_000);
  t.equal(bad.gnss.trust.check?.rolloverWeeks, 0, 'the floor did not (could not) correct a future date');
  t.notOk(bad.gnss.trust.timeValid, 'the receiver is not time-valid');
  const alarm = bad.alarms.active.find((a) => a.id === 'gnss-time-disagrees')!;
  t.match(alarm.message, /receiver date 20\d\d-\d\d-\d\d .*1024 weeks ahead of the RTC: GPS week rollover\?/, `the alarm says why: ${alarm.message}`);
  await sleep(5000); // several more wrong epochs
  const during = (await until(d, 'state', () => true)).timekeeper.feed.sockSent;
  t.equal(during, 0, 'no SOCK sample was sent from the wrong label');
  t.same(nmeaOffsets(), [], 'chronyd received no NMEA sample');
  // ntpd's way in: the gpsd port, read while the date is still refused.
  const refused = await gpspipe(gpsdPort, 16);
  const tpvRefused = refused.reports.filter((r) => r.class === 'TPV');
  t.ok(tpvRefused.length >= 3, `TPV reports while the date is refused (${tpvRefused.length})`);
  t.same(tpvRefused.filter((r) => 'time' in r), [], 'no TPV carries the refused label as its time');
  t.ok(tpvRefused.every((r) => r.mode === 3 && typeof r.lat === 'number'), 'TPV still reports the 3D fix and position (cgps keeps working)');
  t.same(refused.reports.filter((r) => r.class === 'TOFF'), [], 'no TOFF while the date is refused');
  t.match(refused.reports.find((r) => r.class === 'WATCH'), { pps: true }, 'gpspipe -P asked for TOFF (the capture could have seen one)');
  const stillBad = await until(d, 'state', () => true);
  t.equal(stillBad.timekeeper.feed.sockSent, 0, 'no SOCK sample after the capture either: the date was refused throughout');

  const text = await d.status();
  t.match(text.stdout, /DISAGREES: receiver date .*GPS week rollover/, '`stratum1d status` shows it');

  const mcp = new Client({ name: 'rtc-rollover-test', version: '0' });
  await mcp.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--socket', d.socket], stderr: 'ignore' }));
  t.teardown(() => mcp.close());
  const gnss = await mcp.callTool({ name: 'get_gnss_status', arguments: {} });
  t.match(JSON.stringify(gnss.structuredContent ?? gnss.content), /DISAGREES: receiver date .*1024 weeks ahead of the RTC/, 'MCP get_gnss_status shows it');

  // The receiver is fixed (or the operator moved its pivot): the right date flows again.
  rx.link.generator.labelShiftMs = 0;
  const good = await until(d, 'the right date accepted against the RTC and samples sent', (v) =>
    v.gnss.trust.timeValid && v.gnss.trust.check?.verdict === 'agrees' && v.gnss.trust.check.reference === 'RTC' && v.timekeeper.feed.sockSent >= 3, 45_000);
  t.ok(good.timekeeper.feed.sockSent >= 3, `${good.timekeeper.feed.sockSent} samples sent`);
  // Alarms clear after their debounce, not on the first good epoch.
  await until(d, 'the gnss-time-disagrees alarm to clear', (v) => !v.alarms.active.some((a) => a.id === 'gnss-time-disagrees'), 45_000);
  t.pass('the alarm cleared');
  await eventually(() => (nmeaOffsets().length >= 3 ? true : undefined), 20_000, 'chronyd to log NMEA samples');
  const worst = Math.max(...nmeaOffsets().map(Math.abs));
  t.ok(worst < 1, `every NMEA sample chronyd logged is within a second (worst ${worst.toFixed(3)} s; the wrong label would be 619315200 s)`);

  // The same capture with the date accepted: the label is back, so the refused capture above could have failed.
  const accepted = await gpspipe(gpsdPort, 16);
  const tpvTimes = accepted.reports.filter((r) => r.class === 'TPV' && typeof r.time === 'string').map((r) => Date.parse(String(r.time)));
  t.ok(tpvTimes.length >= 2, `TPV reports with time once the date is accepted (${tpvTimes.length})`);
  // The label names the second each fix was sent in: inside the capture, less a second for its resolution.
  t.ok(tpvTimes.every((ms) => ms >= accepted.from - 2000 && ms <= accepted.to), `TPV times are now, not 1024 weeks ahead (${tpvTimes.map((ms) => new Date(ms).toISOString()).join(', ')})`);
  const toff = accepted.reports.filter((r) => r.class === 'TOFF');
  t.ok(toff.length >= 2, `TOFF reports are back (${toff.length})`);
  // Bracketed like the TPV times, not held to its arrival: a loaded machine may stamp that late.
  t.ok(toff.every((r) => Number(r.real_sec) * 1000 >= accepted.from - 2000 && Number(r.real_sec) * 1000 <= accepted.to), `each TOFF label is now, not 1024 weeks ahead (${toff.map((r) => r.real_sec).join(', ')})`);
});
