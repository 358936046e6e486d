import type { SatelliteView, Sky } from '../../core/fix.js';
import type { UtcTime } from '../../core/utc-time.js';
import { identifySatellite } from '../nmea/satellite-ids.js';
import type { GsvSatellite, GsvSentence, Sentence } from '../nmea/sentence-types.js';
import { mapSignalId } from '../nmea/signal-ids.js';

/** Receivers send GSV every few epochs (the BU-353S4 every other one); reuse a view this long. */
const STALE_EPOCHS = 10;
/** A sky view larger than any receiver can track means garbage: cap what we hold. */
const MAX_SATELLITES = 256;

interface GsvGroup {
  talker: string;
  signalId: number | null;
  systemId: number | null;
  total: number;
  parts: (GsvSatellite[] | undefined)[];
}

/** Complete GSV groups only: a group is one talker (and signal) split over `total` sentences. */
function completeGroups(sentences: Sentence[]): GsvGroup[] {
  const groups = new Map<string, GsvGroup>();
  const done: GsvGroup[] = [];
  for (const s of sentences) {
    if (s.type !== 'GSV') continue;
    const g = s as GsvSentence & { talker: string };
    const key = `${g.talker}:${g.signalId ?? ''}:${g.systemId ?? ''}`;
    let group = groups.get(key);
    if (!group || g.index === 1 || group.total !== g.total) {
      group = { talker: g.talker, signalId: g.signalId, systemId: g.systemId, total: g.total, parts: [] };
      groups.set(key, group);
    }
    group.parts[g.index - 1] = g.satellites;
    if (g.index === g.total) {
      let complete = true;
      for (let i = 0; i < g.total; i++) if (!group.parts[i]) complete = false;
      if (complete) done.push(group);
      groups.delete(key);
    }
  }
  return done;
}

/**
 * What GSA's "used" list and GSV's view are matched on, as a number (no string per
 * satellite per epoch): gnssid and svid when the number was identified, else the raw number
 * (negative, so the two can never collide; svid < 1024 in every numbering scheme).
 */
function idKey(gnssid: number | null, svid: number | null, raw: number): number {
  return gnssid === null || svid === null ? -1 - raw : gnssid * 1024 + svid;
}

/**
 * The satellites view of an epoch: GSV for what is in view, GSA for what is used, DOPs
 * from GSA (or GGA's HDOP). GSA names satellites, not signals, so with NMEA 4.10 per-signal
 * GSV a signal is flagged used only when the receiver reports an SNR for it (gpsd does the
 * same).
 */
interface Entry {
  view: SatelliteView;
  key: number;
  /** From an NMEA 4.10 per-signal GSV group. */
  perSignal: boolean;
}

export class SkyBuilder {
  #last: Entry[] | null = null;
  #age = 0;

  build(sentences: Sentence[], time: UtcTime | null): Sky | null {
    const used = new Set<number>();
    let anyGsa = false;
    let pdop: number | null = null;
    let hdop: number | null = null;
    let vdop: number | null = null;
    let ggaHdop: number | null = null;
    let satsUsed: number | null = null;
    for (const s of sentences) {
      if (s.type === 'GSA') {
        anyGsa = true;
        for (const n of s.satIds) {
          const id = identifySatellite(s.talker, n, s.systemId);
          if (used.size < MAX_SATELLITES) used.add(idKey(id?.gnssid ?? null, id?.svid ?? null, n));
        }
        pdop ??= s.pdop;
        hdop ??= s.hdop;
        vdop ??= s.vdop;
      } else if (s.type === 'GGA' || s.type === 'GNS') {
        ggaHdop ??= s.hdop;
        satsUsed ??= s.satsUsed;
      }
    }

    const groups = completeGroups(sentences);
    let entries: Entry[] | null;
    if (groups.length > 0) {
      entries = viewOf(groups);
      this.#last = entries;
      this.#age = 0;
    } else if (this.#last && ++this.#age <= STALE_EPOCHS) {
      entries = this.#last;
    } else {
      entries = null;
      this.#last = null;
    }
    const satellites: SatelliteView[] = [];
    if (entries) {
      for (const e of entries) {
        const v = e.view;
        satellites.push({
          PRN: v.PRN,
          gnssid: v.gnssid,
          svid: v.svid,
          sigid: v.sigid,
          el: v.el,
          az: v.az,
          ss: v.ss,
          used: used.has(e.key) && (!e.perSignal || v.ss !== null),
        });
      }
    }

    hdop ??= ggaHdop;
    const uSat = anyGsa ? used.size : satsUsed;
    if (groups.length === 0 && !anyGsa && hdop === null && uSat === null) return null;
    return { time, nSat: entries ? satellites.length : null, uSat, hdop, pdop, vdop, satellites };
  }
}

function viewOf(groups: GsvGroup[]): Entry[] {
  const out: Entry[] = [];
  const seen = new Set<number>();
  for (const g of groups) {
    for (const part of g.parts) {
      for (const sat of part ?? []) {
        const id = identifySatellite(g.talker, sat.id, g.systemId);
        const gnssid = id?.gnssid ?? null;
        const PRN = id?.PRN ?? sat.id;
        // Some receivers repeat GPS satellites under GN and GP talkers: keep the first.
        // PRN, gnssid (0-7) and signal id (one hex digit) packed exactly into one number.
        const dedup = (PRN * 9 + (gnssid ?? 8)) * 17 + (g.signalId ?? 16);
        if (seen.has(dedup) || out.length >= MAX_SATELLITES) continue;
        seen.add(dedup);
        out.push({
          view: { PRN, gnssid, svid: id?.svid ?? null, sigid: mapSignalId(gnssid, g.signalId), el: sat.el, az: sat.az, ss: sat.snr, used: false },
          key: idKey(gnssid, id?.svid ?? null, sat.id),
          perSignal: g.signalId !== null,
        });
      }
    }
  }
  return out;
}
