import t from 'tap';
import { antennaStatus, TxtAssembler } from '../../../../../src/daemon/gnss/nmea/txt-assembler.js';
import type { TxtSentence } from '../../../../../src/daemon/gnss/nmea/sentence-types.js';

const part = (total: number, index: number, text: string, msgId: number | null = 2): TxtSentence => ({ type: 'TXT', total, index, msgId, text });

t.test('single and multi-part messages', async (t) => {
  const a = new TxtAssembler();
  t.equal(a.push('GP', part(1, 1, 'ANTSTATUS=OK')), 'ANTSTATUS=OK');
  t.equal(a.push('GN', part(3, 1, 'HW UBX-M8')), null);
  t.equal(a.push('GN', part(3, 2, '030 000800')), null);
  t.equal(a.pendingCount, 1);
  t.equal(a.push('GN', part(3, 3, '00 ROM')), 'HW UBX-M8030 00080000 ROM');
  t.equal(a.pendingCount, 0);
});

t.test('a missing or repeated part drops the message', async (t) => {
  const a = new TxtAssembler();
  t.equal(a.push('GP', part(3, 1, 'a')), null);
  t.equal(a.push('GP', part(3, 3, 'c')), null, 'part 2 lost');
  t.equal(a.pendingCount, 0);
  t.equal(a.push('GP', part(2, 2, 'orphan')), null, 'a tail without a head');
});

t.test('interleaved messages with different ids', async (t) => {
  const a = new TxtAssembler();
  a.push('GP', part(2, 1, 'one-', 1));
  a.push('GP', part(2, 1, 'two-', 2));
  t.equal(a.push('GP', part(2, 2, 'b', 2)), 'two-b');
  t.equal(a.push('GP', part(2, 2, 'a', 1)), 'one-a');
});

t.test('memory stays bounded whatever arrives', async (t) => {
  const a = new TxtAssembler();
  for (let i = 0; i < 10_000; i++) a.push(`G${i % 7}`, part(99, 1, 'x'.repeat(60), i % 100));
  t.ok(a.pendingCount <= 8, `${a.pendingCount} pending`);
  const b = new TxtAssembler();
  b.push('GP', part(99, 1, 'x'.repeat(60)));
  let done: string | null = null;
  for (let i = 2; i <= 99; i++) done = b.push('GP', part(99, i, 'x'.repeat(60)));
  t.equal(done, null, 'a 99-part message longer than the text limit is dropped');
  t.equal(b.pendingCount, 0);
});

t.test('antenna status texts', async (t) => {
  t.equal(antennaStatus('ANTSTATUS=OK'), 'ok');
  t.equal(antennaStatus('ANTSTATUS=OPEN'), 'open');
  t.equal(antennaStatus('ANTSTATUS=SHORT'), 'short');
  t.equal(antennaStatus('ANTENNA OK'), 'ok', 'MediaTek / Quectel wording');
  t.equal(antennaStatus('ANTENNA OPEN'), 'open');
  t.equal(antennaStatus('ANTSTATUS=DONTKNOW'), null);
  t.equal(antennaStatus('ANTSUPERV=AC SD PDoS SR'), null);
  t.equal(antennaStatus('u-blox ag - www.u-blox.com'), null);
});
