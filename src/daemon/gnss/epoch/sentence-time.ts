import type { Sentence, TimeOfDay } from '../nmea/sentence-types.js';

/** Milliseconds since midnight; a leap second 23:59:60.x maps past 86 400 000, still ordered. */
export function todMs(t: TimeOfDay): number {
  return ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.millis;
}

/** The UTC time a sentence is stamped with, for the sentences that carry one. */
export function sentenceTime(s: Sentence): TimeOfDay | null {
  switch (s.type) {
    case 'RMC':
    case 'GGA':
    case 'GNS':
    case 'GLL':
    case 'ZDA':
    case 'GST':
    case 'GBS':
    case 'PGRMF':
      return s.time;
    default:
      return null;
  }
}

/**
 * What identifies "the same sentence" from one cycle to the next, for learning which one
 * ends a cycle. GSA is told apart by its 4.10 system id (u-blox sends four $GNGSA), GSV by
 * talker and signal, and only the last part of a GSV group can end a cycle.
 */
export function cycleKey(s: Sentence): string {
  switch (s.type) {
    case 'GSA':
      return `${s.talker}GSA:${s.systemId ?? ''}`;
    case 'GSV':
      return `${s.talker}GSV:${s.signalId ?? ''}${s.index === s.total ? '' : ':part'}`;
    default:
      return s.talker + s.type;
  }
}
