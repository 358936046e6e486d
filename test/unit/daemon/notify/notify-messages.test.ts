import t from 'tap';
import {
  MAX_STATUS_BYTES,
  notifyDatagram,
  parseNotifyDatagram,
  statusText,
} from '../../../../src/daemon/notify/notify-messages.js';

t.test('a status is one line: breaks and tabs become single spaces', async (t) => {
  t.equal(statusText('GNSS: 3D fix\nPPS: locked\r\nRTC: ok'), 'GNSS: 3D fix PPS: locked RTC: ok');
  t.equal(statusText('a\tb'), 'a b');
  t.equal(statusText('\n  padded  \n'), 'padded');
});

t.test('NUL and other control bytes are removed (systemd drops datagrams holding a NUL)', async (t) => {
  const s = statusText('bad\u0000byte\u0007bell\u001b[0m\u007f');
  t.equal(s, 'badbytebell[0m');
  t.notOk(notifyDatagram([['STATUS', s]]).includes(0));
});

t.test('long statuses are cut to the byte budget without splitting a character', async (t) => {
  const ascii = statusText('x'.repeat(5000));
  t.equal(Buffer.byteLength(ascii), MAX_STATUS_BYTES);
  // 3-byte characters do not divide the budget evenly: the cut lands before a whole one.
  const euro = statusText('€'.repeat(1000));
  t.ok(Buffer.byteLength(euro) <= MAX_STATUS_BYTES);
  t.ok(Buffer.byteLength(euro) > MAX_STATUS_BYTES - 3);
  t.notMatch(euro, /\uFFFD/, 'no broken character');
  t.equal(euro, '€'.repeat(Math.floor(MAX_STATUS_BYTES / 3)));
});

t.test('datagrams are newline-separated assignments, and parse back', async (t) => {
  const d = notifyDatagram([
    ['READY', '1'],
    ['STATUS', 'a=b c'],
  ]);
  t.equal(d.toString(), 'READY=1\nSTATUS=a=b c');
  t.same(parseNotifyDatagram(d.toString()), { READY: '1', STATUS: 'a=b c' });
  t.same(parseNotifyDatagram('junk\n=nokey\nWATCHDOG=1'), { WATCHDOG: '1' });
});
