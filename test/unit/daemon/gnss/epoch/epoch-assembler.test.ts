import t from 'tap';
import { EpochAssembler, MAX_EPOCH_SENTENCES, type RawEpoch } from '../../../../../src/daemon/gnss/epoch/epoch-assembler.js';
import { decodeSentence } from '../../../../../src/daemon/gnss/nmea/decode-sentence.js';
import { frameLine } from '../../../../../src/daemon/gnss/nmea/framing.js';
import type { Sentence } from '../../../../../src/daemon/gnss/nmea/sentence-types.js';
import { withChecksum } from '../../../../../src/lib/nmea-checksum.js';

function s(body: string): Sentence {
  const d = decodeSentence(frameLine(withChecksum(body), false).sentence!);
  if (d.kind !== 'sentence') throw new Error(body);
  return d.sentence;
}

/** One cycle of a typical receiver: GGA, GSA, GSV, RMC (the last one ends the cycle). */
const cycle = (hhmmss: string): Sentence[] => [
  s(`GPGGA,${hhmmss}.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`),
  s('GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1'),
  s('GPGSV,1,1,04,04,40,083,46,05,17,308,41,09,07,344,39,12,22,228,45'),
  s(`GPRMC,${hhmmss}.00,A,4807.038,N,01131.324,E,0.1,10.0,230394,,,A`),
];

function feed(a: EpochAssembler, sentences: Sentence[], at: number): RawEpoch[] {
  return sentences.flatMap((x, i) => a.push(x, at + i));
}

t.test('an epoch closes when the time moves on', async (t) => {
  const a = new EpochAssembler();
  t.same(feed(a, cycle('120000'), 1000), [], 'nothing closes inside the first cycle');
  const out = a.push(cycle('120001')[0]!, 2000);
  t.equal(out.length, 1);
  t.equal(out[0]!.closedBy, 'timeChange');
  t.same(out[0]!.time, { hour: 12, minute: 0, second: 0, millis: 0 });
  t.same(out[0]!.sentences.map((x) => x.type), ['GGA', 'GSA', 'GSV', 'RMC']);
  t.equal(out[0]!.receivedAt, 1000, "receivedAt is the first sentence's");
});

t.test('after two cycles the last sentence closes the epoch at once', async (t) => {
  const a = new EpochAssembler();
  feed(a, cycle('120000'), 0);
  feed(a, cycle('120001'), 100);
  t.equal(a.learntEnder, null, 'one cycle end seen: not trusted yet');
  const third = feed(a, cycle('120002'), 200);
  t.same(a.learntEnder, { key: 'GPRMC', occurrence: 1 }, 'the second cycle end confirms RMC');
  t.same(third.map((e) => e.closedBy), ['timeChange', 'cycleEnd'], "cycle 2 closed by cycle 3's GGA, cycle 3 by its own RMC");
  t.equal(third[1]!.sentences.length, 4);
  t.equal(third[1]!.receivedAt, 200);
  t.equal(a.openSize, 0, 'nothing waits for the next cycle');
  const fourth = feed(a, cycle('120003'), 300);
  t.same(fourth.map((e) => e.closedBy), ['cycleEnd']);
});

t.test('u-blox style cycles with four GSA: the ender is the 4th one', async (t) => {
  const ublox = (hhmmss: string): Sentence[] => [
    s(`GNRMC,${hhmmss}.00,A,4807.038,N,01131.324,E,0.1,10.0,230394,,,A,V`),
    s(`GNGGA,${hhmmss}.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`),
    s('GNGSA,A,3,13,16,21,,,,,,,,,,1.05,0.64,0.83,1'),
    s('GNGSA,A,3,82,66,,,,,,,,,,,1.05,0.64,0.83,2'),
    s('GNGSA,A,3,07,12,,,,,,,,,,,1.05,0.64,0.83,3'),
    s('GNGSA,A,3,,,,,,,,,,,,,1.05,0.64,0.83,4'),
  ];
  const a = new EpochAssembler();
  for (const x of ['000001', '000002', '000003']) feed(a, ublox(x), 0);
  t.same(a.learntEnder, { key: 'GNGSA:4', occurrence: 1 });
  const out = feed(a, ublox('000004'), 0);
  t.equal(out.at(-1)!.closedBy, 'cycleEnd');
  t.equal(out.at(-1)!.sentences.length, 6);
});

