import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEVICE_NAME, hashDeviceToken, newDeviceToken } from '../device-tokens.js';
import { DeviceExistsError } from '../store/fleet-store.js';
import type { AccessControl, Authed } from './access-control.js';
import type { DashboardContext, DashboardCounters } from './dashboard-context.js';
import { redirect, sendHtml } from './http-io.js';
import { devicesPage, messagePage, tokenPage } from './pages.js';

/**
 * GET /devices lists the registered appliances; admins add one (POST /devices, which shows its
 * token once) or revoke one (POST /devices/NAME/revoke). False when the path is none of these.
 */
export function createDeviceAdminRoutes(ctx: DashboardContext, access: AccessControl, counters: DashboardCounters) {
  const { store, log } = ctx;

  return async function handleDeviceAdmin(req: IncomingMessage, res: ServerResponse, path: string, auth: Authed): Promise<boolean> {
    const method = req.method ?? 'GET';
    const isGet = method === 'GET' || method === 'HEAD';
    if (path === '/devices') {
      if (isGet) {
        sendHtml(res, 200, devicesPage(auth.page, await store.devices(), { now: ctx.now() }));
        return true;
      }
      if (method !== 'POST') return (res.writeHead(405, { Allow: 'GET, POST' }).end(), true);
      const form = await access.postGuard(req, res, auth, 'add-device');
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
      const form = await access.postGuard(req, res, auth, 'revoke-device');
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
  };
}
