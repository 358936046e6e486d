import { decodeSentence, type DecodeOutcome } from '../../../../../src/daemon/gnss/nmea/decode-sentence.js';
import { frameLine } from '../../../../../src/daemon/gnss/nmea/framing.js';
import type { Sentence } from '../../../../../src/daemon/gnss/nmea/sentence-types.js';
import { withChecksum } from '../../../../../src/lib/nmea-checksum.js';

/** Frame and decode one sentence body (`GPRMC,...`), adding a correct checksum. */
export function outcome(body: string): DecodeOutcome {
  const framed = frameLine(withChecksum(body), false);
  if (!framed.sentence) throw new Error(`framing rejected ${body}: ${framed.rejected}`);
  return decodeSentence(framed.sentence);
}

/** The decoded sentence; fails the caller's expectations loudly if it was not decoded. */
export function decoded<T extends Sentence['type']>(body: string, type: T): Extract<Sentence, { type: T }> {
  const o = outcome(body);
  if (o.kind !== 'sentence') throw new Error(`${body} did not decode: ${JSON.stringify(o)}`);
  if (o.sentence.type !== type) throw new Error(`${body} decoded as ${o.sentence.type}`);
  return o.sentence as Extract<Sentence, { type: T }>;
}

export function malformedReason(body: string): string | null {
  const o = outcome(body);
  return o.kind === 'malformed' ? o.reason : null;
}
