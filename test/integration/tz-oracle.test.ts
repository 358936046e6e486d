import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { describeInstant } from '../../src/daemon/mcp/time/calendar.js';
import { strftime } from '../../src/daemon/mcp/time/strftime.js';
import { TzDatabase } from '../../src/daemon/mcp/time/tz-database.js';

/**
 * The time tools against two independent readers of the same system tz database:
 *
 * - `zdump -v -c 1900,2100` (glibc's tzcode, Debian's libc-bin) for EVERY zone in tzdata.zi:
 *   at each transition and the second before it, the UTC offset, the abbreviation, the isdst
 *   flag and the local date-time string must match ours.
 * - Python's `zoneinfo` for every zone and every alias, at a deterministic sample of instants
 *   from 1900 to 2100 (after 2037 most zones come from the TZif footer's POSIX rule): offset,
 *   abbreviation, DST, the local wall time, C strftime output (glibc's, C locale), and that
 *   our RFC 3339 and RFC 2822 strings parse back to exactly the instant.
 *
 * Runs in one zdump pass split over two processes and one Python process; the zdump scan
 * is most of the run time (tens of seconds of CPU).
 */

const ROOT = '/usr/share/zoneinfo';
const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const haveZi = (() => {
  try {
    return readFileSync(`${ROOT}/tzdata.zi`, 'utf8');
  } catch {
    return null;
  }
})();

const skip = !haveZi ? `${ROOT}/tzdata.zi absent (package tzdata)` : !has('zdump', ['--version']) ? 'zdump absent (package libc-bin)' : !has('python3', ['-c', 'import zoneinfo']) ? 'python3 with zoneinfo absent' : false;

const zoneLines = (haveZi ?? '').split('\n').map((l) => l.trim().split(/\s+/));
const ZONES = zoneLines.filter((f) => f[0] === 'Z').map((f) => f[1] as string);
const LINKS = zoneLines.filter((f) => f[0] === 'L').map((f) => ({ target: f[1] as string, alias: f[2] as string }));

