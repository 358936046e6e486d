import { rmSync } from 'node:fs';
import t from 'tap';
import { tempDir } from '../helpers/daemon-process.js';
import { hasChrony, hasSocat, playReceiver, startChronydLab, startDaemon, until } from '../helpers/chronyd-lab.js';

const WEEKS_MS = 1024 * 7 * 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A receiver past its GPS week-number rollover: right time of day, date 1024 weeks (19.6
 * years) back. Before the build-date floor, every SOCK sample carried -619,315,200 s. Now
 * the daemon adds the 1024 weeks, the corrected label agrees with the system clock (which a
 * real chronyd -x keeps synchronised to an independent reference), and no sample chronyd
 * receives is off by a second.
 */
t.test('a week-rollover receiver never moves chronyd by a second', { skip: hasChrony && hasSocat ? false : 'chronyd or socat not installed' }, async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await startChronydLab(dir);
  t.teardown(() => lab.stop());
  const rx = await playReceiver();
  rx.link.generator.labelShiftMs = -WEEKS_MS;
  t.teardown(() => rx.stop());
  const d = startDaemon(dir, rx.pty, lab);
  t.teardown(() => d.stop('SIGKILL'));

  const v = await until(d, 'a corrected label checked against the synchronised system clock, and samples sent', (v) =>
    v.gnss.trust.timeValid && v.gnss.trust.check?.verdict === 'agrees' && v.gnss.trust.check.reference === 'system clock' && v.timekeeper.feed.sockSent >= 3, 45_000);
  t.equal(v.gnss.trust.check?.rolloverWeeks, 1024, 'the receiver date was moved on by 1024 weeks');
  await sleep(4000); // more samples reach chronyd's log
  const offsets = lab.nmeaOffsets();
  t.ok(offsets.length >= 3, `chronyd logged ${offsets.length} NMEA samples`);
  const worst = Math.max(...offsets.map(Math.abs));
  t.ok(worst < 1, `largest NMEA offset chronyd received: ${worst.toFixed(3)} s (the uncorrected label would be 619315200 s)`);
  const text = await d.status();
  t.match(text.stdout, /time check +agrees with the system clock .*corrected by 1024 weeks \(GPS week rollover\)/);
});
