import type { ApplianceState } from '../core/appliance-state.js';
import type { AlarmSeverity } from '../core/alarm-types.js';
import type { TimeSource } from '../core/timekeeper-types.js';
import { MetricsWriter, type Sample } from '../../lib/prometheus-text.js';
import type { HealthReport, HealthStatus } from './health.js';
import type { HostFacts } from './host-facts.js';

/**
 * GET /metrics: the Prometheus text for one snapshot. Pure.
 *
 * chrony tracking and sources use chrony_exporter's metric and label names where they overlap
 * (github.com/SuperQ/chrony_exporter, collector/tracking.go, sources.go, sourcestats.go:
 * chrony_up, chrony_tracking_{info,stratum,system_time_seconds,root_delay_seconds,
 * root_dispersion_seconds,frequency_ppms,skew_ppms}, chrony_sources_{stratum,
 * last_sample_age_seconds,last_sample_offset_seconds,last_sample_error_margin_seconds,
 * state_info}, chrony_sourcestats_stddev; labels source_address/source_name/source_state/
 * source_mode, tracking_refid/tracking_name), so existing Grafana boards keep working. Two
 * differences: source_state carries our normalised state names (`selected`, `combined`, …), and
 * source_address is the source's name as chronyc prints it (refclocks have no address).
 * Process figures use the Prometheus client conventions (process_*, nodejs_*).
 *
 * Low cardinality by design: no per-satellite series; per-source series only for the few
 * sources the timekeeper has; alarm ids come from a fixed rule set and only active ones show.
 * Unknown values are absent, never 0 (prometheus-text.ts skips null samples).
 */

export interface McpNetworkStats {
  refused: Record<string, number>;
  websocket: { open: number; malformed: number; oversized: number; rateLimited: number };
  http: { open: number; malformed: number; oversized: number; rateLimited: number };
  rate: { allowed: number; limited: number };
}

export interface MetricsInput {
  state: ApplianceState;
  host: HostFacts;
  health: HealthReport;
  build: { version: string; node: string };
  /** Tool calls served in this process (call-tool.ts), and the network transports when enabled. */
  mcp: { toolCalls: { ok: number; error: number; invalid: number }; network: McpNetworkStats | null };
  control: { connections: number; requests: number; badRequests: number } | null;
  gpsd: { clients: number; connections: number; refused: number; reportsDropped: number } | null;
  /** `refused`: HttpServerStats.refused, by reason; absent where the caller does not pass it. */
  http: { requests: Record<string, number>; refused?: Record<string, number> };
}

const SEVERITIES: AlarmSeverity[] = ['critical', 'major', 'minor', 'warning', 'info'];
const HEALTH_VALUE: Record<HealthStatus, number> = { ok: 0, degraded: 1, down: 2 };
const ns = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v / 1e9);
const ms = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v / 1e3);
const bool = (v: boolean | null | undefined): number | null => (v === null || v === undefined ? null : v ? 1 : 0);

/** One series per possible value, 1 for the current one (Prometheus' enum convention). */
function oneOf<T extends string>(label: string, values: readonly T[], current: T | null): Sample[] {
  if (current === null) return [];
  return values.map((v) => ({ labels: { [label]: v }, value: v === current ? 1 : 0 }));
}

