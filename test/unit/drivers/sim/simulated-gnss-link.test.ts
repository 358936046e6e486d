import t from 'tap';
import { ManualClock } from '../../../../src/drivers/clock.js';
import type { LineSample } from '../../../../src/drivers/serial/serial-link.js';
import { SimulatedGnssLink } from '../../../../src/drivers/sim/simulated-gnss-link.js';
import type { SimulatedGnssLinkOptions } from '../../../../src/drivers/sim/simulated-gnss-link.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);

interface Epoch {
  label: string; // RMC time field
  status: string; // RMC status
  lines: LineSample[];
}

/** Groups lines into epochs at each RMC (the first sentence of an epoch). */
function epochs(lines: LineSample[]): Epoch[] {
  const out: Epoch[] = [];
  for (const l of lines) {
    const f = l.line.split(',');
    if (f[0]?.endsWith('RMC')) out.push({ label: f[1] ?? '', status: f[2] ?? '', lines: [] });
    out.at(-1)?.lines.push(l);
  }
  return out;
}

const last = (e: Epoch) => e.lines.at(-1)!;

/** hhmmss.ss of a label → ms since T0's midnight, for comparison with receivedAt. */
const labelMs = (label: string) =>
  Date.UTC(2024, 5, 1, Number(label.slice(0, 2)), Number(label.slice(2, 4)), Number(label.slice(4, 6))) +
  Number(label.slice(7)) * 10;

async function started(opts: Omit<SimulatedGnssLinkOptions, 'clock'> = {}, startAt = T0 + 300) {
  const clock = new ManualClock(startAt);
  const link = new SimulatedGnssLink({ clock, ...opts });
  const lines: LineSample[] = [];
  const closes: (Error | null)[] = [];
  link.on('line', (l) => lines.push(l));
  link.on('close', (e) => closes.push(e));
  await link.open();
  return { clock, link, lines, closes };
}

t.test('1 Hz: one epoch per second, labelled with the second, first byte 120 ms later', async (t) => {
  const { clock, lines } = await started();
  clock.advance(5_000);
  const eps = epochs(lines);
  t.same(
    eps.map((e) => e.label),
    ['080001.00', '080002.00', '080003.00', '080004.00', '080005.00'],
    'labels are the next whole seconds after open',
  );
  for (const e of eps) {
    t.equal(e.lines[0]!.receivedAt - labelMs(e.label), 120, `${e.label}: RMC at +120 ms`);
    t.equal(e.status, 'A');
  }
  const [first, second] = eps[0]!.lines;
  const onWire = ((first!.line.length + 2) * 10 * 1000) / 9600;
  t.ok(Math.abs(second!.receivedAt - first!.receivedAt - onWire) < 1, 'the line after RMC follows it by its time on the wire at 9600 baud');
  const span = last(eps[0]!).receivedAt - first!.receivedAt;
  const bytes = eps[0]!.lines.slice(0, -1).reduce((n, l) => n + l.line.length + 2, 0);
  t.ok(Math.abs(span - (bytes * 10 * 1000) / 9600) < 1, 'spacing does not accumulate rounding');
  t.ok(last(eps[0]!).receivedAt - labelMs(eps[0]!.label) < 1000, 'the whole epoch fits in its second at 9600 baud');
});

t.test('latency and rate are configurable; sub-second labels carry centiseconds', async (t) => {
  const { clock, lines, link } = await started({ rateHz: 5, latencyMs: 50, baudRate: 115200 });
  clock.advance(1_000);
  const eps = epochs(lines);
  t.same(
    eps.map((e) => e.label),
    ['080000.40', '080000.60', '080000.80', '080001.00', '080001.20'],
  );
  t.ok(eps.every((e) => e.lines[0]!.receivedAt - labelMs(e.label) === 50));
  t.equal(link.stats().epochsDropped, 0);
});

t.test('a rate the baud rate cannot carry drops whole epochs and counts them', async (t) => {
  const { clock, lines, link } = await started({ rateHz: 10, baudRate: 9600 });
  clock.advance(3_000);
  const eps = epochs(lines);
  const { epochs: sent, epochsDropped } = link.stats();
  t.equal(sent, eps.length);
  t.ok(epochsDropped > 0, `dropped ${epochsDropped}`);
  t.equal(sent + epochsDropped, 30, 'every period is either sent or counted as dropped');
  for (let i = 1; i < eps.length; i++) {
    t.ok(eps[i]!.lines[0]!.receivedAt >= eps[i - 1]!.lines.at(-1)!.receivedAt, 'epochs never interleave');
  }
  t.ok(lines.every((l) => /^\$[A-Z]{5},/.test(l.line)), 'no line is cut');
});

