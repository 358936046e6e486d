import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { comparable, compareFix, type GpsdTpv, gpsdTimedFixes, ourTimedFixes, type Problem } from './gpsd-oracle.js';
import { KNOWN_DIVERGENCES } from './known-divergences.js';

/**
 * Our decoder against gpsd's own output on gpsd's regression logs (see gpsd-oracle.ts for
 * how gpsd's fix for a time is chosen). For every log: at least 95 % of gpsd's timed fixes
 * must agree with ours (time to the ms, mode, lat/lon within 1e-6°, altMSL within 1 cm) and
 * at least 95 % of ours (inside gpsd's span) must be gpsd's. Logs in KNOWN_DIVERGENCES may
 * count a difference as agreement only when the listed gpsd quirk explains exactly it.
 */
const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const CORPUS = resolve(ROOT, '..', 'shared', 'fixtures', 'gpsd');
const RATE = 0.95;

const pct = (n: number, d: number): string => (d === 0 ? '  -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

if (!existsSync(CORPUS)) {
  t.comment(`gpsd corpus test skipped: no gpsd regression logs at ${CORPUS}`);
  t.test('gpsd corpus', { skip: `no gpsd regression logs at ${CORPUS}` }, async () => {});
} else {
  const logs = readdirSync(CORPUS).filter((f) => f.endsWith('.log')).sort();
  const rows: string[] = [];

  t.test('the corpus is there', async (t) => {
    t.ok(logs.length >= 40, `${logs.length} logs in ${CORPUS}`);
    for (const name of Object.keys(KNOWN_DIVERGENCES)) t.ok(logs.includes(name), `known divergence ${name} is a corpus log`);
  });

  for (const log of logs) {
    t.test(log, async (t) => {
      const quirks = KNOWN_DIVERGENCES[log] ?? [];
      const mapTime = quirks.find((q) => q.mapGpsdTime)?.mapGpsdTime ?? ((x: string) => x);
      const gpsd = new Map<string, GpsdTpv>();
      let remapped = 0;
      for (const g of gpsdTimedFixes(join(CORPUS, `${log}.chk`)).values()) {
        const time = mapTime(g.time);
        if (time !== g.time) remapped++;
        gpsd.set(time, { ...g, time });
      }
      const used = new Set<string>(remapped > 0 ? quirks.filter((q) => q.mapGpsdTime).map((q) => q.id) : []);
      const run = await ourTimedFixes(join(CORPUS, log));
      t.equal(run.counters.internalErrors, 0, 'no decoder exception');

      let matched = 0;
      let explained = 0;
      const unexplained: string[] = [];
      for (const [time, g] of gpsd) {
        const ours = run.fixes.get(time);
        const problems: Problem[] = compareFix(ours, g);
        if (problems.length === 0) matched++;
        else if (ours && quirks.some((q) => q.explains?.(ours, g, problems))) {
          explained++;
          for (const q of quirks) if (q.explains?.(ours, g, problems)) used.add(q.id);
        } else unexplained.push(`${time}: ${problems.join(', ')}`);
      }

      const { inside, outside } = comparable(run.fixes, [...gpsd.keys()]);
      const gpsdTimes = [...gpsd.keys()].sort();
      const nearest = (time: string): GpsdTpv | undefined => {
        const ms = Date.parse(time);
        let best: string | undefined;
        for (const g of gpsdTimes) if (!best || Math.abs(Date.parse(g) - ms) < Math.abs(Date.parse(best) - ms)) best = g;
        return best ? gpsd.get(best) : undefined;
      };
      let extraExplained = 0;
      const extras: string[] = [];
      for (const time of inside) {
        if (gpsd.has(time)) continue;
        const ours = run.fixes.get(time)!;
        const q = quirks.find((x) => x.explainsExtra?.(ours, nearest(time)));
        if (q) {
          extraExplained++;
          used.add(q.id);
        } else extras.push(time);
      }

      const agreeing = matched + explained;
      // Our compared fixes that are gpsd's: each agreeing gpsd fix is one of ours, plus our
      // fixes gpsd never reported when a listed quirk explains the silence.
      const oursOk = agreeing + extraExplained;
      t.ok(gpsd.size > 0, `gpsd has ${gpsd.size} timed fixes`);
      t.ok(agreeing / gpsd.size >= RATE, `${agreeing}/${gpsd.size} of gpsd's timed fixes agree`, { unexplained: unexplained.slice(0, 10) });
      t.ok(inside.length > 0 && oursOk / inside.length >= RATE, `${oursOk}/${inside.length} of our fixes are gpsd's`, {
        extras: extras.slice(0, 10),
      });
      if (quirks.length > 0) {
        // The exemption must still be needed, and actually used, or it should go.
        const strictOk = remapped === 0 && matched / gpsd.size >= RATE && matched / inside.length >= RATE;
        t.notOk(strictOk, `listed divergence still needed (${quirks.map((q) => q.id).join(', ')})`);
        t.ok(used.size > 0, 'a listed quirk explains at least one difference');
        for (const q of quirks) t.comment(`${log}: known gpsd divergence ${q.id}: ${q.reason}`);
      }
      rows.push(
        `${log.padEnd(32)} ${String(gpsd.size).padStart(5)} ${String(inside.length).padStart(5)}/${String(outside.length).padEnd(2)} ` +
          `${pct(matched, gpsd.size)} ${pct(agreeing, gpsd.size)} ${pct(oursOk, inside.length)}  ${[...used].join(',')}`,
      );
    });
  }

  t.test('fuzzy-arithmetic cases keep their milliseconds', async (t) => {
    const run = await ourTimedFixes(join(CORPUS, 'nmea-fuzzy-cases.log'));
    // 132820.70 must not come out as .699 (binary floating point would do that).
    for (const time of ['2020-03-18T13:28:20.600Z', '2020-03-18T13:28:20.700Z', '2020-03-18T13:39:00.100Z', '2020-03-18T13:39:00.900Z']) {
      t.ok(run.fixes.has(time), `${time} decoded exactly`);
    }
    const c = run.counters;
    const decoded = Object.values(c.sentences).reduce((a, b) => a + b, 0);
    t.equal(decoded + c.empty, c.lines, 'every line decoded');
    t.equal(c.internalErrors, 0);
  });

  t.teardown(() => {
    t.comment('log                               gpsd  ours/outside  strict  w/quirks  ours-in-gpsd  quirks');
    for (const r of rows.sort()) t.comment(r);
  });
}
