// Tests of `stratum1d simulate` (src/cli/simulate.ts), kept beside the simulator it drives.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { Writable } from 'node:stream';
import { runSimulate } from '../../../src/cli/simulate.js';
import { ManualClock } from '../../../src/drivers/clock.js';
import { nmeaChecksum } from '../../../src/lib/nmea-checksum.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString('latin1');
      cb();
    },
  });
  return { stream, text: () => text };
}

/** Starts a run on a manual clock and waits until it has opened its source. */
async function start(argv: string[], clock = new ManualClock(Date.UTC(2024, 0, 1, 12, 0, 0, 500))) {
  const out = capture();
  const err = capture();
  const done = runSimulate(argv, { stdout: out.stream, stderr: err.stream }, { clock });
  // Bounded by time, not by turns: on a loaded machine the log file read can take many turns.
  const t0 = Date.now();
  while (!/simulating|replaying/.test(err.text()) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 2));
  return { clock, out, err, done };
}

const valid = (line: string) => {
  const m = /^\$([^*]*)\*([0-9A-F]{2})$/.exec(line);
  return m !== null && nmeaChecksum(m[1]!) === parseInt(m[2]!, 16);
};

t.test('to stdout until --duration: CR LF lines, one epoch a second, valid checksums', async (t) => {
  const { clock, out, err, done } = await start(['--duration', '3']);
  clock.advance(3_000);
  t.equal(await done, 0);
  t.ok(out.text().endsWith('\r\n'));
  const lines = out.text().split('\r\n').slice(0, -1);
  t.ok(lines.every(valid), 'every line checksummed');
  t.same(
    lines.filter((l) => l.startsWith('$GNRMC')).map((l) => l.slice(7, 16)),
    ['120001.00', '120002.00', '120003.00'],
    'started at 12:00:00.5 for 3 s: the seconds 1, 2 and 3 (sent at +120 ms)',
  );
  t.match(err.text(), /simulating 1 Hz, latency 120 ms into stdout/);
  t.match(err.text(), /stopped after \d+ lines/);
});

t.test('--rate, --latency and --lose-fix-at/--lose-fix-for shape the output', async (t) => {
  const { clock, out, done } = await start(['--rate', '2', '--latency', '200', '--baud', '115200', '--lose-fix-at', '1', '--lose-fix-for', '1', '--duration', '3']);
  clock.advance(3_000);
  t.equal(await done, 0);
  const rmc = out
    .text()
    .split('\r\n')
    .filter((l) => l.startsWith('$GNRMC'))
    .map((l) => `${l.slice(11, 16)}${l[17]}`);
  // Started at 12:00:00.5: the epochs labelled 1.0 s and 1.5 s after the start have no fix.
  t.same(rmc, ['00.50A', '01.00A', '01.50V', '02.00V', '02.50A', '03.00A']);
});

t.test('--replay plays a log and ends by itself; --loop keeps going', async (t) => {
  const dir = t.testdir({ 'log.nmea': '# header\n$GPZDA,120000.00,01,01,2024,00,00*00\n$GPZDA,120001.00,01,01,2024,00,00*00\n' });
  const once = await start(['--replay', `${dir}/log.nmea`, '--speed', 'inf']);
  // Keep the manual clock turning until the replay has scheduled, played and ended.
  let code: number | undefined;
  void once.done.then((c) => (code = c));
  for (const t0 = Date.now(); code === undefined && Date.now() - t0 < 10_000; ) {
    once.clock.advance(0);
    await new Promise((r) => setTimeout(r, 2));
  }
  t.equal(code, 0);
  t.equal(once.out.text(), '$GPZDA,120000.00,01,01,2024,00,00*00\r\n$GPZDA,120001.00,01,01,2024,00,00*00\r\n');
  const looped = await start(['--replay', `${dir}/log.nmea`, '--loop', '--speed', '2', '--duration', '2.2']);
  looped.clock.advance(2_200);
  t.equal(await looped.done, 0);
  // At 2x: epochs 0.5 s apart, and 0.5 s from the last back to the first: 0, 0.5, 1, 1.5, 2 s.
  t.equal(looped.out.text().split('\r\n').length - 1, 5);
});

