import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { INGEST_PATH } from '../fleet-wire/schema.js';
import { renderCollectorMetrics } from './collector-metrics.js';
import { createDashboard, type Dashboard } from './dashboard/dashboard.js';
import { fleetAlarms as computeFleetAlarms, type FleetAlarm, type FleetAlarmThresholds } from './fleet-alarms.js';
import { createIngest } from './ingest.js';
import type { DeviceRow, FleetStore } from './store/fleet-store.js';
import { PROMETHEUS_CONTENT_TYPE } from '../lib/prometheus-text.js';

/**
 * The collector's HTTP(S) server: POST /api/v1/ingest (ingest.ts), GET /health, GET /metrics,
 * and everything else to the dashboard. It also runs the store's maintenance (rollups and
 * retention) on a timer — with several collectors on one PostgreSQL each runs it; maintain()
 * is idempotent and the stores serialise it.
 *
 * Timeouts bound what a slow or stuck client can hold: headers within 15 s, the whole request
 * within 30 s, idle keep-alive connections closed after 65 s (longer than an appliance's 10 s
 * interval, so an uploader reuses its connection).
 */

export interface CollectorLog {
  debug?(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface Retention {
  rawDays: number;
  minuteDays: number;
  hourDays: number;
}

export const DEFAULT_RETENTION: Retention = { rawDays: 14, minuteDays: 90, hourDays: 730 };

export interface CollectorOptions {
  store: FleetStore;
  listen: { host: string; port: number };
  /** PEM text of the certificate chain and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  log: CollectorLog;
  /** Serve the dashboard on the other paths (default true). */
  dashboard?: boolean;
  /** The appliances' reporting interval, seconds (default 10): "silent" is 3 of them. */
  intervalS?: number;
  now?: () => number;
  version?: string;
  retention?: Retention;
  /** How often maintain() runs (default 60 s). */
  maintainEveryMs?: number;
  thresholds?: Partial<FleetAlarmThresholds>;
  maxInFlight?: number;
}

export interface Collector {
  url: string;
  stop(): Promise<void>;
  stats(): Record<string, unknown>;
}

/** Fleet figures are read by /health, /metrics and the dashboard; compute at most once a second. */
const FLEET_CACHE_MS = 1000;

export async function startCollector(opts: CollectorOptions): Promise<Collector> {
  const now = opts.now ?? Date.now;
  const intervalS = opts.intervalS ?? 10;
  const retention = opts.retention ?? DEFAULT_RETENTION;
  const maintainEveryMs = opts.maintainEveryMs ?? 60_000;
  const { store, log } = opts;
  const startedAt = now();
  const ingest = createIngest({ store, now, log, ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}) });
  const http = new Map<string, number>();
  const maintainStats = { runs: 0, failures: 0, lastSuccessAt: null as number | null, lastDurationS: null as number | null, lastError: null as string | null };

  let fleetCache: { at: number; value: Promise<{ devices: DeviceRow[]; alarms: FleetAlarm[] }> } | null = null;
  function fleet(): Promise<{ devices: DeviceRow[]; alarms: FleetAlarm[] }> {
    const t = now();
    if (fleetCache && t - fleetCache.at < FLEET_CACHE_MS && t >= fleetCache.at) return fleetCache.value;
    const value = Promise.all([store.devices(), store.latestTelemetry()]).then(([devices, latest]) => ({
      devices,
      alarms: computeFleetAlarms({ devices, latest, now: t, intervalS, ...(opts.thresholds ? { thresholds: opts.thresholds } : {}) }),
    }));
    fleetCache = { at: t, value };
    value.catch(() => {
      if (fleetCache?.value === value) fleetCache = null;
    });
    return value;
  }
  // Reporting = not silent by the alarm's rule, which judges each appliance by its own interval.
  const reportingCount = (f: { devices: DeviceRow[]; alarms: FleetAlarm[] }) => {
    const silent = new Set(f.alarms.filter((a) => a.id === 'silent').map((a) => a.device));
    return f.devices.filter((d) => d.lastSeen !== null && !silent.has(d.name)).length;
  };

  const dashboard: Dashboard | null =
    opts.dashboard === false
      ? null
      : createDashboard({ store, fleetAlarms: async () => (await fleet()).alarms, intervalS, secure: opts.tls !== undefined, log, now });

