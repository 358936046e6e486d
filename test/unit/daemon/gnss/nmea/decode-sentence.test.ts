import t from 'tap';
import { outcome } from './decode-line.js';

t.test('unknown and proprietary sentences are reported as such, not as errors', async (t) => {
  t.same(outcome('SDDBT,7.8,f,2.4,M,1.3,F'), { kind: 'unknown', key: 'DBT', proprietary: false });
  t.same(outcome('PGRMM,NAD83'), { kind: 'unknown', key: 'PGRMM', proprietary: true }, 'a Garmin sentence without a decoder (PGRMZ/E/F have one)');
  t.same(outcome('PSRFTXTVersion GSW3.2.2'), { kind: 'unknown', key: 'PSRFTXTV', proprietary: true }, 'keys stop at the first character outside A-Z0-9');
});

t.test('the formatter picks the decoder, whatever the talker', async (t) => {
  const o = outcome('INRMC,194101,A,4426.1130,N,07140.5596,W,5.2,77.3,160906,15.8,W');
  t.equal(o.kind, 'sentence');
  if (o.kind === 'sentence') t.equal(o.sentence.talker, 'IN');
});

t.test('malformed known sentences name their type and reason', async (t) => {
  t.same(outcome('GPGSV,2,3,08'), { kind: 'malformed', type: 'GSV', reason: 'bad sentence numbering' });
});
