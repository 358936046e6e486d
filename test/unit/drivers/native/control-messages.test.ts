import t from 'tap';
import { parseControlMessages } from '../../../../src/drivers/native/control-messages.js';
import { SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET } from '../../../../src/drivers/native/socket-constants.js';
import {
  cmsgAlign,
  cmsgLen,
  hostIsLittleEndian,
  nativeAbi as abi,
  writeWord,
} from '../../../../src/drivers/native/struct-layouts.js';

// Builds a control buffer the way the kernel lays it out (offsets checked against C in
// struct-layouts.test.ts), to exercise the walker on shapes a live socket rarely produces.
function control(messages: Array<{ level: number; type: number; ints: number[]; len?: number }>): DataView {
  const total = messages.reduce((n, m) => n + cmsgAlign(abi, cmsgLen(abi, m.ints.length * 4)), 0);
  const view = new DataView(new ArrayBuffer(total + 16));
  let at = 0;
  for (const m of messages) {
    const len = m.len ?? cmsgLen(abi, m.ints.length * 4);
    writeWord(view, at + abi.cmsghdr.offset.cmsg_len, len, abi);
    view.setInt32(at + abi.cmsghdr.offset.cmsg_level, m.level, hostIsLittleEndian);
    view.setInt32(at + abi.cmsghdr.offset.cmsg_type, m.type, hostIsLittleEndian);
    m.ints.forEach((v, i) => view.setInt32(at + cmsgAlign(abi, abi.cmsghdr.size) + 4 * i, v, hostIsLittleEndian));
    at += cmsgAlign(abi, cmsgLen(abi, m.ints.length * 4));
  }
  return view;
}

const lengthOf = (v: DataView): number => v.byteLength - 16;

t.test('credentials come out as pid, uid, gid', async (t) => {
  const v = control([{ level: SOL_SOCKET, type: SCM_CREDENTIALS, ints: [4242, 998, 20] }]);
  const got = parseControlMessages(v, 0, lengthOf(v));
  t.same(got.credentials, { pid: 4242, uid: 998, gid: 20 });
  t.same(got.fds, []);
  t.equal(got.malformed, 0);
});

t.test('passed descriptors are all found, next to credentials, across alignment padding', async (t) => {
  const v = control([
    { level: SOL_SOCKET, type: SCM_RIGHTS, ints: [7, 8, 9] }, // 12 data bytes: padded on LP64
    { level: SOL_SOCKET, type: SCM_CREDENTIALS, ints: [1, 2, 3] },
  ]);
  const got = parseControlMessages(v, 0, lengthOf(v));
  t.same(got.fds, [7, 8, 9]);
  t.same(got.credentials, { pid: 1, uid: 2, gid: 3 });
});

t.test('uid and gid are unsigned: (uid_t)-1 reads as 4294967295', async (t) => {
  const v = control([{ level: SOL_SOCKET, type: SCM_CREDENTIALS, ints: [5, -1, -2] }]);
  t.same(parseControlMessages(v, 0, lengthOf(v)).credentials, { pid: 5, uid: 4294967295, gid: 4294967294 });
});

t.test('other levels and types are skipped', async (t) => {
  const v = control([{ level: 41, type: SCM_CREDENTIALS, ints: [1, 2, 3] }]);
  const got = parseControlMessages(v, 0, lengthOf(v));
  t.equal(got.credentials, null);
  t.equal(got.malformed, 0);
});

t.test('a header whose length runs past the buffer is counted, not followed', async (t) => {
  const v = control([{ level: SOL_SOCKET, type: SCM_RIGHTS, ints: [3], len: 4096 }]);
  const got = parseControlMessages(v, 0, lengthOf(v));
  t.equal(got.malformed, 1);
  t.same(got.fds, []);
});

t.test('a zero length cannot loop forever', async (t) => {
  const v = control([{ level: SOL_SOCKET, type: SCM_RIGHTS, ints: [3], len: 0 }]);
  t.equal(parseControlMessages(v, 0, lengthOf(v)).malformed, 1);
});

t.test('an empty control buffer yields nothing', async (t) => {
  t.same(parseControlMessages(new DataView(new ArrayBuffer(8)), 0, 0), { credentials: null, fds: [], malformed: 0 });
});
