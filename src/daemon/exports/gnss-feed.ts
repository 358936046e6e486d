import type { Fix, Sky } from '../core/fix.js';
import type { PpsEdge } from './gpsd-reports.js';
import type { LabelTrust } from './gpsd-time-gate.js';

/** What the gpsd server needs from the GNSS side: GnssService satisfies it as it is. */
export interface GnssFeedSource {
  on(event: 'fix', listener: (fix: Fix, trust: LabelTrust) => void): unknown;
  on(event: 'sky', listener: (sky: Sky) => void): unknown;
  on(event: 'line', listener: (sample: { line: string }) => void): unknown;
  off(event: 'fix', listener: (fix: Fix, trust: LabelTrust) => void): unknown;
  off(event: 'sky', listener: (sky: Sky) => void): unknown;
  off(event: 'line', listener: (sample: { line: string }) => void): unknown;
}

export interface GnssFeedSink {
  publishFix(fix: Fix, trust: LabelTrust): void;
  publishSky(sky: Sky): void;
  publishNmea(line: string): void;
  publishPps(edge: PpsEdge): void;
}

/** Subscribes `sink` to `source`'s fixes, skies and raw lines; returns the unsubscribe. */
export function attachGnssFeed(source: GnssFeedSource, sink: GnssFeedSink): () => void {
  const onFix = (fix: Fix, trust: LabelTrust) => sink.publishFix(fix, trust);
  const onSky = (sky: Sky) => sink.publishSky(sky);
  const onLine = (s: { line: string }) => sink.publishNmea(s.line);
  source.on('fix', onFix);
  source.on('sky', onSky);
  source.on('line', onLine);
  return () => {
    source.off('fix', onFix);
    source.off('sky', onSky);
    source.off('line', onLine);
  };
}
