import t from 'tap';
import { PassThrough } from 'node:stream';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import { GnssService } from '../../../../src/daemon/gnss/gnss-service.js';
import { createLogger } from '../../../../src/daemon/logger.js';
import { withChecksum } from '../../../../src/lib/nmea-checksum.js';
import { FakeSerialLink } from '../../../helpers/fake-serial-link.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

function setup(backoff = { initialMs: 20, maxMs: 100 }) {
  const link = new FakeSerialLink();
  const logs = new PassThrough();
  const lines: string[] = [];
  logs.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const store = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: Date.now(), mode: 'hardware', configSource: 'test', gnssDevice: link.path, timeValidAfter: 3, ppsSource: null, rtcModel: null }),
  );
  const svc = new GnssService({
    link,
    store,
    log: createLogger({ level: 'debug', format: 'json', stream: logs }),
    pipeline: { timeValidAfter: 3 },
    backoff,
    epochQuietMs: 50,
    fixLogIntervalS: 60,
  });
  return { link, store, svc, logs: lines };
}

/**
 * One epoch as a u-blox receiver sends it: RMC then GGA for the same second. The test sends
 * epochs faster than real time, so the arrival stamps are those of a receiver sending one a
 * second (120 ms after the second it labels): the service judges label steps against them.
 */
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
function epoch(link: FakeSerialLink, sec: number, labelOffsetS = 0): void {
  const labelled = new Date(T0 + (sec + labelOffsetS) * 1000).toISOString();
  const hhmmss = `${labelled.slice(11, 13)}${labelled.slice(14, 16)}${labelled.slice(17, 19)}.00`;
  const at = T0 + sec * 1000 + 120;
  link.send(withChecksum(`GPRMC,${hhmmss},A,5128.6740,N,00000.0900,W,0.0,0.0,221126,,,A`), at);
  link.send(withChecksum(`GPGGA,${hhmmss},5128.6740,N,00000.0900,W,1,08,0.9,45.0,M,47.0,M,,`), at + 30);
}

t.test('a missing port is retried with backoff and opened once it appears', async (t) => {
  const { link, store, svc } = setup();
  link.present = false;
  svc.start();
  t.teardown(() => svc.stop());
  await until(() => link.openAttempts.length >= 3, 20_000);
  t.equal(store.snapshot.gnss.link, 'connecting');
  t.match(store.snapshot.gnss.lastError, /No such file/);
  link.plug();
  await until(() => store.snapshot.gnss.link === 'open', 20_000);
  t.equal(store.snapshot.gnss.lastError, null);
  t.equal(store.snapshot.gnss.reconnects, 0, 'a first open is not a reconnect');
});

t.test('fixes reach the state; an unplugged receiver is reopened and counted', async (t) => {
  const { link, store, svc, logs } = setup();
  let opened = 0;
  svc.on('open', () => opened++);
  svc.start();
  t.teardown(() => svc.stop());
  await until(() => store.snapshot.gnss.link === 'open', 20_000);
  for (let s = 0; s < 4; s++) {
    epoch(link, s);
    await sleep(70); // past epochQuietMs: the service closes the epoch
  }
  await until(() => store.snapshot.gnss.trust.timeValid, 20_000);
  t.equal(store.snapshot.gnss.fix?.mode, 3);
  t.equal(store.snapshot.gnss.fix?.altMSL, 45);

  link.unplug();
  t.equal(store.snapshot.gnss.link, 'down');
  t.equal(store.snapshot.gnss.trust.timeValid, false, 'link loss resets trust at once');
  t.equal(store.snapshot.gnss.trust.validStreak, 0);
  await sleep(150);
  link.plug();
  const took = await until(() => store.snapshot.gnss.link === 'open', 20_000);
  t.comment(`reopened ${took} ms after the device came back (backoff cap 100 ms)`);
  t.equal(store.snapshot.gnss.reconnects, 1);
  t.equal(opened, 1, "'open' (READY) fires only for the first open");
  t.ok(logs.some((l) => /GNSS port lost/.test(l)) && logs.some((l) => /GNSS port reopened/.test(l)));
});

t.test('with the default backoff a receiver re-plugged after the backoff reached its cap is reopened', async (t) => {
  const { link, store, svc } = setup({ initialMs: 250, maxMs: 2000 });
  svc.start();
  t.teardown(() => svc.stop());
  await until(() => store.snapshot.gnss.link === 'open', 20_000);
  link.unplug();
  await sleep(4000); // long enough for the backoff to reach its cap
  link.plug();
  const took = await until(() => store.snapshot.gnss.link === 'open', 30_000);
  // How soon is the backoff's business (backoff.test.ts asserts its delays and cap).
  t.comment(`back ${took} ms after the device reappeared`);
  t.equal(store.snapshot.gnss.reconnects, 1);
});

t.test('after stop() no further open attempts are made', async (t) => {
  const { link, svc } = setup();
  link.present = false;
  svc.start();
  await until(() => link.openAttempts.length >= 2, 20_000);
  await svc.stop();
  const n = link.openAttempts.length;
  await sleep(300);
  t.equal(link.openAttempts.length, n);
});

t.test('after a link loss the streak starts again; a time jump restarts it too', async (t) => {
  const { link, store, svc } = setup();
  svc.start();
  t.teardown(() => svc.stop());
  await until(() => store.snapshot.gnss.link === 'open', 20_000);
  for (let s = 0; s < 4; s++) {
    epoch(link, s);
    await sleep(70);
  }
  await until(() => store.snapshot.gnss.trust.timeValid, 20_000);
  link.unplug();
  link.plug();
  await until(() => store.snapshot.gnss.link === 'open', 20_000);
  // Each wait is for the epoch's own verdict (the service closes an epoch once the line has
  // been quiet for epochQuietMs), never for a fixed time, so a loaded machine cannot outrun it.
  let seen = store.snapshot.gnss.fix;
  const closed = async () => {
    await until(() => store.snapshot.gnss.fix !== seen, 20_000);
    seen = store.snapshot.gnss.fix;
  };
  epoch(link, 10);
  await closed();
  t.match(store.snapshot.gnss.trust, { timeValid: false, validStreak: 1 }, 'the first epoch after the re-plug starts a new streak');
  for (let s = 11; s < 13; s++) {
    epoch(link, s);
    await closed();
  }
  t.equal(store.snapshot.gnss.trust.timeValid, true);
  // One hour ahead, arriving a second after the last: a jump, not a continuation.
  epoch(link, 13, 3600);
  await closed();
  t.match(store.snapshot.gnss.trust, { timeValid: false, validStreak: 1, lastStep: { kind: 'jump' } });
  t.match(store.snapshot.gnss.trust.lastStep?.message, /time jump by \+3600\.000 s/);
});
