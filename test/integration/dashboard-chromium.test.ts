import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import t, { type Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { hashPassword } from '../../src/collector/dashboard/password.js';
import { hashDeviceToken, newDeviceToken } from '../../src/collector/device-tokens.js';
import { startCollector, type Collector } from '../../src/collector/server.js';
import { SqliteStore } from '../../src/collector/store/sqlite-store.js';
import type { TelemetryBody, WireRecord } from '../../src/fleet-wire/schema.js';
import { chromiumMissing, launchChromium, newContext, PHONE } from '../helpers/chromium.js';

/**
 * The dashboard in a real browser: a real collector on a real SQLite file, filled through its
 * ingest endpoint with batches like an appliance sends, viewed in Debian's Chromium. The chart
 * checks read the screenshots' pixels: each series has a fixed colour (assets/client-js.ts),
 * and where it lands must agree with the data, through uPlot's own value-to-pixel mapping.
 */

// Browser globals inside page.evaluate callbacks (the test's tsconfig has no DOM lib).
declare const window: any;
declare const document: any;

const missing = chromiumMissing();
if (missing) t.plan(0, missing);

const OUT = join(process.cwd(), 'out', 'dashboard');
mkdirSync(OUT, { recursive: true });

const COLOURS = { mean: [0x1f, 0x77, 0xb4], rms: [0xff, 0x7f, 0x0e], freq: [0x2c, 0xa0, 0x2c], jitter: [0x94, 0x67, 0xbd], sats: [0x8c, 0x56, 0x4b], cno: [0x17, 0xbe, 0xcf], band: [199, 221, 236] } as const;
type RGB = readonly [number, number, number];

const agg = (mean: number, spread = 0, count = 10) => ({ count, min: mean - spread, max: mean + spread, mean, rms: Math.sqrt(mean * mean + (spread * spread) / 3) });

function body(at: number, o: { off: number; spread: number; freq?: number; jitter?: number; sats?: number; cno?: number; holdover?: string }): TelemetryBody {
  return {
    intervalS: 10,
    fromMs: at - 10_000,
    toMs: at,
    offsetS: agg(o.off, o.spread),
    frequencyPpm: agg(o.freq ?? 3),
    skewPpm: agg(0.01),
    rootDelayS: agg(0),
    rootDispersionS: agg(2e-6),
    ppsOffsetS: agg(o.off / 100),
    ppsJitterS: agg(o.jitter ?? 2e-7),
    stratum: 1,
    leap: 'normal',
    selectedSource: 'PPS',
    gnss: { mode: 3, satellitesUsed: agg(o.sats ?? 9), cnoDbHz: agg(o.cno ?? 40) },
    rtc: { driftPpm: 0.5, temperatureC: 31 },
    holdover: { state: o.holdover ?? 'locked', estimateS: null },
  };
}

class Appliance {
  seq = 0;
  constructor(
    readonly name: string,
    readonly token: string,
    readonly url: string,
  ) {}
  async send(records: Array<{ kind: 'telemetry'; at: number; body: TelemetryBody } | { kind: 'event'; at: number; body: Record<string, unknown> }>): Promise<Response> {
    const wire = records.map((r) => ({ seq: ++this.seq, ...r })) as WireRecord[];
    return fetch(`${this.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ v: 1, sentAt: Date.now(), software: '0.1.0-test', lastSeq: this.seq, records: wire, gaps: [] }),
    });
  }
}

function near(png: PNG, x: number, y: number, c: RGB, tol: number): boolean {
  if (x < 0 || y < 0 || x >= png.width || y >= png.height) return false;
  const i = (png.width * y + x) * 4;
  return Math.abs(png.data[i]! - c[0]) <= tol && Math.abs(png.data[i + 1]! - c[1]) <= tol && Math.abs(png.data[i + 2]! - c[2]) <= tol;
}

/** y coordinates in a column band [x-1, x+1] whose pixels match a colour. */
function ysOf(png: PNG, x: number, c: RGB, tol: number, top: number, bottom: number): number[] {
  const ys: number[] = [];
  for (let y = Math.floor(top); y <= Math.ceil(bottom); y++) if ([x - 1, x, x + 1].some((xx) => near(png, Math.round(xx), y, c, tol))) ys.push(y);
  return ys;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

interface Geometry {
  left: number;
  top: number;
  width: number;
  height: number;
  xs: number[];
  ys: Record<string, number>;
}

/** Plot area and the pixel positions of given values, through the chart's own scales (CSS px within the canvas). */
async function geometry(page: Page, chart: string, times: number[], values: Record<string, [string, number]>): Promise<Geometry> {
  return page.evaluate(
    ({ chart, times, values }) => {
      const u = (window as any).__s1d.charts[chart];
      const dpr = window.devicePixelRatio;
      const ys: Record<string, number> = {};
      for (const [k, [scale, v]] of Object.entries(values)) ys[k] = u.bbox.top / dpr + u.valToPos(v, scale);
      return { left: u.bbox.left / dpr, top: u.bbox.top / dpr, width: u.bbox.width / dpr, height: u.bbox.height / dpr, xs: times.map((tm: number) => u.bbox.left / dpr + u.valToPos(tm / 1000, 'x')), ys };
    },
    { chart, times, values },
  );
}

async function canvasShot(page: Page, chart: string, file: string): Promise<PNG> {
  const buf = await page.locator(`#chart-${chart} canvas`).screenshot();
  writeFileSync(join(OUT, file), buf);
  return PNG.sync.read(buf);
}

async function login(t: Test, browser: Browser, base: string, user: string, password: string, opts = {}) {
  const ctx = await newContext(browser, opts);
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  t.match(page.url(), /\/login\?next=/, 'an anonymous visitor is sent to the login page');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  return { ctx, page };
}

t.test('dashboard in Chromium', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const store = SqliteStore.open(join(dir, 'fleet.db'));
  const now0 = Date.now();
  await store.addUser('vera', await hashPassword('viewer-pass-1'), 'viewer', now0);
  await store.addUser('adam', await hashPassword('admin-pass-1'), 'admin', now0);
  const tokens: Record<string, string> = {};
  for (const name of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) {
    tokens[name] = newDeviceToken();
    // Registered ten minutes ago: echo, which never reports, is overdue (a "silent" warning).
    await store.addDevice(name, hashDeviceToken(tokens[name]!), null, now0 - 600_000);
  }
  const logLines: string[] = [];
  const log = { info: (m: string) => logLines.push(m), warn: (m: string) => logLines.push(m), error: (m: string) => logLines.push(`ERROR ${m}`), debug: () => {} };
  const collector: Collector = await startCollector({ store, listen: { host: '127.0.0.1', port: 0 }, log, intervalS: 10 });
  t.teardown(async () => {
    await collector.stop();
    await store.close();
  });
  const base = collector.url.replace(/\/$/, '');
  const app = Object.fromEntries(Object.entries(tokens).map(([n, tok]) => [n, new Appliance(n, tok, base)]));

  // alpha: the chart device. 360 intervals 9 s apart over the last 54 minutes (all inside the
  // 1 h window while the test runs): first half offset +20 µs (band
  // 10..30 µs), second half −20 µs (band −30..−10 µs); PPS jitter 200 ns then 800 ns;
  // satellites 8 then 12; C/N0 40 dB-Hz; frequency 3 ppm. An alarm from 30 % to 60 %.
  const N = 360;
  const STEP = 9_000;
  const start = Date.now() - N * STEP;
  const atOf = (i: number) => start + i * STEP;
  const alphaRecs: Parameters<Appliance['send']>[0] = [];
  for (let i = 0; i < N; i++) {
    const first = i < N / 2;
    alphaRecs.push({ kind: 'telemetry', at: atOf(i), body: body(atOf(i), { off: first ? 20e-6 : -20e-6, spread: 10e-6, jitter: first ? 200e-9 : 800e-9, sats: first ? 8 : 12, cno: 40 }) });
    if (i === Math.round(N * 0.3)) alphaRecs.push({ kind: 'event', at: atOf(i) + 1, body: { type: 'alarm-raised', alarm: 'pps-missing', severity: 'major', message: 'no PPS for 5 s' } });
    if (i === Math.round(N * 0.6)) alphaRecs.push({ kind: 'event', at: atOf(i) + 1, body: { type: 'alarm-cleared', alarm: 'pps-missing', severity: 'major' } });
  }
  t.equal((await app.alpha!.send(alphaRecs)).status, 200, 'alpha batch stored');
  // The rest: a few recent intervals each. delta is in holdover (a major fleet alarm); echo never reports.
  const recent = (off: number, holdover?: string) => [0, 1, 2].map((k) => ({ kind: 'telemetry' as const, at: Date.now() - (2 - k) * 10_000, body: body(Date.now() - (2 - k) * 10_000, { off, spread: 1e-6, ...(holdover ? { holdover } : {}) }) }));
  t.equal((await app.bravo!.send(recent(5e-6))).status, 200);
  t.equal((await app.charlie!.send(recent(-8e-6))).status, 200);
  t.equal((await app.delta!.send(recent(2e-6, 'holdover'))).status, 200);
  // alpha's newest offset is −20 µs: order by severity (delta major, echo warning), then |offset|.
  const expectedOrder = ['delta', 'echo', 'alpha', 'charlie', 'bravo'];

  const browser = await launchChromium();
  t.teardown(() => browser.close());

  await t.test('viewer: fleet table in severity then |offset| order, with expected vs reporting', async (t) => {
    const { ctx, page } = await login(t, browser, base, 'vera', 'viewer-pass-1');
    t.teardown(() => ctx.close());
    const cookies = await ctx.cookies();
    const session = cookies.find((c) => c.name === 's1d_session');
    t.ok(session?.httpOnly, 'session cookie is HttpOnly');
    t.equal(session?.sameSite, 'Strict');
    const names = await page.locator('table.fleet tbody tr').evaluateAll((rows: any[]) => rows.map((r) => r.getAttribute('data-device')));
    t.same(names, expectedOrder);
    t.equal(await page.textContent('#count-expected'), '5');
    t.equal(await page.textContent('#count-reporting'), '4');
    t.match(await page.textContent('tr[data-device=delta]'), /major/);
    t.match(await page.textContent('tr[data-device=alpha] td.offset'), /-20(\.0)? µs/);
    await page.screenshot({ path: join(OUT, 'fleet.png'), fullPage: true });

    await t.test('live: a new batch reorders the table without a reload', async (t) => {
      await page.waitForSelector('body[data-live-connected]', { timeout: 60_000 });
      const loadId = await page.evaluate(() => (window as any).__s1d.loadId);
      // bravo's offset jumps to 40 ms: a major offset-vs-median alarm, and the largest |offset| among the majors.
      t.equal((await app.bravo!.send([{ kind: 'telemetry', at: Date.now(), body: body(Date.now(), { off: 40e-3, spread: 1e-6 }) }])).status, 200);
      await page.waitForFunction(() => document.querySelector('table.fleet tbody tr')?.getAttribute('data-device') === 'bravo', null, { timeout: 60_000 });
      t.equal(await page.evaluate(() => (window as any).__s1d.loadId), loadId, 'same page: no reload');
      t.match(await page.textContent('tr[data-device=bravo] td.offset'), /40(\.0)? ms/);
      t.match(await page.textContent('tr[data-device=bravo]'), /offset-vs-median/);
      await page.screenshot({ path: join(OUT, 'fleet-after-update.png'), fullPage: true });
    });

    await t.test('fleet alarm list', async (t) => {
      await page.click('a[href="/alarms"]');
      const text = await page.textContent('#alarms-live');
      t.match(text, /holdover/);
      t.match(text, /silent/);
      t.match(text, /echo/);
    });
  });

  await t.test('device page: charts drawn where the data says', async (t) => {
    const { ctx, page } = await login(t, browser, base, 'vera', 'viewer-pass-1');
    t.teardown(() => ctx.close());
    await page.goto(`${base}/device/alpha?range=1h`);
    await page.waitForFunction(() => Object.keys((window as any).__s1d?.charts ?? {}).length === 3);
    await page.mouse.move(0, 0); // no cursor crosshair over the plots
    await page.screenshot({ path: join(OUT, 'device-alpha.png'), fullPage: true });
    const tLeft = atOf(90);
    const tRight = atOf(270);

    await t.test('offset chart: band, mean, RMS and frequency', async (t) => {
      const g = await geometry(page, 'offset', [tLeft, tRight], { p30: ['y', 30], p20: ['y', 20], p10: ['y', 10], m10: ['y', -10], m20: ['y', -20], m30: ['y', -30], zero: ['y', 0], freq: ['ppm', 3] });
      const png = await canvasShot(page, 'offset', 'chart-offset.png');
      const top = g.top;
      const bottom = g.top + g.height - 1;
      const [xl, xr] = g.xs.map(Math.round) as [number, number];
      // Band: light blue exactly between min and max of each half.
      const bandL = ysOf(png, xl, COLOURS.band, 14, top, bottom);
      const bandR = ysOf(png, xr, COLOURS.band, 14, top, bottom);
      t.ok(bandL.length > 5 && bandR.length > 5, `band drawn (${bandL.length}, ${bandR.length} px)`);
      t.ok(Math.abs(Math.min(...bandL) - g.ys.p30!) <= 3 && Math.abs(Math.max(...bandL) - g.ys.p10!) <= 3, `left band spans +30..+10 µs: ${Math.min(...bandL)}..${Math.max(...bandL)} vs ${g.ys.p30!.toFixed(1)}..${g.ys.p10!.toFixed(1)}`);
      t.ok(Math.abs(Math.min(...bandR) - g.ys.m10!) <= 3 && Math.abs(Math.max(...bandR) - g.ys.m30!) <= 3, `right band spans −10..−30 µs: ${Math.min(...bandR)}..${Math.max(...bandR)} vs ${g.ys.m10!.toFixed(1)}..${g.ys.m30!.toFixed(1)}`);
      t.notOk(bandL.some((y) => y > g.ys.zero!), 'no band below zero in the first half');
      // Mean: the blue line at +20 then −20.
      const meanL = ysOf(png, xl, COLOURS.mean, 40, top, bottom);
      const meanR = ysOf(png, xr, COLOURS.mean, 40, top, bottom);
      t.ok(meanL.length > 0 && Math.abs(median(meanL) - g.ys.p20!) <= 2, `mean at +20 µs (${median(meanL)} vs ${g.ys.p20!.toFixed(1)})`);
      t.ok(meanR.length > 0 && Math.abs(median(meanR) - g.ys.m20!) <= 2, `mean at −20 µs (${median(meanR)} vs ${g.ys.m20!.toFixed(1)})`);
      // RMS ≥ |mean|: orange at about +20.8 µs in both halves (never negative).
      const rms = Math.sqrt(20 * 20 + 100 / 3);
      const yRms = g.ys.p20! - (g.ys.p10! - g.ys.p20!) * ((rms - 20) / 10);
      for (const [x, side] of [[xl, 'first'], [xr, 'second']] as const) {
        const ys = ysOf(png, x, COLOURS.rms, 45, top, bottom);
        t.ok(ys.length > 0 && Math.abs(median(ys) - yRms) <= 3, `RMS at ${rms.toFixed(1)} µs in the ${side} half (${ys.length ? median(ys) : 'none'} vs ${yRms.toFixed(1)})`);
      }
      // Frequency: a flat green line across the plot at 3 ppm on the right-hand axis.
      let cols = 0;
      let onLine = 0;
      for (let x = Math.ceil(g.xs[0]! - (g.xs[1]! - g.xs[0]!) / 2) + 3; x < g.xs[1]! + (g.xs[1]! - g.xs[0]!) / 2 - 3; x += 5) {
        cols++;
        const ys = ysOf(png, x, COLOURS.freq, 40, top, bottom);
        if (ys.length && Math.abs(median(ys) - g.ys.freq!) <= 2) onLine++;
      }
      t.ok(onLine / cols > 0.9, `frequency line at 3 ppm across the plot (${onLine}/${cols} columns)`);
      // Proportion: the band covers (max − min) of each half, i.e. about a third of the y range here.
      let bandPx = 0;
      for (let y = Math.ceil(top); y <= bottom; y++) for (let x = Math.ceil(g.left); x < g.left + g.width; x++) if (near(png, x, y, COLOURS.band, 14)) bandPx++;
      const expectedPx = (g.ys.p10! - g.ys.p30!) * g.width;
      t.ok(bandPx > expectedPx * 0.7 && bandPx < expectedPx * 1.1, `band area ${bandPx} px ≈ ${expectedPx.toFixed(0)} px expected (lines drawn over it take the rest)`);
    });

    await t.test('PPS jitter and GNSS charts', async (t) => {
      const scale: number = await page.evaluate(() => (window as any).__s1d.data.units.pps.scale);
      t.equal(scale, 1e9, 'PPS chart in ns (the largest value is 800 ns)');
      const g = await geometry(page, 'pps', [tLeft, tRight], { j200: ['y', 200e-9 * scale], j800: ['y', 800e-9 * scale] });
      const png = await canvasShot(page, 'pps', 'chart-pps.png');
      const [xl, xr] = g.xs.map(Math.round) as [number, number];
      const jl = ysOf(png, xl, COLOURS.jitter, 40, g.top, g.top + g.height - 1);
      const jr = ysOf(png, xr, COLOURS.jitter, 40, g.top, g.top + g.height - 1);
      t.equal(await page.evaluate(() => (window as any).__s1d.charts.pps.series[1].label), 'PPS jitter');
      t.ok(jl.length && Math.abs(median(jl) - g.ys.j200!) <= 2, `jitter at 200 ns first (${median(jl)} vs ${g.ys.j200!.toFixed(1)})`);
      t.ok(jr.length && Math.abs(median(jr) - g.ys.j800!) <= 2, `jitter at 800 ns later (${median(jr)} vs ${g.ys.j800!.toFixed(1)})`);

      const gg = await geometry(page, 'gnss', [tLeft, tRight], { s8: ['y', 8], s12: ['y', 12], c40: ['dbhz', 40] });
      const png2 = await canvasShot(page, 'gnss', 'chart-gnss.png');
      const [gl, gr] = gg.xs.map(Math.round) as [number, number];
      const sl = ysOf(png2, gl, COLOURS.sats, 40, gg.top, gg.top + gg.height - 1);
      const sr = ysOf(png2, gr, COLOURS.sats, 40, gg.top, gg.top + gg.height - 1);
      t.ok(sl.length && Math.abs(median(sl) - gg.ys.s8!) <= 2, `8 satellites first (${median(sl)} vs ${gg.ys.s8!.toFixed(1)})`);
      t.ok(sr.length && Math.abs(median(sr) - gg.ys.s12!) <= 2, `12 satellites later (${median(sr)} vs ${gg.ys.s12!.toFixed(1)})`);
      const cl = ysOf(png2, gl, COLOURS.cno, 40, gg.top, gg.top + gg.height - 1);
      t.ok(cl.length && Math.abs(median(cl) - gg.ys.c40!) <= 2, `C/N0 at 40 dB-Hz (${median(cl)} vs ${gg.ys.c40!.toFixed(1)})`);
    });

    await t.test('alarm timeline and percentile table', async (t) => {
      const bar = page.locator('#device-timeline svg rect');
      t.equal(await bar.count(), 1, 'one alarm span');
      const { x, w, from, to } = await bar.evaluate((r: any) => ({ x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')), from: Number(r.parentNode.getAttribute('data-from')), to: Number(r.parentNode.getAttribute('data-to')) }));
      // The strip is 1000 units wide over [from, to]; the alarm was raised at record 108 and cleared at 216.
      const x0 = ((atOf(108) - from) / (to - from)) * 1000;
      const x1 = ((atOf(216) - from) / (to - from)) * 1000;
      t.ok(Math.abs(x - x0) < 2 && Math.abs(x + w - x1) < 2, `span ${x.toFixed(1)}..${(x + w).toFixed(1)} of 1000, expected ${x0.toFixed(1)}..${x1.toFixed(1)}`);
      t.match(await page.textContent('#device-timeline table'), /pps-missing/);
      const cells = await page.locator('#device-stats tbody tr').first().locator('td').allTextContents();
      // Interval means: 180 × +20 µs, 180 × −20 µs → p1 = p5 = −20, p50 = 0, p95 = p99 = +20; min −30, max +30.
      t.same(cells.slice(0, 9).map((c) => c.replace(/\s+/g, ' ').trim()), ['-20 µs', '-20 µs', '0 µs', '20 µs', '20 µs', '40 µs', '40 µs', '-30 µs', '30 µs']);
      t.equal(cells[9]!.trim(), '0 µs', 'mean');
      t.equal(cells[10]!.trim(), `${Number(Math.sqrt(400 + 100 / 3).toPrecision(3))} µs`, 'RMS over every sample');
    });

    await t.test('live: a new interval is appended to the charts without a reload', async (t) => {
      await page.waitForSelector('body[data-live-connected]', { timeout: 60_000 });
      const before = await page.evaluate(() => ({ n: (window as any).__s1d.charts.offset.data[0].length, id: (window as any).__s1d.loadId }));
      const at = Date.now();
      t.equal((await app.alpha!.send([{ kind: 'telemetry', at, body: body(at, { off: -25e-6, spread: 1e-6 }) }])).status, 200);
      await page.waitForFunction((n) => (window as any).__s1d.charts.offset.data[0].length > n, before.n, { timeout: 60_000 });
      const after = await page.evaluate(() => {
        const d = (window as any).__s1d.charts.offset.data;
        return { n: d[0].length, id: (window as any).__s1d.loadId, lastMean: d[3][d[3].length - 1] };
      });
      t.equal(after.id, before.id, 'no reload');
      t.equal(after.n, before.n + 1);
      t.equal(Math.round(after.lastMean), -25, 'the new point, in the page’s unit (µs)');
      t.match(await page.textContent('#device-summary'), /-25(\.0)? µs/);
    });
  });

  await t.test('roles: a viewer cannot add or revoke; an admin can', async (t) => {
    const viewer = await login(t, browser, base, 'vera', 'viewer-pass-1');
    t.teardown(() => viewer.ctx.close());
    await viewer.page.goto(`${base}/devices`);
    t.equal(await viewer.page.locator('#add-device').count(), 0, 'no add form for a viewer');
    t.equal(await viewer.page.locator('button.danger').count(), 0, 'no revoke buttons for a viewer');
    const csrf = await viewer.page.inputValue('form.logout input[name=csrf]');
    const denied = await viewer.page.request.post(`${base}/devices`, { form: { csrf, name: 'sneaky' }, maxRedirects: 0 });
    t.equal(denied.status(), 403, 'a viewer’s add is refused even with a valid CSRF token');
    const deniedRevoke = await viewer.page.request.post(`${base}/devices/bravo/revoke`, { form: { csrf }, maxRedirects: 0 });
    t.equal(deniedRevoke.status(), 403);
    t.notOk((await store.devices()).some((d) => d.name === 'sneaky'));

    const admin = await login(t, browser, base, 'adam', 'admin-pass-1');
    t.teardown(() => admin.ctx.close());
    await admin.page.goto(`${base}/devices`);
    await admin.page.fill('#add-device input[name=name]', 'foxtrot');
    await Promise.all([admin.page.waitForURL(`${base}/devices`), admin.page.click('#add-device button[type=submit]')]);
    const token = (await admin.page.textContent('#device-token'))!.trim();
    t.match(token, /^s1d_/);
    await admin.page.screenshot({ path: join(OUT, 'device-added.png'), fullPage: true });
    const fox = new Appliance('foxtrot', token, base);
    t.equal((await fox.send([{ kind: 'telemetry', at: Date.now(), body: body(Date.now(), { off: 1e-6, spread: 1e-7 }) }])).status, 200, 'the shown token works');
    await admin.page.goto(`${base}/devices`);
    admin.page.once('dialog', (d) => void d.accept());
    await Promise.all([admin.page.waitForURL(`${base}/devices`), admin.page.click('tr[data-device=foxtrot] button.danger')]);
    t.equal((await fox.send([{ kind: 'telemetry', at: Date.now(), body: body(Date.now(), { off: 1e-6, spread: 1e-7 }) }])).status, 401, 'revoked: its token is refused');
  });

  await t.test('phone-sized viewport: no horizontal overflow', async (t) => {
    const { ctx, page } = await login(t, browser, base, 'vera', 'viewer-pass-1', PHONE);
    t.teardown(() => ctx.close());
    for (const [path, file] of [['/', 'phone-fleet.png'], ['/device/alpha', 'phone-device.png'], ['/alarms', 'phone-alarms.png'], ['/devices', 'phone-devices.png']] as const) {
      await page.goto(`${base}${path}`);
      if (path.startsWith('/device/')) await page.waitForFunction(() => Object.keys((window as any).__s1d?.charts ?? {}).length === 3);
      const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
      t.ok(sw <= cw, `${path}: content ${sw} px wide in a ${cw} px viewport`);
      await page.screenshot({ path: join(OUT, file), fullPage: true });
    }
  });

  t.notOk(logLines.some((l) => l.startsWith('ERROR')), 'no errors logged by the collector');
});
