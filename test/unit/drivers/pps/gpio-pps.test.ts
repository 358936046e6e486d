import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { decodeLineEvent, encodeLineEvent, GPIO_V2_LINE_FLAG, lineConfigLayout, lineRequestLayout } from '../../../../src/drivers/native/gpio-uapi.js';
import { decodeGpioEdges } from '../../../../src/drivers/pps/gpio-event-decoder.js';
import { findGpioLine, RASPBERRY_PI_GPIO_LABELS } from '../../../../src/drivers/pps/gpio-line-finder.js';
import { GpioPpsSource } from '../../../../src/drivers/pps/gpio-pps-source.js';
import type { PpsEdge } from '../../../../src/drivers/pps/pps-source.js';
import { FakeGpioChips, type FakeChip } from '../../../../src/drivers/sim/gpio-event-writer.js';
import { SimulatedPps } from '../../../../src/drivers/sim/simulated-pps.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);
const names = (n: number, at: Record<number, string>): string[] => Array.from({ length: n }, (_, i) => at[i] ?? '');
// A Pi 5 as recent kernels show it: the SoC's own chips first, RP1's header GPIO later.
const pi5: FakeChip[] = [
  { path: '/dev/gpiochip0', label: 'gpio-brcmstb@107d508500', lines: names(32, { 18: 'GPIO18' }) },
  { path: '/dev/gpiochip4', label: 'pinctrl-rp1', lines: names(54, { 17: 'GPIO17', 18: 'GPIO18' }) },
];

function chips(t: Test, spec: FakeChip[] = pi5): FakeGpioChips {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-pps-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return new FakeGpioChips(spec, dir);
}

t.test('decoder: rising edges of our line become PPS edges; others are counted', async (t) => {
  const rec = (o: Partial<Parameters<typeof encodeLineEvent>[0]>) =>
    encodeLineEvent({ timestampNs: 1_717_228_800_000_002_500n, id: 1, offset: 18, seqno: 1, lineSeqno: 1, ...o });
  const buf = Buffer.concat([rec({}), rec({ id: 2 }), rec({ offset: 17 }), rec({ lineSeqno: 3, timestampNs: 1_717_228_801_999_999_999n }), Buffer.alloc(10)]);
  const got = decodeGpioEdges(buf, buf.length, 18);
  t.same(got.edges, [
    { sec: 1_717_228_800, nsec: 2500, seq: 1 },
    { sec: 1_717_228_801, nsec: 999_999_999, seq: 3 },
  ]);
  t.equal(got.ignored, 2);
  t.equal(got.partialBytes, 10);
  t.same(decodeGpioEdges(buf, 0, 18), { edges: [], ignored: 0, partialBytes: 0 });
});

t.test('finder: by label and name, RP1 preferred over a chip that happens to name a line alike', async (t) => {
  const r = findGpioLine(chips(t), { lineName: 'GPIO18', chipLabels: RASPBERRY_PI_GPIO_LABELS });
  t.same(r, { ok: true, line: { chip: '/dev/gpiochip4', label: 'pinctrl-rp1', offset: 18, name: 'GPIO18' } });
  const any = findGpioLine(chips(t), { lineName: 'GPIO18', chipLabels: [] });
  t.equal(any.ok && any.line.chip, '/dev/gpiochip0', 'empty label list: first chip with the name');
});

t.test('finder: a line held by pps-gpio points to the kernel path', async (t) => {
  const spec: FakeChip[] = [{ path: '/dev/gpiochip0', label: 'pinctrl-bcm2711', lines: names(58, { 18: 'GPIO18' }), used: { 18: 'pps-gpio' } }];
  const r = findGpioLine(chips(t, spec), { lineName: 'GPIO18', chipLabels: RASPBERRY_PI_GPIO_LABELS });
  t.match(!r.ok && r.reason, /GPIO18 on \/dev\/gpiochip0 \("pinctrl-bcm2711"\) is in use by pps-gpio: use the kernel PPS source/);
});

t.test('finder: explains an unknown chip or line', async (t) => {
  const spec: FakeChip[] = [{ path: '/dev/gpiochip0', label: 'gpio-mockup-A', lines: names(8, {}) }];
  const r1 = findGpioLine(chips(t, spec), { lineName: 'GPIO18', chipLabels: RASPBERRY_PI_GPIO_LABELS });
  t.match(!r1.ok && r1.reason, /no GPIO chip labelled pinctrl-rp1 \| .*found: \/dev\/gpiochip0 "gpio-mockup-A"/);
  const r2 = findGpioLine(chips(t), { lineName: 'GPIO99', chipLabels: RASPBERRY_PI_GPIO_LABELS });
  t.match(!r2.ok && r2.reason, /no line named GPIO99 on \/dev\/gpiochip4/);
  const r3 = findGpioLine(chips(t, []), { lineName: 'GPIO18', chipLabels: [] });
  t.match(!r3.ok && r3.reason, /no GPIO character devices/);
});

