import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SysfsPpsWriter } from '../../../../../src/drivers/sim/sysfs-pps-writer.js';
import { SysfsPpsSource } from '../../../../../src/drivers/pps/sysfs-pps-source.js';
import { ManualClock } from '../../../../../src/drivers/clock.js';
import { kernelPpsFact } from '../../../../../src/daemon/timekeeper/apply/kernel-pps-fact.js';
import { renderChronyInclude } from '../../../../../src/daemon/timekeeper/render/chrony-include.js';
import { renderNtpsecFragment } from '../../../../../src/daemon/timekeeper/render/ntpsec-fragment.js';
import { cfg, facts } from '../render/render-fixtures.js';

/** A fake machine: /sys/class/pps in the kernel's formats and a /dev with the nodes. */
function machine(t: Test, sources: Array<{ id: string; name: string; driver?: string | null; path?: string }>) {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-pps-fact-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sys = new SysfsPpsWriter(join(dir, 'sys', 'class', 'pps'));
  const dev = join(dir, 'dev');
  mkdirSync(dev);
  for (const s of sources) {
    sys.add(s);
    writeFileSync(join(dev, s.id), '');
  }
  return { sysRoot: sys.root, dev };
}

// pps-ktimer registers first, pps-gpio without a parent device (the klab kernel, mainline 6.12).
const KLAB = [
  { id: 'pps0', name: 'ktimer' },
  { id: 'pps1', name: 'pps@12.-1' },
];

t.test('auto renders the device the monitor follows, not pps0', async (t) => {
  const m = machine(t, KLAB);
  const fact = kernelPpsFact({ want: 'auto', sysfsRoot: m.sysRoot, devDir: m.dev });
  t.same(fact.found, { id: 'pps1', device: join(m.dev, 'pps1'), name: 'pps@12.-1', driver: null });
  t.equal(fact.stableName, null, 'no udev name without a parent device');

  // The monitor, with the same setting, follows the same source.
  const mon = new SysfsPpsSource({ root: m.sysRoot, clock: new ManualClock() });
  await mon.open();
  t.equal(mon.device?.id, 'pps1');
  await mon.close();

  const f = { ...facts({ present: [join(m.dev, 'pps1'), '/usr/share/zoneinfo/right/UTC'] }), kernelPps: fact };
  const r = renderChronyInclude(cfg(), f);
  t.match(r.text, new RegExp(`^refclock PPS ${join(m.dev, 'pps1')} lock NMEA refid PPS prefer$`, 'm'));
  t.notMatch(r.text, /pps0/);
  t.match(r.notes.map((n) => n.message).join('\n'), /found by name; no stable udev name/, 'the operator is told it is a number');
  const n = renderNtpsecFragment(cfg({ kind: 'ntpsec' }), f);
  t.match(n.text, /^refclock pps unit 0 path .*\/dev\/pps1 refid PPS/m, 'ntpsec gets the same device');
});

t.test('the package\'s udev name is preferred when it points at the found source', async (t) => {
  const m = machine(t, [
    { id: 'pps0', name: 'ttyS0', path: '/dev/ttyS0', driver: 'serial8250' },
    { id: 'pps1', name: 'pps@12.-1', driver: 'pps-gpio' },
  ]);
  symlinkSync('pps1', join(m.dev, 'pps-gpio'));
  const fact = kernelPpsFact({ want: 'auto', sysfsRoot: m.sysRoot, devDir: m.dev });
  t.equal(fact.stableName, join(m.dev, 'pps-gpio'));
  const r = renderChronyInclude(cfg(), { ...facts({ present: [join(m.dev, 'pps-gpio'), '/usr/share/zoneinfo/right/UTC'] }), kernelPps: fact });
  t.match(r.text, /^refclock PPS \S+\/dev\/pps-gpio lock NMEA/m);
});

t.test('a udev name pointing elsewhere is not used', async (t) => {
  const m = machine(t, KLAB);
  symlinkSync('pps0', join(m.dev, 'pps-gpio'));
  t.equal(kernelPpsFact({ want: 'auto', sysfsRoot: m.sysRoot, devDir: m.dev }).stableName, null);
});

t.test('no pps-gpio source: the PPS refclock is left out with the finder\'s reason', async (t) => {
  const m = machine(t, [{ id: 'pps0', name: 'ktimer' }]);
  const fact = kernelPpsFact({ want: 'auto', sysfsRoot: m.sysRoot, devDir: m.dev });
  t.equal(fact.found, null);
  const r = renderChronyInclude(cfg(), { ...facts(), kernelPps: fact });
  t.notMatch(r.text, /refclock PPS/);
  t.match(r.notes.map((n) => n.message).join('\n'), /auto: no pps-gpio source .*pps0 "ktimer".*PPS refclock left out/);
  t.match(r.text, /^refclock SOCK \S+nmea\.sock refid NMEA offset 0/m, 'NMEA becomes selectable');
});

t.test('an explicit device other than the monitored one is written as asked, with a warning', async (t) => {
  const m = machine(t, KLAB);
  const fact = kernelPpsFact({ want: 'auto', sysfsRoot: m.sysRoot, devDir: m.dev });
  const r = renderChronyInclude(cfg({ pps: { device: '/dev/pps0' } }), { ...facts(), kernelPps: fact });
  t.match(r.text, /^refclock PPS \/dev\/pps0 /m);
  t.match(r.notes.find((n) => n.level === 'warn')?.message, /\/dev\/pps0 is not the PPS source stratum1d monitors \(\S+pps1 "pps@12\.-1".*set timekeeper\.pps\.device: auto/);
});

t.test('an explicit pps.kernel.device is followed by the renderer too', async (t) => {
  const m = machine(t, KLAB);
  const fact = kernelPpsFact({ want: 'ktimer', sysfsRoot: m.sysRoot, devDir: m.dev });
  t.equal(fact.found?.id, 'pps0');
});
