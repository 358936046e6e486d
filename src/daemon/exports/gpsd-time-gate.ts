import type { SkyReport, TpvReport } from '../gnss/gpsd-json.js';

/** The part of the GNSS trust verdict (gnss/epoch/trust-tracker.ts) the gpsd surface needs. */
export interface LabelTrust {
  timeValid: boolean;
}

/**
 * The gpsd surface sends the receiver's time label only while the daemon trusts it, as the
 * SOCK feed and the SHM writer do. Not cosmetic: ntpd's gpsd refclock driver (GPSD_JSON)
 * takes its time from TOFF when it has seen one, else from TPV `time`, so a label that is
 * not valid yet, jumped, or disagrees with the RTC / system clock (a week rollover) would
 * otherwise reach ntpd through this port. A TPV without `time` is legal (gpsd_json(5)) and
 * ntpd reads it as "no sync" (and then ignores PPS too); mode and position stay for cgps and
 * friends. gpsd only prints `ept` beside a time, and we never print one, so nothing else goes.
 *
 * PPS reports are not gated here: their `real` second is the system clock's nearest second
 * at the edge (wiring-gpsd.ts), not the receiver's label, and ntpd only uses them while a
 * TPV with `time` says the receiver is in sync.
 */
export function labelPublishable(trust: LabelTrust): boolean {
  return trust.timeValid;
}

/** The TPV as it may be sent: without `time` unless the label is trusted. */
export function gateTpv(tpv: TpvReport, trust: LabelTrust): TpvReport {
  if (labelPublishable(trust) || tpv.time === undefined) return tpv;
  const { time: _distrusted, ...rest } = tpv;
  return rest;
}

/** SKY carries the same label: not for ntpd, but a distrusted time is shown to nobody. */
export function gateSky(sky: SkyReport, trust: LabelTrust): SkyReport {
  if (labelPublishable(trust) || sky.time === undefined) return sky;
  const { time: _distrusted, ...rest } = sky;
  return rest;
}
