import t from 'tap';
import { frameLine, MAX_LINE_LENGTH } from '../../../../../src/daemon/gnss/nmea/framing.js';
import { withChecksum } from '../../../../../src/lib/nmea-checksum.js';

const RMC = withChecksum('GPRMC,225446.33,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A');

t.test('a good sentence', async (t) => {
  const r = frameLine(RMC, false);
  t.equal(r.rejected, null);
  t.equal(r.head, null);
  t.equal(r.sentence!.address, 'GPRMC');
  t.equal(r.sentence!.talker, 'GP');
  t.equal(r.sentence!.type, 'RMC');
  t.equal(r.sentence!.fields[1], '225446.33');
  t.equal(r.sentence!.fields.length, 13);
  t.ok(r.sentence!.checksummed);
});

t.test('line terminators and trailing blanks are ignored', async (t) => {
  t.equal(frameLine(`${RMC}\r`, false).sentence?.type, 'RMC');
  t.equal(frameLine(`${RMC}\r\n`, false).sentence?.type, 'RMC');
  t.equal(frameLine(`${RMC}  `, false).sentence?.type, 'RMC');
  t.equal(frameLine('\r', false).rejected, 'empty');
  t.equal(frameLine('', false).rejected, 'empty');
});

t.test('checksums', async (t) => {
  t.equal(frameLine(RMC.replace('4916.45', '4916.46'), false).rejected, 'badChecksum', 'one flipped digit');
  t.equal(frameLine(`${RMC.slice(0, -2)}ZZ`, false).rejected, 'badChecksum', 'non-hex');
  t.equal(frameLine(`${RMC}0`, false).rejected, 'badChecksum', 'three digits');
  t.equal(frameLine(RMC.slice(0, -1), false).rejected, 'badChecksum', 'one digit');
  const lower = RMC.slice(0, -2) + RMC.slice(-2).toLowerCase();
  t.not(lower, RMC, 'the checksum has letters');
  t.equal(frameLine(lower, false).sentence?.type, 'RMC', 'lower-case hex is accepted');
});

t.test('missing checksum: rejected unless allowed', async (t) => {
  const bare = RMC.slice(0, RMC.indexOf('*'));
  t.equal(frameLine(bare, false).rejected, 'missingChecksum');
  const ok = frameLine(bare, true);
  t.equal(ok.sentence?.type, 'RMC');
  t.equal(ok.sentence?.checksummed, false);
  t.equal(ok.sentence?.fields.length, 13);
});

t.test('overlong lines', async (t) => {
  const long = withChecksum(`GPTXT,01,01,02,${'x'.repeat(MAX_LINE_LENGTH)}`);
  t.equal(frameLine(long, false).rejected, 'overlong');
  const fits = withChecksum(`PSTI,030,${'1'.repeat(100)}`);
  t.ok(fits.length > 82 && fits.length <= MAX_LINE_LENGTH);
  t.equal(frameLine(fits, false).rejected, null, 'longer than 82 but plausible (Skytraq $PSTI)');
});

t.test('binary noise', async (t) => {
  t.equal(frameLine('\u0000\u00ff\u0013\u00b5b\u0001', false).rejected, 'noise', 'no sentence at all');
  const prefixed = frameLine(`\u00b5b\u0001\u0007${RMC}`, false);
  t.equal(prefixed.sentence?.type, 'RMC', 'UBX bytes before a sentence are skipped');
  t.equal(prefixed.head, 'noise');
  const inside = RMC.replace('4916.45', '49\u000016.45');
  t.equal(frameLine(inside, false).rejected, 'noise', 'a control byte inside the sentence');
});

t.test('partial lines', async (t) => {
  t.equal(frameLine('4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E,A*68', false).rejected, 'partial', 'started mid-sentence');
  const glued = frameLine(`$GPGGA,123519,4807.03${RMC}`, false);
  t.equal(glued.sentence?.type, 'RMC', 'the complete sentence after a lost terminator is kept');
  t.equal(glued.head, 'partial');
});

t.test('talkers, proprietary and encapsulated sentences', async (t) => {
  for (const talker of ['GP', 'GN', 'GL', 'GA', 'GB', 'BD', 'GQ', 'QZ', 'GI']) {
    const r = frameLine(withChecksum(`${talker}GSV,1,1,00`), false);
    t.equal(r.sentence?.talker, talker);
    t.equal(r.sentence?.type, 'GSV');
    t.equal(r.sentence?.proprietary, false);
  }
  const p = frameLine(withChecksum('PUBX,00,081350.00,4717.113210,N'), false);
  t.equal(p.sentence?.proprietary, true);
  t.equal(p.sentence?.talker, 'P');
  t.equal(p.sentence?.type, 'UBX');
  const q = frameLine(withChecksum('PQGSV,1,1,01,02,20,116,,0,4'), false);
  t.equal(q.sentence?.proprietary, false, 'Quectel $PQGSV uses the standard layout');
  t.equal(q.sentence?.talker, 'PQ');
  const ais = frameLine('!AIVDM,1,1,,B,13aGhtw0R<OJf=6L,0*3B'.replace(/\*..$/, ''), true);
  t.equal(ais.sentence?.encapsulated, true);
  t.equal(frameLine(withChecksum('gprmc,1'), false).rejected, 'badAddress');
  t.equal(frameLine(withChecksum(',1,2'), false).rejected, 'badAddress');
});
