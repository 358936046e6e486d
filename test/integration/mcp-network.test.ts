import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { mcpSchema } from '../../src/config/sections/mcp.js';
import { createLogger } from '../../src/daemon/logger.js';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { RATE_LIMITED } from '../../src/daemon/mcp/auth/rate-limit.js';
import { startMcpNetwork } from '../../src/daemon/mcp/http/mcp-network.js';
import { FakeApi, testServer } from '../unit/daemon/mcp/transports/test-server.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const READ_KEY = 'read-key-0123456789abcdef';
const SLOW_KEY = 'slow-key-0123456789abcdef';
const config = mcpSchema.parse({
  enabled: true,
  port: 0,
  keys: [
    { name: 'ops', role: 'admin', sha256: hashKey(ADMIN_KEY) },
    { name: 'assistant', role: 'read', sha256: hashKey(READ_KEY) },
    { name: 'slow', role: 'read', sha256: hashKey(SLOW_KEY) },
  ],
  allowedOrigins: ['https://dash.example'],
  maxMessageBytes: 64 * 1024,
  // Generous enough for the other tests; 'slow' is spent on purpose below.
  rateLimit: { perSecond: 0.5, burst: 200 },
  // These tests fail authentication on purpose, many times, from one address.
  authFailures: { burst: 1000, perMinute: 6000 },
});
const api = new FakeApi();
const net = await startMcpNetwork({ config, apiFor: () => api, createServer: testServer, log: createLogger({ level: 'error', format: 'json' }) });
t.teardown(() => net.stop());

