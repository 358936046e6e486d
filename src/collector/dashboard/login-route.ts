import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameOrigin, type AccessControl } from './access-control.js';
import type { DashboardContext, DashboardCounters } from './dashboard-context.js';
import { HttpError, readForm, redirect, sendHtml } from './http-io.js';
import { LoginThrottle } from './login-throttle.js';
import { loginPage } from './pages.js';
import { verifyPassword } from './password.js';
import { issueSession, SESSION_TTL_MS, sessionCookieHeader } from './session.js';

/** verifyPassword against this when the user does not exist, so timing does not reveal names. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Only same-site paths: never `//host` or a scheme (an open redirect after login). */
export function safeNext(v: string | null | undefined): string {
  return typeof v === 'string' && /^\/(?![/\\])[^\s]*$/.test(v) && !v.startsWith('/login') ? v : '/';
}

/** GET and POST /login: the form, and a throttled password check that issues the session cookie. */
export function createLoginRoute(ctx: DashboardContext, access: AccessControl, counters: DashboardCounters) {
  const { store, log } = ctx;
  const throttle = new LoginThrottle({ user: { maxFailures: 5, windowMs: 15 * 60_000 }, ip: { maxFailures: 20, windowMs: 15 * 60_000 } });

  return async function handleLogin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const isGet = method === 'GET' || method === 'HEAD';
    if (isGet) {
      if (await access.authenticate(req)) redirect(res, safeNext(url.searchParams.get('next')));
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
    const { session } = await access.getKeys();
    const { cookie } = issueSession(session, user.name, user.passwordHash, now);
    log.info('dashboard login', { user: user.name, role: user.role, ip });
    redirect(res, next, { 'Set-Cookie': sessionCookieHeader(cookie, { secure: ctx.secure, maxAgeS: SESSION_TTL_MS / 1000 }) });
    return true;
  };
}
