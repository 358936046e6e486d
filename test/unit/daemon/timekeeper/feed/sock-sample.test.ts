import t from 'tap';
import { cLayout } from '../../../../helpers/c-layout.js';
import {
  decodeSockSample,
  defaultSockLayout,
  sockLayoutFor,
  encodeSockSample,
  msToTimeval,
  SOCK_MAGIC,
  sockSampleOffsets,
  sockSampleSize,
  type SockLayout,
} from '../../../../../src/daemon/timekeeper/feed/sock-sample.js';

// Declared as chrony's refclock_sock.c declares it, against this machine's struct timeval.
const prelude = `
struct sock_sample { struct timeval tv; double offset; int pulse; int leap; int _pad; int magic; };
`;
const members = ['tv', 'offset', 'pulse', 'leap', '_pad', 'magic'] as const;
const c = cLayout({
  headers: ['sys/time.h'],
  prelude,
  sizes: ['struct sock_sample', 'time_t'],
  offsets: members.map((m) => ['struct sock_sample', m] as const),
});
const native: SockLayout = c.sizeof('time_t') === 8 && process.arch !== 'arm' ? 'lp64' : c.sizeof('time_t') === 8 ? 'time64' : 'time32';

t.test(`the ${native} layout matches the C compiler on ${process.arch}`, async (t) => {
  t.equal(sockSampleSize(native), c.sizeof('struct sock_sample'));
  const offsets = sockSampleOffsets(native);
  for (const m of members) t.equal(offsets[m], c.offsetof('struct sock_sample', m), `offsetof ${m}`);
});

t.test('sizes of the three layouts', async (t) => {
  t.equal(sockSampleSize('lp64'), 40);
  t.equal(sockSampleSize('time64'), 40);
  t.equal(sockSampleSize('time32'), 32);
  t.equal(defaultSockLayout('x64'), 'lp64');
  t.equal(defaultSockLayout('arm64'), 'lp64');
  t.equal(defaultSockLayout('arm', 'ID=debian\nVERSION_ID="12"\n'), 'time32', 'bookworm armhf: 32-bit time_t, chrony 4.3');
  t.equal(defaultSockLayout('arm', 'ID=debian\nVERSION_ID="13"\n'), 'time64', 'trixie armhf: 64-bit time_t');
  t.equal(defaultSockLayout('arm', 'ID=raspbian\nID_LIKE=debian\nVERSION_ID="13"\n'), 'time64');
  t.equal(sockLayoutFor('time32', 'arm'), 'time32', 'configured');
  t.equal(sockLayoutFor('time64', 'arm'), 'time64', 'configured');
  t.equal(sockLayoutFor('time32', 'arm64'), 'lp64', 'a 64-bit host has one layout');
});

const sample = { tvSec: 1_700_000_000, tvUsec: 123_456, offset: -0.125, pulse: false, leap: 1 as const };

t.test('byte-exact 64-bit encoding (little endian)', async (t) => {
  const bytes = Buffer.from(encodeSockSample(sample, 'lp64'));
  const expected = Buffer.concat([
    Buffer.from('00f1536500000000', 'hex'), // 1700000000 = 0x6553f100
    Buffer.from('40e2010000000000', 'hex'), // 123456 = 0x1e240
    Buffer.from('000000000000c0bf', 'hex'), // -0.125
    Buffer.from('00000000', 'hex'), // pulse
    Buffer.from('01000000', 'hex'), // leap
    Buffer.from('00000000', 'hex'), // _pad
    Buffer.from('4b434f53', 'hex'), // magic "SOCK" read as a little-endian int
  ]);
  t.equal(bytes.toString('hex'), expected.toString('hex'));
  t.same(Buffer.from(encodeSockSample(sample, 'time64')), bytes, 'time64 has the same bytes');
});

t.test('byte-exact 32-bit time_t encoding', async (t) => {
  const bytes = Buffer.from(encodeSockSample({ ...sample, pulse: true, leap: 0 }, 'time32'));
  t.equal(
    bytes.toString('hex'),
    ['00f15365', '40e20100', '000000000000c0bf', '01000000', '00000000', '00000000', '4b434f53'].join(''),
  );
});

t.test('round trip and rejection', async (t) => {
  for (const layout of ['lp64', 'time32', 'time64'] as const) {
    t.same(decodeSockSample(encodeSockSample(sample, layout), layout), sample, layout);
  }
  const bad = encodeSockSample(sample, 'lp64');
  bad[36] = bad[36]! ^ 1;
  t.equal(decodeSockSample(bad, 'lp64'), null, 'wrong magic');
  t.equal(decodeSockSample(new Uint8Array(32), 'lp64'), null, 'wrong size');
  t.equal(SOCK_MAGIC, 0x534f434b);
  t.throws(() => encodeSockSample({ ...sample, tvSec: 2 ** 31 }, 'time32'), RangeError, '2038 does not fit time32');
  t.ok(encodeSockSample({ ...sample, tvSec: 2 ** 31 }, 'time64'), 'but fits time64');
  t.throws(() => encodeSockSample({ ...sample, tvUsec: 1_000_000 }, 'lp64'), RangeError);
  t.throws(() => encodeSockSample({ ...sample, offset: Number.NaN }, 'lp64'), RangeError);
});

t.test('msToTimeval floors to the microsecond', async (t) => {
  t.same(msToTimeval(1_700_000_000_123), { tvSec: 1_700_000_000, tvUsec: 123_000 });
  t.same(msToTimeval(1_700_000_000_123.4567), { tvSec: 1_700_000_000, tvUsec: 123_456 });
  t.same(msToTimeval(-1.5), { tvSec: -1, tvUsec: 998_500 });
});
