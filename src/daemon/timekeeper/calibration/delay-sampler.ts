import type { PulseRecord } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { utcToUnixMs } from '../../core/utc-time.js';

/**
 * Turns an epoch into one measurement of the NMEA label's delay:
 * - against PPS: arrival of the epoch's first sentence minus the edge it labels, both in
 *   system time, so the system clock's own error cancels out. The labelled edge is the last
 *   one before the sentence arrived, less than a second earlier (receivers send the label
 *   for the pulse just past: u-blox, MediaTek, SiRF);
 * - against the system clock (no PPS): arrival minus the label itself, honest only while
 *   the system clock is disciplined by some other source (the caller decides).
 */
export type DelayReference = 'pps' | 'system-clock';

export interface DelaySample {
  delayS: number;
  reference: DelayReference;
}

/** How long edges stay pairable, and how recent one must be for PPS to count as present. */
export const PPS_PRESENT_MS = 3000;

export class DelaySampler {
  #edges: PulseRecord[] = [];
  #lastEdgeMs: number | null = null;

  addEdge(edge: PulseRecord): void {
    this.#edges.push(edge);
    if (this.#edges.length > 4) this.#edges.shift();
    this.#lastEdgeMs = edgeMs(edge);
  }

  /** PPS edges were seen within PPS_PRESENT_MS before `nowMs`. */
  ppsPresent(nowMs: number): boolean {
    return this.#lastEdgeMs !== null && nowMs - this.#lastEdgeMs <= PPS_PRESENT_MS && nowMs - this.#lastEdgeMs >= -1000;
  }

  /**
   * The measurement for this epoch, or null: not time-valid, no label, a label that is not
   * on a whole second (PPS marks seconds only), no edge to pair with while PPS is present,
   * or no PPS and the system clock not trusted.
   */
  sample(fix: Fix, timeValid: boolean, systemClockTrusted: boolean): DelaySample | null {
    const t = fix.time;
    if (!timeValid || t === null || t.second === 60 || !Number.isFinite(fix.receivedAt)) return null;
    if (this.ppsPresent(fix.receivedAt)) {
      if (t.millis !== 0) return null;
      const edge = this.#pair(fix.receivedAt);
      return edge === null ? null : { delayS: (fix.receivedAt - edge) / 1000, reference: 'pps' };
    }
    if (!systemClockTrusted) return null;
    return { delayS: (fix.receivedAt - utcToUnixMs(t)) / 1000, reference: 'system-clock' };
  }

  reset(): void {
    this.#edges = [];
    this.#lastEdgeMs = null;
  }

  #pair(arrivalMs: number): number | null {
    let best: number | null = null;
    for (const e of this.#edges) {
      const ms = edgeMs(e);
      if (ms <= arrivalMs && arrivalMs - ms < 1000 && (best === null || ms > best)) best = ms;
    }
    return best;
  }
}

function edgeMs(e: PulseRecord): number {
  return e.sec * 1000 + e.nsec / 1e6;
}
