import type { TxtSentence } from './sentence-types.js';

/** Pending multi-part messages kept at once, and the longest text we assemble. */
const MAX_PENDING = 8;
const MAX_TEXT = 4096;

interface Pending {
  total: number;
  next: number;
  parts: string[];
  length: number;
}

/**
 * Joins multi-part TXT messages (field 1 = parts, field 2 = part number, field 3 ties the
 * parts together). Parts must arrive in order; a gap or a restart drops what was held.
 * Memory is bounded whatever arrives: few pending messages, each of bounded length.
 */
export class TxtAssembler {
  readonly #pending = new Map<string, Pending>();

  /** Returns the complete text once its last part arrives. */
  push(talker: string, s: TxtSentence): string | null {
    if (s.total === 1) return s.text;
    const key = `${talker}:${s.msgId ?? ''}`;
    let p = this.#pending.get(key);
    if (s.index === 1) {
      if (!p && this.#pending.size >= MAX_PENDING) {
        const oldest = this.#pending.keys().next().value as string;
        this.#pending.delete(oldest);
      }
      p = { total: s.total, next: 1, parts: [], length: 0 };
      this.#pending.set(key, p);
    }
    if (!p || p.total !== s.total || p.next !== s.index || p.length + s.text.length > MAX_TEXT) {
      this.#pending.delete(key);
      return null;
    }
    p.parts.push(s.text);
    p.length += s.text.length;
    p.next++;
    if (s.index < s.total) return null;
    this.#pending.delete(key);
    return p.parts.join('');
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}

export type AntennaStatus = 'ok' | 'open' | 'short';

/**
 * Antenna supervisor reports in TXT: u-blox `ANTSTATUS=OK|OPEN|SHORT` (u-blox 6/7/8
 * receiver description, "Antenna supervisor") and MediaTek/Quectel `ANTENNA OK|OPEN|SHORT`.
 * Other states (u-blox DONTKNOW, INIT) say nothing and return null.
 */
export function antennaStatus(text: string): AntennaStatus | null {
  const m = /\bANT(?:STATUS=|ENNA )(OK|OPEN|SHORT)\b/.exec(text.toUpperCase());
  return m ? (m[1]!.toLowerCase() as AntennaStatus) : null;
}