export function buildMetrics(input: MetricsInput): string {
  const w = new MetricsWriter();
  const s = input.state;
  w.info('stratum1d_build_info', 'Build and runtime facts of the running daemon (value 1).', { version: input.build.version, nodejs: input.build.node, mode: s.mode });

  // Health, as /health judges it: 0 ok, 1 degraded, 2 down.
  w.gauge('stratum1d_health_status', 'Overall health as /health reports it: 0 ok, 1 degraded, 2 down.', HEALTH_VALUE[input.health.status]);
  w.gauge(
    'stratum1d_component_health_status',
    'Health of one component as /health reports it: 0 ok, 1 degraded, 2 down.',
    Object.entries(input.health.components).map(([component, c]) => ({ labels: { component }, value: HEALTH_VALUE[c.status] })),
  );

  timekeeperMetrics(w, s);
  gnssMetrics(w, s);
  ppsMetrics(w, s);
  rtcMetrics(w, s);

  const h = s.holdover;
  w.gauge('stratum1d_holdover_state', 'Holdover state (1 for the current one).', oneOf('state', ['locked', 'holdover', 'unlocked'] as const, h.state));
  w.gauge('stratum1d_holdover_estimated_error_seconds', 'Estimated time error accumulated in holdover.', h.estimatedErrorS);
  w.gauge('stratum1d_holdover_budget_seconds', 'Holdover error budget (holdover.budgetMs).', h.budgetS);
  w.gauge('stratum1d_holdover_since_timestamp_seconds', 'When the reference was lost (holdover only), Unix seconds.', ms(h.since));

  const a = s.alarms;
  w.gauge(
    'stratum1d_alarms_active',
    'Active alarms by severity.',
    SEVERITIES.map((severity) => ({ labels: { severity }, value: a.active.filter((x) => x.severity === severity).length })),
  );
  w.gauge('stratum1d_alarm_active', 'An active alarm (value 1), by its rule id and severity.', a.active.map((x) => ({ labels: { id: x.id, severity: x.severity }, value: 1 })));
  w.counter('stratum1d_alarms_raised_total', 'Alarms raised since the daemon started.', a.raised);
  w.counter('stratum1d_alarms_cleared_total', 'Alarms cleared since the daemon started.', a.cleared);

  const f = s.fleet;
  w.gauge('stratum1d_fleet_enabled', 'Whether telemetry upload to a collector is configured.', bool(f.enabled));
  if (f.enabled) {
    w.gauge('stratum1d_fleet_last_sequence', 'Newest record sequence number written to the outbox.', f.lastSeq);
    w.gauge('stratum1d_fleet_acked_sequence', "The collector's cumulative acknowledgement.", f.ackedSeq);
    w.gauge('stratum1d_fleet_backlog_records', 'Records written and not yet acknowledged.', f.backlog);
    w.counter('stratum1d_fleet_dropped_records_total', 'Records dropped by retention before acknowledgement (sent as gaps).', f.dropped);
    w.gauge('stratum1d_fleet_consecutive_failures', 'Upload attempts failed in a row.', f.consecutiveFailures);
    w.gauge('stratum1d_fleet_outbox_bytes', 'Outbox size on disk.', f.outboxBytes);
    w.gauge('stratum1d_fleet_last_upload_timestamp_seconds', 'When a batch was last acknowledged, Unix seconds.', ms(f.lastUploadAt));
    w.gauge('stratum1d_fleet_outbox_error', 'Whether the outbox cannot be written (records are being lost).', bool(f.outboxError !== null));
  }

  mcpMetrics(w, input);
  if (input.control) {
    w.counter('stratum1d_control_connections_total', 'Connections to the control socket (stratum1d status, the stdio MCP bridge).', input.control.connections);
    w.counter('stratum1d_control_requests_total', 'Requests on the control socket.', input.control.requests);
    w.counter('stratum1d_control_bad_requests_total', 'Malformed or unknown control socket requests.', input.control.badRequests);
  }
  if (input.gpsd) {
    w.gauge('stratum1d_gpsd_clients', 'gpsd JSON clients connected now.', input.gpsd.clients);
    w.counter('stratum1d_gpsd_connections_total', 'gpsd JSON connections accepted.', input.gpsd.connections);
    w.counter('stratum1d_gpsd_refused_total', 'gpsd JSON connections refused (gpsd.maxClients).', input.gpsd.refused);
    w.counter('stratum1d_gpsd_reports_dropped_total', 'Reports not queued for clients that were too far behind.', input.gpsd.reportsDropped);
  }
  w.counter(
    'stratum1d_http_requests_total',
    'Requests to this health/metrics endpoint, by route.',
    Object.entries(input.http.requests).map(([route, n]) => ({ labels: { route }, value: n })),
  );
  if (input.http.refused) {
    w.counter(
      'stratum1d_http_refused_total',
      'Connections or requests this health/metrics endpoint refused, by reason (connections over the bound, method, body, header, malformed, slow-request, slow-reader).',
      Object.entries(input.http.refused).map(([reason, n]) => ({ labels: { reason }, value: n })),
    );
  }

  hostMetrics(w, input.host);
  return w.text();
}

