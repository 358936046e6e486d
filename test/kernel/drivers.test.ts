import t, { type Test } from 'tap';
import { bootGuest, klabAbsent, REPO, type GuestRun } from './lab/klab.js';

/**
 * The project's drivers against real Linux drivers, in one QEMU boot of the kernel lab:
 * GPIO v2 through gpio-sim, kernel PPS (pps-gpio next to pps-ktimer), i2c-dev on the SMBus-only
 * i2c-stub with the DS3231 driver, and the RTC class (rtc-test). The guest programs in
 * lab/guest/ record what they observe; every judgement is made here. Emulation (TCG) delays
 * interrupts by milliseconds, so time windows are milliseconds wide.
 */
const absent = klabAbsent();
if (absent) console.log(absent);

const MS = 1_000_000n;
type Write = { beforeNs: string; afterNs: string };
type Edge = { sec: number; nsec: number; seq: number };
const edgeNs = (e: Edge): bigint => BigInt(e.sec) * 1_000_000_000n + BigInt(e.nsec);

/** Each edge stamped by the kernel inside (or within ms of) the write that made it. */
function edgesMatchWrites(t: Test, edges: Edge[], writes: Write[]): void {
  t.equal(edges.length, writes.length, 'one edge per rising write');
  edges.forEach((e, i) => {
    const w = writes[i];
    if (!w) return;
    const ts = edgeNs(e);
    const lo = BigInt(w.beforeNs) - 2n * MS;
    const hi = BigInt(w.afterNs) + 10n * MS;
    t.ok(ts >= lo && ts <= hi, `edge ${i} stamped ${Number(ts - BigInt(w.beforeNs)) / 1e6} ms after its write began`);
  });
  const seqs = edges.map((e) => e.seq);
  t.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1), `sequence numbers consecutive: ${seqs.join(',')}`);
}

