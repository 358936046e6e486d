import type { PulseRecord } from '../../core/appliance-state.js';
import type { Fix } from '../../core/fix.js';
import { utcToUnixMs } from '../../core/utc-time.js';

/**
 * Turns an epoch into one raw measurement of the NMEA label's timing:
 * - against PPS: the label's *phase*, arrival of the epoch's first sentence minus the last
 *   edge before it (less than a second earlier), both in system time so the system clock's
 *   own error cancels out; which edge the label names, and so the delay, is decided by
 *   core/label-pulse.ts (a receiver may send the label before the pulse it names). With a
 *   system clock synchronised elsewhere, arrival minus label comes along as the reference
 *   that fixes the whole second;
 * - against the system clock (no PPS): arrival minus the label itself, honest only while
 *   the system clock is disciplined by some other source (the caller decides).
 */
export type DelayReference = 'pps' | 'system-clock';

export type DelaySample =
  | { reference: 'pps'; phaseS: number; referenceS: number | null }
  | { reference: 'system-clock'; delayS: number };

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
    const sinceLabelS = (fix.receivedAt - utcToUnixMs(t)) / 1000;
    if (this.ppsPresent(fix.receivedAt)) {
      if (t.millis !== 0) return null;
      const edge = this.#lastBefore(fix.receivedAt);
      if (edge === null) return null;
      return { reference: 'pps', phaseS: (fix.receivedAt - edge) / 1000, referenceS: systemClockTrusted ? sinceLabelS : null };
    }
    if (!systemClockTrusted) return null;
    return { reference: 'system-clock', delayS: sinceLabelS };
  }

  reset(): void {
    this.#edges = [];
    this.#lastEdgeMs = null;
  }

  #lastBefore(arrivalMs: number): number | null {
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
