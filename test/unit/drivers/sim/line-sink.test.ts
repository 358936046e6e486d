import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { ManualClock } from '../../../../src/drivers/clock.js';
import { DeviceSink, StreamSink } from '../../../../src/drivers/sim/line-sink.js';
import { PassThrough } from 'node:stream';

/** Opens the read end without blocking (a FIFO's writer can only open once a reader exists). */
const openReader = (path: string) => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);

function drain(fd: number): string {
  const buf = Buffer.alloc(1 << 16);
  let out = '';
  for (;;) {
    try {
      const n = readSync(fd, buf);
      if (n === 0) return out;
      out += buf.toString('latin1', 0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return out;
      throw err;
    }
  }
}

function fifo(t: Test): string {
  const dir = t.testdir({ 'plain.txt': 'x' });
  execFileSync('mkfifo', [`${dir}/gnss.fifo`]);
  return dir;
}

t.test('lines go out CR LF terminated', async (t) => {
  const dir = fifo(t);
  const reader = openReader(`${dir}/gnss.fifo`);
  t.teardown(() => closeSync(reader));
  const sink = new DeviceSink(`${dir}/gnss.fifo`, new ManualClock(), () => undefined);
  sink.write('$GPZDA,1*00');
  sink.write('$GPZDA,2*00');
  t.equal(drain(reader), '$GPZDA,1*00\r\n$GPZDA,2*00\r\n');
  t.equal(sink.dropped, 0);
  sink.close();
  const out = new PassThrough();
  new StreamSink(out).write('$GPZDA,3*00');
  t.equal(out.read()?.toString(), '$GPZDA,3*00\r\n');
});

t.test('nobody reading: lines that do not fit are dropped and counted, never block', async (t) => {
  const dir = fifo(t);
  const reader = openReader(`${dir}/gnss.fifo`);
  t.teardown(() => closeSync(reader));
  const sink = new DeviceSink(`${dir}/gnss.fifo`, new ManualClock(), () => undefined);
  const line = `$GPGSV,${'9'.repeat(70)}*00`;
  for (let i = 0; i < 5_000; i++) sink.write(line); // ~400 kB into a 64 KiB pipe
  t.ok(sink.dropped > 3_000, `dropped ${sink.dropped}`);
  const got = drain(reader);
  t.equal(got.length % (line.length + 2), 0, 'only whole lines went out');
  t.equal(got.length / (line.length + 2) + sink.dropped, 5_000, 'each line either written or counted');
  sink.close();
});

t.test('the device goes away and comes back: reported, retried every second, resumed', async (t) => {
  const dir = fifo(t);
  const path = `${dir}/gnss.fifo`;
  let reader = openReader(path);
  const clock = new ManualClock();
  const reports: string[] = [];
  const sink = new DeviceSink(path, clock, (m) => reports.push(m));
  closeSync(reader); // the far end disappears
  sink.write('$GPZDA,1*00');
  t.match(reports, [/gnss\.fifo: EPIPE.*reopening every second/]);
  clock.advance(3_000); // no reader: the reopen fails (ENXIO) and is retried
  sink.write('$GPZDA,2*00');
  t.equal(sink.dropped, 2);
  reader = openReader(path);
  t.teardown(() => closeSync(reader));
  clock.advance(1_000);
  t.match(reports.at(-1), /reopened/);
  sink.write('$GPZDA,3*00');
  t.equal(drain(reader), '$GPZDA,3*00\r\n');
  sink.close();
  t.equal(clock.pendingTimers, 0);
});

t.test('refuses a missing path (no file is created) and a regular file', async (t) => {
  const dir = fifo(t);
  t.throws(() => new DeviceSink(`${dir}/nope`, new ManualClock(), () => undefined), { code: 'ENOENT' });
  t.throws(() => new DeviceSink(`${dir}/plain.txt`, new ManualClock(), () => undefined), /not a terminal or FIFO/);
});
