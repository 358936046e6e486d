import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { cCompiler } from '../../../helpers/c-layout.js';
import { UnixDatagramReceiver, type ReceivedDatagram } from '../../../../src/drivers/native/unix-datagram-receiver.js';
import { UnixDatagramSender } from '../../../../src/drivers/native/unix-datagram-sender.js';
import { NativeError } from '../../../../src/drivers/native/native-error.js';

const dir = mkdtempSync(join(tmpdir(), 'udgram-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => join(dir, `s${n++}.sock`);

function listen(t: Test, path = freshPath(), maxMessageBytes?: number) {
  const receiver = UnixDatagramReceiver.open(path, maxMessageBytes === undefined ? {} : { maxMessageBytes });
  const got: ReceivedDatagram[] = [];
  receiver.on('message', (m) => got.push(m));
  t.teardown(() => receiver.close());
  const until = async (count: number, ms = 2000): Promise<void> => {
    const end = Date.now() + ms;
    while (got.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  };
  return { receiver, got, until, path };
}

function sender(t: Test): UnixDatagramSender {
  const s = new UnixDatagramSender();
  t.teardown(() => s.close());
  return s;
}

t.test('a datagram arrives whole, with the credentials of the process that sent it', async (t) => {
  const { got, until, path } = listen(t);
  // Binary with NULs, like chrony's 40-byte struct sock_sample.
  const payload = Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37) % 256));
  const before = Date.now();
  sender(t).send(path, payload);
  await until(1);
  t.equal(got.length, 1);
  const m = got[0]!;
  t.same([...m.data], [...payload]);
  t.same(m.sender, { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  t.equal(m.senderAddress, null, 'an unbound sender has no address');
  t.equal(m.truncated, false);
  t.ok(m.receivedAt >= before && m.receivedAt <= Date.now() + 1, 'receive time is now');
});

t.test('the kernel reports a child process sender by its own pid', async (t) => {
  const { got, until, path } = listen(t);
  const fixture = fileURLToPath(new URL('./fixtures/send-datagram.ts', import.meta.url));
  const childPid = Number(execFileSync(process.execPath, [...process.execArgv, fixture, path, 'from-child']));
  await until(1);
  t.equal(got[0]?.data.toString(), 'from-child');
  t.equal(got[0]?.sender?.pid, childPid);
  t.not(childPid, process.pid);
});

t.test('abstract addresses work both ways', async (t) => {
  const { got, until } = listen(t, `@stratum1d-test-udgram-${process.pid}`);
  sender(t).send(`@stratum1d-test-udgram-${process.pid}`, Buffer.from('abstract'));
  await until(1);
  t.equal(got[0]?.data.toString(), 'abstract');
});

t.test('failures are thrown as errors carrying errno and its name', async (t) => {
  const s = sender(t);
  const missing = freshPath();
  const err = t.throws(() => s.send(missing, Buffer.from('x'))) as NativeError;
  t.ok(err instanceof NativeError);
  t.match(err, { code: 'ENOENT', errno: 2, syscall: 'sendto', path: missing });
  t.match(err.message, /ENOENT/);

  // A socket file nobody listens on any more: keep a second link to it past close().
  const { receiver, path } = listen(t);
  const stale = freshPath();
  linkSync(path, stale);
  await receiver.close();
  t.throws(() => s.send(stale, Buffer.from('x')), { code: 'ECONNREFUSED', errno: 111 });
});

t.test('a receiver that does not read makes sends fail fast with EAGAIN, never block', async (t) => {
  const { got, until, path } = listen(t);
  const s = sender(t);
  let delivered = 0;
  let error: unknown = null;
  const start = performance.now();
  // The receiver drains on the event loop, which this loop holds: its queue fills up.
  for (let i = 0; i < 10_000 && error === null; i++) {
    try {
      s.send(path, Buffer.from(`m${i}`));
      delivered++;
    } catch (e) {
      error = e;
    }
  }
  const took = performance.now() - start;
  t.match(error, { code: 'EAGAIN' });
  t.ok(delivered > 0 && delivered < 10_000, `${delivered} queued before EAGAIN`);
  // A blocking send would hang here for good (the receiver drains on this very loop), so
  // reaching this line is the proof; the time is reported, not judged.
  t.comment(`burst took ${took.toFixed(1)} ms`);
  await until(delivered);
  t.equal(got.length, delivered, 'everything queued is then received');
  t.same(
    got.map((m) => m.data.toString()),
    Array.from({ length: delivered }, (_, i) => `m${i}`),
    'in order',
  );
});

t.test('a datagram longer than the buffer arrives cut, flagged and counted', async (t) => {
  const { receiver, got, until, path } = listen(t, freshPath(), 16);
  sender(t).send(path, Buffer.alloc(100, 0x41));
  sender(t).send(path, Buffer.from('short'));
  await until(2);
  t.equal(got[0]?.truncated, true);
  t.equal(got[0]?.data.length, 16);
  t.equal(got[1]?.truncated, false);
  t.equal(got[1]?.data.toString(), 'short');
  t.equal(receiver.counters.truncated, 1);
  t.equal(receiver.counters.received, 2);
});

t.test('descriptors a sender pushes at us are closed, not leaked', async (t) => {
  const { receiver, got, until, path } = listen(t);
  const exe = compileFdPusher(dir);
  const fdsBefore = readdirSync('/proc/self/fd').length;
  execFileSync(exe, [path]);
  await until(1);
  t.equal(got[0]?.data.toString(), 'fd');
  t.equal(receiver.counters.fdsClosed, 2, 'both passed descriptors closed');
  t.equal(readdirSync('/proc/self/fd').length, fdsBefore, 'no descriptor left behind');
});

t.test('close removes the socket file, is idempotent, and frees the path for reuse', async (t) => {
  const { receiver, path } = listen(t);
  t.ok(existsSync(path));
  t.throws(() => UnixDatagramReceiver.open(path), { code: 'EADDRINUSE', syscall: 'bind' });
  await Promise.all([receiver.close(), receiver.close()]);
  t.notOk(existsSync(path));
  const again = UnixDatagramReceiver.open(path);
  const p = once(again, 'message');
  sender(t).send(path, Buffer.from('reused'));
  const [m] = (await p) as [ReceivedDatagram];
  t.equal(m.data.toString(), 'reused');
  await again.close();
});

t.test('open receivers leave the libuv threadpool free for fs and dns', async (t) => {
  // libuv has 4 pool threads; a receiver that parked one in poll(2) would starve fs here.
  const receivers = Array.from({ length: 6 }, () => listen(t));
  const read = readFile(fileURLToPath(import.meta.url), 'utf8');
  const timeout = new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 500).unref());
  const text = await Promise.race([read, timeout]);
  t.not(text, 'stalled', 'fs.readFile completes while 6 receivers are open');
  t.equal(receivers.length, 6);
});

t.test('a closed sender refuses to send', async (t) => {
  const s = new UnixDatagramSender();
  s.close();
  s.close();
  t.equal(s.closed, true);
  t.throws(() => s.send(freshPath(), Buffer.from('x')), /after close/);
});

// A sender passing two descriptors (SCM_RIGHTS), which Node cannot do on a datagram socket.
function compileFdPusher(into: string): string {
  const src = join(into, 'fd-pusher.c');
  const exe = join(into, 'fd-pusher');
  writeFileSync(
    src,
    `#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv) {
  int fds[2] = { open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY) };
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un to = { .sun_family = AF_UNIX };
  strncpy(to.sun_path, argv[1], sizeof(to.sun_path) - 1);
  char data[] = "fd";
  struct iovec iov = { .iov_base = data, .iov_len = 2 };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(fds))]; } ctl;
  struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
                      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(fds));
  memcpy(CMSG_DATA(c), fds, sizeof(fds));
  return sendmsg(s, &m, 0) == 2 ? 0 : 1;
}
`,
  );
  execFileSync(cCompiler(), ['-o', exe, src]);
  return exe;
}
