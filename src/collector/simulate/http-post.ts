import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { retryAfterSeconds } from '../../lib/retry-after.js';

/** What came back from one POST: a status and parsed JSON, or a transport error. */
export type PostResult =
  | { ok: true; status: number; body: unknown; retryAfterS: number | null }
  | { ok: false; error: string };

export interface Poster {
  post(path: string, token: string, body: string, timeoutMs: number): Promise<PostResult>;
  close(): void;
}

/**
 * A keep-alive HTTP(S) client for many simulated appliances: one agent, a bounded number of
 * sockets (5,000 appliances must not open 5,000 connections to a collector on the same box).
 */
export function createPoster(baseUrl: string, opts: { maxSockets: number; ca?: string; rejectUnauthorized?: boolean }): Poster {
  const base = new URL(baseUrl);
  const tls = base.protocol === 'https:';
  const agent = tls
    ? new HttpsAgent({ keepAlive: true, maxSockets: opts.maxSockets, ...(opts.ca ? { ca: opts.ca } : {}), rejectUnauthorized: opts.rejectUnauthorized ?? true })
    : new HttpAgent({ keepAlive: true, maxSockets: opts.maxSockets });
  const request = tls ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/$/, '');
  return {
    post(path, token, body, timeoutMs) {
      return new Promise((resolve) => {
        let done = false;
        const finish = (r: PostResult) => {
          if (!done) {
            done = true;
            resolve(r);
          }
        };
        const req = request(
          {
            agent,
            protocol: base.protocol,
            hostname: base.hostname,
            port: base.port || (tls ? 443 : 80),
            method: 'POST',
            path: prefix + path,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', (e) => finish({ ok: false, error: e.message }));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = null;
              try {
                parsed = text ? JSON.parse(text) : null;
              } catch {
                parsed = { error: text.slice(0, 200) };
              }
              finish({ ok: true, status: res.statusCode ?? 0, body: parsed, retryAfterS: retryAfterSeconds(res.headers) });
            });
          },
        );
        // A hung collector (SIGSTOP, a port that accepts and never answers) must not hold a
        // device forever: the request is abandoned and retried with backoff.
        req.setTimeout(timeoutMs, () => {
          req.destroy(new Error(`no answer within ${timeoutMs} ms`));
        });
        req.on('error', (e) => finish({ ok: false, error: e.message }));
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