function timekeeperMetrics(w: MetricsWriter, s: ApplianceState): void {
  const t = s.timekeeper;
  w.gauge('stratum1d_timekeeper_info', 'Which timekeeper the daemon feeds (value 1).', [{ labels: { kind: t.kind }, value: 1 }]);
  if (t.kind !== 'none') {
    w.gauge('stratum1d_timekeeper_reachable', 'Whether the last status query of the timekeeper worked.', bool(t.reachable));
    w.gauge('stratum1d_timekeeper_synchronised', 'Whether the timekeeper is synchronised to a source.', bool(t.synced));
    // Our sign (system clock minus true time), for any timekeeper; chrony's own sign is below.
    w.gauge('stratum1d_timekeeper_system_offset_seconds', 'System clock minus true time, per the timekeeper.', t.tracking?.systemOffsetS);
  }
  if (t.kind === 'chrony') {
    const tr = t.reachable ? t.tracking : null;
    w.gauge('chrony_up', 'Whether chronyd answered the last status query.', bool(t.reachable));
    if (tr) {
      w.gauge('chrony_tracking_info', 'Chrony tracking info (value 1).', [{ labels: { tracking_refid: tr.refId ?? '00000000', tracking_name: tr.refName ?? '' }, value: 1 }]);
      w.gauge('chrony_tracking_stratum', 'Chrony tracking client stratum.', tr.stratum);
      // chronyc's "System time": positive when the system clock is slow, the opposite of ours.
      w.gauge('chrony_tracking_system_time_seconds', 'Chrony tracking system time (positive: system clock slow of NTP time).', tr.systemOffsetS === null ? null : -tr.systemOffsetS);
      w.gauge('chrony_tracking_root_delay_seconds', 'Total of the network path delays to the stratum-1 the computer is ultimately synchronised to.', tr.rootDelayS);
      w.gauge('chrony_tracking_root_dispersion_seconds', 'Total of all measurement errors to the NTP root.', tr.rootDispersionS);
      w.gauge('chrony_tracking_frequency_ppms', "Rate by which the system's clock would be wrong if chronyd was not correcting it, in PPMs.", tr.frequencyPpm);
      w.gauge('chrony_tracking_skew_ppms', 'The estimated error bound on the frequency, in PPMs.', tr.skewPpm);
    }
    const sources = t.reachable ? t.sources : [];
    const per = (pick: (x: TimeSource) => number | null): Sample[] => sources.map((x) => ({ labels: sourceLabels(x), value: pick(x) }));
    w.gauge('chrony_sources_stratum', 'Chrony sources stratum.', per((x) => x.stratum));
    w.gauge('chrony_sources_last_sample_age_seconds', 'Chrony sources last good sample age in seconds.', per((x) => x.lastSampleAgoS));
    w.gauge('chrony_sources_last_sample_offset_seconds', 'Chrony sources last sample offset in seconds (positive: local clock ahead).', per((x) => x.offsetS));
    w.gauge('chrony_sources_last_sample_error_margin_seconds', 'Chrony sources last sample margin of error in seconds.', per((x) => x.errorS));
    w.gauge('chrony_sources_reachability', 'Chrony sources reach register (8 bits, 255: the last eight polls answered).', per((x) => x.reach));
    w.gauge(
      'chrony_sources_state_info',
      'Chrony sources state info (value 1).',
      sources.map((x) => ({ labels: { ...sourceLabels(x), source_state: x.state, source_mode: MODE[x.kind] }, value: 1 })),
    );
    w.gauge('chrony_sourcestats_stddev', 'The estimated sample standard deviation, seconds.', per((x) => x.stdDevS));
  }
  const n = t.nmeaOffset;
  w.gauge('stratum1d_nmea_delay_seconds', 'Measured delay of the NMEA time label after the PPS edge (what the timekeeper refclock offset corrects).', n?.valueS);
  w.gauge('stratum1d_nmea_delay_spread_seconds', 'Robust (MAD-based) spread of the NMEA delay samples.', n?.spreadS);
  w.gauge('stratum1d_nmea_delay_samples', 'Samples behind the NMEA delay estimate.', n?.samples);
  const feed = t.feed;
  w.counter(
    'stratum1d_timekeeper_samples_sent_total',
    'Samples delivered to the timekeeper, by feed.',
    [
      { labels: { feed: 'sock' }, value: feed.sockSent },
      { labels: { feed: 'pps' }, value: feed.ppsSent },
      { labels: { feed: 'shm' }, value: feed.shmWrites },
    ],
  );
  w.counter('stratum1d_timekeeper_samples_failed_total', 'SOCK samples the timekeeper did not take (absent or refusing; retried next epoch).', feed.sockFailed);
  w.counter('stratum1d_nmea_epochs_stalled_total', 'NMEA epochs not sent because their arrival stamp was stalled.', feed.stalledDropped ?? 0);
}

