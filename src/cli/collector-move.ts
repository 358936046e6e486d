import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FleetStore } from '../collector/store/fleet-store.js';
import { MoveFailed, MoveRefused, moveStore } from '../collector/store/move-store.js';
import { isPostgresUrl, openStore, redactDb, StoreOpenError } from '../collector/store/open-store.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

/**
 * `stratum1d collector move --from D1 --to D2 [--resume] [--batch N]` (move-store.ts has the
 * semantics). Progress on stderr (rows copied / total, at most about once a second), the
 * summary on stderr, nothing on stdout. Exit codes: 0 moved and verified, 1 refused (target not
 * empty) or failed (source changed, verification), 64 usage, 66 the source file does not exist,
 * 69 a database unusable.
 */

const EX_NOINPUT = 66;
const EX_UNAVAILABLE = 69;

export async function runMove(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags(argv, { from: 'string', to: 'string', resume: 'boolean', batch: 'string', help: 'boolean' });
  if (f.help) {
    io.stdout.write('usage: stratum1d collector move --from D1 --to D2 [--resume] [--batch N]\n');
    return 0;
  }
  if (f._.length) throw new UsageError(`unexpected argument ${f._[0]}`);
  if (typeof f.from !== 'string' || typeof f.to !== 'string') throw new UsageError('collector move needs --from D1 and --to D2 (a SQLite file path or a postgres:// URL each)');
  const from = f.from;
  const to = f.to;
  const same = isPostgresUrl(from) || isPostgresUrl(to) ? from === to : resolve(from) === resolve(to);
  if (same) throw new UsageError('--from and --to name the same database');
  const batch = f.batch === undefined ? 2000 : Number(f.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw new UsageError(`--batch must be a whole number from 1 to 100000, got "${String(f.batch)}"`);
  // Opening a SQLite path creates the file: a mistyped source would "move" an empty database.
  if (!isPostgresUrl(from) && !existsSync(from)) {
    io.stderr.write(`stratum1d: no database at ${from}\n`);
    return EX_NOINPUT;
  }

  let source: FleetStore | null = null;
  let target: FleetStore | null = null;
  try {
    try {
      source = await openStore(from);
      target = await openStore(to);
    } catch (err) {
      io.stderr.write(`stratum1d: ${err instanceof StoreOpenError ? err.message : (err as Error).message}\n`);
      return EX_UNAVAILABLE;
    }
    io.stderr.write(`stratum1d: moving ${redactDb(from)} → ${redactDb(to)}\n`);
    let shownAt = 0;
    const report = await moveStore(source, target, {
      resume: f.resume === true,
      batch,
      onProgress: (p) => {
        const t = Date.now();
        if (t - shownAt < 1000 && p.copied < p.total) return;
        shownAt = t;
        io.stderr.write(`stratum1d: move: ${p.copied}/${p.total} rows copied (${p.table} of ${p.device})\n`);
      },
    });
    const r = report.rows;
    io.stderr.write(
      `stratum1d: moved ${report.devices} devices (tokens and high-water marks), ${report.users} users, ${r.telemetry} telemetry records, ${r.events} events, ` +
        `${r.gapRuns} gap runs, ${r['rollup-1m']} + ${r['rollup-1h']} rollup rows${report.alreadyThere ? ` (${report.alreadyThere} were already there)` : ''}; verified. ` +
        `Serve it with: stratum1d collector serve --db ${redactDb(to)}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof MoveRefused || err instanceof MoveFailed) {
      io.stderr.write(`stratum1d: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await source?.close();
    await target?.close();
  }
}
