import t from 'tap';
import { cLayout } from '../../../helpers/c-layout.js';
import { IPC_CREAT, IPC_EXCL, IPC_RMID, ShmAttachment, shmGet, shmInfo, shmRemove } from '../../../../src/drivers/native/sysv-shm.js';
import { isNativeError } from '../../../../src/drivers/native/native-error.js';
import { defaultShmLayout, SHM_LAYOUTS, shmModeForUnit, type ShmField } from '../../../../src/daemon/timekeeper/feed/shm-time.js';

// struct shmTime as ntpsec's ntpd/refclock_shm.c declares it.
const prelude = `
struct shmTime {
  int mode; volatile int count;
  time_t clockTimeStampSec; int clockTimeStampUSec;
  time_t receiveTimeStampSec; int receiveTimeStampUSec;
  int leap; int precision; int nsamples; volatile int valid;
  unsigned clockTimeStampNSec; unsigned receiveTimeStampNSec;
  int dummy[8];
};`;
const layout = SHM_LAYOUTS[defaultShmLayout()];
const fields = Object.keys(layout.offset) as ShmField[];
const c = cLayout({
  headers: ['time.h', 'sys/ipc.h', 'sys/shm.h'],
  prelude,
  sizes: ['struct shmTime'],
  offsets: fields.map((f) => ['struct shmTime', f] as const),
  constants: ['IPC_CREAT', 'IPC_EXCL', 'IPC_RMID'],
});

t.test('IPC constants match <sys/ipc.h>', async (t) => {
  t.equal(IPC_CREAT, c.constant('IPC_CREAT'));
  t.equal(IPC_EXCL, c.constant('IPC_EXCL'));
  t.equal(IPC_RMID, c.constant('IPC_RMID'));
});

t.test(`struct shmTime (${defaultShmLayout()}) matches the C compiler`, async (t) => {
  t.equal(layout.size, c.sizeof('struct shmTime'));
  for (const f of fields) t.equal(layout.offset[f], c.offsetof('struct shmTime', f), f);
});

t.test('the 32-bit layouts', async (t) => {
  t.equal(SHM_LAYOUTS.time32.size, 80);
  t.equal(SHM_LAYOUTS.time32.offset.valid, 36);
  t.equal(SHM_LAYOUTS.time32.offset.clockTimeStampNSec, 40);
  t.same(SHM_LAYOUTS.time64, SHM_LAYOUTS.lp64, 'armhf with 64-bit time_t aligns int64 to 8, as LP64 does');
  t.equal(shmModeForUnit(0), 0o600);
  t.equal(shmModeForUnit(1), 0o600);
  t.equal(shmModeForUnit(2), 0o600, 'never world-writable: 0600 by default');
  t.equal(shmModeForUnit(2, '0660'), 0o660);
  t.equal(shmModeForUnit(1, '0660'), 0o600, 'units 0-1 stay root-only');
});

t.test('create, share, remove a private segment', async (t) => {
  // A key far from NTP's 0x4e5450xx so no timekeeper on this machine can be disturbed.
  const key = 0x53314400 + (process.pid & 0xff);
  const id = shmGet(key, 96, { create: true, mode: 0o600 });
  t.teardown(() => {
    try {
      shmRemove(id);
    } catch {
      // removed by the test itself
    }
  });
  t.equal(shmGet(key, 96, { create: false, mode: 0 }), id, 'same key, same segment');
  try {
    shmGet(key, 4096, { create: false, mode: 0 });
    t.fail('a larger size than the segment must be refused');
  } catch (err) {
    t.ok(isNativeError(err, 'EINVAL'), `EINVAL for a larger size (${(err as Error).message})`);
  }
  const a = ShmAttachment.attach(id, 96);
  const b = ShmAttachment.attach(id, 96);
  a.view.setInt32(8, 0x12345678, true);
  t.equal(b.view.getInt32(8, true), 0x12345678, 'a write through one mapping is seen through the other');
  a.detach();
  a.detach();
  t.notOk(a.attached);
  b.detach();
  shmRemove(id);
  t.throws(() => shmGet(key, 96, { create: false, mode: 0 }), /ENOENT/, 'gone after IPC_RMID and the last detach');
});

t.test('shmInfo reads /proc/sysvipc/shm: size and mode of a segment before attaching', async (t) => {
  const table = [
    '       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap',
    '1314148402          7   666                    80 31834 31834      1     0   112     0     0 1795627400 1795627413 1795627400                     0                     0',
    '-1         9   600     96 1 1 0 1000 1000 1000 1000 0 0 0 0 0',
  ].join('\n');
  t.same(shmInfo(0x4e545032, table), { id: 7, mode: 0o666, size: 80, uid: 0, gid: 112 });
  t.same(shmInfo(0xffffffff, table), { id: 9, mode: 0o600, size: 96, uid: 1000, gid: 1000 }, 'keys above 0x7fffffff are signed in the table');
  t.equal(shmInfo(0x4e545033, table), null);
  // And the real table, for a segment we make.
  const key = 0x53314500 + (process.pid & 0xff);
  const id = shmGet(key, 80, { create: true, mode: 0o640 });
  t.teardown(() => shmRemove(id));
  t.match(shmInfo(key), { id, mode: 0o640, size: 80 });
});
