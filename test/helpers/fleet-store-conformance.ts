import type { Test } from 'tap';
import type { FleetStore } from '../../src/collector/store/fleet-store.js';
import { gapAndRetentionChecks } from './fleet-store-conformance/gap-retention-checks.js';
import { identityChecks } from './fleet-store-conformance/identity-checks.js';
import { ingestChecks } from './fleet-store-conformance/ingest-checks.js';
import { queryChecks } from './fleet-store-conformance/query-checks.js';
import { transferChecks } from './fleet-store-conformance/transfer-checks.js';

export { eventRecord, items, telemetryBody, telemetryRecord } from './fleet-store-conformance/wire-records.js';

/**
 * The behaviour every FleetStore must have, run against SQLite (test/unit/collector) and
 * PostgreSQL (test/integration/postgres-*). `makeStore` returns a store on a fresh, empty,
 * already migrated database; each subtest makes its own and closes it.
 *
 * Semantics pinned here (the interface comments leave them open):
 * - ingest counts in SEQUENCE NUMBERS: for a run from..to that starts at or before lastSeq + 1,
 *   duplicates = numbers <= lastSeq (records or gaps), stored = records above it, gapsStored =
 *   gap numbers above it (a gap run straddling the mark is clipped), so
 *   stored + duplicates + gapsStored = to - from + 1. ackedSeq = max(lastSeq, to).
 *   DeviceRow.gaps is the sum of gapsStored. A gap over numbers already stored as records is a
 *   duplicate: the records stay.
 * - every accepted ingest (also an empty or all-duplicate one) sets lastSeen = receivedAt and,
 *   when given, software. 'ahead' changes nothing at all.
 * - devices(): devices that are not removed, sorted by name. removeDevice keeps the history
 *   (telemetry, events, gaps, lastSeq); adding the same name again (token rotation) gives it a
 *   new token and the old high-water mark and counters.
 * - deviceByTokenHash returns the device even when its token has expired (the caller decides).
 * - latestTelemetry: per device, the record with the highest seq (the appliance clock may be wrong).
 * - telemetry(): `at` in [from, to), ascending by at then seq. Rollups ('1m', '1h') exist after
 *   maintain(): one row per bucket of `at` (bucket start = floor(at / size) * size, reported as
 *   `at`), aggregates merged with mergeAggregates over the bucket's records, the point values
 *   (stratum, leap, selectedSource, gnss.mode, rtc, holdover) those of the bucket's record with
 *   the highest seq. Records arriving late into an already rolled bucket are included at the
 *   next maintain(); maintain() never counts a record twice.
 * - events(): `at` >= sinceMs, newest first by at (then seq), at most `limit`.
 * - retention goes by receivedAt: raw telemetry past rawDays, 1 min rollups past minuteDays, 1 h
 *   rollups past hourDays are dropped. Retention never lowers lastSeq or the counters, so a
 *   replay of a dropped record is still a duplicate.
 * - gapRuns(): ascending by from.
 */
export function fleetStoreConformance(t: Test, makeStore: () => Promise<FleetStore>): void {
  async function fresh(t: Test): Promise<FleetStore> {
    const s = await makeStore();
    t.teardown(() => s.close());
    return s;
  }

  identityChecks(t, fresh);
  ingestChecks(t, fresh);
  gapAndRetentionChecks(t, fresh);
  queryChecks(t, fresh);
  transferChecks(t, fresh);
}
