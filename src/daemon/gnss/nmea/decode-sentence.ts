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

function isKnown(type: string): type is SentenceType {
  return Object.hasOwn(DECODERS, type);
}

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
  const type = f.proprietary ? f.address : f.type;
  if (f.encapsulated || !isKnown(type)) {
    return { kind: 'unknown', key: unknownKey(f), proprietary: f.proprietary };
  }
  const r = new FieldReader(f.fields);
  const out = DECODERS[type](r, f);
  if (typeof out === 'string') return { kind: 'malformed', type, reason: out };
  return { kind: 'sentence', sentence: { ...out, talker: f.talker }, tolerated: r.invalid.length };
}
