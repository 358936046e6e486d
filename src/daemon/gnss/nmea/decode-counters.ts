import type { FrameRejection } from './framing.js';

/**
 * What the decoder did with every line, for status pages and `stratum1d decode`.
 * Plain numbers and string-keyed records only, so it survives JSON and structuredClone.
 *
 * Every line lands in exactly one bucket: `empty`, `overlong`, `noise`, `partial`,
 * `badChecksum`, `missingChecksum`, `badAddress`, a `sentences` type, a `malformed` type or
 * an `unknown` key. `resyncs` counts lines that also had a fragment or noise before the `$`.
 */
export interface DecodeCounters {
  lines: number;
  empty: number;
  overlong: number;
  noise: number;
  partial: number;
  badChecksum: number;
  missingChecksum: number;
  badAddress: number;
  /** Sentences without a checksum that were accepted because the option allows it. */
  acceptedWithoutChecksum: number;
  resyncs: number;
  /** Decoded sentences by formatter (RMC, GGA, ...). */
  sentences: Record<string, number>;
  /** Sentences of a known type whose essential fields did not parse, by formatter. */
  malformed: Record<string, number>;
  /** Optional fields that did not parse and were read as "not known", by formatter. */
  badFields: Record<string, number>;
  /** Sentences we do not decode, by formatter (or proprietary address: PGRME, PUBX). */
  unknown: Record<string, number>;
  /** How many of the unknown were proprietary ($P...). */
  proprietary: number;
  epochs: number;
  /** Sentences that arrived after their epoch had already been closed and reported. */
  lateSentences: number;
  /** Sentences dropped because one epoch grew past its size limit (a receiver stuck on one time). */
  epochOverflow: number;
  /** Decoder bugs caught at the boundary; should stay 0. */
  internalErrors: number;
}

/** Past this many distinct unknown keys, the rest share `(other)`: noise must not grow memory. */
const MAX_UNKNOWN_KEYS = 64;

export function newCounters(): DecodeCounters {
  return {
    lines: 0,
    empty: 0,
    overlong: 0,
    noise: 0,
    partial: 0,
    badChecksum: 0,
    missingChecksum: 0,
    badAddress: 0,
    acceptedWithoutChecksum: 0,
    resyncs: 0,
    sentences: {},
    malformed: {},
    badFields: {},
    unknown: {},
    proprietary: 0,
    epochs: 0,
    lateSentences: 0,
    epochOverflow: 0,
    internalErrors: 0,
  };
}

export function bump(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

export function bumpUnknown(c: DecodeCounters, key: string): void {
  const k = key in c.unknown || Object.keys(c.unknown).length < MAX_UNKNOWN_KEYS ? key : '(other)';
  bump(c.unknown, k);
}

export function countRejection(c: DecodeCounters, r: FrameRejection): void {
  c[r]++;
}

/** Lines that were rejected before decoding, or failed to decode. */
export function errorTotal(c: DecodeCounters): number {
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  return c.overlong + c.noise + c.partial + c.badChecksum + c.missingChecksum + c.badAddress + sum(c.malformed);
}
