import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Role } from '../store/fleet-store.js';
import type { DashboardContext, DashboardCounters } from './dashboard-context.js';
import { readForm, sendHtml } from './http-io.js';
import { messagePage, type PageUser } from './pages.js';
import { can, type Action } from './roles.js';
import { checkCsrf, csrfToken, deriveKey, parseCookies, passwordTag, SESSION_COOKIE, verifySession, type SessionClaims } from './session.js';

/**
 * Who is asking and whether they may: the session cookie checked against the user as stored
 * now (so a removed user or changed password takes effect at once), and the guard every POST
 * passes (role, same origin, CSRF token).
 */

export interface Authed {
  claims: SessionClaims;
  role: Role;
  page: PageUser;
}

export interface AccessControl {
  getKeys(): Promise<{ session: Buffer }>;
  authenticate(req: IncomingMessage): Promise<Authed | null>;
  postGuard(req: IncomingMessage, res: ServerResponse, auth: Authed, action: Action | null): Promise<URLSearchParams | null>;
}

/** Same-origin check for POSTs, on top of SameSite=Strict and the CSRF token. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // old clients send none; the token still protects
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function createAccessControl(ctx: DashboardContext, counters: DashboardCounters): AccessControl {
  const { store } = ctx;
  let keys: Promise<{ session: Buffer }> | null = null;
  const getKeys = () => {
    keys ??= store.sharedSecret().then((secret) => ({ session: deriveKey(secret, 'session-v1') }));
    keys.catch(() => (keys = null));
    return keys;
  };

  async function authenticate(req: IncomingMessage): Promise<Authed | null> {
    const { session } = await getKeys();
    const claims = verifySession(session, parseCookies(req.headers.cookie).get(SESSION_COOKIE), ctx.now());
    if (!claims) return null;
    const user = await store.userByName(claims.u);
    if (!user || passwordTag(session, user.passwordHash) !== claims.pw) return null;
    return { claims, role: user.role, page: { name: user.name, role: user.role, csrf: csrfToken(session, claims) } };
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

  return { getKeys, authenticate, postGuard };
}
