import t from 'tap';
import { describeInstant } from '../../../../../src/daemon/mcp/time/calendar.js';
import { InvalidLocalTime, resolveLocal } from '../../../../../src/daemon/mcp/time/local-time.js';
import { BadTimestamp, parseTimestamp } from '../../../../../src/daemon/mcp/time/parse-timestamp.js';
import { WallClockNs } from '../../../../../src/daemon/mcp/time/wall-clock.js';

const wall = (y: number, mo: number, d: number, h: number, mi: number, s = 0, ns = 0) => ({ year: y, month: mo, day: d, hour: h, minute: mi, second: s, nanosecond: ns });
const iso = (n: bigint, zone = 'UTC') => describeInstant(n, zone).iso8601;

t.test('2026-11-01 01:30 in New York happens twice (fall back)', async (t) => {
  const r = resolveLocal(wall(2026, 11, 1, 1, 30), 'America/New_York');
  t.equal(r.kind, 'ambiguous');
  if (r.kind !== 'ambiguous') return;
  t.equal(iso(r.candidates[0].unixNs), '2026-11-01T05:30:00.000000000Z', 'first: EDT (-4)');
  t.equal(iso(r.candidates[1].unixNs), '2026-11-01T06:30:00.000000000Z', 'second: EST (-5)');
  t.same(r.candidates.map((c) => c.utcOffsetSeconds), [-14400, -18000]);
});

t.test('2026-03-08 02:30 in New York never happens (spring forward)', async (t) => {
  const r = resolveLocal(wall(2026, 3, 8, 2, 30), 'America/New_York');
  t.equal(r.kind, 'nonexistent');
  if (r.kind !== 'nonexistent') return;
  t.equal(r.gapSeconds, 3600);
  t.same(
    r.candidates.map((c) => iso(c.unixNs)),
    ['2026-03-08T06:30:00.000000000Z', '2026-03-08T07:30:00.000000000Z'],
  );
});

t.test('ordinary wall times are unique, also with a fractional second and far from UTC', async (t) => {
  const r = resolveLocal(wall(2026, 3, 8, 3, 30, 0, 500), 'America/New_York');
  t.equal(r.kind, 'unique');
  if (r.kind === 'unique') t.equal(iso(r.unixNs), '2026-03-08T07:30:00.000000500Z');
  const k = resolveLocal(wall(2026, 6, 1, 0, 0), 'Asia/Kolkata');
  if (k.kind === 'unique') t.equal(iso(k.unixNs), '2026-05-31T18:30:00.000000000Z');
  else t.fail('Kolkata is unique');
  // Europe/London falls back at 02:00 BST on 2026-10-25: 01:30 is ambiguous there too.
  t.equal(resolveLocal(wall(2026, 10, 25, 1, 30), 'Europe/London').kind, 'ambiguous');
  // Southern hemisphere: Sydney springs forward 2026-10-04 02:00 → 03:00.
  t.equal(resolveLocal(wall(2026, 10, 4, 2, 30), 'Australia/Sydney').kind, 'nonexistent');
});

t.test('invalid fields are refused, not rolled over', async (t) => {
  t.throws(() => resolveLocal(wall(2026, 2, 29, 0, 0), 'UTC'), InvalidLocalTime);
  t.throws(() => resolveLocal(wall(2026, 13, 1, 0, 0), 'UTC'), /month 13/);
  t.throws(() => resolveLocal(wall(2016, 12, 31, 23, 59, 60), 'UTC'), /leap second/);
  t.equal(resolveLocal(wall(2024, 2, 29, 0, 0), 'UTC').kind, 'unique');
});

t.test('parseTimestamp: units by magnitude, exact fractions', async (t) => {
  const p = (x: string | number) => {
    const r = parseTimestamp(x);
    if (r.kind !== 'instant') throw new Error('expected an instant');
    return [r.unixNs.toString(), r.interpretedAs];
  };
  t.same(p(1772955000), ['1772955000000000000', 'Unix seconds']);
  t.same(p('1772955000123'), ['1772955000123000000', 'Unix milliseconds']);
  t.same(p('1772955000123456'), ['1772955000123456000', 'Unix microseconds']);
  t.same(p('1772955000123456789'), ['1772955000123456789', 'Unix nanoseconds']);
  t.same(p('1772955000.000000001'), ['1772955000000000001', 'Unix seconds']);
  t.same(p(-1), ['-1000000000', 'Unix seconds']);
  t.same(p('2026-11-01T05:30:00.25Z'), ['1793511000250000000', 'ISO 8601 date-time with offset']);
  t.same(p('2026-11-01T01:30:00-04:00'), ['1793511000000000000', 'ISO 8601 date-time with offset']);
  t.throws(() => parseTimestamp(2 ** 60), /send it as a string/);
  t.throws(() => parseTimestamp('yesterday'), BadTimestamp);
  t.throws(() => parseTimestamp('2026-02-30T00:00:00Z'), /day 30 does not exist/);
  const local = parseTimestamp('2026-11-01 01:30');
  t.equal(local.kind, 'local');
});

t.test('WallClockNs: anchored at a millisecond tick, re-anchors after a step', async (t) => {
  let ms = 1_000_000;
  let hr = 5_000_000_000n;
  // Date.now() turns over every 1 ms of monotonic time; each read advances hr by 100 ns.
  const src = {
    hrtime: () => (hr += 100n),
    dateNow: () => ms + Math.floor(Number(hr - 5_000_000_000n) / 1e6),
  };
  const c = new WallClockNs(src);
  const a = c.now();
  t.equal(c.anchors, 1);
  const wallNs = BigInt(src.dateNow()) * 1_000_000n;
  t.ok(a >= wallNs - 1_000_000n && a < wallNs + 2_000_000n, 'close to Date.now()');
  const b = c.now();
  t.ok(b > a, 'strictly increasing at sub-ms resolution');
  t.ok(b - a < 10_000n, 'the digits below the ms come from the monotonic clock');
  ms += 60_000; // the wall clock steps one minute forward
  const after = c.now();
  t.equal(c.anchors, 2, 'the step was noticed');
  t.ok(after - b > 59_000_000_000n, 'and followed');
  const real = new WallClockNs();
  const readBefore = BigInt(Date.now()) * 1_000_000n;
  const r = real.now();
  const readAfter = BigInt(Date.now() + 1) * 1_000_000n;
  t.ok(r >= readBefore - 1_000_000n && r <= readAfter + 1_000_000n, 'the real clock agrees with Date.now() read around it');
});
