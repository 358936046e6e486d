import { rmSync } from 'node:fs';
import t from 'tap';
import { tempDir } from '../helpers/daemon-process.js';
import { hasChrony, hasSocat, playReceiver, startChronydLab, startDaemon, until } from '../helpers/chronyd-lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const COLD_S = 60;

/**
 * A cold-started receiver: a minute of empty-time sentences, then a fix whose labels are
 * GPS time (UTC + 18 s: it has not yet decoded the GPS-UTC offset), then the correction to
 * UTC. The daemon finds the epochs after the first fix, refuses the GPS-time labels (18 s
 * off the synchronised system clock), treats the correction as a jump that restarts trust,
 * and then feeds chronyd. chronyd never receives a sample off by a second.
 */
t.test('a cold start never moves chronyd by a second', { skip: hasChrony && hasSocat ? false : 'chronyd or socat not installed' }, async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await startChronydLab(dir);
  t.teardown(() => lab.stop());
  const rx = await playReceiver({ outages: [{ fromSec: 0, forSec: COLD_S, timeValid: false }] });
  rx.link.generator.labelShiftMs = 18_000;
  t.teardown(() => rx.stop());
  const d = startDaemon(dir, rx.pty, lab);
  t.teardown(() => d.stop('SIGKILL'));

  const cold = await until(d, 'the daemon to see the empty-time sentences', (v) => v.gnss.fix !== null && v.gnss.fix.mode === 1, 20_000);
  t.equal(cold.gnss.trust.timeValid, false);
  const gpsTime = await until(d, 'the first fixes after the cold start, labelled in GPS time and refused', (v) =>
    v.gnss.fix?.mode === 3 && v.gnss.trust.validStreak >= 3 && v.gnss.trust.check?.verdict === 'disagrees', (COLD_S + 30) * 1000);
  t.match(gpsTime.gnss.trust.check?.message, /is 1[78]\.\d s ahead of the system clock/);
  t.equal(gpsTime.timekeeper.feed.sockSent, 0, 'nothing sent while the labels are GPS time');

  rx.link.generator.labelShiftMs = 0; // the receiver has decoded the GPS-UTC offset
  const fixed = await until(d, 'the correction seen as a jump, then trusted labels sent', (v) =>
    v.gnss.trust.lastStep?.kind === 'jump' && v.gnss.trust.timeValid && v.timekeeper.feed.sockSent >= 2, 20_000);
  // The step is label minus arrival: a loaded machine moves the arrival by milliseconds.
  const step = Number(/time jump by ([-+]\d+\.\d+) s/.exec(fixed.gnss.trust.lastStep?.message ?? '')?.[1]);
  t.ok(Math.abs(step - (-18)) < 0.5, `the step is seen as a jump of about -18 s: ${fixed.gnss.trust.lastStep?.message}`);
  t.equal(fixed.gnss.trust.check?.verdict, 'agrees');
  await sleep(4000);
  const offsets = lab.nmeaOffsets();
  t.ok(offsets.length >= 2, `chronyd logged ${offsets.length} NMEA samples, all after the correction`);
  const worst = Math.max(...offsets.map(Math.abs));
  t.ok(worst < 1, `largest NMEA offset chronyd received: ${worst.toFixed(3)} s (GPS time would be 18 s)`);
});
