import { existsSync } from 'node:fs';
import t from 'tap';
import { compiledDrivers, validateNtpsecCandidate } from '../../../../../src/daemon/timekeeper/apply/ntpsec-validate.js';
import { runCommand } from '../../../../../src/daemon/timekeeper/apply/run-command.js';

// CI unpacks ntpsec here (chrony and ntpsec conflict as packages); see .ci/run.
const NTPD = '/opt/ntpsec/usr/sbin/ntpd';

t.test('with the real ntpd: shm and pps pass, gpsd is refused on a build without it', { skip: existsSync(NTPD) ? false : `${NTPD} not unpacked` }, async (t) => {
  const good = await validateNtpsecCandidate({ ntpd: NTPD, candidate: 'refclock shm unit 2 refid GPS\nrefclock pps unit 0 refid PPS\n', run: runCommand });
  t.ok(good.ok, good.problems.join('; '));
  const gpsd = await validateNtpsecCandidate({ ntpd: NTPD, candidate: 'refclock gpsd unit 0 refid GPS\n', run: runCommand });
  const help = await runCommand([NTPD, '--help']);
  if (compiledDrivers(help.stderr + help.stdout)?.has('GPSD')) t.ok(gpsd.ok);
  else t.match(gpsd.problems[0], /built without the gpsd refclock driver/);
});

t.test('driver list parsing', async (t) => {
  const text = 'This version was compiled with the following clock drivers:\n       LOCAL  SPECTRACOM     GENERIC\n         PPS   SHM\n';
  t.same([...(compiledDrivers(text) ?? [])], ['LOCAL', 'SPECTRACOM', 'GENERIC', 'PPS', 'SHM']);
  t.equal(compiledDrivers('usage: ntpd'), null);
});

t.test('a missing ntpd is "unavailable", never a pass', async (t) => {
  const v = await validateNtpsecCandidate({ ntpd: '/nonexistent/ntpd', candidate: 'refclock shm unit 2\n', run: runCommand });
  t.notOk(v.ok);
  t.ok(v.unavailable);
});
