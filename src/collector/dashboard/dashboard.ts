import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEVICE_NAME, hashDeviceToken, newDeviceToken } from '../device-tokens.js';
import type { FleetAlarm } from '../fleet-alarms.js';
import { DeviceExistsError, type FleetStore, type Role } from '../store/fleet-store.js';
import { chartColumns, type ChartColumns, parseRange, RANGES, statRows, timeUnit, windowOf, type RangeName } from './device-view.js';
import { buildFleetView, type AlarmLike, type FleetView } from './fleet-view.js';
import { LiveHub, type LiveTopic } from './live-hub.js';
import { LoginThrottle } from './login-throttle.js';
import { alarmsFragment, alarmsPage, deviceSummaryFragment, devicePage, devicesPage, fleetFragment, fleetPage, loginPage, messagePage, statsFragment, timelineFragment, tokenPage, type PageUser } from './pages.js';
import { verifyPassword } from './password.js';
import { can, type Action } from './roles.js';
import { checkCsrf, csrfToken, deriveKey, issueSession, parseCookies, passwordTag, SESSION_COOKIE, SESSION_TTL_MS, sessionCookieHeader, verifySession, type SessionClaims } from './session.js';
import { isStaticPath, serveAsset } from './static-assets.js';

/**
 * The collector's dashboard: every route the collector server does not own (it keeps
 * /api/v1/ingest, /health, /metrics). Server-rendered pages, a small script that draws uPlot
 * charts, SSE for live updates, operator login with viewer and admin roles.
 *
 *   GET  /login, POST /login, POST /logout
 *   GET  /                      fleet table (severity, then |offset|), expected vs reporting
 *   GET  /alarms                fleet alarms
 *   GET  /device/NAME?range=R   one appliance: charts, alarm timeline, percentile table
 *   GET  /devices               registered appliances; admins: add (POST /devices) and
 *                               revoke (POST /devices/NAME/revoke)
 *   GET  /events?topic=…        SSE (topic=fleet, or topic=device&device=NAME&range=R)
 *   GET  /api/fleet.json, /api/device/NAME.json?range=R   the same data as JSON
 *   GET  /static/…              uPlot and the dashboard's script and stylesheet
 */

export interface DashboardLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface DashboardContext {
  store: FleetStore;
  fleetAlarms(): Promise<FleetAlarm[]>;
  intervalS: number;
  secure: boolean;
  log: DashboardLog;
  now(): number;
  /** Tuning for tests; defaults suit production. */
  options?: { pollMs?: number; heartbeatMs?: number; maxStreams?: number };
}

export interface Dashboard {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
  stats(): Record<string, number>;
}

const MAX_FORM_BYTES = 16 * 1024;
/** verifyPassword against this when the user does not exist, so timing does not reveal names. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

interface Authed {
  claims: SessionClaims;
  role: Role;
  page: PageUser;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  // uPlot sizes its elements through element.style (CSSOM), which style-src does not govern.
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
};

function sendHtml(res: ServerResponse, status: number, html: string, extra: Record<string, string | string[]> = {}): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, v: unknown): void {
  const body = Buffer.from(JSON.stringify(v), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function redirect(res: ServerResponse, to: string, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { Location: to, 'Cache-Control': 'no-store', ...extra });
  res.end();
}

/** Only same-site paths: never `//host` or a scheme (an open redirect after login). */
export function safeNext(v: string | null | undefined): string {
  return typeof v === 'string' && /^\/(?![/\\])[^\s]*$/.test(v) && !v.startsWith('/login') ? v : '/';
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'expected a form (application/x-www-form-urlencoded)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function fingerprint(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 16);
}