t.test('kernel lab: drivers', { skip: absent ?? false }, async (t) => {
  const run: GuestRun = await bootGuest({
    timeoutMs: 240_000,
    script: [
      `cd ${REPO} || exit 90`,
      'sh test/kernel/lab/guest/sim-bank.sh >/tmp/work/bank.txt || echo "sim-bank failed"',
      'for p in gpio pps rtc i2c; do node test/kernel/lab/guest/$p.mjs; echo "$p exit $?"; done',
      '',
    ].join('\n'),
  });
  t.teardown(() => run.cleanup());
  t.comment(`boot + run: ${(run.wallMs / 1000).toFixed(1)} s`);
  t.notOk(run.timedOut, 'the guest finished in time');
  t.equal(run.status, 0, `guest script exit status\n${run.log.slice(-2000)}`);

  t.test('GPIO v2 through gpio-sim', async (t) => {
    const g = run.json<Record<string, any>>('gpio.json');
    t.notOk(g.error, g.error ?? 'no error');
    t.match(g.chips, [{ label: 'pinctrl-bcm2711', lines: 58 }], 'the DTB bank, found by label');
    t.ok(g.chips.some((c: any) => c.label === 'pinctrl-rp1' && c.lines === 54), 'the configfs bank labelled like a Pi 5');
    t.same(g.names, ['GPIO0', 'GPIO17', 'GPIO18', 'GPIO53'], 'line names from the kernel');
    t.ok(g.found.ok && g.found.line.label === 'pinctrl-rp1' && g.found.line.offset === 18, 'GPIO18 found on the preferred chip');
    t.notOk(g.held.ok);
    t.match(g.held.reason, /GPIO18 on \/dev\/gpiochip\d+ \("pinctrl-bcm2711"\) is in use by \S+.*use the kernel PPS source/, 'the pps-gpio line is reported as held');
    t.match(g.missing.reason, /no line named GPIO99 on \/dev\/gpiochip\d+ \("pinctrl-rp1"\)/);
    t.match(g.noChip.reason, /no GPIO chip labelled pinctrl-bcm2835 \(found: .*"pinctrl-rp1"/);
    t.equal(g.consumer, 'stratum1d', 'the kernel shows our consumer name');
    edgesMatchWrites(t, g.edges, g.writes);
    t.equal(g.counters.ignored, 0, 'falling edges were never requested');
    t.equal(g.counters.partialBytes, 0);
    const gap: number[] = g.gapSeqs;
    t.ok(gap.length >= 1 && gap.length <= 2, `a 2-event queue keeps at most 2 of 6 edges (got ${gap.join(',')})`);
    t.equal(gap.at(-1), 6, 'the newest edge survives');
    t.ok(gap[0]! > 1, 'line_seqno jumps over the dropped edges: the gap is visible');
  });

  t.test('kernel PPS: auto finds pps-gpio next to pps-ktimer, and chrony is told the same device', async (t) => {
    const p = run.json<Record<string, any>>('pps.json');
    t.notOk(p.error, p.error ?? 'no error');
    t.match(p.sources, [
      { id: 'pps0', name: 'ktimer', gpio: false },
      { id: 'pps1', name: 'pps@12.-1', driver: null, gpio: true },
    ]);
    t.ok(p.auto.ok && p.auto.device.id === 'pps1', 'auto: pps1');
    t.equal(p.monitored, '/dev/pps1', 'the monitor follows pps1');
    edgesMatchWrites(t, p.edges, p.writes);
    t.equal(p.renderErr, '', 'config render ran');
    t.match(p.render, /^refclock PPS \/dev\/pps1 lock NMEA refid PPS prefer$/m, 'the rendered include names pps1');
    t.notMatch(p.render, /\/dev\/pps0/, 'never the ktimer source');
  });

  t.test('i2c-dev on an SMBus-only adapter with the DS3231 driver', async (t) => {
    const i = run.json<Record<string, any>>('i2c.json');
    t.notOk(i.error, i.error ?? 'no error');
    t.equal(i.functionality & 1, 0, 'i2c-stub has no I2C_FUNC_I2C');
    t.equal(i.transport, 'smbus-block', 'SMBus I2C-block transfers chosen from I2C_FUNCS');
    t.equal(i.afterSet.timeMs, i.T, 'time round-trips (i2c-stub does not tick)');
    t.equal(i.afterSet.oscillatorStopped, false, 'OSF cleared by setTime');
    t.equal(i.afterSet2.timeMs, i.T2);
    t.equal(i.agingNeg, -17, 'negative aging offset round-trips');
    t.equal(i.agingPos, 42);
    t.equal(i.control & 0x20, 0x20, 'CONV set after the aging write');
    t.match(i.empty, { ok: false, name: 'I2cNoDeviceError', message: /no chip answers at 0x50/ }, 'an empty address is named as such');
    t.match(i.rdwr, { ok: false, name: 'I2cUnsupportedError', message: /refuses ioctl\(I2C_RDWR\) \(EOPNOTSUPP\)/ }, 'a forced I2C_RDWR is named for what it is');
    t.notMatch(i.rdwr.message, /on socket/);
    t.ok(i.kernelRtc, 'rtc-ds1307 bound to the stub chip');
    t.match(i.busy, { ok: false, name: 'I2cBusyError', code: 'EBUSY' }, 'raw access to a kernel-owned chip says so');
    t.ok(i.kernel?.reading?.ok, `the kernel RTC reads the chip: ${JSON.stringify(i.kernel)}`);
    t.ok(Math.abs(i.kernel.reading.value.timeMs - i.T2) <= 5000, 'and sees the time the DS3231 driver wrote');
  });

  t.test('kernel RTC class: rtc-test rtc1..rtc3', async (t) => {
    const r = run.json<Record<string, any>>('rtc.json');
    t.notOk(r.error, r.error ?? 'no error');
    t.equal(r.rtcs.length, 3);
    for (const x of r.rtcs) {
      t.notOk(x.missing, `${x.name} present`);
      t.match(x.model, /^kernel \(rtc-test/, `${x.name} model`);
      t.ok(Math.abs(x.first.timeMs - x.systemAtFirst) <= 3000, `${x.name} starts at the system time`);
      const expected = x.target + (x.readAt - x.setAt);
      t.ok(Math.abs(x.again.timeMs - expected) <= 2500, `${x.name} set through RTC_SET_TIME and ticking (${x.again.timeMs - expected} ms)`);
    }
    t.equal(r.rtc9, null, 'an absent RTC is null, not an error');
  });
});
