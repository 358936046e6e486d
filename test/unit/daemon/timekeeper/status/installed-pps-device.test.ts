import t from 'tap';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChronyPpsRefclock, readInstalledPpsDevice } from '../../../../../src/daemon/timekeeper/status/installed-pps-device.js';

t.test('the PPS refclock device is read from chrony configuration text', async (t) => {
  t.equal(parseChronyPpsRefclock('# x\nrefclock SOCK /run/a.sock refid NMEA\nrefclock PPS /dev/pps1 lock NMEA refid PPS prefer\n'), '/dev/pps1');
  t.equal(parseChronyPpsRefclock('  refclock pps /dev/pps-gpio\n'), '/dev/pps-gpio', 'driver name case-insensitive');
  t.equal(parseChronyPpsRefclock('#refclock PPS /dev/pps0\n! refclock PPS /dev/pps2\nrefclock SOCK /x\n'), null, 'comments do not count');
  t.equal(parseChronyPpsRefclock('refclock PPSX /dev/pps0\n'), null);
});

t.test('the installed include is read and its device resolved through symlinks', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'installed-pps-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'pps1'), '');
  symlinkSync('pps1', join(dir, 'pps-gpio'));
  const inc = join(dir, 'stratum1d.conf');
  writeFileSync(inc, `refclock PPS ${join(dir, 'pps-gpio')} lock NMEA refid PPS prefer\n`);
  t.same(readInstalledPpsDevice(inc), { device: join(dir, 'pps-gpio'), file: inc, target: join(dir, 'pps1') });
  writeFileSync(inc, 'refclock PPS /nonexistent/pps7 lock NMEA\n');
  t.same(readInstalledPpsDevice(inc), { device: '/nonexistent/pps7', file: inc, target: null }, 'an absent device resolves to null');
  t.equal(readInstalledPpsDevice(join(dir, 'nope.conf')), null, 'no include: nothing known');
});