function run(cmd: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`${cmd} exited ${code}: ${Buffer.concat(err).toString().slice(0, 500)}`))));
    p.stdin.end(input ?? '');
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// "Europe/Dublin  Sun Oct 25 01:00:00 2099 UT = Sun Oct 25 01:00:00 2099 GMT isdst=1 gmtoff=0"
const ZDUMP_LINE = /^(\S+)\s+\w{3} (\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (-?\d+) UT = (\w{3} \w{3} +\d+ \d\d:\d\d:\d\d -?\d+) (\S+) isdst=(\d) gmtoff=(-?\d+)$/;

t.test('zdump -v -c 1900,2100: every transition of every zone, and the second before it', { skip }, async (t) => {
  const db = new TzDatabase({ root: ROOT });
  const half = Math.ceil(ZONES.length / 2);
  const outputs = await Promise.all([ZONES.slice(0, half), ZONES.slice(half)].map((zs) => run('zdump', ['-v', '-c', '1900,2100', ...zs], undefined, { ...process.env, TZDIR: ROOT })));
  let compared = 0;
  const zonesSeen = new Set<string>();
  const mismatches: string[] = [];
  for (const line of outputs.join('').split('\n')) {
    if (line === '' || line.endsWith('= NULL')) continue;
    const m = ZDUMP_LINE.exec(line);
    if (!m) {
      mismatches.push(`unparsed zdump line: ${line}`);
      continue;
    }
    const [, zone, mon, day, hh, mi, ss, year, local, abbr, isdst, gmtoff] = m as unknown as string[];
    const ms = new Date(0).setUTCFullYear(Number(year), MONTHS.indexOf(mon as string), Number(day));
    const unix = ms / 1000 + Number(hh) * 3600 + Number(mi) * 60 + Number(ss);
    const v = describeInstant(BigInt(unix) * 1_000_000_000n, zone as string, db);
    const ours = `${strftime('%a %b %e %H:%M:%S %Y', v)} ${v.abbreviation} isdst=${v.dst ? 1 : 0} gmtoff=${v.utcOffsetSeconds}`;
    const theirs = `${local} ${abbr} isdst=${isdst} gmtoff=${gmtoff}`;
    if (ours !== theirs) mismatches.push(`${zone} at ${unix}: zdump "${theirs}", ours "${ours}"`);
    compared++;
    zonesSeen.add(zone as string);
  }
  t.comment(`${compared} zdump lines over ${zonesSeen.size} zones with transitions in 1900-2100 (of ${ZONES.length})`);
  t.same(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  t.ok(compared > 50_000, 'zdump reported the transitions (not an empty run)');
  t.ok(zonesSeen.size > 300, 'most zones have transitions in range');
});

const PY = String.raw`
import sys, json, email.utils
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, available_timezones
req = json.load(sys.stdin)
FMT = req["format"]
out = []
for zone, rows in req["zones"].items():
    tz = ZoneInfo(zone)
    res = []
    for t, rfc3339, rfc2822 in rows:
        d = datetime.fromtimestamp(t, tz)
        r3 = datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()
        r2 = email.utils.parsedate_to_datetime(rfc2822).timestamp()
        res.append([int(d.utcoffset().total_seconds()), d.tzname(), d.dst().total_seconds() != 0,
                    d.strftime("%Y-%m-%dT%H:%M:%S"), d.strftime(FMT), r3, r2])
    out.append([zone, res])
json.dump({"results": out, "available": sorted(available_timezones())}, sys.stdout)
`;

/** A deterministic spread of instants, 1900-2100, plus the edges people ask about. */
function sampleInstants(): number[] {
  const lo = Date.UTC(1900, 0, 1) / 1000;
  const hi = Date.UTC(2100, 11, 31) / 1000;
  const fixed = [lo, 0, 2147483647, 2147483648, Date.UTC(2026, 0, 15) / 1000, Date.UTC(2026, 6, 15) / 1000, Date.UTC(2050, 6, 1) / 1000, Date.UTC(2099, 0, 15) / 1000, hi];
  let x = 0x2545f491;
  const random: number[] = [];
  for (let k = 0; k < 40; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    random.push(lo + Math.floor((x / 2 ** 32) * (hi - lo)));
  }
  return [...fixed, ...random];
}

// C's conversions, all of which glibc defines (Python hands them to strftime(3) under LC_ALL=C);
// %z and %s are left out because Python computes them itself, differently from C.
const STRFTIME_ORACLE_FORMAT = '%a %A %b %B %c %C %d %D %e %F %g %G %H %I %j %k %l %m %M %n %p %r %R %S %t %T %u %U %V %w %W %x %X %y %Y %Z %% %-d %-H %-j %_m %^a';

t.test("Python's zoneinfo: every zone and alias at sampled instants; strftime; RFC 3339/2822 round trips", { skip }, async (t) => {
  const db = new TzDatabase({ root: ROOT });
  const names = [...ZONES, ...LINKS.map((l) => l.alias)];
  const instants = sampleInstants();
  const ours = new Map<string, ReturnType<typeof describeInstant>[]>();
  const request: Record<string, [number, string, string][]> = {};
  for (const zone of names) {
    const views = instants.map((s) => describeInstant(BigInt(s) * 1_000_000_000n, zone, db));
    ours.set(zone, views);
    request[zone] = views.map((v) => [v.unixSeconds, v.rfc3339, v.rfc2822]);
  }
  const reply = JSON.parse(await run('python3', ['-c', PY], JSON.stringify({ format: STRFTIME_ORACLE_FORMAT, zones: request }), { ...process.env, LC_ALL: 'C', PYTHONTZPATH: ROOT, TZ: 'UTC' })) as {
    results: [string, [number, string, boolean, string, string, number, number][]][];
    available: string[];
  };
  const mismatches: string[] = [];
  let compared = 0;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  for (const [zone, rows] of reply.results) {
    const views = ours.get(zone) ?? [];
    rows.forEach(([utoff, abbr, dst, wall, formatted, r3, r2], k) => {
      const v = views[k];
      if (!v) return;
      const c = v.calendar;
      const ourWall = `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
      const check = (what: string, a: unknown, b: unknown) => {
        if (a !== b) mismatches.push(`${zone} at ${v.unixSeconds}: ${what}: python ${JSON.stringify(a)}, ours ${JSON.stringify(b)}`);
      };
      check('utcoffset', utoff, v.utcOffsetSeconds);
      check('tzname', abbr, v.abbreviation);
      check('dst', dst, v.dst);
      check('wall time', wall, ourWall);
      check('strftime', formatted, strftime(STRFTIME_ORACLE_FORMAT, v));
      check('rfc3339 parsed back', r3, v.unixSeconds);
      check('rfc2822 parsed back', r2, v.unixSeconds);
      compared++;
    });
  }
  t.comment(`${compared} instants over ${reply.results.length} names (${ZONES.length} zones, ${LINKS.length} aliases)`);
  t.equal(reply.results.length, names.length, 'python answered for every name');
  t.same(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  // Every name Python finds in the database is one we accept (localtime is the machine's setting, not a zone name).
  const refused = reply.available.filter((n) => n !== 'localtime').filter((n) => {
    try {
      db.resolveName(n);
      return false;
    } catch {
      return true;
    }
  });
  t.same(refused, [], 'every zoneinfo name resolves');
  const wrongLinks: string[] = [];
  for (const { alias, target } of LINKS) {
    const want = target === 'Etc/UTC' ? 'UTC' : target;
    const got = db.resolveName(alias).name;
    if (got !== want) wrongLinks.push(`${alias} resolves to ${got}, tzdata.zi links it to ${target}`);
  }
  t.same(wrongLinks, [], 'aliases resolve to their link targets');
});
