import { FieldReader } from './field-reader.js';
import type { FramedSentence } from './framing.js';
import type { Sentence, SentenceData, SentenceType } from './sentence-types.js';
import { decodeGbs } from './sentences/gbs.js';
import { decodeGga } from './sentences/gga.js';
import { decodeGll } from './sentences/gll.js';
import { decodeGns } from './sentences/gns.js';
import { decodeGsa } from './sentences/gsa.js';
import { decodeGst } from './sentences/gst.js';
import { decodeGsv } from './sentences/gsv.js';
import { decodePgrme } from './sentences/pgrme.js';
import { decodePgrmf } from './sentences/pgrmf.js';
import { decodePgrmz } from './sentences/pgrmz.js';
import { decodeRmc } from './sentences/rmc.js';
import { decodeTxt } from './sentences/txt.js';
import { decodeVtg } from './sentences/vtg.js';
import { decodeZda } from './sentences/zda.js';

export type DecodeOutcome =
  | { kind: 'sentence'; sentence: Sentence; tolerated: number }
  | { kind: 'malformed'; type: SentenceType; reason: string }
  | { kind: 'unknown'; key: string; proprietary: boolean };

type Decoder = (r: FieldReader, f: FramedSentence) => SentenceData | string;

const DECODERS: Record<SentenceType, Decoder> = {
  RMC: (r) => decodeRmc(r),
  GGA: (r) => decodeGga(r),
  GNS: (r) => decodeGns(r),
  GSA: (r) => decodeGsa(r),
  GSV: (r, f) => decodeGsv(r, f.talker),
  ZDA: (r) => decodeZda(r),
  GST: (r) => decodeGst(r),
  VTG: (r) => decodeVtg(r),
  GLL: (r) => decodeGll(r),
  TXT: (r, f) => decodeTxt(r, f.fields),
  GBS: (r) => decodeGbs(r),
  // Proprietary (address `P` + maker + type), keyed by the whole address.
  PGRMZ: (r) => decodePgrmz(r),
  PGRME: (r) => decodePgrme(r),
  PGRMF: (r) => decodePgrmf(r),
};

/** A Map lookup: cheaper per sentence than Object.hasOwn plus a property read on a record. */
const BY_TYPE = new Map<string, [SentenceType, Decoder]>(Object.entries(DECODERS).map(([k, d]) => [k, [k as SentenceType, d]]));

/** A counter key that stays short and printable whatever the receiver sent. */
function unknownKey(f: FramedSentence): string {
  const raw = f.proprietary ? f.address : f.type;
  const m = /^[A-Z0-9]{1,10}/.exec(raw);
  return (f.encapsulated ? '!' : '') + (m ? m[0] : '?');
}

/**
 * Dispatch on the sentence formatter. The talker does not pick the decoder (GPRMC, GNRMC,
 * BDRMC and INRMC share one layout); it only matters for satellite numbering.
 */
export function decodeSentence(f: FramedSentence): DecodeOutcome {
  // A standard formatter is three letters, so a proprietary address never collides with one.
  const known = f.encapsulated ? undefined : BY_TYPE.get(f.proprietary ? f.address : f.type);
  if (known === undefined) {
    return { kind: 'unknown', key: unknownKey(f), proprietary: f.proprietary };
  }
  const [type, decode] = known;
  const r = new FieldReader(f.fields);
  const out = decode(r, f);
  if (typeof out === 'string') return { kind: 'malformed', type, reason: out };
  // Each decoder returns a fresh object: adding the talker in place (same key order as a
  // spread) saves a copy per sentence.
  const sentence = out as Sentence;
  sentence.talker = f.talker;
  return { kind: 'sentence', sentence, tolerated: r.invalid.length };
}
