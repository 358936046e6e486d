import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { mcpSchema } from '../../src/config/sections/mcp.js';
import { createLogger } from '../../src/daemon/logger.js';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { startMcpNetwork } from '../../src/daemon/mcp/http/mcp-network.js';
import { createMcpServer } from '../../src/daemon/mcp/server/create-server.js';
import { FakeApi } from '../unit/daemon/mcp/transports/test-server.js';

/** The real MCP server (createMcpServer) over both network transports. */
const READ_KEY = 'read-key-0123456789abcdef';
const config = mcpSchema.parse({ enabled: true, port: 0, keys: [{ name: 'assistant', role: 'read', sha256: hashKey(READ_KEY) }] });
const api = new FakeApi();
const net = await startMcpNetwork({ config, apiFor: () => api, createServer: (a, c) => createMcpServer(a, c, { statusPollMs: 60_000 }), log: createLogger({ level: 'error', format: 'json' }) });
t.teardown(() => net.stop());
(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { headers: { authorization: `Bearer ${READ_KEY}` } });
  }
};

const clients = {
  websocket: () => new WebSocketClientTransport(new URL(net.address.ws)),
  'streamable http': () => new StreamableHTTPClientTransport(new URL(net.address.http), { requestInit: { headers: { authorization: `Bearer ${READ_KEY}` } } }),
};

for (const [name, make] of Object.entries(clients)) {
  t.test(`${name}: the appliance's tools, an unknown tool, bad arguments, a read key on an admin tool`, async (t) => {
    const c = new Client({ name: 'test', version: '0' });
    await c.connect(make());
    t.teardown(() => c.close());
    const { tools } = await c.listTools();
    for (const want of ['get_time', 'get_health']) t.ok(tools.some((x) => x.name === want), `${want} listed`);
    t.notOk(tools.some((x) => x.name === 'apply_timekeeper_config'), 'a read key is not shown the admin tools');
    t.ok(tools.every((x) => x.inputSchema.type === 'object' && x.annotations !== undefined), 'every tool has a schema and annotations');
    const time = await c.callTool({ name: 'get_time', arguments: {} });
    t.notOk(time.isError);
    t.ok(time.structuredContent, 'structured content');
    const code = (p: Promise<unknown>) => p.then(() => null, (e: { code?: number; message: string }) => e);
    t.match(await code(c.callTool({ name: 'no_such_tool', arguments: {} })), { code: -32602, message: /no_such_tool/ });
    t.match(await code(c.callTool({ name: 'get_time_with_timezone', arguments: { timezone: 7 } })), { code: -32602, message: /timezone/ });
    const admin = await c.callTool({ name: 'apply_timekeeper_config', arguments: {} }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }));
    t.equal(admin.isError, true);
    t.match(JSON.stringify(admin.content), /admin role/);
    t.notOk(api.calls.some((x) => x.method === 'apply'), 'the daemon was never asked');
  });
}
