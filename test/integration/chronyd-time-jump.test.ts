import { rmSync } from 'node:fs';
import t from 'tap';
import { tempDir } from '../helpers/daemon-process.js';
import { hasChrony, hasSocat, playReceiver, startChronydLab, startDaemon, until, view } from '../helpers/chronyd-lab.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A receiver that jumps its labels one hour ahead while running. The jump restarts the trust
 * count; three epochs later the new labels are continuous again, but they disagree with the
 * system clock (synchronised by chronyd -x to an independent reference), so none is sent:
 * chronyd never receives a sample off by a second, and the alarm says why.
 */
t.test('a one-hour jump never moves chronyd by a second', { skip: hasChrony && hasSocat ? false : 'chronyd or socat not installed' }, async (t) => {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lab = await startChronydLab(dir);
  t.teardown(() => lab.stop());
  const rx = await playReceiver();
  t.teardown(() => rx.stop());
  const d = startDaemon(dir, rx.pty, lab);
  t.teardown(() => d.stop('SIGKILL'));

  await until(d, 'good labels agreeing with the synchronised system clock, samples sent', (v) =>
    v.gnss.trust.timeValid && v.gnss.trust.check?.reference === 'system clock' && v.timekeeper.feed.sockSent >= 3, 45_000);

  rx.link.generator.labelShiftMs = 3_600_000;
  const jumped = await until(d, 'the jump seen and the label refused', (v) => v.gnss.trust.check?.verdict === 'disagrees' && v.gnss.trust.lastStep?.kind === 'jump', 15_000);
  // The step is label minus arrival: a loaded machine moves the arrival by milliseconds.
  const step = Number(/time jump by ([-+]\d+\.\d+) s/.exec(jumped.gnss.trust.lastStep?.message ?? '')?.[1]);
  t.ok(Math.abs(step - (3600)) < 0.5, `the step is seen as a jump of about 3600 s: ${jumped.gnss.trust.lastStep?.message}`);
  t.equal(jumped.gnss.trust.timeValid, false);
  const sentAtRefusal = jumped.timekeeper.feed.sockSent;

  const alarmed = await until(d, 'the gnss-time-disagrees alarm', (v) => v.alarms.active.some((a) => a.id === 'gnss-time-disagrees'), 15_000);
  t.match(alarmed.alarms.active.find((a) => a.id === 'gnss-time-disagrees')?.message, /is 3600 s ahead of the system clock \(limit 2 s\): not sent to the timekeeper/);
  await sleep(6000); // well past the three epochs that would have restored trust
  const later = await view(d);
  t.equal(later?.timekeeper.feed.sockSent, sentAtRefusal, 'no sample sent after the jump');
  t.equal(later?.gnss.trust.validStreak, 3, 'the new labels are continuous among themselves');
  t.equal(later?.gnss.trust.timeValid, false, 'but never trusted');
  const text = await d.status();
  t.match(text.stdout, /time check +DISAGREES: receiver date \S+ \S+ UTC is 3600 s ahead of the system clock/);

  const offsets = lab.nmeaOffsets();
  t.ok(offsets.length >= 3, `chronyd logged ${offsets.length} NMEA samples (all before the jump)`);
  const worst = Math.max(...offsets.map(Math.abs));
  t.ok(worst < 1, `largest NMEA offset chronyd received: ${worst.toFixed(3)} s`);
});
