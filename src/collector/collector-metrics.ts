import { MetricsWriter } from '../lib/prometheus-text.js';
import type { FleetAlarm } from './fleet-alarms.js';
import { LATENCY_BUCKETS_S, REFUSAL_REASONS, type IngestStats } from './ingest.js';

/**
 * The collector's GET /metrics: ingest counters (accepted, refused by reason, records, duplicates,
 * gap sequence numbers, bytes, latency histogram), fleet size and alarms by severity, periodic
 * maintenance, HTTP requests by route, dashboard counters and process figures. No per-appliance
 * series: a fleet of thousands would be thousands of series per metric; the dashboard has those.
 */

export interface CollectorMetricsInput {
  version: string;
  storeKind: string;
  ingest: IngestStats;
  devices: number | null;
  reporting: number | null;
  alarms: FleetAlarm[] | null;
  maintain: { runs: number; failures: number; lastSuccessAt: number | null; lastDurationS: number | null };
  http: Map<string, number>;
  dashboard: Record<string, number> | null;
  startedAt: number;
}

const SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
}

export function renderCollectorMetrics(m: CollectorMetricsInput): string {
  const w = new MetricsWriter();
  const p = 'stratum1d_collector_';
  w.info(`${p}info`, 'The collector: software version and store kind.', { version: m.version, store: m.storeKind });
  w.counter(`${p}ingest_batches_total`, 'Batches accepted (stored or already stored).', m.ingest.accepted);
  w.counter(
    `${p}ingest_refused_total`,
    'Ingest requests refused, by reason.',
    REFUSAL_REASONS.map((reason) => ({ labels: { reason }, value: m.ingest.refused[reason] })),
  );
  w.counter(`${p}ingest_records_stored_total`, 'Records (telemetry and events) stored.', m.ingest.recordsStored);
  w.counter(`${p}ingest_duplicates_total`, 'Sequence numbers received again and not stored again.', m.ingest.duplicates);
  w.counter(`${p}ingest_gap_sequences_total`, 'Sequence numbers recorded as gaps (dropped on the appliance before acknowledgement).', m.ingest.gapSequences);
  w.counter(`${p}ingest_received_bytes_total`, 'Request body bytes read on the ingest route (as sent, before decompression).', m.ingest.bytes);
  w.gauge(`${p}ingest_in_flight`, 'Batches being processed now.', m.ingest.inFlight);
  w.histogram(`${p}ingest_duration_seconds`, 'Time from request to acknowledgement of accepted batches.', [
    { buckets: LATENCY_BUCKETS_S.map((le, i) => [le, m.ingest.latency.buckets[i]!] as const), sum: m.ingest.latency.sum, count: m.ingest.latency.count },
  ]);
  w.gauge(`${p}devices`, 'Registered appliances (not removed).', m.devices);
  w.gauge(`${p}devices_reporting`, 'Registered appliances not silent.', m.reporting);
  if (m.alarms) {
    w.gauge(
      `${p}fleet_alarms`,
      'Active fleet alarms, by severity.',
      SEVERITIES.map((severity) => ({ labels: { severity }, value: m.alarms!.filter((a) => a.severity === severity).length })),
    );
  }
  w.counter(`${p}maintain_runs_total`, 'Maintenance runs (rollups and retention).', m.maintain.runs);
  w.counter(`${p}maintain_failures_total`, 'Maintenance runs that failed.', m.maintain.failures);
  w.gauge(`${p}maintain_last_success_timestamp_seconds`, 'When maintenance last succeeded (collector clock).', m.maintain.lastSuccessAt === null ? null : m.maintain.lastSuccessAt / 1000);
  w.gauge(`${p}maintain_last_duration_seconds`, 'How long the last maintenance run took.', m.maintain.lastDurationS);
  w.counter(
    `${p}http_requests_total`,
    'HTTP requests answered, by route and status code.',
    [...m.http.entries()].sort().map(([k, value]) => {
      const [route, code] = k.split(' ');
      return { labels: { route, code }, value };
    }),
  );
  if (m.dashboard) {
    w.counter(
      `${p}dashboard_events_total`,
      'Dashboard events (logins, failures, refusals …), by event.',
      Object.entries(m.dashboard).map(([event, value]) => ({ labels: { event: snake(event) }, value })),
    );
  }
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  w.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', mem.rss);
  w.gauge('process_start_time_seconds', 'Start time of the process since the epoch, in seconds.', Math.round(m.startedAt / 1000));
  w.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  w.gauge('nodejs_heap_used_bytes', 'V8 heap in use, bytes.', mem.heapUsed);
  return w.text();
}
