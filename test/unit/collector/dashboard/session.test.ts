import t from 'tap';
import { checkCsrf, csrfToken, deriveKey, issueSession, parseCookies, passwordTag, sessionCookieHeader, SESSION_TTL_MS, verifySession } from '../../../../src/collector/dashboard/session.js';

const NOW = 1_700_000_000_000;
const key = deriveKey('shared-secret-of-the-store', 'session-v1');

t.test('a cookie verifies on any collector with the same shared secret, and only there', async (t) => {
  const { cookie, claims } = issueSession(key, 'alice', 'scrypt$hash', NOW);
  const otherCollector = deriveKey('shared-secret-of-the-store', 'session-v1');
  t.same(verifySession(otherCollector, cookie, NOW + 1000), claims);
  t.equal(verifySession(deriveKey('another database', 'session-v1'), cookie, NOW), null);
  t.equal(verifySession(deriveKey('shared-secret-of-the-store', 'csrf'), cookie, NOW), null, 'keys are per purpose');
  t.equal(claims.pw, passwordTag(key, 'scrypt$hash'));
});

t.test('expiry: valid until exp, refused at and after it, and no lifetime beyond the TTL', async (t) => {
  const { cookie } = issueSession(key, 'alice', 'h', NOW);
  t.ok(verifySession(key, cookie, NOW + SESSION_TTL_MS - 1));
  t.equal(verifySession(key, cookie, NOW + SESSION_TTL_MS), null);
  const long = issueSession(key, 'alice', 'h', NOW, SESSION_TTL_MS * 10).cookie;
  t.equal(verifySession(key, long, NOW + 1), null, 'a forged long lifetime is refused even when signed');
  const future = issueSession(key, 'alice', 'h', NOW + 3600_000).cookie;
  t.equal(verifySession(key, future, NOW), null, 'issued in the future');
});

t.test('tampering and garbage are refused without throwing', async (t) => {
  const { cookie } = issueSession(key, 'alice', 'h', NOW);
  const [payload, sig] = cookie.split('.') as [string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), u: 'admin' })).toString('base64url');
  t.equal(verifySession(key, `${forged}.${sig}`, NOW), null);
  t.equal(verifySession(key, `${payload}.${sig.slice(0, -2)}xx`, NOW), null);
  for (const junk of [undefined, '', '.', 'abc', 'a.b.c', `${'x'.repeat(2000)}.y`, `${Buffer.from('[1]').toString('base64url')}.zz`]) t.equal(verifySession(key, junk, NOW), null, String(junk).slice(0, 20));
});

t.test('CSRF token is bound to the session', async (t) => {
  const a = issueSession(key, 'alice', 'h', NOW).claims;
  const b = issueSession(key, 'alice', 'h', NOW).claims;
  t.ok(checkCsrf(key, a, csrfToken(key, a)));
  t.notOk(checkCsrf(key, b, csrfToken(key, a)), 'another session of the same user');
  t.notOk(checkCsrf(key, a, undefined));
  t.notOk(checkCsrf(key, a, ''));
});

t.test('cookie header attributes and parsing', async (t) => {
  const h = sessionCookieHeader('v.s', { secure: true, maxAgeS: 60 });
  t.match(h, /^s1d_session=v\.s; /);
  for (const attr of ['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/', 'Max-Age=60']) t.ok(h.split('; ').includes(attr), attr);
  t.notOk(sessionCookieHeader('v', { secure: false, maxAgeS: 60 }).includes('Secure'));
  const c = parseCookies('a=1; s1d_session=x.y; b = 2; s1d_session=second');
  t.equal(c.get('s1d_session'), 'x.y', 'the first of duplicate names wins');
  t.equal(c.get('b'), '2');
});
