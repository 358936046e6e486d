/**
 * TXT — Text Transmission (NMEA 0183 3.01+).
 *
 *   $GPTXT,01,01,02,ANTSTATUS=OK*3B
 *    1  total number of sentences in this message, 01-99
 *    2  sentence number, 01-99
 *    3  text identifier: ties the parts of one message together (u-blox and others use it
 *       as the severity: 00 error, 01 warning, 02 notice, 07 user)
 *    4  text, up to 61 characters
 *
 * Unicore puts commas inside the text (`$GNTXT,01,01,01,0,500482,...`), so everything after
 * field 3 is the text.
 */
import type { FieldReader } from '../field-reader.js';
import type { TxtSentence } from '../sentence-types.js';

export function decodeTxt(r: FieldReader, fields: readonly string[]): TxtSentence | string {
  if (r.count < 5) return 'too few fields';
  const total = r.int(1);
  const index = r.int(2);
  const msgId = r.int(3);
  if (r.invalid.length > 0 || total === null || index === null) return 'bad sentence numbering';
  if (total < 1 || total > 99 || index < 1 || index > total) return 'sentence number out of range';
  return { type: 'TXT', total, index, msgId, text: fields.slice(4).join(',') };
}
