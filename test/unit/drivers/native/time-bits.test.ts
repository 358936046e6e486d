import t from 'tap';
import { parseOsRelease, platformTimeBits } from '../../../../src/drivers/native/time-bits.js';

t.test('64-bit ABIs are always 64-bit time_t', async (t) => {
  t.equal(platformTimeBits('arm64', null).bits, 64);
  t.equal(platformTimeBits('x64', 'ID=debian\nVERSION_ID="12"').bits, 64);
});

t.test('armhf: the distribution decides (Debian trixie and Ubuntu 24.04 moved to 64-bit time_t)', async (t) => {
  t.equal(platformTimeBits('arm', 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_ID="13"').bits, 64);
  t.equal(platformTimeBits('arm', 'ID=raspbian\nID_LIKE=debian\nVERSION_ID="13"').bits, 64);
  t.equal(platformTimeBits('arm', 'ID=debian\nVERSION_ID="12"').bits, 32);
  t.equal(platformTimeBits('arm', 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"').bits, 64);
  t.equal(platformTimeBits('arm', 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"').bits, 32, 'not Debian 22');
  t.equal(platformTimeBits('arm', 'ID=debian\n').bits, 32, 'testing/sid without VERSION_ID: the classic width');
  t.match(platformTimeBits('arm', null).why, /no \/etc\/os-release/);
  t.same(parseOsRelease("A='x y'\n# c\nB=z"), { A: 'x y', B: 'z' });
});
