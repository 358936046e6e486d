import { Readable } from 'node:stream';
import t from 'tap';
import type { Fix } from '../../../../src/daemon/core/fix.js';
import { decodeLog, forEachLine, headerDate } from '../../../../src/daemon/gnss/log-reader.js';
import { withChecksum } from '../../../../src/lib/nmea-checksum.js';

const stream = (chunks: (string | Buffer)[]): Readable => Readable.from(chunks);

t.test('lines across chunk boundaries, CRLF and a last line without terminator', async (t) => {
  const lines: string[] = [];
  await forEachLine(stream(['ab', 'c\r\nde', 'f\n\nlast']), (l) => lines.push(l));
  t.same(lines, ['abc\r', 'def', '', 'last']);
});

t.test('binary bytes survive as single characters', async (t) => {
  const lines: string[] = [];
  await forEachLine(stream([Buffer.from([0xb5, 0x62, 0x0a, 0x24])]), (l) => lines.push(l));
  t.same(lines, ['\u00b5b', '$']);
});

t.test('a huge line without a terminator is cut, not buffered forever', async (t) => {
  const lines: string[] = [];
  await forEachLine(stream(Array.from({ length: 10 }, () => 'x'.repeat(16 * 1024))), (l) => lines.push(l));
  t.ok(lines.length >= 2);
  t.ok(lines.every((l) => l.length <= 80 * 1024));
});

t.test('gpsd log headers', async (t) => {
  t.same(headerDate('# Date: 2007-12-23'), { year: 2007, month: 12, day: 23 });
  t.same(headerDate('# Date: 2020-2-1'), { year: 2020, month: 2, day: 1 });
  t.same(headerDate('# Date = 2015-03-10'), { year: 2015, month: 3, day: 10 });
  t.same(headerDate('#Date: 2021-12-18T10:00'), { year: 2021, month: 12, day: 18 });
  t.equal(headerDate('# Date: yesterday'), null);
  t.equal(headerDate('# Name: Date: 2007-12-23'), null);
});

t.test('decodeLog: the header date dates sentences without one', async (t) => {
  const fixes: Fix[] = [];
  const log = ['# Name: test', '# Date: 2007-12-23', '#', withChecksum('GPGGA,193221.00,2037.72792,N,08704.08478,W,1,04,1.7,-30.40,M,-13.9,M,,'), ''].join('\n');
  const r = await decodeLog(stream([log]), {}, { fix: (f) => fixes.push(f) });
  t.equal(r.headerLines, 3);
  t.same(r.initialDate, { year: 2007, month: 12, day: 23 });
  t.equal(fixes.length, 1, 'the last epoch is flushed at the end');
  t.same(fixes[0]!.time, { year: 2007, month: 12, day: 23, hour: 19, minute: 32, second: 21, millis: 0 });
  t.equal(fixes[0]!.receivedAt, 4, 'receivedAt is the line number');
  t.equal(r.counters.lines, 1, 'header lines are not fed to the decoder');
});
