import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import t from 'tap';
import { runDecode } from '../../../src/cli/decode.js';
import { withChecksum } from '../../../src/lib/nmea-checksum.js';

interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: PassThrough;
  stderr: PassThrough;
  out(): string;
  err(): string;
}

function io(stdin: NodeJS.ReadableStream = Readable.from([])): Io {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  stdout.on('data', (b: Buffer) => o.push(b));
  stderr.on('data', (b: Buffer) => e.push(b));
  return { stdin, stdout, stderr, out: () => Buffer.concat(o).toString(), err: () => Buffer.concat(e).toString() };
}

const cycle = (s: string) => [
  withChecksum(`GPGGA,1200${s}.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`),
  withChecksum('GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1'),
  withChecksum('GPGSV,1,1,04,04,40,083,46,05,17,308,41,09,07,344,39,12,22,228,45'),
  withChecksum(`GPRMC,1200${s}.00,A,4807.038,N,01131.324,E,0.1,10.0,010324,,,A`),
];
const LOG = ['# Name: test receiver', '# Date: 2024-03-01', ...cycle('00'), ...cycle('01'), ...cycle('02'), '$GPGGA,garbage*00', ''].join('\n');

t.test('decodes a log file into gpsd JSON lines', async (t) => {
  const dir = t.testdir({ 'a.log': LOG });
  const x = io();
  t.equal(await runDecode([join(dir, 'a.log')], x), 0);
  const lines = x.out().trim().split('\n').map((l) => JSON.parse(l) as { class: string; time?: string; mode?: number });
  const tpv = lines.filter((l) => l.class === 'TPV');
  t.same(tpv.map((l) => l.time), ['2024-03-01T12:00:00.000Z', '2024-03-01T12:00:01.000Z', '2024-03-01T12:00:02.000Z'], 'one TPV per epoch');
  t.ok(tpv.every((l) => l.mode === 3));
  t.equal(lines.filter((l) => l.class === 'SKY').length, 1, 'an unchanged sky view is printed once');
  const [summary, json] = x.err().trim().split('\n');
  t.match(summary, /^stratum1d decode: 13 lines, 12 sentences decoded, .*1 bad \(checksum 1,.*3 epochs, 3 TPV \(3 with time and a 2D\/3D fix, 1 time-valid\)/);
  const counters = JSON.parse(json!).counters as Record<string, unknown>;
  t.equal(counters.badChecksum, 1);
  t.same(counters.sentences, { GGA: 3, GSA: 3, GSV: 3, RMC: 3 });
});

t.test('reads standard input for - or no file', async (t) => {
  for (const args of [['-'], []]) {
    const x = io(Readable.from([LOG]));
    t.equal(await runDecode(args, x), 0);
    t.equal(x.out().split('\n').filter((l) => l.includes('"TPV"')).length, 3);
  }
});

t.test('options', async (t) => {
  const bare = `${cycle('00').map((l) => l.replace(/\*..$/, '')).join('\n')}\n`;
  const rejected = io(Readable.from([bare]));
  await runDecode([], rejected);
  t.equal(rejected.out(), '', 'sentences without checksum are rejected by default');
  t.match(rejected.err(), /no checksum 4/);
  const accepted = io(Readable.from([bare]));
  await runDecode(['--accept-no-checksum'], accepted);
  t.match(accepted.out(), /"class":"TPV"/);

  const strict = io(Readable.from([LOG]));
  await runDecode(['--time-valid-after', '1'], strict);
  t.match(strict.err(), /3 time-valid/);
});

t.test('usage errors exit 64, help exits 0', async (t) => {
  const help = io();
  t.equal(await runDecode(['--help'], help), 0);
  t.match(help.out(), /usage: stratum1d decode/);
  for (const args of [['--bogus'], ['--time-valid-after', '0'], ['--time-valid-after', 'x'], ['a.log', 'b.log']]) {
    const x = io();
    t.equal(await runDecode(args, x), 64, args.join(' '));
    t.match(x.err(), /usage: stratum1d decode/);
  }
});

t.test('a missing file is EX_NOINPUT with a clear message', async (t) => {
  const dir = t.testdir({});
  const x = io();
  t.equal(await runDecode([join(dir, 'nope.log')], x), 66);
  t.match(x.err(), /cannot open .*nope\.log: no such file/);
  const d = io();
  t.equal(await runDecode([dir], d), 66);
  t.match(d.err(), /is a directory/);
});

t.test('garbage never changes the exit status', async (t) => {
  const dir = t.testdir({});
  const f = join(dir, 'junk.log');
  writeFileSync(f, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
  const x = io();
  t.equal(await runDecode([f], x), 0);
  t.match(x.err(), /^stratum1d decode: \d+ lines/);
});

t.test('large input streams through: output starts long before the input ends', async (t) => {
  const total = 20_000; // cycles = 80 000 lines, ~5 MB
  let produced = 0;
  let producedAtFirstOutput = -1;
  const input = new Readable({
    read() {
      if (produced >= total) return void this.push(null);
      const chunk: string[] = [];
      for (let i = 0; i < 200 && produced < total; i++, produced++) {
        const s = produced % 86_400;
        const hhmmss = `${String(Math.floor(s / 3600)).padStart(2, '0')}${String(Math.floor(s / 60) % 60).padStart(2, '0')}${String(s % 60).padStart(2, '0')}`;
        chunk.push(withChecksum(`GPRMC,${hhmmss}.00,A,4807.038,N,01131.324,E,0.1,10.0,010324,,,A`));
      }
      this.push(`${chunk.join('\n')}\n`);
    },
  });
  let tpv = 0;
  const stdout = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (producedAtFirstOutput < 0) producedAtFirstOutput = produced;
      tpv += chunk.toString().split('\n').filter((l) => l.startsWith('{"class":"TPV"')).length;
      setImmediate(cb); // a slow reader: backpressure must hold the decoder back
    },
  });
  const stderr = new PassThrough();
  t.equal(await runDecode([], { stdin: input, stdout, stderr }), 0);
  t.equal(tpv, total);
  t.ok(producedAtFirstOutput > 0 && producedAtFirstOutput < total / 2, `first output after ${producedAtFirstOutput} of ${total} input lines`);
});
