import t from 'tap';
import { CROSS_TARGETS, crossLayout, hasCompiler } from '../../../helpers/cross-layout.js';
import { abiFor, type NativeAbi, type StructLayout } from '../../../../src/drivers/native/struct-layouts.js';
import { MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_QUERY, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, SYS_MEMBARRIER } from '../../../../src/drivers/native/memory-barrier.js';
import { IPC_CREAT, IPC_EXCL, IPC_RMID } from '../../../../src/drivers/native/sysv-shm.js';
import { SHM_LAYOUTS, shmLayoutFor, type ShmField } from '../../../../src/daemon/timekeeper/feed/shm-time.js';
import { sockLayoutFor, sockSampleOffsets, sockSampleSize } from '../../../../src/daemon/timekeeper/feed/sock-sample.js';

/*
 * Our hand-made struct tables against Debian's cross compilers, for every ABI a Raspberry Pi
 * runs: armhf with the classic 32-bit time_t, armhf after trixie's 64-bit time_t transition
 * (-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64, as dpkg-buildflags sets it there), and arm64.
 * Compile only (-c): the numbers are read from the object file, nothing runs for the target.
 */

// ntpsec's ntpd/refclock_shm.c and chrony's refclock_sock.c, as those programs declare them.
const prelude = `
struct shmTime {
  int mode; volatile int count;
  time_t clockTimeStampSec; int clockTimeStampUSec;
  time_t receiveTimeStampSec; int receiveTimeStampUSec;
  int leap; int precision; int nsamples; volatile int valid;
  unsigned clockTimeStampNSec; unsigned receiveTimeStampNSec;
  int dummy[8];
};
struct sock_sample {
  struct timeval tv;
  double offset;
  int pulse;
  int leap;
  int _pad;
  int magic;
};`;

const native: Array<[cName: string, pick: (abi: NativeAbi) => StructLayout<string>]> = [
  ['struct sockaddr_un', (a) => a.sockaddrUn],
  ['struct iovec', (a) => a.iovec],
  ['struct msghdr', (a) => a.msghdr],
  ['struct cmsghdr', (a) => a.cmsghdr],
  ['struct ucred', (a) => a.ucred],
];

const shmFields = Object.keys(SHM_LAYOUTS.lp64.offset) as ShmField[];
const sockFields = Object.keys(sockSampleOffsets('lp64')) as Array<keyof ReturnType<typeof sockSampleOffsets>>;

for (const target of CROSS_TARGETS) {
  t.test(target.name, { skip: hasCompiler(target.cc) ? false : `${target.cc} not installed (apt-get install crossbuild-essential-armhf crossbuild-essential-arm64)` }, async (t) => {
    const time64 = target.arch === 'arm64' || target.flags.includes('-D_TIME_BITS=64');
    const abi = abiFor(target.arch === 'arm' ? 4 : 8);
    const c = crossLayout(target, {
      defines: ['_GNU_SOURCE'],
      headers: ['time.h', 'sys/time.h', 'sys/socket.h', 'sys/un.h', 'sys/uio.h', 'sys/ipc.h', 'sys/shm.h', 'sys/syscall.h', 'linux/membarrier.h'],
      prelude,
      sizes: ['time_t', 'struct shmTime', 'struct sock_sample', ...native.map(([n]) => n)],
      offsets: [
        ...shmFields.map((f) => ['struct shmTime', f] as const),
        ...sockFields.map((f) => ['struct sock_sample', f] as const),
        ...native.flatMap(([name, pick]) => Object.keys(pick(abi).offset).map((m) => [name, m] as const)),
      ],
      constants: ['SYS_membarrier', 'MEMBARRIER_CMD_QUERY', 'MEMBARRIER_CMD_PRIVATE_EXPEDITED', 'MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED', 'IPC_CREAT', 'IPC_EXCL', 'IPC_RMID'],
    });
    t.equal(c.sizeof('time_t'), time64 ? 8 : 4, 'time_t width as the flags ask');

    const shm = SHM_LAYOUTS[shmLayoutFor(time64 ? 64 : 32, target.arch)];
    t.equal(shm.size, c.sizeof('struct shmTime'), 'sizeof(struct shmTime)');
    for (const f of shmFields) t.equal(shm.offset[f], c.offsetof('struct shmTime', f), `shmTime.${f}`);

    const sock = sockLayoutFor(time64 ? 'time64' : 'time32', target.arch);
    t.equal(sockSampleSize(sock), c.sizeof('struct sock_sample'), `sizeof(struct sock_sample) (${sock})`);
    const so = sockSampleOffsets(sock);
    for (const f of sockFields) t.equal(so[f], c.offsetof('struct sock_sample', f), `sock_sample.${f}`);

    for (const [name, pick] of native) {
      const l = pick(abi);
      t.equal(l.size, c.sizeof(name), `sizeof(${name})`);
      for (const [m, off] of Object.entries(l.offset)) t.equal(off, c.offsetof(name, m), `${name}.${m}`);
    }

    t.equal(SYS_MEMBARRIER[target.arch], c.constant('SYS_membarrier'), 'SYS_membarrier');
    t.equal(MEMBARRIER_CMD_QUERY, c.constant('MEMBARRIER_CMD_QUERY'));
    t.equal(MEMBARRIER_CMD_PRIVATE_EXPEDITED, c.constant('MEMBARRIER_CMD_PRIVATE_EXPEDITED'));
    t.equal(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, c.constant('MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED'));
    t.equal(IPC_CREAT, c.constant('IPC_CREAT'));
    t.equal(IPC_EXCL, c.constant('IPC_EXCL'));
    t.equal(IPC_RMID, c.constant('IPC_RMID'));
  });
}

t.test('the host too (x64 in CI): SYS_membarrier', { skip: process.arch === 'x64' && hasCompiler('cc') ? false : 'not x64' }, async (t) => {
  const c = crossLayout({ name: 'host', cc: 'cc', flags: [], arch: 'arm64' }, { headers: ['sys/syscall.h'], constants: ['SYS_membarrier'] });
  t.equal(SYS_MEMBARRIER.x64, c.constant('SYS_membarrier'));
});
