import { parseHttpListen, type HttpConfig } from '../config/sections/http.js';
import { PROMETHEUS_CONTENT_TYPE } from '../lib/prometheus-text.js';
import type { ApplianceStore } from './core/appliance-state.js';
import { buildHealth, httpStatusFor } from './http/health.js';
import { startHttpServer, type HttpEndpoint } from './http/http-server.js';
import { buildMetrics, type McpNetworkStats, type MetricsInput } from './http/metrics.js';
import { RuntimeProbe } from './http/runtime-probe.js';
import type { Logger } from './logger.js';
import { toolCallCounts } from './mcp/server/call-tool.js';
import { VERSION } from './version.js';

export interface HttpWiringDeps {
  config: HttpConfig;
  store: ApplianceStore;
  stateDir: string;
  log: Logger;
  /** Live counters of the other surfaces; each returns null when that surface is off. */
  mcpStats: () => Record<string, unknown> | null;
  controlStats: () => MetricsInput['control'];
  gpsdStats: () => MetricsInput['gpsd'];
}

export interface HttpWiring {
  endpoint: HttpEndpoint;
  stop(): Promise<void>;
}

/**
 * `GET /health` and `GET /metrics` on `http.listen`. Returns null when `http.listen: off`.
 * Binding fails fast (rejects) like the other listeners: the caller turns it into exit 75.
 */
export async function startHttp(d: HttpWiringDeps): Promise<HttpWiring | null> {
  const listen = parseHttpListen(d.config.listen);
  if (listen === null) {
    d.log.info('HTTP health/metrics endpoint off (http.listen: off)');
    return null;
  }
  if (typeof listen === 'string') throw new Error(`http.listen: ${listen}`); // the schema already refused it
  const probe = new RuntimeProbe(d.stateDir);
  let endpoint: HttpEndpoint | null = null;
  const health = async () => buildHealth(d.store.snapshot, await probe.facts(), Date.now());
  try {
    endpoint = await startHttpServer({
      host: listen.host,
      port: listen.port,
      onError: (err) => d.log.warn('HTTP endpoint error', { error: err.message }),
      routes: {
        '/health': async () => {
          const report = await health();
          return { status: httpStatusFor(report), contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(report, null, 2)}\n` };
        },
        '/metrics': async () => {
          const host = await probe.facts();
          const state = d.store.snapshot;
          const text = buildMetrics({
            state,
            host,
            health: buildHealth(state, host, Date.now()),
            build: { version: VERSION, node: process.version },
            mcp: { toolCalls: { ...toolCallCounts }, network: d.mcpStats() as McpNetworkStats | null },
            control: d.controlStats(),
            gpsd: d.gpsdStats(),
            http: { requests: endpoint?.stats().requests ?? {} },
          });
          return { status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: text };
        },
      },
    });
  } catch (err) {
    probe.stop();
    throw err;
  }
  d.log.info('HTTP listening', { url: endpoint.address.url, routes: ['/health', '/metrics'] });
  const ep = endpoint;
  return {
    endpoint: ep,
    async stop() {
      probe.stop();
      await ep.stop();
    },
  };
}
