import t from 'tap';
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { SimulatedGnssLink } from '../../../../src/drivers/sim/simulated-gnss-link.js';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import type { Fix } from '../../../../src/daemon/core/fix.js';
import { utcToIso } from '../../../../src/daemon/core/utc-time.js';
import { GnssService } from '../../../../src/daemon/gnss/gnss-service.js';
import { decodeLog } from '../../../../src/daemon/gnss/log-reader.js';
import type { FixTrust } from '../../../../src/daemon/gnss/nmea-pipeline.js';
import { createLogger } from '../../../../src/daemon/logger.js';

const LOG = new URL('../../../fixtures/cold-start-gp.log', import.meta.url).pathname;

t.test('decode: a recorded cold start (4 min empty time, 1 min time only) yields every epoch after the first fix', async (t) => {
  const fixes: [Fix, FixTrust][] = [];
  const r = await decodeLog(createReadStream(LOG), { timeValidAfter: 3 }, { fix: (f, tr) => fixes.push([f, tr]) });
  t.equal(r.counters.epochs, 360, 'one epoch per second of the log');
  t.equal(r.counters.epochOverflow, 0);
  const located = fixes.filter(([f]) => f.mode === 3);
  t.equal(located.length, 60, 'the 60 s with a fix are 60 3D fixes');
  t.equal(utcToIso(located[0]![0].time!), '2026-11-20T06:05:00.000Z', 'the first fix is the first epoch with a position');
  t.same(fixes.filter(([, tr]) => tr.timeValid).length, 58, 'time-valid from the third fix on');
  t.equal(fixes.filter(([f]) => f.time !== null && f.mode < 2).length, 60, 'the minute of time without a fix decodes as no-fix epochs');
});

t.test('live: the same receiver through GnssService, lines back to back (no quiet gap closes anything)', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 20, 6, 0, 0, 500));
  // 115200 baud: each epoch's lines follow one another with sub-ms gaps, so only the
  // sentences themselves can tell where an empty cycle ends.
  const link = new SimulatedGnssLink({ clock, baudRate: 115_200, generator: { talker: 'GP', nmeaVersion: '2.3', outages: [{ fromSec: 0, forSec: 300, timeValid: false }] } });
  const store = new ApplianceStore(initialState({ version: 't', pid: 1, startedAt: clock.now(), mode: 'hardware', configSource: 't', gnssDevice: link.path, timeValidAfter: 3, ppsSource: null, rtcModel: null }));
  const fixes: [Fix, FixTrust][] = [];
  const svc = new GnssService({ link, store, log: createLogger({ level: 'error', format: 'json', stream: new PassThrough() }), pipeline: { timeValidAfter: 3 }, backoff: { initialMs: 10, maxMs: 10 }, epochQuietMs: 900, fixLogIntervalS: 3600 });
  svc.on('fix', (f, tr) => fixes.push([f, tr]));
  svc.start();
  t.teardown(() => svc.stop());
  await new Promise((r) => setImmediate(r));
  clock.advance(330_000); // 5 min of empty time, then 30 s of fix
  const located = fixes.filter(([f]) => f.mode === 3);
  t.ok(located.length >= 28, `${located.length} fixes in the 30 s after the first (at most one still open)`);
  t.ok(fixes.some(([, tr]) => tr.timeValid), 'the time becomes valid');
  t.equal(store.snapshot.gnss.trust.timeValid, true);
  t.equal((store.snapshot.gnss.counters as { epochOverflow: number }).epochOverflow, 0);
});
