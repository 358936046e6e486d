import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPoster } from '../../../../src/daemon/fleet/http-post.js';

/**
 * The poster against a real HTTP server on loopback: the Retry-After header of a 429/503 reaches
 * the uploader as seconds (the uploader's waits are tested in uploader-timing.test.ts).
 */

t.test('Retry-After in seconds, or as a date against the reply\'s own Date, is read from the reply; absent or unreadable, it is null', async (t) => {
  const replies: Array<{ status: number; headers: Record<string, string> }> = [
    { status: 429, headers: { 'retry-after': '2' } },
    { status: 503, headers: { 'retry-after': '120' } },
    { status: 503, headers: {} },
    { status: 429, headers: { 'retry-after': 'soon' } },
    // A proxy's date form, years from this machine's clock: only the server's Date places it.
    { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2015 07:29:30 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' } },
  ];
  let i = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = replies[i++]!;
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end(JSON.stringify({ error: 'busy', code: 'busy' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const poster = createPoster({});
  t.teardown(() => {
    poster.close();
    server.closeAllConnections();
    server.close();
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/ingest`);
  const got = [];
  for (let n = 0; n < replies.length; n++) got.push(await poster.post(url, {}, '{}', 30_000, new AbortController().signal));
  t.same(
    got.map((g) => [g.status, g.retryAfterS]),
    [
      [429, 2],
      [503, 120],
      [503, null],
      [429, null],
      [503, 90],
    ],
  );
  t.same(got[0]!.body, { error: 'busy', code: 'busy' }, 'the JSON body is parsed');
});