export function createDashboard(ctx: DashboardContext): Dashboard {
  const { store, log } = ctx;
  let keys: Promise<{ session: Buffer }> | null = null;
  const getKeys = () => {
    keys ??= store.sharedSecret().then((secret) => ({ session: deriveKey(secret, 'session-v1') }));
    keys.catch(() => (keys = null));
    return keys;
  };
  const throttle = new LoginThrottle({ user: { maxFailures: 5, windowMs: 15 * 60_000 }, ip: { maxFailures: 20, windowMs: 15 * 60_000 } });
  const counters = { logins: 0, loginFailures: 0, loginThrottled: 0, forbidden: 0, csrfRejected: 0, devicesAdded: 0, devicesRevoked: 0, errors: 0 };
  const hub = new LiveHub({
    pollMs: ctx.options?.pollMs ?? 2000,
    heartbeatMs: ctx.options?.heartbeatMs ?? 15_000,
    maxStreams: ctx.options?.maxStreams ?? 200,
    onError: (err, key) => log.warn('dashboard live poll failed', { topic: key, error: String(err) }),
  });

  async function authenticate(req: IncomingMessage): Promise<Authed | null> {
    const { session } = await getKeys();
    const claims = verifySession(session, parseCookies(req.headers.cookie).get(SESSION_COOKIE), ctx.now());
    if (!claims) return null;
    const user = await store.userByName(claims.u);
    if (!user || passwordTag(session, user.passwordHash) !== claims.pw) return null;
    return { claims, role: user.role, page: { name: user.name, role: user.role, csrf: csrfToken(session, claims) } };
  }

  /** Same-origin check for POSTs, on top of SameSite=Strict and the CSRF token. */
  function sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // old clients send none; the token still protects
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  async function postGuard(req: IncomingMessage, res: ServerResponse, auth: Authed, action: Action | null): Promise<URLSearchParams | null> {
    if (action && !can(auth.role, action)) {
      counters.forbidden++;
      sendHtml(res, 403, messagePage(auth.page, 'Forbidden', `Your role (${auth.role}) may not do this; ask an admin.`));
      return null;
    }
    const form = await readForm(req);
    const { session } = await getKeys();
    if (!sameOrigin(req) || !checkCsrf(session, auth.claims, form.get('csrf'))) {
      counters.csrfRejected++;
      sendHtml(res, 403, messagePage(auth.page, 'Forbidden', 'The form is stale or came from another site. Reload the page and try again.'));
      return null;
    }
    return form;
  }

  async function fleetNow(): Promise<{ view: FleetView; alarms: AlarmLike[] }> {
    const [devices, latest, alarms] = await Promise.all([store.devices(), store.latestTelemetry(), ctx.fleetAlarms()]);
    return { view: buildFleetView({ devices, latest, alarms, now: ctx.now(), intervalS: ctx.intervalS }), alarms };
  }

  const fleetHtml = (view: FleetView, alarms: AlarmLike[]) => ({ 'fleet-live': fleetFragment(view), 'alarms-live': alarmsFragment(alarms) });
  /** The fingerprint of what the live fleet fragments show: a page and a poll that render the same have the same one. */
  const fleetFp = (view: FleetView, alarms: AlarmLike[]) => fingerprint(JSON.stringify(fleetHtml(view, alarms)));

  async function fleetMessage(): Promise<{ msg: string; fp: string }> {
    const { view, alarms } = await fleetNow();
    const html = fleetHtml(view, alarms);
    const fp = fingerprint(JSON.stringify(html));
    return { msg: JSON.stringify({ fp, html }), fp };
  }

  async function deviceData(name: string, range: RangeName) {
    const now = ctx.now();
    const devices = await store.devices();
    const device = devices.find((d) => d.name === name);
    if (!device) return null;
    const w = windowOf(range, now);
    const [rows, events, gaps, latest, alarms] = await Promise.all([
      store.telemetry(name, w.from, w.to, w.resolution),
      store.events(name, w.from, 500),
      store.gapRuns(name),
      store.latestTelemetry(),
      ctx.fleetAlarms(),
    ]);
    const view = buildFleetView({ devices: [device], latest: latest.filter((t) => t.device === name), alarms, now, intervalS: ctx.intervalS });
    const columns = chartColumns(rows);
    return {
      device,
      row: view.rows[0] ?? null,
      range,
      from: w.from,
      now,
      resolution: w.resolution,
      columns,
      units: { offset: timeUnit([...columns.offMin, ...columns.offMax]), pps: timeUnit([...columns.jitter, ...columns.ppsOffset]) },
      events,
      stats: statRows(rows),
      gaps,
    };
  }

  type DeviceData = NonNullable<Awaited<ReturnType<typeof deviceData>>>;
  const deviceFragments = (d: DeviceData) => ({
    'device-summary': deviceSummaryFragment(d.row, d.device),
    'device-timeline': timelineFragment(d.events, d.from, Math.max(d.now, d.columns.t.at(-1) ?? 0)),
    'device-stats': statsFragment(d.stats),
  });

  /** A device topic: pushes new points (raw ranges) or the whole series (rolled-up ranges) when lastSeq moves. */
  async function deviceTopic(name: string, range: RangeName): Promise<LiveTopic & { lastAt: number; lastSeq: number }> {
    const first = await deviceData(name, range);
    const state = { lastSeq: first?.device.lastSeq ?? -1, lastAt: first?.columns.t.at(-1) ?? 0, lastFp: '' };
    return {
      get lastAt() {
        return state.lastAt;
      },
      get lastSeq() {
        return state.lastSeq;
      },
      async poll() {
        const devices = await store.devices();
        const dev = devices.find((d) => d.name === name);
        if (!dev || dev.lastSeq === state.lastSeq) return null;
        const d = await deviceData(name, range);
        if (!d) return null;
        state.lastSeq = d.device.lastSeq;
        const msg: Record<string, unknown> = { seq: d.device.lastSeq, html: deviceFragments(d) };
        if (RANGES[range].resolution === 'raw') {
          const idx = d.columns.t.findIndex((t) => t > state.lastAt);
          if (idx >= 0) msg.append = sliceColumns(d.columns, idx);
        } else {
          msg.replace = d.columns;
        }
        state.lastAt = Math.max(state.lastAt, d.columns.t.at(-1) ?? 0);
        return JSON.stringify(msg);
      },
    };
  }

  function sliceColumns(c: ChartColumns, from: number): ChartColumns {
    return Object.fromEntries(Object.entries(c).map(([k, v]: [string, unknown[]]) => [k, v.slice(from)])) as unknown as ChartColumns;
  }

  async function handleEvents(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const topic = url.searchParams.get('topic');
    if (topic === 'fleet') {
      const clientFp = url.searchParams.get('fp');
      let last = '';
      await hub.open(
        req,
        res,
        'fleet',
        async () => {
          last = (await fleetMessage()).fp;
          return {
            async poll() {
              const m = await fleetMessage();
              if (m.fp === last) return null;
              last = m.fp;
              return m.msg;
            },
          };
        },
        async () => {
          const m = await fleetMessage();
          return m.fp === clientFp ? null : m.msg;
        },
      );
      return;
    }
    if (topic === 'device') {
      const name = url.searchParams.get('device') ?? '';
      if (!DEVICE_NAME.test(name)) throw new HttpError(400, 'bad device name');
      const range = parseRange(url.searchParams.get('range'));
      const since = Number(url.searchParams.get('since') ?? 0);
      const seq = Number(url.searchParams.get('seq') ?? -1);
      await hub.open(
        req,
        res,
        `device:${name}:${range}`,
        () => deviceTopic(name, range),
        async () => {
          // Catch-up for this stream: what was stored between its page render and now.
          const d = await deviceData(name, range);
          if (!d || d.device.lastSeq === seq) return null;
          const msg: Record<string, unknown> = { seq: d.device.lastSeq, html: deviceFragments(d) };
          if (RANGES[range].resolution === 'raw') {
            const idx = d.columns.t.findIndex((t) => t > since);
            if (idx >= 0) msg.append = sliceColumns(d.columns, idx);
          } else msg.replace = d.columns;
          return JSON.stringify(msg);
        },
      );
      return;
    }
    throw new HttpError(400, 'unknown topic');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const isGet = method === 'GET' || method === 'HEAD';

    if (isStaticPath(path)) return isGet ? serveAsset(req, res, path) : (res.writeHead(405, { Allow: 'GET, HEAD' }).end(), true);

    if (path === '/login') {
      if (isGet) {
        if (await authenticate(req)) redirect(res, safeNext(url.searchParams.get('next')));
        else sendHtml(res, 200, loginPage({ next: safeNext(url.searchParams.get('next')) }));
        return true;
      }
      if (method !== 'POST') return (res.writeHead(405, { Allow: 'GET, POST' }).end(), true);
      if (!sameOrigin(req)) throw new HttpError(403, 'cross-origin login refused');
      const form = await readForm(req);
      const name = (form.get('user') ?? '').slice(0, 128);
      const password = (form.get('password') ?? '').slice(0, 1024);
      const next = safeNext(form.get('next'));
      const ip = req.socket.remoteAddress ?? '?';
      const now = ctx.now();
      const wait = throttle.retryAfterMs(name, ip, now);
      if (wait > 0) {
        counters.loginThrottled++;
        sendHtml(res, 429, loginPage({ next, user: name, error: `Too many failed attempts. Try again in ${Math.ceil(wait / 1000)} s.` }), { 'Retry-After': String(Math.ceil(wait / 1000)) });
        return true;
      }
      const user = await store.userByName(name);
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) {
        throttle.fail(name, ip, now);
        counters.loginFailures++;
        log.warn('dashboard login failed', { user: name, ip });
        sendHtml(res, 401, loginPage({ next, user: name, error: 'Wrong user name or password.' }));
        return true;
      }
      throttle.succeed(name);
      counters.logins++;
      const { session } = await getKeys();
      const { cookie } = issueSession(session, user.name, user.passwordHash, now);
      log.info('dashboard login', { user: user.name, role: user.role, ip });
      redirect(res, next, { 'Set-Cookie': sessionCookieHeader(cookie, { secure: ctx.secure, maxAgeS: SESSION_TTL_MS / 1000 }) });
      return true;
    }

    const known =
      path === '/' || path === '/alarms' || path === '/devices' || path === '/logout' || path === '/events' || path === '/api/fleet.json' || path.startsWith('/device/') || path.startsWith('/devices/') || path.startsWith('/api/device/');
    if (!known) return false;

    const auth = await authenticate(req);
    if (!auth) {
      if (isGet && !path.startsWith('/api/') && path !== '/events') redirect(res, `/login?next=${encodeURIComponent(path + url.search)}`);
      else sendJson(res, 401, { error: 'log in first' });
      return true;
    }

    if (path === '/logout' && method === 'POST') {
      if (!(await postGuard(req, res, auth, null))) return true;
      redirect(res, '/login', { 'Set-Cookie': sessionCookieHeader('', { secure: ctx.secure, maxAgeS: 0 }) });
      return true;
    }

    if (isGet && path === '/') {
      const { view, alarms } = await fleetNow();
      sendHtml(res, 200, fleetPage(auth.page, view, fleetFp(view, alarms)));
      return true;
    }
    if (isGet && path === '/alarms') {
      const { view, alarms } = await fleetNow();
      sendHtml(res, 200, alarmsPage(auth.page, alarms, fleetFp(view, alarms)));
      return true;
    }
    if (isGet && path === '/api/fleet.json') {
      const { view, alarms } = await fleetNow();
      sendJson(res, 200, { ...view, alarms });
      return true;
    }
    if (isGet && path === '/events') {
      await handleEvents(req, res, url);
      return true;
    }
    const deviceMatch = /^\/(?:device|api\/device)\/([^/]+?)(\.json)?$/.exec(path);
    if (isGet && deviceMatch && (path.startsWith('/api/') === (deviceMatch[2] === '.json'))) {
      const name = decodeURIComponent(deviceMatch[1]!);
      const d = DEVICE_NAME.test(name) ? await deviceData(name, parseRange(url.searchParams.get('range'))) : null;
      if (!d) {
        if (path.startsWith('/api/')) sendJson(res, 404, { error: 'no such appliance' });
        else sendHtml(res, 404, messagePage(auth.page, 'Not found', `No appliance named ${name}.`));
        return true;
      }
      if (path.startsWith('/api/')) sendJson(res, 200, { device: d.device, row: d.row, range: d.range, columns: d.columns, stats: d.stats, events: d.events, gaps: d.gaps });
      else sendHtml(res, 200, devicePage(auth.page, d));
      return true;
    }
    if (path === '/devices') {
      if (isGet) {
        sendHtml(res, 200, devicesPage(auth.page, await store.devices(), { now: ctx.now() }));
        return true;
      }
      if (method !== 'POST') return (res.writeHead(405, { Allow: 'GET, POST' }).end(), true);
      const form = await postGuard(req, res, auth, 'add-device');
      if (!form) return true;
      const name = (form.get('name') ?? '').trim();
      const daysText = (form.get('expiresDays') ?? '').trim();
      const days = daysText === '' ? null : Number(daysText);
      const fail = async (status: number, error: string) => sendHtml(res, status, devicesPage(auth.page, await store.devices(), { now: ctx.now(), error }));
      if (!DEVICE_NAME.test(name)) return (await fail(400, 'A name is 1–63 letters, digits, dots, dashes or underscores, starting with a letter or digit.'), true);
      if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= 3650)) return (await fail(400, 'Expiry is a whole number of days from 1 to 3650, or empty for never.'), true);
      const now = ctx.now();
      const expiresAt = days === null ? null : now + days * 86_400_000;
      const token = newDeviceToken();
      try {
        await store.addDevice(name, hashDeviceToken(token), expiresAt, now);
      } catch (err) {
        if (err instanceof DeviceExistsError) return (await fail(409, `An appliance named ${name} already exists.`), true);
        throw err;
      }
      counters.devicesAdded++;
      log.info('dashboard: appliance added', { device: name, by: auth.page.name });
      sendHtml(res, 201, tokenPage(auth.page, name, token, expiresAt));
      return true;
    }
    const revoke = /^\/devices\/([^/]+)\/revoke$/.exec(path);
    if (revoke && method === 'POST') {
      const form = await postGuard(req, res, auth, 'revoke-device');
      if (!form) return true;
      const name = decodeURIComponent(revoke[1]!);
      const removed = DEVICE_NAME.test(name) && (await store.removeDevice(name));
      if (!removed) {
        sendHtml(res, 404, messagePage(auth.page, 'Not found', `No appliance named ${name}.`));
        return true;
      }
      counters.devicesRevoked++;
      log.info('dashboard: appliance revoked', { device: name, by: auth.page.name });
      redirect(res, '/devices');
      return true;
    }
    return false;
  }

  return {
    async handle(req, res) {
      try {
        return await route(req, res);
      } catch (err) {
        if (err instanceof HttpError) {
          if (!res.headersSent) sendJson(res, err.status, { error: err.message });
          else res.end();
          return true;
        }
        counters.errors++;
        log.error('dashboard request failed', { path: req.url, error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) sendHtml(res, 500, messagePage(null, 'Error', 'The dashboard could not answer; the collector log has the details.'));
        else res.end();
        return true;
      }
    },
    close() {
      hub.close();
    },
    stats() {
      return { ...counters, liveStreams: hub.streams, liveTopics: hub.topics, livePushed: hub.pushed, liveRefused: hub.refused };
    },
  };
}
