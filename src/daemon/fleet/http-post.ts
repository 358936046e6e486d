import http from 'node:http';
import https from 'node:https';
import { retryAfterSeconds } from '../../lib/retry-after.js';

/** What the uploader needs of HTTP: one JSON POST with a deadline. An interface so tests can count calls. */
export interface PostResult {
  status: number;
  body: unknown; // parsed JSON, or null when not JSON
  retryAfterS: number | null;
}

export type PostJson = (url: URL, headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal) => Promise<PostResult>;

/** Answers larger than this are not read further: an ack or an error is a few hundred bytes. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * node:http(s) rather than fetch: Node 20's fetch cannot be given a private CA without
 * undici's Agent, which is not a dependency. Keep-alive agents: an appliance sends to one
 * collector every few seconds. `timeoutMs` bounds the whole exchange, not just idle time, so a
 * collector that accepts the connection and then hangs (SIGSTOP) cannot hold the uploader.
 */
export function createPoster(opts: { ca?: string | Buffer }): { post: PostJson; close(): void } {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ...(opts.ca ? { ca: opts.ca } : {}) });
  const post: PostJson = (url, headers, body, timeoutMs, signal) =>
    new Promise<PostResult>((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      const mod = isHttps ? https : http;
      const payload = Buffer.from(body);
      const req = mod.request(url, {
        method: 'POST',
        agent: isHttps ? httpsAgent : httpAgent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length) },
      });
      const fail = (err: Error): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        reject(err);
      };
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => void req.destroy(new Error('upload abandoned (stopping)'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = null;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, retryAfterS: retryAfterSeconds(res.headers) });
        });
      });
      req.end(payload);
    });
  return {
    post,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
