import t from 'tap';
import type { DatagramSink } from '../../../../../src/drivers/native/unix-datagram-sender.js';
import type { Fix } from '../../../../../src/daemon/core/fix.js';
import { leapIndicatorFor } from '../../../../../src/daemon/core/leap-indicator.js';
import { unixMsToUtc } from '../../../../../src/daemon/core/utc-time.js';
import { createLogger } from '../../../../../src/daemon/logger.js';
import { ChronySockFeed } from '../../../../../src/daemon/timekeeper/feed/chrony-sock-feed.js';
import { decodeSockSample, type SockSample } from '../../../../../src/daemon/timekeeper/feed/sock-sample.js';

/**
 * The SOCK feed as chronyd would receive it, decoded back from the bytes it sends: the offset
 * scheme, the leap indicator wired from the announced leap (core/leap-indicator.ts), pulses,
 * and what is never sent. A capturing sink stands in for the AF_UNIX socket (the real one is
 * driven against chronyd in test/integration/chronyd-sock.test.ts).
 */
const log = createLogger({ level: 'error', format: 'json' });

class CapturingSink implements DatagramSink {
  readonly sent: Array<{ path: string; sample: SockSample }> = [];
  fail: Error | null = null;
  send(address: string, data: Uint8Array): void {
    if (this.fail) throw this.fail;
    this.sent.push({ path: address, sample: decodeSockSample(data, 'time64')! });
  }
  close(): void {}
}

function fixAt(labelMs: number, receivedAt: number): Fix {
  return {
    time: unixMsToUtc(labelMs), mode: 3, status: 1, leapSeconds: 18, lat: 1, lon: 2, altHAE: null, altMSL: null,
    geoidSep: null, speed: null, track: null, magvar: null, climb: null, eph: null, epv: null, receivedAt, sentences: ['RMC'],
  };
}

const valid = { timeValid: true };
// 2016-12-31 (a day that ended with a leap second) and the day before it.
const LAST_DAY = Date.UTC(2016, 11, 31, 12, 0, 0);
const DAY_BEFORE = Date.UTC(2016, 11, 30, 12, 0, 0);

t.test('offset = label + calibrated delay - arrival; tv = arrival', async (t) => {
  const sink = new CapturingSink();
  const feed = new ChronySockFeed({ sink, nmeaPath: '/run/nmea.sock', delayS: () => 0.125, layout: 'time64', log });
  t.ok(feed.onFix(fixAt(DAY_BEFORE, DAY_BEFORE + 130.25), valid));
  const { path, sample } = sink.sent[0]!;
  t.equal(path, '/run/nmea.sock');
  t.equal(sample.tvSec, DAY_BEFORE / 1000);
  t.equal(sample.tvUsec, 130_250);
  t.ok(Math.abs(sample.offset - (0.125 - 0.13025)) < 1e-9, `offset ${sample.offset}: the label is 5.25 ms late against its calibration`);
  t.equal(sample.pulse, false);
  t.equal(sample.leap, 0);
});

t.test('the leap indicator rides on the samples of the day a leap second is announced for, and only then', async (t) => {
  const sink = new CapturingSink();
  let announced: 'normal' | 'insert' | 'delete' = 'insert';
  const feed = new ChronySockFeed({ sink, nmeaPath: '/n', delayS: () => 0.1, layout: 'time64', log, leap: (fix) => leapIndicatorFor(fix.time, announced) });
  feed.onFix(fixAt(LAST_DAY, LAST_DAY + 100), valid);
  feed.onFix(fixAt(DAY_BEFORE, DAY_BEFORE + 100), valid);
  announced = 'delete';
  feed.onFix(fixAt(LAST_DAY, LAST_DAY + 100), valid);
  announced = 'normal';
  feed.onFix(fixAt(LAST_DAY, LAST_DAY + 100), valid);
  t.same(sink.sent.map((s) => s.sample.leap), [1, 0, 2, 0], 'insert on the last day, nothing the day before, delete, then none once withdrawn');
});

t.test('never sent: time not valid, no label, the leap second itself; counted as skipped', async (t) => {
  const sink = new CapturingSink();
  const feed = new ChronySockFeed({ sink, nmeaPath: '/n', delayS: () => 0.1, layout: 'time64', log });
  t.notOk(feed.onFix(fixAt(DAY_BEFORE, DAY_BEFORE + 100), { timeValid: false }));
  t.notOk(feed.onFix({ ...fixAt(DAY_BEFORE, DAY_BEFORE + 100), time: null }, valid));
  const leapSecond = fixAt(LAST_DAY, LAST_DAY + 100);
  t.notOk(feed.onFix({ ...leapSecond, time: { ...leapSecond.time!, hour: 23, minute: 59, second: 60 } }, valid));
  t.equal(sink.sent.length, 0);
  t.equal(feed.stats().skipped, 3);
});

t.test('PPS edges go to the PPS socket as pulses; a failed send is counted and the next one goes', async (t) => {
  const sink = new CapturingSink();
  const feed = new ChronySockFeed({ sink, nmeaPath: '/n', ppsPath: '/p', delayS: () => 0, layout: 'time64', log });
  t.ok(feed.sendPulse({ sec: 1_700_000_000, nsec: 20_000_000, seq: 1 }));
  t.same(sink.sent[0], { path: '/p', sample: { tvSec: 1_700_000_000, tvUsec: 20_000, offset: 0.02, pulse: true, leap: 0 } });
  sink.fail = Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' });
  t.notOk(feed.sendPulse({ sec: 1_700_000_001, nsec: 20_000_000, seq: 2 }));
  t.equal(feed.stats().ppsFailed, 1);
  t.match(feed.stats().lastError, /ENOENT/);
  sink.fail = null;
  t.ok(feed.sendPulse({ sec: 1_700_000_002, nsec: 20_000_000, seq: 3 }));
  t.equal(feed.stats().ppsSent, 2);
  t.notOk(new ChronySockFeed({ sink, nmeaPath: '/n', delayS: () => 0, layout: 'time64', log }).sendPulse({ sec: 1, nsec: 0, seq: 1 }), 'no PPS socket: kernel PPS, nothing to send');
});
