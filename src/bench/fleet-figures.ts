import { median, type BenchFigure } from './figure.js';
import type { FleetIngestResult } from './fleet-ingest.js';

/**
 * Fleet ingest results → BenchFigures, one pair per backend:
 *
 *   fleet-store-<backend>   records/s the collector's store path writes (`store.ingest()`,
 *                           in-process) against its peer, the raw insert ceiling: a bare one-row
 *                           INSERT per transaction into the same database at the same durability,
 *                           measured right after it in the same round
 *   fleet-ingest-<backend>  p99 batch round trip of the simulated fleet over HTTP, judged
 *                           against issue 10's goal (sustain the offered rate, p99 < 1 s); its
 *                           only peer would be another collector, so it has none
 *
 * The sustained rate is not compared with the ceiling: it is capped by the offered rate, and
 * a ratio of the two would compare unequal work.
 */

const r0 = (x: number) => Math.round(x).toLocaleString('en');
const keptUp = (r: FleetIngestResult) => r.backlogEnd <= r.backlogStart + r.devices * 0.05;

export interface FleetCommandOptions {
  /** The harness command line that ran the fleet part (with its BENCH_FLEET_* variables). */
  harness: string;
}

export function fleetFigures(results: readonly FleetIngestResult[], o: FleetCommandOptions): BenchFigure[] {
  const out: BenchFigure[] = [];
  for (const backend of ['sqlite', 'postgres'] as const) {
    const rs = results.filter((r) => r.backend === backend);
    if (rs.length === 0) continue;
    const first = rs[0]!;
    const db = backend === 'sqlite' ? '<temporary directory>/fleet.db' : 'postgres://<private cluster started by the bench>';
    const collectorCmd = `node bin/stratum1d.js collector serve --db ${db} --listen 127.0.0.1:<free port> --interval ${first.intervalS}`;
    const load = rs.map((r) => `${r.loadStart} → ${r.loadEnd}${r.cpuPressurePct === null ? '' : `, PSI some ${Math.round(r.cpuPressurePct)} %`}`).join('; ');

    out.push({
      id: `fleet-store-${backend}`,
      what: `Fleet store write rate, ${first.dbVersion}, in-process, collector stopped`,
      unit: 'records/s',
      better: 'higher',
      ours: { label: `store.ingest(), one record per call, ${first.storeCeilingCallers} callers at once (group commit)`, samples: rs.map((r) => r.ceilingStorePerS) },
      peer: {
        label: `raw insert ceiling: bare one-row INSERT per transaction, ${first.ceilingConcurrency} writer${first.ceilingConcurrency > 1 ? 's' : ''}`,
        version: first.dbVersion,
        samples: rs.map((r) => r.ceilingRawPerS),
      },
      commands: [o.harness, `# per round, after the ingest window: the collector's store opened in the bench process, then a plain table in the same database`],
      notes:
        'Same database, same durability, same round, store path first then the raw INSERT. Not identical work: the store also marks ' +
        'sequence numbers and gathers concurrent callers into one commit (group commit), which is why it can exceed a one-row-per-commit ceiling. ' +
        `Machine load per round: ${load}.`,
    });

    const p99 = median(rs.map((r) => r.p99Ms));
    const sustained = median(rs.map((r) => r.sustainedPerS));
    const offered = first.offeredPerS;
    const kept = rs.filter(keptUp).length;
    const psi = rs.map((r) => r.cpuPressurePct).filter((x): x is number => x !== null);
    const fails: string[] = [];
    if (!(p99 < 1000)) fails.push(`median p99 ${r0(p99)} ms is over 1 s`);
    if (!(sustained >= offered * 0.98)) fails.push(`median sustained ${r0(sustained)}/s is below the offered ${r0(offered)}/s`);
    if (kept < rs.length) fails.push(`the backlog grew in ${rs.length - kept} of ${rs.length} rounds`);
    const errors = rs.reduce((n, r) => n + r.transportErrors + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
    out.push({
      id: `fleet-ingest-${backend}`,
      what: `Fleet ingest, ${r0(first.devices)} simulated appliances every ${first.intervalS} s over HTTP, collector on ${first.dbVersion}: batch round trip p99`,
      unit: 'ms',
      better: 'lower',
      ours: { label: 'stratum1d collector serve', samples: rs.map((r) => r.p99Ms) },
      goal: {
        text: `sustain the offered ${r0(offered)} records/s with p99 < 1 s`,
        measured: `p99 ${r0(p99)} ms, ${r0(sustained)} records/s sustained, kept up in ${kept} of ${rs.length} rounds`,
        met: fails.length === 0,
        ...(fails.length
          ? {
              why:
                `${fails.join('; ')}. ` +
                (psi.length ? `CPU pressure (PSI some) over the windows: ${psi.map((x) => `${Math.round(x)} %`).join(', ')}; the simulated fleet shares the cores with the collector. ` : '') +
                'This run does not show whether that is a floor.',
            }
          : {}),
      },
      commands: [o.harness, collectorCmd],
      notes:
        `Per round: sustained ${rs.map((r) => r0(r.sustainedPerS)).join(', ')} records/s; p50 ${rs.map((r) => r0(r.p50Ms)).join(', ')} ms; ` +
        `collector CPU ${rs.map((r) => `${Math.round(r.collectorCpuPct)} %`).join(', ')}, RSS ${rs.map((r) => `${Math.round(r.collectorRssMiB)} MiB`).join(', ')}; ` +
        `simulator CPU ${rs.map((r) => `${Math.round(r.simulatorCpuPct)} %`).join(', ')}; errors ${errors}; window ${Math.round(first.windowS)} s. Machine load per round: ${load}.`,
    });
  }
  return out;
}
