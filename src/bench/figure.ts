/**
 * One measured comparison in `npm run bench`: our figure and its peer's, measured in the same run,
 * alternating A/B, one sample per round. The report takes medians; the raw samples are kept so the
 * spread is visible. Goals are judged here, never in `npm test`.
 */
export interface BenchSide {
  /** What ran, e.g. "stratum1d decode --json" or "gpsdecode -j". */
  label: string;
  /** Version of the program (ours: the commit; a peer: its package version). */
  version?: string;
  /** One value per round, in `unit`. */
  samples: number[];
}

export interface BenchGoal {
  /** The goal as issued, e.g. "≤ 1.0× gpsdecode's CPU". */
  text: string;
  /** Measured ratio or value the goal is judged on (medians). */
  measured: string;
  met: boolean;
  /** Why it is missed and whether that is a floor; empty when met. */
  why?: string;
}

export interface BenchFigure {
  /** Stable id, e.g. "decode-cpu". */
  id: string;
  /** What is measured, with the input, e.g. "CPU seconds for 406k NMEA lines (gpsd corpus ×20)". */
  what: string;
  unit: string;
  better: 'lower' | 'higher';
  ours: BenchSide;
  peer?: BenchSide;
  /**
   * How ours and the peer are compared: `ratio` (default, ours ÷ peer) or `difference`
   * (ours − peer, in `unit`), for quantities such as growth in % where a ratio means nothing.
   */
  compare?: 'ratio' | 'difference';
  /** Why a figure that should have a peer has none this run (e.g. "gpsdecode not installed"). */
  peerMissing?: string;
  goal?: BenchGoal;
  /** The exact commands, so anyone can rerun them by hand. */
  commands: string[];
  notes?: string;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
