import t from 'tap';
import { originAllowed } from '../../../../../src/daemon/mcp/auth/origin.js';

t.test('no Origin (a non-browser client) is allowed; a browser origin only when listed', async (t) => {
  const allowed = ['https://dash.example:8443'];
  t.ok(originAllowed(undefined, allowed));
  t.ok(originAllowed('https://DASH.example:8443', allowed), 'scheme and host compare case-insensitively');
  t.notOk(originAllowed('https://dash.example', allowed), 'another port is another origin');
  t.notOk(originAllowed('http://dash.example:8443', allowed), 'another scheme is another origin');
  t.notOk(originAllowed('https://evil.example', allowed));
  t.notOk(originAllowed('null', ['null']), 'opaque origins never match');
  t.notOk(originAllowed('not a url', allowed));
  t.notOk(originAllowed('https://evil.example', []), 'nothing listed: every browser refused');
});