const MODE: Record<TimeSource['kind'], string> = { server: 'client', peer: 'peer', refclock: 'ref', local: 'local' };
const sourceLabels = (x: TimeSource) => ({ source_address: x.name, source_name: x.name });

function gnssMetrics(w: MetricsWriter, s: ApplianceState): void {
  const g = s.gnss;
  w.gauge('stratum1d_gnss_link_state', 'GNSS receiver link state (1 for the current one).', oneOf('state', ['connecting', 'open', 'down'] as const, g.link));
  w.counter('stratum1d_gnss_reconnects_total', 'Successful re-opens of the receiver after a loss.', g.reconnects);
  w.gauge('stratum1d_gnss_fix_mode', 'Fix mode as gpsd numbers it: 0 unknown, 1 no fix, 2 2D, 3 3D.', g.fix?.mode ?? null);
  w.gauge('stratum1d_gnss_time_valid', 'Whether the receiver time is trusted (enough consecutive valid epochs).', bool(g.trust.timeValid));
  w.gauge('stratum1d_gnss_antenna_state', 'Antenna state when the receiver reports it (1 for the current one).', oneOf('state', ['ok', 'open', 'short'] as const, g.antenna));
  const sky = g.sky;
  w.gauge('stratum1d_gnss_satellites_used', 'Satellites used in the solution.', sky?.uSat ?? (sky ? sky.satellites.filter((x) => x.used).length : null));
  w.gauge('stratum1d_gnss_satellites_visible', 'Satellites in view.', sky?.nSat ?? (sky ? sky.satellites.length : null));
  const mean = (xs: Array<number | null>): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((p, q) => p + q, 0) / v.length;
  };
  w.gauge('stratum1d_gnss_cn0_mean_dbhz', 'Mean carrier-to-noise density of the satellites used / all with a signal, dB-Hz.', [
    { labels: { satellites: 'used' }, value: sky ? mean(sky.satellites.filter((x) => x.used).map((x) => x.ss)) : null },
    { labels: { satellites: 'visible' }, value: sky ? mean(sky.satellites.map((x) => x.ss)) : null },
  ]);
  w.gauge('stratum1d_gnss_dop', 'Dilution of precision reported by the receiver.', [
    { labels: { dop: 'hdop' }, value: sky?.hdop ?? null },
    { labels: { dop: 'pdop' }, value: sky?.pdop ?? null },
    { labels: { dop: 'vdop' }, value: sky?.vdop ?? null },
  ]);
}

function ppsMetrics(w: MetricsWriter, s: ApplianceState): void {
  const p = s.pps;
  if (p.source === null) return;
  const h = p.health;
  w.gauge(
    'stratum1d_pps_condition',
    'PPS line condition (1 for the current one).',
    oneOf('condition', ['waiting', 'missing', 'wrong-rate', 'no-gnss-time', 'ok'] as const, h?.condition ?? null),
  );
  w.counter('stratum1d_pps_pulses_total', 'PPS pulses seen.', p.pulses);
  w.counter('stratum1d_pps_missed_total', 'PPS pulses lost in sequence gaps.', p.missed);
  w.gauge('stratum1d_pps_rate_hertz', 'PPS rate from the median of recent intervals.', h?.rateHz);
  w.gauge('stratum1d_pps_offset_seconds', 'Last PPS edge against the system clock second (while disciplined).', ns(h?.offset?.lastNs));
  w.gauge('stratum1d_pps_offset_mean_seconds', 'Mean PPS edge offset over the statistics window.', ns(h?.offset?.meanNs));
  w.gauge('stratum1d_pps_jitter_seconds', 'Standard deviation of the PPS edge offsets over the statistics window.', ns(h?.offset?.jitterNs));
}

