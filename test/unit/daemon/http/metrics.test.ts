import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import t from 'tap';
import { buildHealth } from '../../../../src/daemon/http/health.js';
import { buildMetrics, type MetricsInput } from '../../../../src/daemon/http/metrics.js';
import type { ApplianceStore } from '../../../../src/daemon/core/appliance-state.js';
import { healthyStore, okHost, T0 } from './state-fixture.js';

const PROMTOOL = process.env.PROMTOOL ?? '/opt/prometheus/usr/bin/promtool';

function input(store: ApplianceStore, over: Partial<MetricsInput> = {}): MetricsInput {
  const host = okHost();
  return {
    state: store.snapshot,
    host,
    health: buildHealth(store.snapshot, host, T0 + 60_000),
    build: { version: '9.9.9', node: 'v20.0.0' },
    mcp: {
      toolCalls: { ok: 7, error: 2, invalid: 1 },
      network: {
        refused: { origin: 1, key: 4, path: 0, subprotocol: 0, capacity: 0 },
        websocket: { open: 1, malformed: 1, oversized: 0, rateLimited: 2 },
        http: { open: 2, malformed: 0, oversized: 1, rateLimited: 3 },
        rate: { allowed: 40, limited: 5 },
      },
    },
    control: { connections: 3, requests: 9, badRequests: 1 },
    gpsd: { clients: 2, connections: 5, refused: 0, reportsDropped: 0 },
    http: { requests: { '/metrics': 1 }, refused: { connections: 3, method: 0, body: 1, header: 2, malformed: 0, 'slow-request': 1, 'slow-reader': 0 } },
    ...over,
  };
}

