import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import WebSocket from 'ws';
import { mcpSchema } from '../../src/config/sections/mcp.js';
import { createLogger } from '../../src/daemon/logger.js';
import { hashKey } from '../../src/daemon/mcp/auth/api-keys.js';
import { startMcpNetwork } from '../../src/daemon/mcp/http/mcp-network.js';
import { FakeApi, testServer } from '../unit/daemon/mcp/transports/test-server.js';

/** wss/https when a certificate and key are configured: a self-signed pair made with openssl for this run. */
const dir = mkdtempSync(join(tmpdir(), 's1d-tls-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
const ca = readFileSync(cert);

const KEY = 'tls-key-0123456789abcdef';
const net = await startMcpNetwork({
  config: mcpSchema.parse({ enabled: true, port: 0, keys: [{ name: 'ops', role: 'read', sha256: hashKey(KEY) }], tls: { cert, key } }),
  apiFor: () => new FakeApi(),
  createServer: testServer,
  log: createLogger({ level: 'error', format: 'json' }),
});
t.teardown(() => net.stop());

t.test('the network transports speak TLS when configured', async (t) => {
  t.match(net.address.ws, /^wss:\/\/127\.0\.0\.1:\d+\/mcp$/);
  t.match(net.address.http, /^https:\/\/127\.0\.0\.1:\d+\/mcp$/);

  // An MCP session over wss, trusting only our certificate.
  (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { authorization: `Bearer ${KEY}` }, ca });
    }
  };
  const c = new Client({ name: 'tls-test', version: '0' });
  await c.connect(new WebSocketClientTransport(new URL(net.address.ws)));
  const tools = await c.listTools();
  t.ok(tools.tools.length > 0, 'tools listed over wss');
  await c.close();

  // https without a key is still refused before any MCP message.
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(net.address.http, { method: 'POST', ca, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}');
  });
  t.equal(status, 401);

  // A client that does not trust the certificate cannot connect at all.
  const untrusted = await new Promise<string>((resolve) => {
    const ws = new WebSocket(net.address.ws, 'mcp', { headers: { authorization: `Bearer ${KEY}` } });
    ws.on('error', (err) => resolve(err.message));
    ws.on('open', () => resolve('opened'));
  });
  t.match(untrusted, /self.signed|certificate/i);
});
