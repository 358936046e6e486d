import t, { type Test } from 'tap';
import { SerialportLink } from '../../../../src/drivers/serial/serialport-link.js';
import type { LineSample } from '../../../../src/drivers/serial/serial-link.js';
import { withChecksum } from '../../../../src/lib/nmea-checksum.js';
import { MockDevice, until } from './mock-device.js';

const RMC = withChecksum('GPRMC,123519.00,A,4807.03800,N,01131.00000,E,0.02,,230394,,,A');
const GGA = withChecksum('GPGGA,123519.00,4807.03800,N,01131.00000,E,1,08,0.9,545.4,M,46.9,M,,');
const ZDA = withChecksum('GPZDA,123519.00,23,03,1994,00,00');

let n = 0;
/** A fresh device and an open link on it, with every emitted line and close collected. */
async function setup(t: Test, opts: { now?: () => number; record?: boolean; maxLineBytes?: number } = {}) {
  const device = new MockDevice(`/dev/mock-gnss-${++n}`, { record: opts.record ?? false });
  const link = new SerialportLink({
    path: device.path,
    binding: device.binding,
    ...(opts.now ? { clock: { now: opts.now } } : {}),
    ...(opts.maxLineBytes ? { maxLineBytes: opts.maxLineBytes } : {}),
  });
  const lines: LineSample[] = [];
  const closes: (Error | null)[] = [];
  link.on('line', (s) => lines.push(s));
  link.on('close', (e) => closes.push(e));
  await link.open();
  t.teardown(() => link.close());
  /** Emits one chunk and waits until the link has read it. */
  const feed = async (data: Buffer | string) => {
    const before = link.stats().bytes;
    const len = Buffer.isBuffer(data) ? data.length : Buffer.byteLength(data, 'latin1');
    device.emit(Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'));
    await until(() => link.stats().bytes >= before + len, 20_000, 'the chunk to be read');
  };
  return { device, link, lines, closes, feed };
}

/** `text` cut into `k` pieces of nearly equal length. */
function cut(text: string, k: number): string[] {
  const size = Math.ceil(text.length / k);
  return Array.from({ length: k }, (_, i) => text.slice(i * size, (i + 1) * size)).filter((p) => p !== '');
}

t.test('a sentence split across 2 to 5 reads comes out whole, once', async (t) => {
  for (let k = 2; k <= 5; k++) {
    const { lines, feed } = await setup(t);
    for (const piece of cut(`${RMC}\r\n`, k)) await feed(piece);
    t.same(
      lines.map((l) => l.line),
      [RMC],
      `${k} chunks`,
    );
  }
});

t.test('several sentences in one read come out in order', async (t) => {
  const { lines, feed } = await setup(t);
  await feed(`${RMC}\r\n${GGA}\r\n${ZDA}\r\n`);
  t.same(
    lines.map((l) => l.line),
    [RMC, GGA, ZDA],
  );
});

t.test('CR and LF in different reads: no stray CR, no empty line', async (t) => {
  const { lines, feed } = await setup(t);
  await feed(`${RMC}\r`);
  await feed(`\n${GGA}\r`);
  await feed('\n');
  t.same(
    lines.map((l) => l.line),
    [RMC, GGA],
  );
});

t.test('binary noise is passed on as garbage lines, without breaking the sentences after it', async (t) => {
  const { lines, link, feed } = await setup(t);
  const noise = Buffer.alloc(3000);
  let x = 12345;
  for (let i = 0; i < noise.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    noise[i] = x >>> 24; // all 256 byte values, some of them \n
  }
  const newlines = noise.filter((b) => b === 0x0a).length;
  await feed(noise);
  await feed(`\n${RMC}\r\n`);
  t.equal(lines.length, newlines + 2, 'one line per newline in the noise, one for its tail, one for RMC');
  t.equal(lines.at(-1)?.line, RMC, 'the sentence after the noise is intact');
  t.equal(link.stats().overlong, 0);
  t.ok(link.isOpen, 'the link is still open');
});

t.test('a long run without newline is dropped whole and counted, not buffered', async (t) => {
  const { lines, link, feed } = await setup(t, { maxLineBytes: 4096 });
  await feed(`${RMC}\r\n`);
  for (let i = 0; i < 10; i++) await feed(Buffer.alloc(1024, 0x55)); // 10 KiB of 'U', no newline
  await feed(`UUUU\r\n${GGA}\r\n`);
  t.same(
    lines.map((l) => l.line),
    [RMC, GGA],
    'neither the run nor its tail is emitted',
  );
  t.equal(link.stats().overlong, 1, 'one overlong run counted');
  await feed(`${'x'.repeat(5000)}\n${ZDA}\n`);
  t.same(
    lines.map((l) => l.line),
    [RMC, GGA, ZDA],
    'an overlong line inside one read is dropped too',
  );
  t.equal(link.stats().overlong, 2);
});

t.test('a line is stamped with the arrival of the read that held its first byte', async (t) => {
  let now = 1_000;
  const { lines, feed } = await setup(t, { now: () => now });
  await feed(RMC.slice(0, 20));
  now = 1_050;
  await feed(`${RMC.slice(20)}\r\n${GGA.slice(0, 10)}`);
  now = 1_100;
  await feed(`${GGA.slice(10)}\r\n`);
  now = 1_200;
  await feed(`${ZDA}\r\n`);
  t.same(
    lines.map((l) => [l.line, l.receivedAt]),
    [
      [RMC, 1_000],
      [GGA, 1_050],
      [ZDA, 1_200],
    ],
  );
});

t.test('unplugging closes the link with an error; open() fails until the device is back', async (t) => {
  const { device, link, lines, closes, feed } = await setup(t);
  await feed(`${RMC}\r\n`);
  device.unplug();
  await until(() => closes.length > 0, 20_000, 'close');
  t.equal(closes.length, 1);
  t.match(closes[0]?.message, new RegExp(`${device.path}: device went away`));
  t.notOk(link.isOpen);
  await t.rejects(link.open(), { message: new RegExp(`cannot open GNSS serial port ${device.path}: ENOENT`) });
  device.replug();
  await link.open();
  await feed(`${GGA}\r\n`);
  t.same(
    lines.map((l) => l.line),
    [RMC, GGA],
  );
  t.equal(link.stats().opens, 2);
  t.equal(closes.length, 1, 'no further close');
});

t.test('our own close() reports close(null), and reopening works at once', async (t) => {
  const { link, closes, lines, feed } = await setup(t);
  let reopened: Promise<void> | null = null;
  link.once('close', () => {
    reopened = link.open(); // the device lock must already be released
  });
  await link.close();
  t.same(closes, [null]);
  await reopened;
  t.ok(link.isOpen);
  await feed(`${ZDA}\r\n`);
  t.same(
    lines.map((l) => l.line),
    [ZDA],
  );
});

t.test('open() on a missing device rejects with a clear message', async (t) => {
  const link = new SerialportLink({ path: '/dev/mock-never-created', binding: new MockDevice('/dev/mock-other').binding });
  await t.rejects(link.open(), { message: /cannot open GNSS serial port \/dev\/mock-never-created: Port does not exist/ });
  t.notOk(link.isOpen);
});

t.test('open() twice rejects; write() reaches the device', async (t) => {
  const { link, device } = await setup(t, { record: true });
  await t.rejects(link.open(), { message: /already open/ });
  await link.write('$PUBX,40,GSV,0,0,0,0,0,0*59\r\n');
  t.equal(device.recording.toString('latin1'), '$PUBX,40,GSV,0,0,0,0,0,0*59\r\n');
  await link.close();
  await t.rejects(link.write('x'), { message: /not open/ });
});
