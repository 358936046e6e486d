import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { hashPassword } from '../../src/collector/dashboard/password.js';
import { startCollector } from '../../src/collector/server.js';
import { SqliteStore } from '../../src/collector/store/sqlite-store.js';

/**
 * The dashboard's HTTP surface over a real collector: what a browser test does not show
 * directly (cookie flags, CSRF and origin checks, login throttling, open redirects, SSE
 * framing, static files from the package).
 */

t.test('dashboard HTTP surface', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-http-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = SqliteStore.open(join(dir, 'fleet.db'));
  await store.addUser('adam', await hashPassword('admin-pass-1'), 'admin', Date.now());
  await store.addUser('vera', await hashPassword('viewer-pass-1'), 'viewer', Date.now());
  const quiet = { info() {}, warn() {}, error() {}, debug() {} };
  const collector = await startCollector({ store, listen: { host: '127.0.0.1', port: 0 }, log: quiet });
  t.teardown(async () => {
    await collector.stop();
    await store.close();
  });
  const base = collector.url.replace(/\/$/, '');
  const form = (o: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(o).toString() });
  async function login(user: string, password: string, next = '/', extra: Record<string, string> = {}) {
    const f = form({ user, password, next });
    return fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': f['content-type'], ...extra }, body: f.body });
  }

  await t.test('anonymous: pages redirect to login, data is 401, unknown paths are not the dashboard’s', async (t) => {
    const page = await fetch(`${base}/device/x?range=1h`, { redirect: 'manual' });
    t.equal(page.status, 303);
    t.equal(page.headers.get('location'), '/login?next=%2Fdevice%2Fx%3Frange%3D1h');
    t.equal((await fetch(`${base}/api/fleet.json`)).status, 401);
    t.equal((await fetch(`${base}/events?topic=fleet`)).status, 401);
    t.equal((await fetch(`${base}/no-such-thing`)).status, 404);
  });

  await t.test('static files come from the package', async (t) => {
    const js = await fetch(`${base}/static/uplot.iife.min.js`);
    t.equal(js.status, 200);
    t.match(js.headers.get('content-type'), /javascript/);
    t.match(await js.text(), /uPlot/);
    const css = await fetch(`${base}/static/uplot.min.css`);
    t.match(css.headers.get('content-type'), /text\/css/);
    const mine = await fetch(`${base}/static/dashboard.js`);
    t.match(await mine.text(), /EventSource/);
    const etag = mine.headers.get('etag')!;
    t.equal((await fetch(`${base}/static/dashboard.js`, { headers: { 'if-none-match': etag } })).status, 304);
  });

  await t.test('login: cookie flags, safe redirect, throttling', async (t) => {
    const ok = await login('vera', 'viewer-pass-1', '//evil.example/');
    t.equal(ok.status, 303);
    t.equal(ok.headers.get('location'), '/', 'an off-site next= is replaced by /');
    const cookie = ok.headers.get('set-cookie')!;
    for (const a of ['HttpOnly', 'SameSite=Strict', 'Path=/']) t.ok(cookie.includes(a), a);
    t.notOk(cookie.includes('Secure'), 'plain HTTP listener: no Secure flag');
    const cross = await login('vera', 'viewer-pass-1', '/', { origin: 'http://evil.example' });
    t.equal(cross.status, 403, 'a login posted from another origin is refused');
    for (let i = 0; i < 5; i++) t.equal((await login('adam', `wrong-${i}`)).status, 401);
    const throttled = await login('adam', 'admin-pass-1');
    t.equal(throttled.status, 429, 'after 5 failures even the right password waits');
    t.ok(Number(throttled.headers.get('retry-after')) > 0);
    t.equal((await login('vera', 'viewer-pass-1')).status, 303, 'other users are unaffected');
  });

  await t.test('session: CSRF token and origin required on POSTs; SSE stream', async (t) => {
    const res = await login('vera', 'viewer-pass-1');
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${base}/`, { headers: { cookie } });
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    // Served from the package, no CDN: the page names no other origin, and the browser is told
    // to load nothing from one (a chart library slipped in from a CDN would not even run).
    t.match(page.headers.get('content-security-policy'), /default-src 'self'; script-src 'self'; style-src 'self'/);
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    t.ok(refs.length > 0 && refs.every((r) => r.startsWith('/') && !r.startsWith('//')), `every script, style and link is on this collector: ${refs.join(' ')}`);
    const post = (o: Record<string, string>, extra: Record<string, string> = {}) => {
      const f = form(o);
      return fetch(`${base}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': f['content-type'], ...extra }, body: f.body });
    };
    t.equal((await post({})).status, 403, 'no token');
    // Another first character: the token is random, and one in 64 of them starts with any given one.
    t.equal((await post({ csrf: (csrf[0] === 'x' ? 'y' : 'x') + csrf.slice(1) })).status, 403, 'wrong token');
    t.equal((await post({ csrf }, { origin: 'http://evil.example' })).status, 403, 'right token, foreign origin');
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    t.equal((await fetch(`${base}/api/fleet.json`, { headers: { cookie: tampered } })).status, 401, 'a tampered cookie is no session');
    const fleet = (await (await fetch(`${base}/api/fleet.json`, { headers: { cookie } })).json()) as { expected: number; reporting: number };
    t.same({ expected: fleet.expected, reporting: fleet.reporting }, { expected: 0, reporting: 0 });

    const ac = new AbortController();
    const sse = await fetch(`${base}/events?topic=fleet&fp=stale`, { headers: { cookie }, signal: ac.signal });
    t.equal(sse.status, 200);
    t.match(sse.headers.get('content-type'), /^text\/event-stream/);
    const reader = sse.body!.getReader();
    let text = '';
    while (!text.includes('event: update')) text += new TextDecoder().decode((await reader.read()).value);
    t.match(text, /event: update\ndata: \{"fp":"[^"]+","html":\{"fleet-live":/, 'a stale fingerprint gets the current state at once');
    ac.abort();
    t.equal((await post({ csrf })).status, 303, 'logout with the token');
  });
});
