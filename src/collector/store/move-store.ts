import type { DeviceExport, FleetStore, TransferTable, UserExport } from './fleet-store.js';

/**
 * `stratum1d collector move --from D1 --to D2`: copies everything one store holds into another
 * (SQLite → PostgreSQL when one machine is no longer enough, or back), through the FleetStore
 * transfer methods, so either direction is the same code:
 *
 *   devices with their token hashes, expiry, high-water marks, counters, lastSeen, software
 *   (removed devices too: their history and mark stay); users with their password hashes and
 *   roles; the shared secret (dashboard sessions stay valid); raw telemetry and events with
 *   their receive times; gap runs; the 1 min and 1 h rollups AS THEY ARE — not rebuilt, because
 *   a bucket whose raw records retention already dropped could not be rebuilt. Before copying,
 *   the source's own rollup step runs (what `serve` does every minute; no retention) so the
 *   copied rollups include every stored record and the target has nothing left to fold.
 *
 * The appliances notice nothing but the collector's downtime: their tokens hash the same, and
 * the target acknowledges from the same high-water marks, so each continues at ackedSeq + 1.
 *
 * Safety. The collectors on the source must be stopped. Every device is first written to the
 * target as a placeholder (revoked, mark 0) and gets its real row — token and mark — only after
 * all its rows are copied and the source is found unchanged since the start; so a collector
 * started on a half-copied target cannot accept anything into it. The target must be empty
 * (no device, user or row; a shared secret alone is replaced), or, with `resume`, hold only
 * what an interrupted move of this same source left: placeholders or finished devices equal to
 * the source's, users equal to the source's. Rows are keyed (device + seq, or bucket) and a key
 * already present is skipped, so repeating the copy is harmless. Afterwards the row counts and
 * every device row of the target must equal the source's, or the move reports failure.
 */

export class MoveRefused extends Error {
  override name = 'MoveRefused';
}

export class MoveFailed extends Error {
  override name = 'MoveFailed';
}

export interface MoveProgress {
  copied: number;
  total: number;
  device: string;
  table: TransferTable | 'gapRuns';
}

export interface MoveOptions {
  /** Continue an interrupted move into this target (see the header). */
  resume?: boolean;
  /** Rows per read/insert (default 2000). */
  batch?: number;
  onProgress?: (p: MoveProgress) => void;
  now?: () => number;
}

export interface MoveReport {
  devices: number;
  users: number;
  sharedSecret: boolean;
  /** Rows per table the target holds afterwards (= the source's). */
  rows: Record<TransferTable | 'gapRuns', number>;
  /** Rows inserted by this run, and rows found already there (a resumed move). */
  inserted: number;
  alreadyThere: number;
}

const TABLES: readonly TransferTable[] = ['telemetry', 'events', 'rollup-1m', 'rollup-1h'];
/** Below every key: seqs start at 1, rollup buckets are appliance times (a wrong clock may be anywhere). */
const BEFORE_ALL = -8.64e15;
/** Retention that drops nothing: the source's rollup step runs without touching its data. */
const KEEP_ALL = { rawDays: 1e6, minuteDays: 1e6, hourDays: 1e6 };

function placeholder(d: DeviceExport): DeviceExport {
  return { ...d, tokenHash: null, removed: true, lastSeq: 0, stored: 0, gaps: 0, lastSeen: null };
}

function deviceKey(d: DeviceExport): string {
  return JSON.stringify([d.name, d.tokenHash, d.removed, d.createdAt, d.tokenExpiresAt, d.lastSeq, d.stored, d.gaps, d.lastSeen, d.software]);
}

