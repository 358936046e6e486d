import type { UtcTime } from '../../core/utc-time.js';
import type { PgrmfSentence, RmcSentence, TimeOfDay, ZdaSentence } from '../nmea/sentence-types.js';
import type { RawEpoch } from './epoch-assembler.js';
import { type CalendarDate, type DateResolver, toUtc, validDate } from './date-resolver.js';
import { todMs } from './sentence-time.js';

/**
 * The full UTC time of an epoch. The date comes from the epoch's own ZDA (four-digit year)
 * or RMC (two-digit year), else it is carried from earlier epochs. An RMC with status V is
 * the last resort: the MTK3301 and Royaltek RGM-3800 send bogus dates (1980-01-05) with the
 * warning flag set (gpsd driver_nmea0183.c), so its date is used only when nothing better
 * is known, and never carried to later epochs.
 */
export function resolveEpochTime(e: RawEpoch, dates: DateResolver): UtcTime | null {
  for (const s of e.sentences) {
    if (s.type === 'ZDA' && s.year !== null) dates.noteYear(s.year);
  }
  const t = e.time;
  if (t === null) return null;
  const tod = todMs(t);
  const same = (x: { time: TimeOfDay | null }): boolean => x.time !== null && todMs(x.time) === tod;

  const zda = e.sentences.find((s): s is ZdaSentence & { talker: string } => s.type === 'ZDA' && s.year !== null && same(s));
  if (zda) {
    const date: CalendarDate = { year: zda.year!, month: zda.month!, day: zda.day! };
    if (validDate(date)) {
      dates.anchor(date, t);
      return toUtc(date, t);
    }
  }
  const rmc = e.sentences.find((s): s is RmcSentence & { talker: string } => s.type === 'RMC' && s.date !== null && same(s));
  const rmcDate = rmc ? dates.fullDate(rmc.date!) : null;
  if (rmc && rmcDate && rmc.status === 'A') {
    dates.anchor(rmcDate, t);
    return toUtc(rmcDate, t);
  }
  // Garmin's $PGRMF carries the same ddmmyy date, trusted only with a fix.
  const grmf = e.sentences.find((s): s is PgrmfSentence & { talker: string } => s.type === 'PGRMF' && s.date !== null && same(s));
  const grmfDate = grmf && (grmf.fixType === 1 || grmf.fixType === 2) ? dates.fullDate(grmf.date!) : null;
  if (grmfDate) {
    dates.anchor(grmfDate, t);
    return toUtc(grmfDate, t);
  }
  const carried = dates.carry(t);
  if (carried !== null) {
    dates.anchor(carried, t);
    return toUtc(carried, t);
  }
  return rmcDate ? toUtc(rmcDate, t) : null;
}
