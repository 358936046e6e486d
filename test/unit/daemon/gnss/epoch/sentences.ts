import { decodeSentence } from '../../../../../src/daemon/gnss/nmea/decode-sentence.js';
import { frameLine } from '../../../../../src/daemon/gnss/nmea/framing.js';
import type { Sentence } from '../../../../../src/daemon/gnss/nmea/sentence-types.js';
import { withChecksum } from '../../../../../src/lib/nmea-checksum.js';

/** Decoded sentences from bodies (`GPGGA,...`), for epoch-level tests. */
export function sentences(...bodies: string[]): Sentence[] {
  return bodies.map((body) => {
    const d = decodeSentence(frameLine(withChecksum(body), false).sentence!);
    if (d.kind !== 'sentence') throw new Error(`${body}: ${JSON.stringify(d)}`);
    return d.sentence;
  });
}
