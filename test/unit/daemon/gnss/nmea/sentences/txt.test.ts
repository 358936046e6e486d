import t from 'tap';
import { decoded, malformedReason } from '../decode-line.js';

t.test('u-blox antenna status text', async (t) => {
  const s = decoded('GPTXT,01,01,02,ANTSTATUS=OK', 'TXT');
  t.equal(s.total, 1);
  t.equal(s.index, 1);
  t.equal(s.msgId, 2);
  t.equal(s.text, 'ANTSTATUS=OK');
});

t.test('Unicore text with commas stays whole', async (t) => {
  t.equal(decoded('GNTXT,01,01,01,0,500482,0000,80A0,80A0,-45.277,0', 'TXT').text, '0,500482,0000,80A0,80A0,-45.277,0');
});

t.test('bad numbering', async (t) => {
  t.equal(malformedReason('GPTXT,02,03,02,hello'), 'sentence number out of range');
  t.equal(malformedReason('GPTXT,xx,01,02,hello'), 'bad sentence numbering');
  t.equal(malformedReason('GPTXT,01,01'), 'too few fields');
});