/** `name{labels} value` lines as a map from the series to its value. */
function series(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

t.test('chrony tracking and sources under chrony_exporter names and signs', async (t) => {
  const m = series(buildMetrics(input(healthyStore())));
  t.equal(m.get('chrony_up'), 1);
  t.equal(m.get('chrony_tracking_info{tracking_name="PPS",tracking_refid="50505300"}'), 1);
  t.equal(m.get('chrony_tracking_stratum'), 1);
  t.equal(m.get('chrony_tracking_system_time_seconds'), -2e-7, "chronyc's sign: positive is slow; our state says the clock is ahead");
  t.equal(m.get('stratum1d_timekeeper_system_offset_seconds'), 2e-7);
  t.equal(m.get('chrony_tracking_frequency_ppms'), -12.5);
  t.equal(m.get('chrony_tracking_skew_ppms'), 0.01);
  t.equal(m.get('chrony_tracking_root_dispersion_seconds'), 1.5e-5);
  t.equal(m.get('chrony_sources_last_sample_offset_seconds{source_address="PPS",source_name="PPS"}'), -3e-7);
  t.equal(m.get('chrony_sources_state_info{source_address="PPS",source_mode="ref",source_name="PPS",source_state="selected"}'), 1);
  t.equal(m.get('chrony_sources_reachability{source_address="NMEA",source_name="NMEA"}'), 255);
  t.equal(m.get('chrony_sourcestats_stddev{source_address="NMEA",source_name="NMEA"}'), 0.0005);
  const q = '"time.example \\"net\\""';
  const net = `source_address=${q},source_name=${q}`;
  t.equal(m.get(`chrony_sources_state_info{source_address=${q},source_mode="client",source_name=${q},source_state="unreachable"}`), 1, 'quotes in a name are escaped');
  t.notOk(m.has(`chrony_sources_last_sample_offset_seconds{${net}}`), 'no sample yet: absent, not 0');
  t.equal(m.get('stratum1d_nmea_delay_seconds'), 0.123);
});

t.test('GNSS, PPS, RTC, holdover, alarms: the appliance figures', async (t) => {
  const m = series(buildMetrics(input(healthyStore())));
  t.equal(m.get('stratum1d_gnss_fix_mode'), 3);
  t.equal(m.get('stratum1d_gnss_satellites_used'), 2);
  t.equal(m.get('stratum1d_gnss_satellites_visible'), 3);
  t.equal(m.get('stratum1d_gnss_cn0_mean_dbhz{satellites="used"}'), 42);
  t.equal(m.get('stratum1d_gnss_cn0_mean_dbhz{satellites="visible"}'), 42, 'satellites without a signal do not count as 0 dB-Hz');
  t.equal(m.get('stratum1d_gnss_dop{dop="hdop"}'), 0.9);
  t.equal(m.get('stratum1d_gnss_link_state{state="open"}'), 1);
  t.equal(m.get('stratum1d_gnss_link_state{state="down"}'), 0);
  t.equal(m.get('stratum1d_pps_pulses_total'), 100);
  t.equal(m.get('stratum1d_pps_missed_total'), 2);
  t.equal(m.get('stratum1d_pps_jitter_seconds'), 8e-7);
  t.equal(m.get('stratum1d_pps_offset_seconds'), 1.5e-6);
  t.equal(m.get('stratum1d_rtc_drift_ppm'), 1.8);
  t.equal(m.get('stratum1d_rtc_temperature_celsius'), 31.25);
  t.equal(m.get('stratum1d_rtc_offset_seconds'), -0.25);
  t.equal(m.get('stratum1d_holdover_state{state="locked"}'), 1);
  t.notOk(m.has('stratum1d_holdover_estimated_error_seconds'), 'no estimate while locked');
  t.equal(m.get('stratum1d_alarms_active{severity="minor"}'), 1);
  t.equal(m.get('stratum1d_alarms_active{severity="critical"}'), 0);
  t.equal(m.get('stratum1d_alarm_active{id="leap-file-expiring",severity="minor"}'), 1);
  t.equal(m.get('stratum1d_alarms_raised_total'), 5);
  t.equal(m.get('stratum1d_mcp_tool_calls_total{outcome="error"}'), 2);
  t.equal(m.get('stratum1d_mcp_requests_total'), 45);
  t.equal(m.get('stratum1d_mcp_rate_limited_total'), 5);
  t.equal(m.get('stratum1d_mcp_errors_total{reason="oversized"}'), 1);
  t.equal(m.get('stratum1d_gpsd_clients'), 2);
  t.equal(m.get('stratum1d_http_refused_total{reason="connections"}'), 3, "the endpoint's own refusals, by reason");
  t.equal(m.get('stratum1d_http_refused_total{reason="header"}'), 2);
  t.equal(m.get('stratum1d_http_refused_total{reason="slow-request"}'), 1);
  t.equal(m.get('stratum1d_http_refused_total{reason="method"}'), 0, 'a reason never seen is 0, not absent');
  t.equal(m.get('stratum1d_health_status'), 0);
  t.equal(m.get('stratum1d_build_info{mode="hardware",nodejs="v20.0.0",version="9.9.9"}'), 1);
  t.equal(m.get('process_open_fds'), 30);
  t.equal(m.get('nodejs_eventloop_lag_p99_seconds'), 0.012);
  t.equal(m.get('stratum1d_memory_limit_bytes{source="cgroup"}'), 256 * 1024 ** 2);
});

t.test('no per-satellite series, and sections that are off are absent', async (t) => {
  const s = healthyStore();
  s.update('pps', { source: null, link: 'absent', health: null });
  s.update('rtc', { model: null });
  s.update('timekeeper', { kind: 'none' });
  const text = buildMetrics(input(s, { mcp: { toolCalls: { ok: 0, error: 0, invalid: 0 }, network: null }, gpsd: null, http: { requests: {} } }));
  t.notMatch(text, /PRN|svid|prn=/);
  t.notMatch(text, /^chrony_/m, 'no chrony series when chrony is not the timekeeper');
  t.notMatch(text, /^stratum1d_pps_/m);
  t.notMatch(text, /^stratum1d_rtc_/m);
  t.notMatch(text, /^stratum1d_mcp_requests_total/m, 'MCP network off');
  t.notMatch(text, /^stratum1d_gpsd_/m);
  t.notMatch(text, /^stratum1d_http_refused_total/m, 'no refusal counts passed: no series');
  t.match(text, /^stratum1d_mcp_tool_calls_total\{outcome="ok"\} 0$/m);
});

const noPromtool = existsSync(PROMTOOL) ? false : `promtool not found at ${PROMTOOL} (set PROMTOOL; the integration test fails without it)`;

t.test('promtool check metrics accepts the full exposition with no problems', { skip: noPromtool }, async (t) => {
  const s = healthyStore();
  s.update('fleet', { enabled: true, url: 'https://c', lastSeq: 10, ackedSeq: 8, backlog: 2, outboxBytes: 4096, lastUploadAt: T0 });
  s.update('holdover', { state: 'holdover', since: T0, estimatedErrorS: 1e-5 });
  const text = buildMetrics(input(s));
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  t.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint problems');
  t.match(text, /^stratum1d_fleet_backlog_records 2$/m);
});