function rtcMetrics(w: MetricsWriter, s: ApplianceState): void {
  const r = s.rtc;
  if (r.model === null) return;
  w.gauge('stratum1d_rtc_readable', 'Whether the RTC could be read.', bool(r.readable));
  w.gauge('stratum1d_rtc_offset_seconds', 'RTC minus system clock at the last reading.', ms(r.offsetMs));
  w.gauge('stratum1d_rtc_drift_ppm', 'RTC rate against GNSS time (+: runs fast).', r.drift?.ppm);
  w.gauge('stratum1d_rtc_drift_stderr_ppm', 'Standard error of the RTC drift estimate.', r.drift?.stdErrPpm);
  w.gauge('stratum1d_rtc_temperature_celsius', "The RTC's temperature sensor.", r.temperatureC);
  w.gauge('stratum1d_rtc_battery_low', 'Whether the RTC reports a low battery.', bool(r.batteryLow));
  w.gauge('stratum1d_rtc_oscillator_stopped', 'Whether the RTC oscillator stopped (its time is invalid).', bool(r.oscillatorStopped));
}

function mcpMetrics(w: MetricsWriter, input: MetricsInput): void {
  const t = input.mcp.toolCalls;
  w.counter('stratum1d_mcp_tool_calls_total', 'MCP tool calls served by the daemon, by outcome (invalid: unknown tool or bad arguments).', [
    { labels: { outcome: 'ok' }, value: t.ok },
    { labels: { outcome: 'error' }, value: t.error },
    { labels: { outcome: 'invalid' }, value: t.invalid },
  ]);
  const n = input.mcp.network;
  if (!n) return;
  w.counter('stratum1d_mcp_requests_total', 'MCP JSON-RPC requests received over the network (WebSocket and Streamable HTTP).', n.rate.allowed + n.rate.limited);
  w.counter('stratum1d_mcp_rate_limited_total', 'MCP requests refused by the per-key rate limit.', n.rate.limited);
  w.counter('stratum1d_mcp_errors_total', 'MCP messages rejected before dispatch, by reason.', [
    { labels: { reason: 'malformed' }, value: n.websocket.malformed + n.http.malformed },
    { labels: { reason: 'oversized' }, value: n.websocket.oversized + n.http.oversized },
  ]);
  w.counter(
    'stratum1d_mcp_refused_total',
    'MCP connections or requests refused before a session, by reason.',
    Object.entries(n.refused).map(([reason, v]) => ({ labels: { reason }, value: v })),
  );
  w.gauge('stratum1d_mcp_sessions', 'MCP sessions open now, by transport.', [
    { labels: { transport: 'websocket' }, value: n.websocket.open },
    { labels: { transport: 'http' }, value: n.http.open },
  ]);
}

function hostMetrics(w: MetricsWriter, host: HostFacts): void {
  const p = host.process;
  w.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', host.memory.rssBytes);
  w.counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', p.cpuUserS + p.cpuSystemS);
  w.counter('process_cpu_user_seconds_total', 'User CPU time spent in seconds.', p.cpuUserS);
  w.counter('process_cpu_system_seconds_total', 'System CPU time spent in seconds.', p.cpuSystemS);
  w.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', p.startTimeS);
  w.gauge('process_open_fds', 'Number of open file descriptors.', p.openFds);
  w.gauge('process_max_fds', 'Maximum number of open file descriptors.', p.maxFds);
  w.gauge('nodejs_heap_size_used_bytes', 'V8 heap used.', p.heapUsedBytes);
  w.gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated.', p.heapTotalBytes);
  w.gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects.', p.externalBytes);
  const e = host.eventLoop;
  w.gauge('nodejs_eventloop_lag_mean_seconds', 'Mean event-loop delay over the last window.', ms(e?.meanMs));
  w.gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile event-loop delay over the last window.', ms(e?.p99Ms));
  w.gauge('nodejs_eventloop_lag_max_seconds', 'Largest event-loop delay over the last window.', ms(e?.maxMs));
  w.gauge('stratum1d_memory_limit_bytes', 'The memory limit /health compares RSS with (cgroup memory.max, else system RAM).', [
    { labels: { source: host.memory.limitSource }, value: host.memory.limitBytes },
  ]);
  if (host.disk.error === undefined) {
    w.gauge('stratum1d_state_filesystem_avail_bytes', 'Space available to the daemon on the filesystem of its state directory.', host.disk.availBytes);
    w.gauge('stratum1d_state_filesystem_size_bytes', 'Size of the filesystem of the state directory.', host.disk.sizeBytes);
  }
}