t.test('--to a FIFO', async (t) => {
  const dir = t.testdir({});
  execFileSync('mkfifo', [`${dir}/pipe`]);
  const reader = openSync(`${dir}/pipe`, constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  const { clock, done, err } = await start(['--to', `${dir}/pipe`, '--duration', '1.5']);
  clock.advance(1_500);
  t.equal(await done, 0);
  const buf = Buffer.alloc(65536);
  const text = buf.toString('latin1', 0, readSync(reader, buf));
  t.match(text, /^\$GNRMC,120001\.00,A,.*\r\n\$GNGGA,120001\.00,/);
  t.match(err.text(), new RegExp(`into ${dir}/pipe`));
});

async function exitOf(t: Test, argv: string[], code: number, message: RegExp) {
  const err = capture();
  const out = capture();
  t.equal(await runSimulate(argv, { stdout: out.stream, stderr: err.stream }), code, argv.join(' '));
  t.match(err.text(), message);
  t.equal(out.text(), '', 'nothing on stdout');
}

t.test('usage errors exit 64 with a message on stderr', async (t) => {
  await exitOf(t, ['--bogus'], 64, /unknown option --bogus/);
  await exitOf(t, ['--rate', '3'], 64, /--rate must be 1, 2, 4, 5, 8 or 10, got "3"/);
  await exitOf(t, ['--rate'], 64, /--rate needs a value/);
  await exitOf(t, ['--latency', '-5'], 64, /--latency must be/);
  await exitOf(t, ['--duration', 'soon'], 64, /--duration must be/);
  await exitOf(t, ['--lose-fix-for', '5'], 64, /--lose-fix-for needs --lose-fix-at/);
  await exitOf(t, ['--replay', 'x.nmea', '--rate', '2'], 64, /--rate applies to the simulator/);
  await exitOf(t, ['--loop'], 64, /apply to --replay only/);
  await exitOf(t, ['extra'], 64, /unexpected argument "extra"/);
});

t.test('unopenable paths exit 66', async (t) => {
  const dir = t.testdir({ 'file.txt': 'x' });
  await exitOf(t, ['--to', `${dir}/no-such-pty`], 66, /cannot open .*no-such-pty: ENOENT/);
  await exitOf(t, ['--to', `${dir}/file.txt`], 66, /not a terminal or FIFO/);
  await exitOf(t, ['--replay', `${dir}/missing.nmea`], 66, /cannot read .*missing\.nmea/);
});

t.test('--help prints the usage and exits 0', async (t) => {
  const out = capture();
  t.equal(await runSimulate(['--help'], { stdout: out.stream, stderr: capture().stream }), 0);
  t.match(out.text(), /usage: stratum1d simulate \[--to PATH\]/);
  t.match(out.text(), /--lose-fix-at S/);
});

t.test('an abort signal stops a run without a duration', async (t) => {
  const handlers = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
  const ac = new AbortController();
  const out = capture();
  const err = capture();
  const done = runSimulate([], { stdout: out.stream, stderr: err.stream }, { clock: new ManualClock(), signal: ac.signal });
  ac.abort();
  t.equal(await done, 0);
  t.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), handlers, 'its signal handlers removed');
});

t.test('stdout closed by its reader (simulate | head): the run ends, no crash', async (t) => {
  let writes = 0;
  const stdout = new Writable({
    write(_chunk, _enc, cb) {
      if (++writes > 3) return cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      cb();
    },
  });
  const clock = new ManualClock();
  const done = runSimulate([], { stdout, stderr: capture().stream }, { clock });
  for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 5 && writes <= 3; i++) clock.advance(1_000);
  for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  clock.advance(1_000);
  t.equal(await done, 0);
});
