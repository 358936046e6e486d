import { z } from 'zod';
import { type ApplianceApi, type Caller, isAdminResult } from '../appliance-api.js';
import { defineTool } from './tool-def.js';

/**
 * Admin tools: refused to the `read` role by the server (create-server.ts) before they run;
 * the daemon-side ApplianceApi writes the audit row of every call it performs.
 */

const NONE = z.strictObject({});
const adminOutput = z.object({ ok: z.boolean(), summary: z.string(), details: z.record(z.string(), z.unknown()) });

function adminTool(name: string, title: string, description: string, call: (api: ApplianceApi, caller: Caller) => Promise<unknown>, idempotent: boolean) {
  return defineTool({
    name,
    title,
    description: `${description} Admin role only; audited.`,
    input: NONE,
    output: adminOutput,
    access: 'admin',
    destructive: true,
    idempotent,
    async run(_a, ctx) {
      const r = await call(ctx.api, ctx.caller);
      const res = isAdminResult(r) ? r : { ok: true, summary: `${name} completed`, details: { result: r as unknown } };
      return { structured: res, text: res.summary, failed: !res.ok };
    },
  });
}

const apply = adminTool(
  'apply_timekeeper_config',
  'Apply timekeeper config',
  'Renders the chrony include (or ntpsec fragment), validates it with the installed binary, installs it atomically with a backup and restarts the timekeeper; if it does not come back up, the previous file is restored.',
  (api, c) => api.applyTimekeeperConfig(c),
  true,
);
const restart = adminTool('restart_timekeeper', 'Restart timekeeper', 'Restarts chronyd (or ntpd) with the configured restart command.', (api, c) => api.restartTimekeeper(c), false);
const calibrate = adminTool(
  'calibrate_nmea_offset',
  'Calibrate NMEA offset',
  'Computes the NMEA time-label delay from the samples collected so far (against PPS, or the system clock when it is disciplined elsewhere) and persists it; apply_timekeeper_config then renders it.',
  (api, c) => api.calibrateNmeaOffset(c),
  false,
);
const setRtc = adminTool('set_rtc_from_system', 'Set RTC from system clock', 'Writes the system time into the real-time clock.', (api, c) => api.setRtcFromSystem(c), false);

const auditLog = defineTool({
  name: 'get_audit_log',
  title: 'Audit log',
  description:
    'The most recent admin tool calls, newest first (who, uid for local callers, which tool, arguments, result, duration), and apart from them the refusals of admin tools to callers without the admin role, counted per caller, tool and minute. Admin role only.',
  input: z.strictObject({ limit: z.number().int().min(1).max(1000).default(20).describe('how many entries, newest first (1-1000, default 20)') }),
  output: z.object({
    entries: z.array(
      z.object({
        id: z.number(),
        at: z.string(),
        caller: z.string(),
        role: z.string(),
        transport: z.string(),
        tool: z.string(),
        arguments: z.unknown(),
        ok: z.boolean(),
        result: z.unknown(),
        durationMs: z.number(),
        uid: z.number().nullable(),
        pid: z.number().nullable(),
      }),
    ),
    refusals: z.array(
      z.object({
        minute: z.string(),
        caller: z.string(),
        role: z.string(),
        transport: z.string(),
        tool: z.string(),
        uid: z.number().nullable(),
        count: z.number(),
        lastAt: z.string(),
        reason: z.string(),
      }),
    ),
  }),
  access: 'admin',
  async run(args, ctx) {
    const rows = await ctx.api.auditLog(args.limit);
    const entries = rows.map((r) => ({ ...r, uid: r.uid ?? null, pid: r.pid ?? null, at: new Date(r.at).toISOString() }));
    const refused = ctx.api.refusalLog ? await ctx.api.refusalLog(args.limit) : [];
    const refusals = refused.map((r) => ({ minute: new Date(r.minute).toISOString(), caller: r.caller, role: r.role, transport: r.transport, tool: r.tool, uid: r.uid, count: r.count, lastAt: new Date(r.lastAt).toISOString(), reason: r.reason }));
    const actions = entries.length === 0 ? 'no admin actions' : entries.map((e) => `${e.at} ${e.caller} (${e.role}, ${e.transport}) ${e.tool}: ${e.ok ? 'ok' : 'failed'} in ${e.durationMs} ms`).join('\n');
    const refusedText = refusals.length === 0 ? 'no refusals' : refusals.map((r) => `${r.minute} ${r.caller} (${r.role}, ${r.transport}) ${r.tool}: refused ${r.count}×`).join('\n');
    return { structured: { entries, refusals }, text: `Admin actions:\n${actions}\n\nRefused admin calls:\n${refusedText}` };
  },
});

export const adminTools = [apply, restart, calibrate, setRtc, auditLog];