/** The SDK's WebSocket client uses the global WebSocket (absent in Node 20): ws, with our headers. */
function useWebSocket(headers: Record<string, string>): void {
  (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

async function wsClient(key: string | null, extra: Record<string, string> = {}): Promise<Client> {
  useWebSocket({ ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra });
  const c = new Client({ name: 'test', version: '0' });
  await c.connect(new WebSocketClientTransport(new URL(net.address.ws)));
  return c;
}

async function httpClient(key: string | null): Promise<Client> {
  const c = new Client({ name: 'test', version: '0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(net.address.http), { requestInit: { headers: key ? { 'x-api-key': key } : {} } }));
  return c;
}

for (const [name, connect] of [
  ['websocket', wsClient],
  ['streamable http', httpClient],
] as const) {
  t.test(`${name}: tools listed with schemas; calls work; unknown tool is an error`, async (t) => {
    const c = await connect(READ_KEY);
    t.teardown(() => c.close());
    const { tools } = await c.listTools();
    const echo = tools.find((x) => x.name === 'echo');
    t.match(echo?.inputSchema, { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    t.ok(tools.every((x) => x.inputSchema.type === 'object'), 'every tool has an object input schema');
    const r = await c.callTool({ name: 'echo', arguments: { text: 'hi' } });
    t.same(r.structuredContent, { text: 'hi', caller: 'assistant', transport: name === 'websocket' ? 'websocket' : 'http' });
    // The SDK answers an unknown tool or bad arguments either by throwing an McpError or with an isError result.
    const outcome = (p: Promise<unknown>) =>
      p.then(
        (r) => ({ isError: (r as { isError?: boolean }).isError === true, text: JSON.stringify((r as { content?: unknown }).content) }),
        (e: Error) => ({ isError: true, text: e.message }),
      );
    const unknown = await outcome(c.callTool({ name: 'no_such_tool', arguments: {} }));
    t.ok(unknown.isError, 'unknown tool → error');
    t.match(unknown.text, /no_such_tool/, 'naming the tool');
    const bad = await outcome(c.callTool({ name: 'echo', arguments: { text: 42 } }));
    t.ok(bad.isError, 'bad arguments refused');
    t.match(bad.text, /text/, 'naming the field');
  });

  t.test(`${name}: a read key calling an admin tool is refused; an admin key reaches the api`, async (t) => {
    const reader = await connect(READ_KEY);
    t.teardown(() => reader.close());
    const before = api.calls.filter((c) => c.method === 'restart').length;
    const r = await reader.callTool({ name: 'restart_timekeeper', arguments: {} });
    t.equal(r.isError, true);
    t.equal(api.calls.filter((c) => c.method === 'restart').length, before, 'the api was not called');
    const admin = await connect(ADMIN_KEY);
    t.teardown(() => admin.close());
    const a = await admin.callTool({ name: 'restart_timekeeper', arguments: {} });
    t.match((a.content as Array<{ text: string }>)[0]!.text, /missing chrony/, 'SubsystemMissing surfaces as an isError result');
    t.match(api.calls.at(-1), { method: 'restart', caller: { id: 'ops', role: 'admin' } });
  });
}

t.test('missing and wrong keys are refused before any MCP message (401), on both transports', async (t) => {
  for (const key of [null, 'wrong-key-0000000000000000']) {
    await t.rejects(wsClient(key), /401/, `websocket, key ${key}`);
    const res = await fetch(net.address.http, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } }),
    });
    t.equal(res.status, 401, `http, key ${key}`);
    t.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    await t.rejects(httpClient(key), /API key/, 'the SDK client gets the refusal');
  }
  t.equal((net.stats() as { http: { sessions: number } }).http.sessions > 0, true);
});

t.test('a browser Origin not listed is refused (403); a listed one is served', async (t) => {
  await t.rejects(wsClient(READ_KEY, { origin: 'https://evil.example' }), /403/);
  const ok = await wsClient(READ_KEY, { origin: 'https://dash.example' });
  await ok.close();
  const res = await fetch(net.address.http, { method: 'POST', headers: { origin: 'https://evil.example', 'x-api-key': READ_KEY, 'content-type': 'application/json' }, body: '{}' });
  t.equal(res.status, 403);
});

t.test('over the rate limit: JSON-RPC error with retry-after (websocket), 429 + Retry-After (http)', async (t) => {
  // The slow key's bucket (burst 200, 0.5/s) is spent by requests sent one after another, so
  // however slowly this machine runs them the bucket cannot refill faster than they spend it:
  // the first refusal comes after the burst, never by the clock.
  const BURST = 200;
  const statuses: number[] = [];
  let last: Response | null = null;
  for (let i = 0; i < 10 * BURST && !statuses.includes(429); i++) {
    last = await fetch(net.address.http, { method: 'POST', headers: { 'x-api-key': SLOW_KEY, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/list' }) });
    statuses.push(last.status);
    await last.body?.cancel();
  }
  t.equal(statuses.at(-1), 429);
  t.ok(statuses.length > BURST, `refused only once the burst is spent (request ${statuses.length})`);
  t.ok(Number(last!.headers.get('retry-after')) >= 1, 'Retry-After header in seconds');
  useWebSocket({ authorization: `Bearer ${SLOW_KEY}` });
  const raw = new WebSocket(net.address.ws, 'mcp', { headers: { authorization: `Bearer ${SLOW_KEY}` } });
  await new Promise((r) => raw.once('open', r));
  // The same key over WebSocket: the bucket may have refilled a token or two while this socket
  // opened, so requests go one at a time until the first refusal, and every earlier one is a result.
  type Reply = { id: string; result?: unknown; error?: { code: number; data?: { retryAfterMs: number } } };
  const replies: Reply[] = [];
  for (let i = 0; i < BURST && !replies.at(-1)?.error; i++) {
    raw.send(JSON.stringify({ jsonrpc: '2.0', id: `x${i}`, method: 'tools/list' }));
    const data = await new Promise<Buffer>((r) => raw.once('message', (d) => r(d as Buffer)));
    replies.push(JSON.parse(data.toString()) as Reply);
  }
  const refusal = replies.at(-1)!;
  t.equal(refusal.id, `x${replies.length - 1}`);
  t.equal(refusal.error?.code, RATE_LIMITED, 'refused as rate-limited');
  t.ok(refusal.error?.data && refusal.error.data.retryAfterMs > 0 && refusal.error.data.retryAfterMs <= 2000, `retryAfterMs ${refusal.error?.data?.retryAfterMs}`);
  t.ok(
    replies.slice(0, -1).every((r) => r.result !== undefined),
    `the ${replies.length - 1} before it (tokens refilled while the socket opened) were answered`,
  );
  raw.close();
});

t.test('an oversized message closes that WebSocket with 1009 (413 over HTTP); the server carries on', async (t) => {
  const raw = new WebSocket(net.address.ws, 'mcp', { headers: { authorization: `Bearer ${READ_KEY}` } });
  await new Promise((r) => raw.once('open', r));
  raw.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(100_000) } }));
  const code = await new Promise<number>((r) => raw.once('close', (c) => r(c)));
  t.equal(code, 1009);
  const res = await fetch(net.address.http, { method: 'POST', headers: { 'x-api-key': READ_KEY, 'content-type': 'application/json' }, body: 'x'.repeat(100_000) });
  t.equal(res.status, 413);
  const c = await wsClient(READ_KEY);
  const r = await c.callTool({ name: 'echo', arguments: { text: 'still here' } });
  t.same((r.structuredContent as { text: string }).text, 'still here');
  await c.close();
});

t.test('a handshake without the mcp subprotocol or on another path is refused', async (t) => {
  const other = new WebSocket(net.address.ws, 'graphql-ws', { headers: { authorization: `Bearer ${READ_KEY}` } });
  const err = (await new Promise((r) => other.once('error', r))) as Error;
  t.match(err.message, /400/);
  const wrongPath = new WebSocket(net.address.ws.replace('/mcp', '/other'), 'mcp', { headers: { authorization: `Bearer ${READ_KEY}` } });
  const err2 = (await new Promise((r) => wrongPath.once('error', r))) as Error;
  t.match(err2.message, /404/);
});
