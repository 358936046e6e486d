import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { NmeaPipeline } from '../../src/daemon/gnss/nmea-pipeline.js';
import { MAX_EPOCH_SENTENCES } from '../../src/daemon/gnss/epoch/epoch-assembler.js';
import { nmeaChecksum, withChecksum } from '../../src/lib/nmea-checksum.js';
import { Prng } from './prng.js';
import { randomValues, sentenceBodies } from './sentence-generator.js';

/**
 * One million random and mutated lines through one pipeline: nothing may throw, every line
 * must land in exactly one counter, and memory must stay flat. Seeded, so a failure can be
 * replayed (FUZZ_SEED=n).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20240301);
const LINES = Number(process.env.FUZZ_LINES ?? 1_000_000);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const TYPES = ['GGA', 'RMC', 'GLL', 'VTG', 'GSA', 'ZDA', 'GST', 'GSV'];
const TALKERS = ['GP', 'GN', 'GL', 'GA', 'GB', 'BD', 'GQ', 'QZ', 'GI', 'PQ', 'IN'];
const HUGE = ['9'.repeat(40), '1e308', '-1e308', 'NaN', 'Infinity', '-0', '0x1F', '.', '-', '+', '99999999999', '123456.7890123', '-999999', '1,2'];
const PRINTABLE = ' !"#%&\'()+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~';

const body = (line: string): string => line.slice(1, line.lastIndexOf('*') < 0 ? undefined : line.lastIndexOf('*'));
const rechecksum = (b: string): string => withChecksum(b);

function validBody(r: Prng): string {
  const bodies = sentenceBodies(randomValues(r), r.pick(TALKERS), r.pick([0, 2, 4, 7]));
  return bodies[r.pick(TYPES)]!;
}

function mutate(r: Prng, b: string): string {
  const fields = b.split(',');
  switch (r.int(0, 12)) {
    case 0: {
      // flipped characters, checksum left as it was
      const line = withChecksum(b).split('');
      for (let k = r.int(1, 4); k > 0; k--) line[r.int(1, line.length - 1)] = r.pick([...PRINTABLE]);
      return line.join('');
    }
    case 1: // truncation
      return withChecksum(b).slice(0, r.int(0, b.length + 3));
    case 2: {
      // field duplication, checksum recomputed so it passes framing
      const i = r.int(1, fields.length - 1);
      fields.splice(i, 0, ...Array.from({ length: r.int(1, 5) }, () => fields[i]!));
      return rechecksum(fields.join(','));
    }
    case 3: {
      // huge and odd numbers in random fields
      for (let k = r.int(1, 3); k > 0; k--) fields[r.int(1, fields.length - 1)] = r.pick(HUGE);
      return rechecksum(fields.join(','));
    }
    case 4: {
      // binary bytes anywhere
      const line = withChecksum(b).split('');
      for (let k = r.int(1, 6); k > 0; k--) line.splice(r.int(0, line.length), 0, String.fromCharCode(r.int(0, 255)));
      return line.join('');
    }
    case 5: // overlong
      return withChecksum(b.repeat(r.int(3, 8)));
    case 6: // wrong checksum
      return `$${b}*${((nmeaChecksum(b) + r.int(1, 255)) & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
    case 7: {
      // garbage under a valid address, with a checksum that passes
      const garbage = Array.from({ length: r.int(0, 120) }, () => r.pick([...PRINTABLE, ',', ',', ','])).join('');
      return rechecksum(`${fields[0]},${garbage}`);
    }
    case 8: {
      // random field values of a plausible shape
      const n = r.int(0, 30);
      const vals = Array.from({ length: n }, () => r.pick(['', '', '0', '1', '9', `${r.int(0, 999999)}`, `${r.int(0, 9999)}.${r.int(0, 99999)}`, 'A', 'V', 'N', 'E', 'W', 'S', 'M']));
      return rechecksum([fields[0], ...vals].join(','));
    }
    case 9: {
      // blank random fields
      for (let k = r.int(1, 6); k > 0; k--) fields[r.int(1, fields.length - 1)] = '';
      return rechecksum(fields.join(','));
    }
    case 10: {
      // two sentences glued after a lost terminator
      const other = withChecksum(validBody(r));
      return withChecksum(b).slice(0, r.int(1, b.length)) + other;
    }
    case 11: // pure noise
      return Array.from({ length: r.int(0, 300) }, () => String.fromCharCode(r.int(0, 255))).join('');
    default: {
      // multi-part TXT and proprietary sentences, some incomplete
      const total = r.int(1, 99);
      return r.chance(0.5) ? rechecksum(`GPTXT,${total},${r.int(1, total)},${r.int(0, 99)},${'x'.repeat(r.int(0, 70))}`) : rechecksum(`P${r.pick(['UBX', 'GRME', 'STI', 'QTM'])},${r.int(0, 1e6)}`);
    }
  }
}

t.test(`${LINES} random and mutated lines (seed ${SEED})`, async (t) => {
  const started = Date.now();
  const r = new Prng(SEED);
  const p = new NmeaPipeline({ acceptMissingChecksum: r.chance(0.5) });
  let fixes = 0;
  let skies = 0;
  let texts = 0;
  p.on('fix', () => fixes++);
  p.on('sky', () => skies++);
  p.on('text', () => texts++);
  let thrown = 0;
  let firstError: unknown = null;
  let maxOpen = 0;
  let maxTexts = 0;
  let heapAtWarm = 0;
  let values = randomValues(r);
  for (let i = 0; i < LINES; i++) {
    if (i % 8 === 0) values = randomValues(r); // a new epoch every few lines, so epochs keep closing
    const valid = sentenceBodies(values, r.pick(TALKERS), 4)[r.pick(TYPES)]!;
    const line = r.chance(0.3) ? withChecksum(valid) : mutate(r, r.chance(0.5) ? valid : validBody(r));
    try {
      p.push({ line, receivedAt: i });
      if (r.chance(0.002)) p.closeEpoch();
    } catch (err) {
      thrown++;
      firstError ??= { err, line };
    }
    if ((i & 0x3ff) === 0) {
      const k = p.retained;
      maxOpen = Math.max(maxOpen, k.openEpochSentences);
      maxTexts = Math.max(maxTexts, k.pendingTexts);
    }
    if (i === 100_000) {
      gc();
      heapAtWarm = process.memoryUsage().heapUsed;
    }
  }
  p.closeEpoch();
  gc();
  const heapAtEnd = process.memoryUsage().heapUsed;
  const seconds = (Date.now() - started) / 1000;

  t.equal(thrown, 0, 'no exception escapes push()', { firstError: firstError as object });
  const c = p.counters;
  t.equal(c.internalErrors, 0, 'no decoder exception was caught inside either');
  const sum = (x: Record<string, number>): number => Object.values(x).reduce((a, b) => a + b, 0);
  const buckets = c.empty + c.overlong + c.noise + c.partial + c.badChecksum + c.missingChecksum + c.badAddress + sum(c.sentences) + sum(c.malformed) + sum(c.unknown);
  t.equal(c.lines, LINES);
  t.equal(buckets, c.lines, 'every line is in exactly one bucket');
  t.ok(c.badChecksum > 0 && c.noise > 0 && c.partial > 0 && c.overlong > 0 && sum(c.malformed) > 0 && c.resyncs > 0, 'every kind of damage was exercised', {
    badChecksum: c.badChecksum,
    noise: c.noise,
    partial: c.partial,
    overlong: c.overlong,
    malformed: c.malformed,
    resyncs: c.resyncs,
  });
  t.ok(sum(c.badFields) > 0, 'tolerated bad optional fields were counted');
  t.ok(fixes > LINES / 20 && skies > 0 && texts > 0, `the pipeline kept producing: ${fixes} fixes, ${skies} skies, ${texts} texts`);
  t.ok(maxOpen <= MAX_EPOCH_SENTENCES, `open epoch never above ${MAX_EPOCH_SENTENCES} sentences (max ${maxOpen})`);
  t.ok(maxTexts <= 8, `pending TXT messages bounded (max ${maxTexts})`);
  t.ok(p.retained.unknownKeys <= 65, `unknown-sentence keys bounded (${p.retained.unknownKeys})`);
  const growth = (heapAtEnd - heapAtWarm) / 1024 / 1024;
  t.ok(growth < 8, `heap after gc grew ${growth.toFixed(2)} MiB between line 100 000 and line ${LINES}`);
  t.comment(`fuzz: ${LINES} lines in ${seconds.toFixed(1)} s; epochs ${c.epochs}, late ${c.lateSentences}, heap ${(heapAtWarm / 1048576).toFixed(1)} -> ${(heapAtEnd / 1048576).toFixed(1)} MiB`);
});