async function opened(t: Test) {
  const fake = chips(t);
  const clock = new ManualClock(T0 + 400);
  const src = new GpioPpsSource({ access: fake, lineName: 'GPIO18', clock, pollIntervalMs: 50 });
  const edges: PpsEdge[] = [];
  src.on('edge', (e) => edges.push(e));
  await src.open();
  return { fake, clock, src, edges };
}

t.test('source: requests rising edges with realtime stamps on the found line', async (t) => {
  const { fake, src } = await opened(t);
  t.equal(src.path, '/dev/gpiochip4:18 (GPIO18, pinctrl-rp1)');
  const req = fake.requests[0]!;
  t.equal(req.chip, '/dev/gpiochip4');
  t.equal(req.offset, 18);
  const flags = new DataView(req.bytes.buffer).getBigUint64(lineRequestLayout.offset.config + lineConfigLayout.offset.flags, true);
  t.ok(flags & GPIO_V2_LINE_FLAG.EDGE_RISING && flags & GPIO_V2_LINE_FLAG.EVENT_CLOCK_REALTIME && flags & GPIO_V2_LINE_FLAG.INPUT);
  t.notOk(flags & GPIO_V2_LINE_FLAG.EDGE_FALLING, 'no falling edges asked for');
  await src.close();
});

t.test('source: simulated pulses go through the FIFO in kernel layout and come out as edges', async (t) => {
  const { fake, clock, src, edges } = await opened(t);
  const sim = new SimulatedPps({ clock, offsetNs: -800 });
  fake.follow(sim);
  await sim.open();
  clock.advance(3_100);
  t.same(edges, [
    { sec: T0 / 1000, nsec: 999_999_200, seq: 1 },
    { sec: T0 / 1000 + 1, nsec: 999_999_200, seq: 2 },
    { sec: T0 / 1000 + 2, nsec: 999_999_200, seq: 3 },
  ]);
  t.equal(src.counters.edges, 3);
  await sim.close();
  await src.close();
});

t.test('source: several queued records in one read, a kernel-side overflow as a seq gap, foreign records skipped', async (t) => {
  const { fake, src, edges } = await opened(t);
  fake.edge({ sec: 100, nsec: 5 });
  fake.edge({ sec: 101, nsec: 5 }, { id: 2 }); // falling: not ours
  fake.edge({ sec: 104, nsec: 5 }, { lineSeqnoStep: 2 });
  src.drain();
  t.same(edges.map((e) => [e.sec, e.seq]), [[100, 1], [104, 4]]);
  t.equal(src.counters.ignored, 1);
  t.equal(src.counters.reads, 1, 'one read took all three');
  t.equal(decodeLineEvent(encodeLineEvent({ timestampNs: 1n, id: 1, offset: 18, seqno: 1, lineSeqno: 1 })).offset, 18);
  await src.close();
});

t.test('source: close releases the line and stops the timer', async (t) => {
  const { fake, clock, src } = await opened(t);
  const closes: Array<Error | null> = [];
  src.on('close', (e) => closes.push(e));
  await src.close();
  t.equal(fake.requests[0]!.readFd, -1, 'released');
  t.equal(clock.pendingTimers, 0);
  t.same(closes, [null]);
});

t.test('source: a read error closes with the error; the service decides about retrying', async (t) => {
  const { fake, src } = await opened(t);
  const closes: Array<Error | null> = [];
  src.on('close', (e) => closes.push(e));
  const fd = fake.requests[0]!.readFd;
  // Yank the fd from under the source, as an unbound chip would: the next read fails (EBADF).
  const { closeSync } = await import('node:fs');
  closeSync(fd);
  fake.requests[0]!.readFd = -2;
  src.drain();
  t.equal(closes.length, 1);
  t.match(closes[0]?.message, /EBADF/);
  closeSync(fake.requests[0]!.writeFd);
});

t.test('source: open fails with the finder reason when the line is held', async (t) => {
  const fake = chips(t, [{ path: '/dev/gpiochip0', label: 'pinctrl-bcm2835', lines: names(54, { 18: 'GPIO18' }), used: { 18: 'pps-gpio' } }]);
  const src = new GpioPpsSource({ access: fake, lineName: 'GPIO18', clock: new ManualClock() });
  await t.rejects(src.open(), /in use by pps-gpio/);
});
