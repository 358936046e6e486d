import t from 'tap';
import { globMatches, substituteInclude } from '../../../../../src/daemon/timekeeper/apply/chrony-main-config.js';

const INC = '/etc/chrony/conf.d/stratum1d.conf';
const CAND = '/tmp/v/stratum1d.conf';

t.test('confdir listing the include directory gets the candidate directory first', async (t) => {
  const main = '# confdir /etc/chrony/conf.d\nconfdir /etc/chrony/conf.d\npool 2.debian.pool.ntp.org iburst\n';
  const s = substituteInclude(main, INC, CAND, () => []);
  t.equal(s.references, 1);
  t.equal(s.text, '# confdir /etc/chrony/conf.d\nconfdir /tmp/v /etc/chrony/conf.d\npool 2.debian.pool.ntp.org iburst\n', 'comments untouched');
});

t.test('confdir with a trailing slash and among other directories', async (t) => {
  const s = substituteInclude('confdir /run/x /etc/chrony/conf.d/\n', INC, CAND, () => []);
  t.equal(s.text, 'confdir /tmp/v /run/x /etc/chrony/conf.d/\n');
});

t.test('an exact include is pointed at the candidate', async (t) => {
  const s = substituteInclude('Include /etc/chrony/conf.d/stratum1d.conf\n', INC, CAND, () => []);
  t.equal(s.references, 1);
  t.equal(s.text, `include ${CAND}\n`);
});

t.test('a glob include becomes its other matches plus the candidate', async (t) => {
  const s = substituteInclude('include /etc/chrony/conf.d/*.conf\n', INC, CAND, (p) => {
    t.equal(p, '/etc/chrony/conf.d/*.conf');
    return ['/etc/chrony/conf.d/a.conf', INC, '/etc/chrony/conf.d/z.conf'];
  });
  t.equal(s.references, 1);
  t.equal(s.text, `include /etc/chrony/conf.d/a.conf\ninclude /etc/chrony/conf.d/z.conf\ninclude ${CAND}\n`);
});

t.test('a main config that never loads the include has no references', async (t) => {
  const s = substituteInclude('confdir /etc/chrony/other.d\ninclude /etc/chrony/x.conf\n', INC, CAND, () => []);
  t.equal(s.references, 0);
});

t.test('the candidate must shadow by name', async (t) => {
  t.throws(() => substituteInclude('', INC, '/tmp/v/other.conf', () => []));
});

t.test('glob(7) matching', async (t) => {
  t.ok(globMatches('/etc/chrony/conf.d/*.conf', INC));
  t.notOk(globMatches('/etc/chrony/*.conf', INC), '* does not cross /');
  t.ok(globMatches('/etc/chrony/conf.d/strat?m1d.[c]onf', INC));
  t.notOk(globMatches('/etc/chrony/conf.d/[!s]*.conf', INC));
  t.notOk(globMatches('/etc/chrony/conf.d/*.sources', INC));
});
