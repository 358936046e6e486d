import { parseHttpListen, type HttpConfig } from '../config/sections/http.js';
import type { ApplianceStore } from './core/appliance-state.js';
import type { HttpEndpoint } from './http/http-server.js';
import type { McpNetworkStats, MetricsInput } from './http/metrics.js';
import type { Logger } from './logger.js';
import { VERSION } from './version.js';
import { noteLoaded } from './wiring-loaded.js';

/** In-daemon MCP tool calls: counted by the network MCP server, so zero until it has been loaded. */
const NO_TOOL_CALLS = Object.freeze({ ok: 0, error: 0, invalid: 0 });
let toolCalls: (() => { ok: number; error: number; invalid: number }) | null = null;
async function toolCallCounts(mcpNetworkOn: boolean): Promise<{ ok: number; error: number; invalid: number }> {
  // Importing call-tool.js pulls in the MCP SDK: only once the network listener has loaded it.
  if (!toolCalls && mcpNetworkOn) {
    const m = await import('./mcp/server/call-tool.js');
    toolCalls = () => ({ ...m.toolCallCounts });
  }
  return toolCalls ? toolCalls() : { ...NO_TOOL_CALLS };
}

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
  // Loaded only with the endpoint on (`http.listen` not `off`).
  const [{ PROMETHEUS_CONTENT_TYPE }, { buildHealth, httpStatusFor }, { startHttpServer }, { buildMetrics }, { RuntimeProbe }] = await Promise.all([
    import('../lib/prometheus-text.js'),
    import('./http/health.js'),
    import('./http/http-server.js'),
    import('./http/metrics.js'),
    import('./http/runtime-probe.js'),
  ]);
  noteLoaded('http');
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
          const mcpNetwork = d.mcpStats() as McpNetworkStats | null;
          const toolCalls = await toolCallCounts(mcpNetwork !== null);
          const state = d.store.snapshot;
          const text = buildMetrics({
            state,
            host,
            health: buildHealth(state, host, Date.now()),
            build: { version: VERSION, node: process.version },
            mcp: { toolCalls, network: mcpNetwork },
            control: d.controlStats(),
            gpsd: d.gpsdStats(),
            http: { requests: endpoint?.stats().requests ?? {}, ...(endpoint ? { refused: { ...endpoint.stats().refused } } : {}) },
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
