import t from 'tap';
import { validateConfig } from '../../../src/config/load-config.js';
import { preflightProblems } from '../../../src/config/preflight.js';

const files: Record<string, string> = {
  '/etc/ssl/mcp.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  '/etc/ssl/mcp.key': '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n',
  '/etc/stratum1d/fleet.token': 's1d_abc\n',
  '/etc/stratum1d/empty': '',
  '/etc/stratum1d/not-pem': 'hello',
};
const read = (p: string): string => {
  if (p in files) return files[p]!;
  throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
};

t.test('missing or unreadable files of enabled parts are configuration errors naming the key', async (t) => {
  const c = validateConfig({ mcp: { enabled: true, tls: { cert: '/etc/ssl/missing.crt', key: '/etc/ssl/mcp.key' } } });
  t.same(preflightProblems(c, read), ['mcp.tls.cert: cannot read /etc/ssl/missing.crt: ENOENT']);
  const f = validateConfig({ fleet: { url: 'https://fleet.example:8470', tokenFile: '/etc/stratum1d/empty', ca: '/etc/stratum1d/not-pem' } });
  t.same(preflightProblems(f, read), ['fleet.tokenFile: /etc/stratum1d/empty is empty', 'fleet.ca: /etc/stratum1d/not-pem is not a PEM file (no -----BEGIN line)']);
});

t.test('files of disabled parts are not read', async (t) => {
  const c = validateConfig({ mcp: { enabled: false, tls: { cert: '/nope.crt', key: '/nope.key' } }, fleet: { url: null, tokenFile: '/nope' } });
  t.same(preflightProblems(c, read), []);
  const ok = validateConfig({ mcp: { enabled: true, tls: { cert: '/etc/ssl/mcp.crt', key: '/etc/ssl/mcp.key' } }, fleet: { url: 'http://c:8470', tokenFile: '/etc/stratum1d/fleet.token' } });
  t.same(preflightProblems(ok, read), []);
});