t.test('a fix outage scheduled relative to open()', async (t) => {
  const { clock, link } = await started({ generator: { outages: [{ fromSec: 3, forSec: 2 }] } }, T0);
  const lines: LineSample[] = [];
  link.on('line', (l) => lines.push(l));
  clock.advance(7_000);
  t.same(
    epochs(lines).map((e) => `${e.label.slice(4, 6)}${e.status}`),
    ['00A', '01A', '02A', '03V', '04V', '05A', '06A'],
  );
});

t.test('a stepped wall clock moves the labels with it, without a burst or a stall', async (t) => {
  const { clock, lines } = await started({}, T0);
  clock.advance(2_000);
  clock.jumpWall(3_600_000);
  clock.advance(2_000);
  clock.jumpWall(-7_200_000);
  clock.advance(2_000);
  const labels = epochs(lines).map((e) => e.label);
  t.same(labels.slice(0, 2), ['080000.00', '080001.00']);
  t.ok(labels.length >= 5 && labels.length <= 7, `about one epoch per second of run time (${labels.join(' ')})`);
  t.ok(labels.includes('090003.00'), 'after +1 h, labels follow the new time');
  t.ok(labels.at(-1)!.startsWith('0700'), 'after -2 h, labels resume at once with the new time');
});

t.test('close() stops output and reports close(null)', async (t) => {
  const { clock, link, lines, closes } = await started();
  clock.advance(1_500);
  const count = lines.length;
  await link.close();
  clock.advance(5_000);
  t.equal(lines.length, count);
  t.same(closes, [null]);
  t.equal(clock.pendingTimers, 0, 'no timer left behind');
  await link.close();
  t.same(closes, [null], 'closing twice reports once');
});

t.test('unplug(): close with an error, open() fails until replug()', async (t) => {
  const { clock, link, lines, closes } = await started();
  clock.advance(1_200);
  link.unplug();
  t.equal(closes.length, 1);
  t.match(closes[0]?.message, /simulator: device went away/);
  await t.rejects(link.open(), { message: /device not present/ });
  const count = lines.length;
  clock.advance(3_000);
  t.equal(lines.length, count, 'silent while unplugged');
  link.replug();
  await link.open();
  clock.advance(1_000);
  t.ok(lines.length > count, 'talking again after replug');
});

t.test('write() is accepted while open (receiver configuration) and recorded', async (t) => {
  const { link } = await started();
  await link.write('$PUBX,41,1,0007,0003,115200,0*18\r\n');
  t.same(link.written, ['$PUBX,41,1,0007,0003,115200,0*18\r\n']);
  await link.close();
  await t.rejects(link.write('x'), { message: /not open/ });
});

t.test('options are validated', async (t) => {
  t.throws(() => new SimulatedGnssLink({ rateHz: 3 }), RangeError);
  t.throws(() => new SimulatedGnssLink({ rateHz: 20 }), RangeError);
  t.throws(() => new SimulatedGnssLink({ latencyMs: 1000 }), RangeError);
  t.throws(() => new SimulatedGnssLink({ baudRate: 0 }), RangeError);
});

t.test('the daemon\'s automatic simulated line speed carries every rate it accepts', async (t) => {
  const { simulatedBaudRate } = await import('../../../../src/daemon/wiring.js');
  for (const rateHz of [1, 2, 4, 5, 8, 10]) {
    const { clock, link } = await started({ rateHz, baudRate: simulatedBaudRate(rateHz, undefined) });
    clock.advance(5_000);
    const { epochs: sent, epochsDropped } = link.stats();
    t.equal(epochsDropped, 0, `${rateHz} Hz at ${simulatedBaudRate(rateHz, undefined)} baud: no epoch dropped`);
    t.ok(sent >= 5 * rateHz - 1, `${rateHz} Hz: ${sent} epochs in 5 s`);
    await link.close();
  }
  t.equal(simulatedBaudRate(10, 4800), 4800, 'a configured speed is used as given');
});
