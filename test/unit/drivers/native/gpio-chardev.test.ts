import t from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, constants as fsc, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpioChardev, setNonBlocking } from '../../../../src/drivers/native/gpio-chardev.js';
import { NativeError } from '../../../../src/drivers/native/native-error.js';

// The real driver on a machine without GPIO chips: discovery, and the libc calls through
// koffi (variadic ioctl and fcntl) against devices that exist everywhere.
const dir = mkdtempSync(join(tmpdir(), 'gpio-chardev-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('chips are listed by number, not by name order, and other files are ignored', async (t) => {
  const dev = join(dir, 'dev');
  execFileSync('mkdir', ['-p', dev]);
  for (const n of ['gpiochip10', 'gpiochip2', 'gpiochip0', 'gpiochipX', 'pps0']) writeFileSync(join(dev, n), '');
  t.same(new GpioChardev(dev).listChips(), ['gpiochip0', 'gpiochip2', 'gpiochip10'].map((n) => join(dev, n)));
  t.same(new GpioChardev(join(dir, 'absent')).listChips(), [], 'no /dev dir: no chips, no throw');
});

t.test('the chip-info ioctl on something that is not a GPIO chip fails with ENOTTY, named', async (t) => {
  const err = t.throws(() => new GpioChardev().chipInfo('/dev/null')) as unknown;
  t.ok(err instanceof NativeError, 'a NativeError');
  t.equal((err as NativeError).code, 'ENOTTY');
  t.match((err as NativeError).message, /GPIO_GET_CHIPINFO_IOCTL \/dev\/null/);
});

t.test('a missing chip fails with ENOENT from open', async (t) => {
  t.throws(() => new GpioChardev().lineInfo(join(dir, 'gpiochip9'), 0), { code: 'ENOENT' });
});

t.test('setNonBlocking makes read(2) return EAGAIN instead of waiting', async (t) => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // O_RDWR on a FIFO opens without a peer (Linux) and, left blocking, a read would hang here.
  const fd = openSync(fifo, fsc.O_RDWR);
  try {
    setNonBlocking(fd, fifo);
    t.throws(() => readSync(fd, Buffer.alloc(48), 0, 48, null), { code: 'EAGAIN' });
    writeSync(fd, Buffer.from('x'));
    t.equal(readSync(fd, Buffer.alloc(48), 0, 48, null), 1, 'data still reads');
  } finally {
    closeSync(fd);
  }
});

t.test('setNonBlocking on a closed fd names the call', async (t) => {
  t.throws(() => setNonBlocking(987_654, 'nowhere'), { code: 'EBADF', syscall: 'fcntl(F_GETFL)' });
});
