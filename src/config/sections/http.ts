import { isIP } from 'node:net';
import { z } from 'zod';

export interface HttpListen {
  host: string; // bare address, IPv6 without brackets
  port: number;
}

/**
 * `HOST:PORT` (IPv4 address or host name, or `[IPv6]:PORT`) or `off`. Returns null for `off`,
 * an error message for anything else that does not parse. Port 0 picks a free port (tests).
 */
export function parseHttpListen(text: string): HttpListen | null | string {
  if (text === 'off') return null;
  const m = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (!m) return 'must be HOST:PORT (e.g. 127.0.0.1:8471, [::1]:8471, 0.0.0.0:8471) or off';
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) return `[${m[1]}] is not an IPv6 address`;
    return { host: m[1], port };
  }
  const host = m[2]!;
  // A name that looks numeric but is no IPv4 address (999.1.1.1) is a typo, not a host name.
  if (/^[\d.]+$/.test(host) && isIP(host) !== 4) return `${host} is not an IPv4 address`;
  if (isIP(host) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(host)) return `${host} is not an address or host name`;
  return { host, port };
}

/** The appliance's own HTTP endpoint: `/health` and `/metrics` (daemon/http). */
export const httpSchema = z
  .strictObject({
    listen: z
      .string()
      .default('127.0.0.1:8471')
      .superRefine((v, ctx) => {
        const r = parseHttpListen(v);
        if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
      })
      .describe(
        '`HOST:PORT` for `GET /health` (JSON, HTTP 503 when down) and `GET /metrics` (Prometheus text), or `off`. Loopback by default: the endpoints carry no secrets but are unauthenticated, so exposing them (`0.0.0.0:8471`, `[::]:8471`) is a deliberate choice. IPv6 as `[::1]:8471`.',
      ),
  })
  .prefault({})
  .describe('HTTP health and metrics endpoint.');

export type HttpConfig = z.infer<typeof httpSchema>;
