import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEVICE_NAME } from '../device-tokens.js';
import { createAccessControl } from './access-control.js';
import { newCounters, type Dashboard, type DashboardContext } from './dashboard-context.js';
import { createDeviceAdminRoutes } from './device-admin-routes.js';
import { parseRange } from './device-view.js';
import { HttpError, redirect, sendHtml, sendJson } from './http-io.js';
import { createLiveStreams } from './live-streams.js';
import { createLoginRoute } from './login-route.js';
import { alarmsPage, devicePage, fleetPage, messagePage } from './pages.js';
import { sessionCookieHeader } from './session.js';
import { isStaticPath, serveAsset } from './static-assets.js';
import { createViewData, fleetFp } from './view-data.js';

export type { Dashboard, DashboardContext, DashboardLog } from './dashboard-context.js';
export { safeNext } from './login-route.js';

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
 *
 * This file routes; login-route.ts, access-control.ts, view-data.ts, live-streams.ts and
 * device-admin-routes.ts hold the rest.
 */

export function createDashboard(ctx: DashboardContext): Dashboard {
  const { log } = ctx;
  const counters = newCounters();
  const access = createAccessControl(ctx, counters);
  const handleLogin = createLoginRoute(ctx, access, counters);
  const data = createViewData(ctx);
  const { fleetNow, deviceData } = data;
  const { hub, handleEvents } = createLiveStreams(ctx, data);
  const handleDeviceAdmin = createDeviceAdminRoutes(ctx, access, counters);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const isGet = method === 'GET' || method === 'HEAD';

    if (isStaticPath(path)) return isGet ? serveAsset(req, res, path) : (res.writeHead(405, { Allow: 'GET, HEAD' }).end(), true);

    if (path === '/login') return handleLogin(req, res, url);

    const known =
      path === '/' || path === '/alarms' || path === '/devices' || path === '/logout' || path === '/events' || path === '/api/fleet.json' || path.startsWith('/device/') || path.startsWith('/devices/') || path.startsWith('/api/device/');
    if (!known) return false;

    const auth = await access.authenticate(req);
    if (!auth) {
      if (isGet && !path.startsWith('/api/') && path !== '/events') redirect(res, `/login?next=${encodeURIComponent(path + url.search)}`);
      else sendJson(res, 401, { error: 'log in first' });
      return true;
    }

    if (path === '/logout' && method === 'POST') {
      if (!(await access.postGuard(req, res, auth, null))) return true;
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
    return handleDeviceAdmin(req, res, path, auth);
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
