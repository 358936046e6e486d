import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../../src/drivers/clock.js';
import type { PpsEdge, PpsLinkChange } from '../../../../src/drivers/pps/pps-source.js';
import { findKernelPps, looksLikeGpio, parseAssert } from '../../../../src/drivers/pps/sysfs-pps.js';
import { SysfsPpsSource } from '../../../../src/drivers/pps/sysfs-pps-source.js';
import { SimulatedPps } from '../../../../src/drivers/sim/simulated-pps.js';
import { SysfsPpsWriter } from '../../../../src/drivers/sim/sysfs-pps-writer.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);

function tree(t: Test): SysfsPpsWriter {
  const dir = mkdtempSync(join(tmpdir(), 'sysfs-pps-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return new SysfsPpsWriter(join(dir, 'class', 'pps'));
}

t.test('assert parses the kernel format; empty and zeroed mean no pulse yet; garbage is flagged', async (t) => {
  t.same(parseAssert('1717228800.000001234#42\n'), { kind: 'edge', edge: { sec: 1717228800, nsec: 1234, seq: 42 } });
  t.same(parseAssert(''), { kind: 'none' });
  t.same(parseAssert('0.000000000#0\n'), { kind: 'none' });
  t.equal(parseAssert('1717228800.1234#42').kind, 'malformed', 'nsec is always 9 digits');
  t.equal(parseAssert('1717228800.000001234').kind, 'malformed');
  t.equal(parseAssert('abc').kind, 'malformed');
});

t.test('pps-gpio is recognised by its driver link, else by its name and empty path', async (t) => {
  t.ok(looksLikeGpio('anything', '', 'pps-gpio'));
  t.notOk(looksLikeGpio('pps@12.-1', '', 'pps_ldisc'), 'the driver link wins');
  t.ok(looksLikeGpio('pps@12.-1', '', null));
  t.ok(looksLikeGpio('pps-gpio.0', '', null));
  t.notOk(looksLikeGpio('ktimer', '', null));
  t.notOk(looksLikeGpio('ttyAMA0', '/dev/ttyAMA0', null));
});

t.test('auto finds the GPIO source wherever it is numbered; explicit names work too', async (t) => {
  const w = tree(t);
  w.add({ id: 'pps0', name: 'ktimer' });
  w.add({ id: 'pps1', name: 'ttyS0', path: '/dev/ttyS0', driver: 'serial8250' });
  w.add({ id: 'pps2', name: 'pps@12.-1', driver: 'pps-gpio' });
  const auto = findKernelPps('auto', w.root);
  t.ok(auto.ok && auto.device.device === '/dev/pps2' && auto.device.gpio);
  const byDev = findKernelPps('/dev/pps1', w.root);
  t.ok(byDev.ok && byDev.device.path === '/dev/ttyS0');
  const byName = findKernelPps('ktimer', w.root);
  t.ok(byName.ok && byName.device.id === 'pps0');
  const none = findKernelPps('pps9', w.root);
  t.notOk(none.ok);
  t.match(!none.ok && none.reason, /no PPS source pps9 .*found: pps0 "ktimer", pps1 "ttyS0" \(\/dev\/ttyS0\), pps2/);
});

t.test('without pps-gpio, auto says what it saw and what to check', async (t) => {
  const w = tree(t);
  w.add({ id: 'pps0', name: 'ktimer' });
  const r = findKernelPps('auto', w.root);
  t.match(!r.ok && r.reason, /no pps-gpio source .*pps0 "ktimer".*dtoverlay=pps-gpio/);
  t.match((() => { const e = findKernelPps('auto', join(w.root, 'nope')); return !e.ok && e.reason; })(), /found: none/);
});

async function running(t: Test) {
  const w = tree(t);
  w.add({ id: 'pps0', name: 'pps@12.-1', driver: 'pps-gpio' });
  const clock = new ManualClock(T0 + 400);
  const sim = new SimulatedPps({ clock, offsetNs: 1500 });
  w.follow('pps0', sim);
  const src = new SysfsPpsSource({ root: w.root, clock });
  const edges: PpsEdge[] = [];
  const links: PpsLinkChange[] = [];
  src.on('edge', (e) => edges.push(e));
  src.on('link', (l) => links.push(l));
  return { w, clock, sim, src, edges, links };
}

t.test('each simulated pulse is read back once from the sysfs file, with its kernel timestamp', async (t) => {
  const { clock, sim, src, edges } = await running(t);
  await sim.open();
  clock.advance(1000); // one pulse happened before we opened: it is the baseline, not an edge
  await src.open();
  t.equal(src.path, '/dev/pps0 (pps@12.-1)');
  clock.advance(5_000);
  t.same(edges.map((e) => e.seq), [2, 3, 4, 5, 6]);
  t.same(edges[0], { sec: T0 / 1000 + 2, nsec: 1500, seq: 2 });
  t.equal(src.counters.edges, 5);
  t.ok(src.counters.reads >= 40, 'polled at 100 ms');
  await src.close();
  await sim.close();
});

t.test('a pulse the poller did not see shows as a sequence gap', async (t) => {
  const { clock, sim, src, edges } = await running(t);
  await sim.open();
  await src.open();
  clock.advance(2_000);
  sim.dropNext(2, 'not-read');
  clock.advance(3_000);
  t.same(edges.map((e) => e.seq), [1, 2, 5]);
  await src.close();
  await sim.close();
});

t.test('garbage in assert is counted and skipped; the next good pulse still arrives', async (t) => {
  const { w, clock, sim, src, edges } = await running(t);
  await sim.open();
  await src.open();
  clock.advance(1_050);
  w.writeRaw('pps0', '\u0000\u0001garbage');
  clock.advance(1_000);
  t.equal(src.counters.malformed, 1);
  t.same(edges.map((e) => e.seq), [1, 2]);
  await src.close();
  await sim.close();
});

t.test('a vanished source is found again under its new number, without a stale edge', async (t) => {
  const { w, clock, sim, src, edges, links } = await running(t);
  await sim.open();
  await src.open();
  clock.advance(2_000);
  const detach = w.follow('pps3', sim); // the driver comes back as pps3 …
  w.remove('pps0');
  clock.advance(150);
  t.equal(links.at(-1)?.up, false, 'loss reported');
  t.equal(src.device, null);
  w.add({ id: 'pps3', name: 'pps@12.-1', driver: 'pps-gpio' }); // … after a moment
  clock.advance(1_000);
  t.same(links.at(-1), { up: true, device: '/dev/pps3', detail: 'pps3 "pps@12.-1"' });
  clock.advance(2_000);
  t.ok(edges.length >= 3, 'edges flow again');
  const seqs = edges.map((e) => e.seq);
  t.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'no edge repeated across the move');
  t.equal(src.counters.lost, 1);
  detach();
  await src.close();
  await sim.close();
});

t.test('opening fails fast when no source is there', async (t) => {
  const w = tree(t);
  const src = new SysfsPpsSource({ root: w.root, clock: new ManualClock() });
  await t.rejects(src.open(), /no pps-gpio source/);
});

t.test('close stops polling and says so', async (t) => {
  const { clock, src } = await running(t);
  const closes: Array<Error | null> = [];
  src.on('close', (e) => closes.push(e));
  await src.open();
  await src.close();
  t.equal(clock.pendingTimers, 0);
  t.same(closes, [null]);
  await src.close();
  t.same(closes, [null], 'twice is harmless');
});