  async function health(res: ServerResponse): Promise<void> {
    let storeOk = true;
    let storeError: string | null = null;
    let devices: number | null = null;
    let reporting: number | null = null;
    let alarms: FleetAlarm[] = [];
    try {
      const f = await withTimeout(fleet(), 5000, 'the store did not answer within 5 s');
      devices = f.devices.length;
      reporting = reportingCount(f);
      alarms = f.alarms;
    } catch (err) {
      storeOk = false;
      storeError = (err as Error).message;
    }
    const maintainLate = maintainStats.lastSuccessAt === null ? maintainStats.runs > 0 : now() - maintainStats.lastSuccessAt > 3 * maintainEveryMs + 60_000;
    const status = !storeOk ? 'down' : maintainLate || ingest.stats().inFlight >= (opts.maxInFlight ?? 256) ? 'degraded' : 'ok';
    const body = {
      status,
      version: opts.version ?? null,
      uptimeS: Math.round((now() - startedAt) / 1000),
      components: {
        store: { ok: storeOk, kind: store.kind, error: storeError },
        maintenance: { ok: !maintainLate, runs: maintainStats.runs, failures: maintainStats.failures, lastSuccessAt: maintainStats.lastSuccessAt, lastError: maintainStats.lastError },
        ingest: { ok: true, inFlight: ingest.stats().inFlight, accepted: ingest.stats().accepted },
      },
      fleet: { devices, reporting, alarms: alarms.length, critical: alarms.filter((a) => a.severity === 'critical').length },
    };
    sendJson(res, status === 'down' ? 503 : 200, body);
  }

  async function metrics(res: ServerResponse): Promise<void> {
    let f: { devices: DeviceRow[]; alarms: FleetAlarm[] } | null = null;
    try {
      f = await withTimeout(fleet(), 5000, 'the store did not answer within 5 s');
    } catch (err) {
      log.warn('metrics: fleet figures unavailable', { error: (err as Error).message });
    }
    const text = renderCollectorMetrics({
      version: opts.version ?? 'unknown',
      storeKind: store.kind,
      ingest: ingest.stats(),
      devices: f ? f.devices.length : null,
      reporting: f ? reportingCount(f) : null,
      alarms: f ? f.alarms : null,
      maintain: maintainStats,
      http,
      dashboard: dashboard?.stats() ?? null,
      startedAt,
    });
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
    res.end(text);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === INGEST_PATH) {
      await ingest.handle(req, res);
      return 'ingest';
    }
    if (path === '/health' || path === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'GET only' }, { allow: 'GET, HEAD' });
      } else if (path === '/health') await health(res);
      else await metrics(res);
      return path.slice(1);
    }
    if (dashboard && (await dashboard.handle(req, res))) return 'dashboard';
    if (!res.headersSent) sendJson(res, 404, { error: `no such page: ${path}` });
    return 'not_found';
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res)
      .then((r) => count(r, res.statusCode))
      .catch((err) => {
        log.error('request failed', { url: req.url, error: (err as Error)?.message ?? String(err) });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
        count('error', 500);
      });
  };
  function count(routeName: string, code: number): void {
    const k = `${routeName} ${code}`;
    http.set(k, (http.get(k) ?? 0) + 1);
  }

  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createHttpServer(onRequest);
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 100;
  const sockets = new Set<Socket>();
  server.on(opts.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err, socket) => {
    count('client_error', 400);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
    log.debug?.('client error', { error: err.message });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error('server error', { error: err.message }));
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${addr.port}`;

  // Maintenance: once soon after start, then periodically; never two at once in this process.
  let maintaining: Promise<void> | null = null;
  let stopped = false;
  function runMaintain(): Promise<void> {
    if (maintaining || stopped) return maintaining ?? Promise.resolve();
    const t0 = process.hrtime.bigint();
    maintaining = store
      .maintain(now(), retention)
      .then(() => {
        maintainStats.lastSuccessAt = now();
        maintainStats.lastError = null;
      })
      .catch((err) => {
        maintainStats.failures++;
        maintainStats.lastError = (err as Error).message;
        log.error('maintenance failed', { error: (err as Error).message });
      })
      .finally(() => {
        maintainStats.runs++;
        maintainStats.lastDurationS = Number(process.hrtime.bigint() - t0) / 1e9;
        maintaining = null;
      });
    return maintaining;
  }
  const first = setTimeout(() => void runMaintain(), Math.min(5000, maintainEveryMs));
  const timer = setInterval(() => void runMaintain(), maintainEveryMs);
  first.unref();
  timer.unref();

  log.info('collector listening', { url, store: store.kind, dashboard: dashboard !== null, intervalS });

  return {
    url,
    stats: () => ({ ingest: ingest.stats(), maintain: { ...maintainStats }, http: Object.fromEntries(http), dashboard: dashboard?.stats() ?? null }),
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      dashboard?.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // Requests in progress get a moment to finish (an ingest commits and is acknowledged).
      const grace = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 3000);
      await closed;
      clearTimeout(grace);
      await maintaining;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(t));
}
