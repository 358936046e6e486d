import t from 'tap';
import { connectClient, downApi, READER } from '../server/fixtures.js';

/**
 * Issue 11, "the time tools answer from the ICU data bundled in Node": each finding of that
 * bullet, asked through the MCP tools as a client would. Expected values are the system tz
 * database's (zdump -v and Python's zoneinfo say the same; test/integration/tz-oracle.test.ts
 * checks every zone).
 */

type Result = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, any> };

async function client(t: { teardown(fn: () => Promise<void>): void }) {
  const c = await connectClient(downApi, READER); // the time tools answer with the daemon down
  t.teardown(c.close);
  await c.client.listTools(); // so the SDK validates structuredContent against each output schema
  return async (name: string, args: Record<string, unknown> = {}): Promise<Result> => (await c.client.callTool({ name, arguments: args })) as Result;
}

/** convert_time of a UTC instant into `zone`: the target view. */
const inZone = async (call: Awaited<ReturnType<typeof client>>, iso: string, zone: string) => {
  const r = await call('convert_time', { timestamp: iso, to_timezone: zone });
  if (r.isError) throw new Error(r.content[0]?.text);
  return r.structuredContent?.result.target as Record<string, any>;
};

t.test('list_timezones lists current names; old ones are aliases that resolve', async (t) => {
  const call = await client(t);
  const all = (await call('list_timezones')).structuredContent as { timezones: string[]; aliases: { alias: string; zone: string }[] };
  for (const z of ['Asia/Kathmandu', 'Europe/Kyiv', 'America/Nuuk', 'Asia/Kolkata', 'UTC']) t.ok(all.timezones.includes(z), `${z} listed`);
  for (const z of ['Asia/Katmandu', 'Europe/Kiev', 'America/Godthab', 'Asia/Calcutta']) t.notOk(all.timezones.includes(z), `${z} not listed as a zone`);
  const kiev = await call('list_timezones', { filter: 'kiev' });
  t.same(kiev.structuredContent?.aliases, [{ alias: 'Europe/Kiev', zone: 'Europe/Kyiv' }]);
  t.match(kiev.content[0]?.text, /Europe\/Kiev → Europe\/Kyiv/);
  const r = await call('get_time_with_timezone', { timezone: 'Europe/Kiev' });
  t.same([r.structuredContent?.zone, r.structuredContent?.alias], ['Europe/Kyiv', 'Europe/Kiev']);
  t.match(r.content[0]?.text, /Europe\/Kiev is an alias of Europe\/Kyiv/);
});

t.test("abbreviations are the tz database's, not CLDR's GMT+n", async (t) => {
  const call = await client(t);
  const dublin = (await call('get_time_with_timezone', { timezone: 'Europe/Dublin' })).structuredContent; // 2026-07-01
  t.same([dublin?.abbreviation, dublin?.utcOffset], ['IST', '+01:00']);
  t.equal((await inZone(call, '2026-01-15T12:00:00Z', 'America/Sao_Paulo')).abbreviation, '-03');
  const lmt = await inZone(call, '1900-01-01T00:00:00Z', 'Asia/Kathmandu');
  t.same([lmt.abbreviation, lmt.utcOffset], ['LMT', '+05:41:16']);
  const f = await call('get_time_formatted', { format: '%Z %z', timezone: 'Europe/Dublin' });
  t.equal(f.content[0]?.text, 'IST +0100');
});

t.test('the DST flag is the database\'s isdst: Morocco, historical São Paulo, Ireland', async (t) => {
  const call = await client(t);
  const dst = async (iso: string, zone: string) => {
    const v = await inZone(call, iso, zone);
    return [v.abbreviation, v.utcOffset, v.dst];
  };
  t.same(await dst('2026-03-01T12:00:00Z', 'Africa/Casablanca'), ['+00', '+00:00', true], 'Ramadan: +00 is the DST');
  t.same(await dst('2026-07-01T12:00:00Z', 'Africa/Casablanca'), ['+01', '+01:00', false]);
  t.same(await dst('2010-01-15T12:00:00Z', 'America/Sao_Paulo'), ['-02', '-02:00', true], 'summer time in 2010');
  t.same(await dst('2010-07-15T12:00:00Z', 'America/Sao_Paulo'), ['-03', '-03:00', false]);
  t.same(await dst('2026-01-15T12:00:00Z', 'Europe/Dublin'), ['GMT', '+00:00', true], 'Irish winter is the negative DST');
  t.same(await dst('2026-07-15T12:00:00Z', 'Europe/Dublin'), ['IST', '+01:00', false]);
});

t.test('%U %W %x %X are accepted', async (t) => {
  const call = await client(t);
  const r = await call('get_time_formatted', { format: '%U %W %x %X %-d', timezone: 'UTC' }); // Wed 2026-07-01 12:00:00
  t.notOk(r.isError, r.content[0]?.text ?? '');
  t.equal(r.content[0]?.text, '26 26 07/01/26 12:00:00 1');
});

t.test('RFC 3339 and RFC 2822 name the same instant even with a local-mean-time offset', async (t) => {
  const call = await client(t);
  const instant = Date.parse('1900-01-01T00:00:00Z');
  const v = await inZone(call, '1900-01-01T00:00:00Z', 'Asia/Kathmandu');
  t.equal(v.rfc3339, '1900-01-01T05:41:00+05:41', 'offset rounded to the minute, clock time moved with it');
  t.equal(v.rfc2822, 'Mon, 01 Jan 1900 05:41:00 +0541');
  t.equal(Date.parse(v.rfc3339), instant, 'RFC 3339 parses back to the instant');
  t.equal(Date.parse(v.rfc2822), instant, 'RFC 2822 parses back to the instant');
  t.match(v.offsetNote, /\+05:41:16 \(LMT\) has seconds/);
  t.equal(v.iso8601, '1900-01-01T05:41:16.000000000+05:41:16', 'iso8601 keeps the exact local mean time');
  // Monrovia's -0:44:30 is a half minute: rounded away from zero, still the same instant.
  const m = await inZone(call, '1950-01-01T00:00:00Z', 'Africa/Monrovia');
  t.equal(m.utcOffset, '-00:44:30');
  t.equal(m.rfc3339, '1949-12-31T23:15:00-00:45');
  t.equal(Date.parse(m.rfc3339), Date.parse('1950-01-01T00:00:00Z'));
  t.equal(Date.parse(m.rfc2822), Date.parse('1950-01-01T00:00:00Z'));
  t.equal((await inZone(call, '2026-07-01T00:00:00Z', 'Asia/Kathmandu')).offsetNote, null, 'whole-minute offsets need no note');
});
