import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_JS } from './assets/client-js.js';
import { STYLE_CSS } from './assets/style-css.js';

/**
 * Static files under /static/: uPlot from the installed npm package (read from node_modules at
 * first use, so the package ships exactly the version package-lock pins and no CDN is involved)
 * and the dashboard's own script and stylesheet (string modules compiled into dist/).
 */
interface Asset {
  type: string;
  load: () => Buffer;
}

const require = createRequire(import.meta.url);

const ASSETS: Record<string, Asset> = {
  '/static/uplot.iife.min.js': { type: 'text/javascript; charset=utf-8', load: () => readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) },
  '/static/uplot.min.css': { type: 'text/css; charset=utf-8', load: () => readFileSync(require.resolve('uplot/dist/uPlot.min.css')) },
  '/static/dashboard.js': { type: 'text/javascript; charset=utf-8', load: () => Buffer.from(CLIENT_JS, 'utf8') },
  '/static/dashboard.css': { type: 'text/css; charset=utf-8', load: () => Buffer.from(STYLE_CSS, 'utf8') },
};

const cache = new Map<string, { body: Buffer; etag: string; type: string }>();

export function isStaticPath(path: string): boolean {
  return Object.hasOwn(ASSETS, path);
}

export function loadAsset(path: string): { body: Buffer; etag: string; type: string } | null {
  if (!Object.hasOwn(ASSETS, path)) return null;
  let hit = cache.get(path);
  if (!hit) {
    const a = ASSETS[path]!;
    const body = a.load();
    hit = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, type: a.type };
    cache.set(path, hit);
  }
  return hit;
}

export function serveAsset(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const a = loadAsset(path);
  if (!a) return false;
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, { ETag: a.etag });
    res.end();
    return true;
  }
  res.writeHead(200, { 'Content-Type': a.type, 'Content-Length': a.body.length, ETag: a.etag, 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : a.body);
  return true;
}