t.test('a receiver that sends GSA before its timed sentences', async (t) => {
  const gsaFirst = (hhmmss: string): Sentence[] => [
    s('GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1'),
    s(`GPRMC,${hhmmss}.00,A,4807.038,N,01131.324,E,0.1,10.0,230394,,,A`),
    s(`GPGGA,${hhmmss}.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`),
  ];
  // On a live port the quiet gap between cycles (closeEpoch) separates them, so the
  // learnt end is GGA and the next cycle's GSA opens the next epoch.
  const live = new EpochAssembler();
  const epochs: RawEpoch[] = [];
  for (const x of ['120000', '120001', '120002', '120003']) {
    epochs.push(...feed(live, gsaFirst(x), 0));
    const e = live.flush();
    if (e) epochs.push(e);
  }
  t.same(live.learntEnder, { key: 'GPGGA', occurrence: 1 });
  t.same(epochs.at(-1)!.sentences.map((x) => x.type), ['GSA', 'RMC', 'GGA']);
  t.equal(epochs.at(-1)!.closedBy, 'cycleEnd', 'once learnt, GGA closes the epoch before the gap');

  // In a log without gaps a trailing GSA cannot be told from a leading one: like gpsd it
  // stays with the epoch that is open.
  const log = new EpochAssembler();
  feed(log, gsaFirst('120000'), 0);
  t.same(log.push(gsaFirst('120001')[0]!, 0), []);
  const closed = log.push(gsaFirst('120001')[1]!, 0);
  t.same(closed[0]!.sentences.map((x) => x.type), ['GSA', 'RMC', 'GGA', 'GSA']);
  t.equal(log.openSize, 1);
});

t.test('a sentence for an already closed epoch is late: dropped, and the ender is unlearnt for good', async (t) => {
  const a = new EpochAssembler();
  // An OxTS-like stream: GGA ends most epochs, but the whole second also has ZDA + RMC.
  for (const x of ['120000.10', '120000.20', '120000.30']) a.push(s(`GPGGA,${x},4807.038,N,01131.324,E,1,08,0.9,545.4,M,,,,`), 0);
  t.same(a.learntEnder, { key: 'GPGGA', occurrence: 1 });
  const early = a.push(s('GPGGA,120000.40,4807.038,N,01131.324,E,1,08,0.9,545.4,M,,,,'), 0);
  t.equal(early.at(-1)?.closedBy, 'cycleEnd');
  a.push(s('GPZDA,120000.40,01,02,2024,,'), 0);
  t.equal(a.late, 1, 'the ZDA came after its epoch was reported');
  t.equal(a.learntEnder, null);
  for (const x of ['120000.50', '120000.60', '120000.70', '120000.80']) a.push(s(`GPGGA,${x},4807.038,N,01131.324,E,1,08,0.9,545.4,M,,,,`), 0);
  t.equal(a.learntEnder, null, 'GGA is never learnt again');
});

t.test('flush closes whatever is open', async (t) => {
  const a = new EpochAssembler();
  t.equal(a.flush(), null);
  a.push(cycle('120000')[0]!, 5);
  const e = a.flush();
  t.equal(e?.closedBy, 'flush');
  t.equal(e?.sentences.length, 1);
  t.equal(a.flush(), null);
});

