import t from 'tap';
import type { LineSample } from '../../../../src/drivers/serial/serial-link.js';
import { TimestampedLineParser, newLineCounters } from '../../../../src/drivers/serial/timestamped-line-parser.js';

function parser(max = 4096) {
  const counters = newLineCounters();
  const p = new TimestampedLineParser(() => 42, counters, max);
  const out: LineSample[] = [];
  p.on('data', (s: LineSample) => out.push(s));
  return { p, counters, out };
}

t.test('memory stays bounded under a megabyte of noise without a newline', async (t) => {
  const { p, counters, out } = parser(4096);
  let maxHeld = 0;
  for (let i = 0; i < 1024; i++) {
    p.write(Buffer.alloc(1024, 0xaa));
    maxHeld = Math.max(maxHeld, p.buffer.length);
  }
  t.ok(maxHeld <= 4096, `never holds more than 4 KiB (held at most ${maxHeld})`);
  t.equal(counters.overlong, 1, 'one run, counted once');
  t.equal(counters.bytes, 1024 * 1024);
  p.write(Buffer.from('tail\n$GPZDA,1*00\n'));
  t.same(
    out.map((s) => s.line),
    ['$GPZDA,1*00'],
  );
});

t.test('bytes decode one-to-one (latin1): noise never throws and never becomes U+FFFD', async (t) => {
  const { p, out } = parser();
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x0a)); // 255 bytes, ends 0xff
  p.write(Buffer.concat([all, Buffer.from('\n')]));
  t.equal(out.length, 1);
  t.equal(out[0]!.line.length, 255, 'a CR inside the line is kept; only a trailing one is stripped');
  t.same(Buffer.from(out[0]!.line, 'latin1'), all, 'the same bytes come back');
  t.equal(out[0]!.receivedAt, 42);
});