function userKey(u: UserExport): string {
  return JSON.stringify([u.name, u.passwordHash, u.role, u.createdAt]);
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

/** Why the target may not receive this source (empty: it may). */
export async function targetProblems(from: FleetStore, to: FleetStore, resume: boolean): Promise<string[]> {
  const [src, tgt, rows] = await Promise.all([from.exportIdentity(), to.exportIdentity(), to.countRows()]);
  const held = sum(rows);
  if (tgt.devices.length === 0 && tgt.users.length === 0 && held === 0) return [];
  if (!resume) {
    return [`the target is not empty (${tgt.devices.length} devices, ${tgt.users.length} users, ${held} rows); only an interrupted move of this same source may be continued (--resume)`];
  }
  const problems: string[] = [];
  const srcDevices = new Map(src.devices.map((d) => [d.name, d]));
  for (const t of tgt.devices) {
    const s = srcDevices.get(t.name);
    if (!s) problems.push(`device ${t.name} is in the target but not in the source`);
    else if (deviceKey(t) !== deviceKey(s) && deviceKey(t) !== deviceKey(placeholder(s))) problems.push(`device ${t.name} differs from the source's (has a collector served the target since?)`);
  }
  const srcUsers = new Map(src.users.map((u) => [u.name, u]));
  for (const u of tgt.users) {
    const s = srcUsers.get(u.name);
    if (!s || userKey(s) !== userKey(u)) problems.push(`user ${u.name} in the target is not the source's`);
  }
  return problems;
}

export async function moveStore(from: FleetStore, to: FleetStore, opts: MoveOptions = {}): Promise<MoveReport> {
  const batch = opts.batch ?? 2000;
  const now = opts.now ?? Date.now;

  await from.maintain(now(), KEEP_ALL);
  const problems = await targetProblems(from, to, opts.resume === true);
  if (problems.length > 0) throw new MoveRefused(`refusing to move into this target: ${problems.join('; ')}`);

  const src = await from.exportIdentity();
  const srcRows = await from.countRows();
  const tgtDevices = new Map((await to.exportIdentity()).devices.map((d) => [d.name, d]));

  for (const u of src.users) await to.importUser(u);
  if (src.sharedSecret !== null) await to.importSharedSecret(src.sharedSecret);

  const total = sum(srcRows);
  let copied = 0;
  let inserted = 0;
  for (const d of src.devices) {
    // A device finished by an interrupted run keeps its real row; any other gets a placeholder.
    const existing = tgtDevices.get(d.name);
    if (!existing || deviceKey(existing) !== deviceKey(d)) await to.importDevice(placeholder(d));
    for (const table of TABLES) {
      let after = BEFORE_ALL;
      for (;;) {
        const rows = await from.exportRows(table, d.name, after, batch);
        if (rows.length === 0) break;
        inserted += await to.importRows(table, rows);
        copied += rows.length;
        after = table.startsWith('rollup') ? rows[rows.length - 1]!.at : rows[rows.length - 1]!.seq;
        opts.onProgress?.({ copied, total, device: d.name, table });
        if (rows.length < batch) break;
      }
    }
    const gaps = await from.gapRuns(d.name);
    inserted += await to.importGapRuns(gaps);
    copied += gaps.length;
    opts.onProgress?.({ copied, total, device: d.name, table: 'gapRuns' });
  }

  // Only now do the devices get their tokens and marks: if a collector served the source
  // meanwhile, its new records are not in the copy, and the target must not pretend they are.
  const after = await from.exportIdentity();
  if (JSON.stringify(after.devices.map(deviceKey)) !== JSON.stringify(src.devices.map(deviceKey)) || sum(await from.countRows()) !== total) {
    throw new MoveFailed('the source changed during the move (is a collector still serving it?): stop every collector on it and run the move again with --resume');
  }
  for (const d of src.devices) await to.importDevice(d);

  const tgt = await to.exportIdentity();
  const tgtRows = await to.countRows();
  const mismatch: string[] = [];
  for (const k of Object.keys(srcRows) as (keyof typeof srcRows)[]) if (srcRows[k] !== tgtRows[k]) mismatch.push(`${k}: source ${srcRows[k]}, target ${tgtRows[k]}`);
  if (JSON.stringify(tgt.devices.map(deviceKey)) !== JSON.stringify(src.devices.map(deviceKey))) mismatch.push('device rows differ');
  if (JSON.stringify(tgt.users.map(userKey)) !== JSON.stringify(src.users.map(userKey))) mismatch.push('users differ');
  if (src.sharedSecret !== null && tgt.sharedSecret !== src.sharedSecret) mismatch.push('shared secret differs');
  if (mismatch.length > 0) throw new MoveFailed(`the target does not match the source after the copy: ${mismatch.join('; ')}`);

  return { devices: src.devices.length, users: src.users.length, sharedSecret: src.sharedSecret !== null, rows: tgtRows, inserted, alreadyThere: copied - inserted };
}