t.test('a receiver stuck on one time cannot grow an epoch without bound', async (t) => {
  const a = new EpochAssembler();
  const gga = s('GPGGA,120000.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,');
  for (let i = 0; i < MAX_EPOCH_SENTENCES + 50; i++) a.push(gga, i);
  t.equal(a.openSize, MAX_EPOCH_SENTENCES);
  t.equal(a.overflow, 50);
});

t.test('GSV every few cycles does not unlearn the cycle end', async (t) => {
  const a = new EpochAssembler();
  const closes: RawEpoch['closedBy'][] = [];
  for (let i = 0; i < 12; i++) {
    const hhmmss = `1200${String(i).padStart(2, '0')}`;
    closes.push(...a.push(s(`GPRMC,${hhmmss}.00,A,4807.038,N,01131.324,E,0.1,10.0,230394,,,A`), 0).map((e) => e.closedBy));
    closes.push(...a.push(s(`GPGGA,${hhmmss}.00,4807.038,N,01131.324,E,1,08,0.9,545.4,M,46.9,M,,`), 0).map((e) => e.closedBy));
    if (i % 5 === 4) closes.push(...a.push(s('GPGSV,1,1,01,04,40,083,46'), 0).map((e) => e.closedBy));
    const gap = a.flush(); // the quiet gap after each burst
    if (gap) closes.push(gap.closedBy);
  }
  t.same(a.learntEnder, { key: 'GPGGA', occurrence: 1 });
  const E = 'cycleEnd';
  t.same(
    closes,
    ['flush', 'flush', E, E, E, 'flush', E, E, E, E, E, 'flush', E, E],
    'learnt after two gaps; GGA keeps closing epochs and the GSV tails are flushed on their own',
  );
});

/** A cold-started receiver's cycle: every field that needs a fix or the time is empty. */
const emptyCycle = (): Sentence[] => [
  s('GPRMC,,V,,,,,,,,,,N'),
  s('GPGGA,,,,,,0,00,99.99,,,,,,'),
  s('GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99'),
  s('GPGSV,1,1,02,04,40,083,,05,17,308,'),
];

t.test('cold start: minutes of empty-time cycles, then the first fix is an epoch of its own', async (t) => {
  const a = new EpochAssembler();
  const closed: RawEpoch[] = [];
  for (let i = 0; i < 600; i++) closed.push(...feed(a, emptyCycle(), i * 10));
  t.equal(closed.length, 599, 'each empty cycle is closed when the next one starts');
  t.ok(closed.every((e) => e.time === null && e.closedBy === 'untimedCycle' && e.sentences.length === 4));
  t.equal(a.overflow, 0, 'nothing dropped');
  closed.length = 0;
  for (const sec of ['120000', '120001', '120002', '120003']) closed.push(...feed(a, cycle(sec), 10_000 + Number(sec) % 100));
  const last = a.flush();
  if (last) closed.push(last);
  const timed = closed.filter((e) => e.time !== null);
  t.same(timed.map((e) => e.time!.second), [0, 1, 2, 3], 'every second after the first fix is an epoch');
  t.same(timed[0]!.sentences.map((x) => x.type), ['GGA', 'GSA', 'GSV', 'RMC'], 'the first fix does not carry the last empty RMC/GGA');
  t.ok(a.learntEnder, 'the cycle end is learnt after the fix');
});

t.test('an untimed epoch that fills up is closed, not left to swallow what follows', async (t) => {
  const a = new EpochAssembler();
  const out: RawEpoch[] = [];
  for (let i = 0; i < MAX_EPOCH_SENTENCES + 5; i++) out.push(...a.push(s('GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99'), i));
  t.equal(out.length, 1);
  t.equal(out[0]!.sentences.length, MAX_EPOCH_SENTENCES);
  out.push(...feed(a, cycle('120000'), 1000), ...feed(a, cycle('120001'), 2000));
  t.same(out.filter((e) => e.time !== null).map((e) => e.time!.second), [0]);
  t.equal(a.overflow, 0);
});
