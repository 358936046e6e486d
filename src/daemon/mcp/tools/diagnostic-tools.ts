import { z } from 'zod';
import { explainSync } from '../../core/explain-sync.js';
import { healthDown, healthOf } from './health.js';
import { stateOrDown } from './quality.js';
import { redactSecrets } from './redact.js';
import { sourceView } from './state-views.js';
import { defineTool } from './tool-def.js';

/** Health, the sync explanation, the effective config and the timekeeper config dry run. */

const NONE = z.strictObject({});
const level = z.enum(['ok', 'degraded', 'failed', 'absent', 'down']);

const getHealth = defineTool({
  name: 'get_health',
  title: 'Appliance health',
  description: 'Overall health and per component (daemon, GNSS, PPS, RTC, timekeeper), with active alarms and since when. Works with the daemon down: it then says so.',
  input: NONE,
  output: z.object({
    overall: level,
    components: z.array(z.object({ name: z.string(), level, detail: z.string() })),
    alarms: z.array(z.object({ name: z.string(), severity: z.string().nullable(), message: z.string(), since: z.string().nullable(), sinceMs: z.number().nullable() })).nullable(),
  }),
  async run(_a, ctx) {
    const r = await stateOrDown(ctx.api);
    const h = 'state' in r ? healthOf(r.state, Number(ctx.nowNs() / 1_000_000n)) : healthDown(r.down);
    const alarmText = h.alarms === null ? '' : h.alarms.length === 0 ? '\nno active alarms' : `\nalarms: ${h.alarms.map((a) => `${a.name}${a.since ? ` since ${a.since}` : ''}${a.message ? ` (${a.message})` : ''}`).join('; ')}`;
    return { structured: h, text: `overall: ${h.overall}\n${h.components.map((c) => `${c.name}: ${c.level} — ${c.detail}`).join('\n')}${alarmText}` };
  },
});

const explain = defineTool({
  name: 'explain_sync',
  title: 'Explain synchronisation',
  description: 'Why the current time source is or is not selected (e.g. why PPS is not used), as plain-language diagnoses with the evidence: the sources and their states, GNSS trust, PPS pulses, the NMEA offset in use and the feed counters.',
  input: NONE,
  output: z.object({
    verdict: z.string(),
    synced: z.boolean().nullable(),
    selected: z.object({ name: z.string(), kind: z.string() }).nullable(),
    explanations: z.array(z.string()),
    evidence: z.object({
      timekeeper: z.string(),
      reachable: z.boolean(),
      sources: z.array(z.record(z.string(), z.unknown())),
      gnss: z.object({ link: z.string(), fixMode: z.number().nullable(), timeValid: z.boolean(), validStreak: z.number(), needed: z.number() }),
      pps: z.object({ source: z.string().nullable(), link: z.string(), pulses: z.number(), missed: z.number() }),
      nmeaOffset: z.record(z.string(), z.unknown()).nullable(),
      feed: z.record(z.string(), z.unknown()),
    }),
  }),
  async run(_a, ctx) {
    const s = await ctx.api.state();
    const tk = s.timekeeper;
    const explanations = explainSync(s);
    const sel = tk.sources.find((x) => x.state === 'selected') ?? null;
    const verdict =
      tk.kind === 'none'
        ? 'no timekeeper is configured: nothing selects a source'
        : sel
          ? `${sel.name} (${sel.kind}) is selected${explanations.length ? `; but: ${explanations[0]}` : '; nothing wrong that the rules know about'}`
          : explanations[0] ?? `${tk.kind} has not selected a source yet`;
    const structured = {
      verdict,
      synced: tk.synced,
      selected: sel ? { name: sel.name, kind: sel.kind } : null,
      explanations,
      evidence: {
        timekeeper: tk.kind,
        reachable: tk.reachable,
        sources: tk.sources.map((x) => ({ ...sourceView(x) })),
        gnss: { link: s.gnss.link, fixMode: s.gnss.fix?.mode ?? null, timeValid: s.gnss.trust.timeValid, validStreak: s.gnss.trust.validStreak, needed: s.gnss.trust.needed },
        pps: { source: s.pps.source, link: s.pps.link, pulses: s.pps.pulses, missed: s.pps.missed },
        nmeaOffset: tk.nmeaOffset ? { ...tk.nmeaOffset } : null,
        feed: { ...tk.feed },
      },
    };
    return { structured, text: [verdict, ...explanations.slice(sel ? 0 : 1).map((e) => `- ${e}`)].join('\n') };
  },
});

const getConfig = defineTool({
  name: 'get_config',
  title: 'Effective configuration',
  description: 'The configuration the daemon runs with (file, defaults and environment overrides merged), secrets redacted.',
  input: NONE,
  output: z.object({ config: z.record(z.string(), z.unknown()) }),
  async run(_a, ctx) {
    const raw = redactSecrets(await ctx.api.config());
    const config = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : { value: raw };
    return { structured: { config }, text: JSON.stringify(config, null, 2) };
  },
});

const renderConfig = defineTool({
  name: 'render_timekeeper_config',
  title: 'Render timekeeper config (dry run)',
  description: 'Dry run: the chrony include (or ntpsec fragment) stratum1d would install now, and a unified diff against the installed file. Writes nothing.',
  input: NONE,
  output: z.object({ kind: z.string(), path: z.string(), upToDate: z.boolean(), rendered: z.string(), installed: z.string().nullable(), diff: z.string(), notes: z.array(z.string()) }),
  async run(_a, ctx) {
    const r = await ctx.api.renderTimekeeperConfig();
    const upToDate = r.installed !== null && r.diff === '';
    const head = upToDate ? `${r.path} is up to date` : r.installed === null ? `${r.path} is not installed yet; apply_timekeeper_config would create it` : `${r.path} differs from what stratum1d renders`;
    const notes = r.notes.length ? `\nnotes:\n${r.notes.map((x) => `- ${x}`).join('\n')}` : '';
    return { structured: { ...r, upToDate }, text: `${head}${r.diff ? `\n${r.diff}` : ''}${notes}` };
  },
});

export const diagnosticTools = [getHealth, explain, getConfig, renderConfig];
