import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplianceStore, initialState } from '../../../../src/daemon/core/appliance-state.js';
import { createLogger } from '../../../../src/daemon/logger.js';
import { PpsService } from '../../../../src/daemon/pps/pps-service.js';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { GpioPpsSource } from '../../../../src/drivers/pps/gpio-pps-source.js';
import { FakeGpioChips } from '../../../../src/drivers/sim/gpio-event-writer.js';
import { SysfsPpsSource } from '../../../../src/drivers/pps/sysfs-pps-source.js';
import { SimulatedPps } from '../../../../src/drivers/sim/simulated-pps.js';
import { SysfsPpsWriter } from '../../../../src/drivers/sim/sysfs-pps-writer.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);

/** Advances in 100 ms steps, letting promise continuations (async re-opens) run between. */
async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 100) {
    clock.advance(Math.min(100, left));
    await new Promise((r) => setImmediate(r));
  }
}

function setup(t: Test, opts: { addSource?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pps-service-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const writer = new SysfsPpsWriter(join(dir, 'pps'));
  if (opts.addSource !== false) writer.add({ id: 'pps0', name: 'pps@12.-1', driver: 'pps-gpio' });
  const clock = new ManualClock(T0 + 400);
  const sim = new SimulatedPps({ clock, offsetNs: 700 });
  writer.follow('pps0', sim);
  const source = new SysfsPpsSource({ root: writer.root, clock });
  const store = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: T0, mode: 'simulate', configSource: 't', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: source.path, rtcModel: null }),
  );
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', format: 'json', stream: { write: (l: string) => (lines.push(JSON.parse(l)), true) } as unknown as NodeJS.WritableStream });
  const service = new PpsService(source, store, log, { clock, reopenInitialMs: 1000, reopenMaxMs: 1000 });
  const timeValid = (v: boolean) => store.update('gnss', { trust: { ...store.snapshot.gnss.trust, timeValid: v } });
  const synced = (v: boolean) => store.update('timekeeper', { synced: v });
  return { writer, clock, sim, source, store, lines, service, timeValid, synced };
}

t.test('edges from the real sysfs reader reach the store with counts and health', async (t) => {
  const { clock, sim, store, service, timeValid, synced } = setup(t);
  await service.start();
  t.equal(store.snapshot.pps.link, 'open');
  t.equal(store.snapshot.pps.device, '/dev/pps0 (pps@12.-1)');
  await sim.open();
  clock.advance(3_000);
  t.equal(store.snapshot.pps.health?.condition, 'no-gnss-time', 'pulses without GNSS time');
  timeValid(true);
  await Promise.resolve(); // the re-evaluation is deferred by a microtask, not by a tick
  t.not(store.snapshot.pps.health?.condition, 'no-gnss-time', 're-judged as soon as GNSS time is valid, not at the next tick');
  synced(true);
  clock.advance(5_000);
  const s = store.snapshot.pps;
  t.equal(s.pulses, 8);
  t.same(s.lastEdge, { sec: T0 / 1000 + 8, nsec: 700, seq: 8 });
  t.equal(s.health?.condition, 'ok');
  t.equal(s.health?.offset?.meanNs, 700, 'edge-to-clock offset while disciplined');
  await service.stop();
  await sim.close();
});

t.test('missed pulses, then PPS missing, then back', async (t) => {
  const { clock, sim, store, service, timeValid, lines } = setup(t);
  timeValid(true);
  await service.start();
  await sim.open();
  clock.advance(3_000);
  sim.dropNext(1, 'not-read');
  clock.advance(2_000);
  t.equal(store.snapshot.pps.missed, 1);
  sim.dropNext(5, 'not-sent');
  clock.advance(4_000);
  t.equal(store.snapshot.pps.health?.condition, 'missing');
  t.ok(lines.some((l) => l.msg === 'PPS condition' && l.condition === 'missing' && l.level === 'warn'), 'logged once as a warning');
  clock.advance(3_000);
  t.equal(store.snapshot.pps.health?.condition, 'ok');
  t.equal(lines.filter((l) => l.condition === 'missing').length, 1, 'not logged every evaluation');
  await service.stop();
  await sim.close();
});

t.test('no source at start: link down, retried until the device appears', async (t) => {
  const { writer, clock, sim, store, service } = setup(t, { addSource: false });
  await service.start();
  t.equal(store.snapshot.pps.link, 'down');
  await run(clock, 3_000);
  t.equal(store.snapshot.pps.health?.condition, 'missing');
  writer.add({ id: 'pps0', name: 'pps@12.-1', driver: 'pps-gpio' });
  await run(clock, 1_100);
  t.equal(store.snapshot.pps.link, 'open');
  await sim.open();
  clock.advance(2_000);
  t.ok(store.snapshot.pps.pulses >= 1);
  await service.stop();
  await sim.close();
});

t.test('the device vanishing marks the link down; re-found under a new number, it is open again', async (t) => {
  const { writer, clock, sim, store, service } = setup(t);
  await service.start();
  await sim.open();
  clock.advance(2_000);
  writer.remove('pps0');
  clock.advance(200);
  t.equal(store.snapshot.pps.link, 'down');
  t.equal(store.snapshot.pps.device, null);
  writer.add({ id: 'pps1', name: 'pps@12.-1', driver: 'pps-gpio' });
  writer.follow('pps1', sim);
  clock.advance(1_100);
  t.equal(store.snapshot.pps.link, 'open');
  t.equal(store.snapshot.pps.device, '/dev/pps1 (pps@12.-1)');
  await service.stop();
  await sim.close();
});

t.test('stop leaves no timers behind', async (t) => {
  const { clock, service } = setup(t);
  await service.start();
  await service.stop();
  t.equal(clock.pendingTimers, 0);
});

t.test('GPIO path: edges decoded from kernel-layout records are published as lastEdge (what the chrony PPS SOCK feed forwards)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pps-service-gpio-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const lines18 = Array.from({ length: 58 }, (_, i) => (i === 18 ? 'GPIO18' : ''));
  const fake = new FakeGpioChips([{ path: '/dev/gpiochip0', label: 'pinctrl-bcm2711', lines: lines18 }], dir);
  const clock = new ManualClock(T0 + 400);
  const sim = new SimulatedPps({ clock, offsetNs: 1200 });
  fake.follow(sim);
  const source = new GpioPpsSource({ access: fake, lineName: 'GPIO18', clock });
  const store = new ApplianceStore(
    initialState({ version: 't', pid: 1, startedAt: T0, mode: 'simulate', configSource: 't', gnssDevice: 'sim', timeValidAfter: 3, ppsSource: source.path, rtcModel: null }),
  );
  const forwarded: unknown[] = [];
  store.subscribe((next, prev) => {
    if (next.pps.lastEdge && next.pps.lastEdge !== prev.pps.lastEdge) forwarded.push(next.pps.lastEdge);
  });
  const log = createLogger({ level: 'error', format: 'json', stream: { write: () => true } as unknown as NodeJS.WritableStream });
  const service = new PpsService(source, store, log, { clock });
  await service.start();
  t.equal(store.snapshot.pps.device, '/dev/gpiochip0:18 (GPIO18, pinctrl-bcm2711)');
  await sim.open();
  clock.advance(3_100);
  t.same(forwarded, [1, 2, 3].map((i) => ({ sec: T0 / 1000 + i, nsec: 1200, seq: i })));
  await service.stop();
  await sim.close();
});
