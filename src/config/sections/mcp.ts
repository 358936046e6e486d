import { z } from 'zod';

/**
 * MCP over the network (WebSocket and Streamable HTTP on one port). stdio (`stratum1d mcp`)
 * needs none of this: it rides the local control socket, whose file mode is its access control.
 * Off by default: a listening socket is opt-in surface, and without keys nobody could use it.
 */
const keySchema = z.strictObject({
  name: z.string().min(1).max(64).regex(/^[A-Za-z0-9._@:-]+$/, 'letters, digits and . _ @ : - only').describe('Who holds the key; recorded as the caller in the audit log.'),
  role: z.enum(['read', 'admin']).describe('`read`: status and time tools; `admin`: also apply/restart/calibrate/set-RTC tools.'),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (sha256 of the key)')
    .describe('sha256 of the key, hex. Make one with `stratum1d mcp hash-key` (reads the key on stdin) or `printf %s "$KEY" | sha256sum`.'),
});

export const mcpSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Serve MCP over WebSocket (`ws://HOST:PORT/mcp`, subprotocol `mcp`) and Streamable HTTP (`http://HOST:PORT/mcp`).'),
    listen: z.string().default('127.0.0.1').describe('Address to bind; loopback by default. Set `0.0.0.0` or `::` to reach it from the LAN.'),
    port: z.number().int().min(0).max(65535).default(8787).describe('TCP port for both transports (0 picks a free one).'),
    keys: z
      .array(keySchema)
      .default([])
      .describe('API keys, stored hashed. Clients send `Authorization: Bearer KEY` (or `X-API-Key: KEY`). Also settable as `STRATUM1D_MCP__KEYS=\'[{name: a, role: read, sha256: ...}]\'`.'),
    tls: z
      .strictObject({
        cert: z.string().optional().describe('PEM certificate chain file; with `key`, serve https/wss instead of http/ws.'),
        key: z.string().optional().describe('PEM private key file.'),
      })
      .prefault({})
      .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: 'set both cert and key, or neither' })
      .describe('TLS for both transports.'),
    allowedOrigins: z
      .array(z.string())
      .default([])
      .describe('Origins (`https://host:port`) a browser may connect from. A request without an Origin header (not a browser) is allowed; one with an Origin not listed is refused (403).'),
    rateLimit: z
      .strictObject({
        perSecond: z.number().min(0.1).max(10_000).default(20).describe('Sustained requests per second per key (token bucket refill rate).'),
        burst: z.number().int().min(1).max(100_000).default(40).describe('Requests a key may make back to back (bucket size).'),
      })
      .prefault({})
      .describe('Per-key rate limit. Over it: a JSON-RPC error with `retryAfterMs` in `data` (HTTP: 429 with Retry-After).'),
    maxMessageBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Largest message accepted. Larger: WebSocket closed with 1009, HTTP 413.'),
    maxConnections: z.number().int().min(1).max(10_000).default(64).describe('Concurrent WebSocket connections plus HTTP sessions; more are refused (503).'),
    maxConnectionsPerKey: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(16)
      .describe('Of those, how many one API key may hold; more from that key are refused (HTTP 429), so one key cannot take every slot.'),
    authFailures: z
      .strictObject({
        burst: z.number().int().min(1).max(1000).default(5).describe('Failed authentications (no key, unknown key, refused Origin) one remote address may make back to back.'),
        perMinute: z.number().min(0.1).max(6000).default(10).describe('Rate at which an address earns failures back. With none left, its requests are answered 429 with Retry-After before the key is checked.'),
      })
      .prefault({})
      .describe('Throttle on failed authentication per remote address. Failures are logged as one line per address per minute with counts, and counted in `mcp-stats` (`auth`).'),
    pingIntervalMs: z
      .number()
      .int()
      .min(1000)
      .max(600_000)
      .default(30_000)
      .describe('WebSocket keepalive: a ping this often; a peer that has not answered the previous ping is disconnected.'),
    sessionIdleMs: z
      .number()
      .int()
      .min(10_000)
      .max(86_400_000)
      .default(60_000)
      .describe('A Streamable HTTP session unused this long is closed (clients that vanish without DELETE); an open GET stream keeps it in use.'),
  })
  .prefault({})
  .describe('MCP over the network (stdio needs no settings).');

export type McpConfig = z.infer<typeof mcpSchema>;
