import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ApplianceApi } from '../appliance-api.js';
import { SubsystemMissing } from '../appliance-api.js';
import { stateOrDown } from '../tools/quality.js';
import { downSnapshot, statusSnapshot } from './status-snapshot.js';
import { StatusWatcher } from './status-watcher.js';

export const STATUS_URI = 'stratum1d://status';
export const CHRONY_CONFIG_URI = 'stratum1d://config/chrony';

/**
 * The two resources, and subscriptions to the status one (MCP resources/subscribe: the
 * server then sends notifications/resources/updated, and the client reads it again).
 * Must run before connect(): it declares the `subscribe` capability.
 */
export function registerResources(server: McpServer, api: ApplianceApi, nowMs: () => number, pollMs?: number): { close(): void } {
  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });

  server.registerResource(
    'status',
    STATUS_URI,
    { title: 'Appliance status', description: 'JSON snapshot of GNSS, PPS, RTC, timekeeper, health and explanations. Subscribe to be told when the fix or sync state changes.', mimeType: 'application/json' },
    async (uri) => {
      const r = await stateOrDown(api);
      const body = 'state' in r ? statusSnapshot(r.state, nowMs()) : downSnapshot(r.down);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
    },
  );

  server.registerResource(
    'chrony-config',
    CHRONY_CONFIG_URI,
    { title: 'Rendered timekeeper config', description: 'The chrony include (or ntpsec fragment) stratum1d renders now; see render_timekeeper_config for the diff.', mimeType: 'text/plain' },
    async (uri) => {
      try {
        const r = await api.renderTimekeeperConfig();
        return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: r.rendered }] };
      } catch (err) {
        if (err instanceof SubsystemMissing) throw new McpError(ErrorCode.InternalError, `${err.message}. To fix: ${err.fix}`);
        throw err;
      }
    },
  );

  const subscribed = new Set<string>();
  const notify = (): void => {
    if (!subscribed.has(STATUS_URI)) return;
    server.server.sendResourceUpdated({ uri: STATUS_URI }).catch(() => {
      // The connection is gone: nobody left to tell.
      watcher.stop();
    });
  };
  const watcher = new StatusWatcher(api, notify, pollMs);
  const known = new Set([STATUS_URI, CHRONY_CONFIG_URI]);

  server.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const uri = req.params.uri;
    if (!known.has(uri)) throw new McpError(ErrorCode.InvalidParams, `unknown resource ${uri}`);
    subscribed.add(uri);
    // The rendered config changes only on a config change or a calibration: accepted, nothing to push yet.
    if (uri === STATUS_URI) await watcher.start();
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subscribed.delete(req.params.uri);
    if (!subscribed.has(STATUS_URI)) watcher.stop();
    return {};
  });
  return { close: () => watcher.stop() };
}
