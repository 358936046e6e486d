import { z } from 'zod';
import { SubsystemMissing } from '../appliance-api.js';
import { qualityFrom } from './quality.js';
import { gnssView, requireTimekeeper, satelliteRows, sourceView } from './state-views.js';
import { qualitySchema } from './time-schemas.js';
import { defineTool, type ToolContext } from './tool-def.js';

/** Tools over the appliance state: timekeeper, GNSS, PPS, RTC. They need the daemon. */

const NONE = z.strictObject({});
const n = z.number().nullable();

const sourceSchema = z.object({
  name: z.string(),
  kind: z.enum(['refclock', 'server', 'peer', 'local']),
  state: z.string(),
  explanation: z.string(),
  stratum: n,
  reach: n,
  lastSampleAgoS: n,
  offsetS: n,
  errorS: n,
  stdDevS: n,
});

export async function needState(ctx: ToolContext) {
  return ctx.api.state();
}

const getNtpStatus = defineTool({
  name: 'get_ntp_status',
  title: 'Timekeeper status',
  description: 'Whether chrony (or ntpsec) is synchronised, to what, with which offset, stratum and error bound (chronyc tracking, normalised).',
  input: NONE,
  output: z.object({
    timekeeper: z.enum(['chrony', 'ntpsec']),
    synced: z.boolean().nullable(),
    selectedSource: z.string().nullable(),
    tracking: z.record(z.string(), z.unknown()).nullable(),
    quality: qualitySchema,
    nmeaOffset: z.record(z.string(), z.unknown()).nullable(),
    updatedAt: n,
  }),
  async run(_a, ctx) {
    const s = await needState(ctx);
    requireTimekeeper(s);
    const tk = s.timekeeper;
    const q = qualityFrom(s);
    const structured = {
      timekeeper: tk.kind as 'chrony' | 'ntpsec',
      synced: tk.synced,
      selectedSource: tk.sources.find((x) => x.state === 'selected')?.name ?? null,
      tracking: tk.tracking ? { ...tk.tracking } : null,
      quality: q,
      nmeaOffset: tk.nmeaOffset ? { ...tk.nmeaOffset } : null,
      updatedAt: tk.updatedAt,
    };
    return { structured, text: `${tk.kind}: ${q.note}${tk.tracking?.stratum != null ? `, stratum ${tk.tracking.stratum}` : ''}` };
  },
});

const getNtpPeers = defineTool({
  name: 'get_ntp_peers',
  title: 'Timekeeper sources',
  description: 'Every source the timekeeper knows (refclocks NMEA/PPS, servers, peers), normalised across chrony and ntpsec, each state explained in words. Offsets use chrony\'s sign: positive means the local clock is ahead.',
  input: NONE,
  output: z.object({ timekeeper: z.string(), sources: z.array(sourceSchema) }),
  async run(_a, ctx) {
    const s = await needState(ctx);
    requireTimekeeper(s);
    const sources = s.timekeeper.sources.map(sourceView);
    const text = sources.length === 0 ? `${s.timekeeper.kind} reports no sources` : sources.map((x) => `${x.name} (${x.kind}): ${x.state} — ${x.explanation}`).join('\n');
    return { structured: { timekeeper: s.timekeeper.kind, sources }, text };
  },
});

const gnssSchema = z.object({
  device: z.string(),
  link: z.string(),
  lastError: z.string().nullable(),
  reconnects: z.number(),
  fix: z.object({ mode: z.number(), modeText: z.string(), status: n, time: z.string().nullable(), lat: n, lon: n, altMSL: n, receivedAt: z.number() }).nullable(),
  timeValid: z.boolean(),
  validStreak: z.number(),
  validNeeded: z.number(),
  timeCheck: z
    .object({
      verdict: z.enum(['agrees', 'disagrees', 'unchecked']),
      reference: z.enum(['system clock', 'RTC']).nullable(),
      disagreementS: n,
      limitS: n,
      rolloverWeeks: z.number(),
      receiverTime: z.string().nullable(),
      message: z.string().nullable(),
    })
    .nullable(),
  timeCheckText: z.string(),
  lastTimeStep: z.object({ kind: z.enum(['jump', 'leap-count', 'leap-second']), at: z.number(), label: z.string(), excessS: n, message: z.string() }).nullable(),
  satellitesVisible: n,
  satellitesUsed: n,
  constellations: z.array(z.object({ constellation: z.string(), visible: z.number(), used: z.number() })),
  dop: z.object({ hdop: n, pdop: n, vdop: n }),
  antenna: z.enum(['ok', 'open', 'short']).nullable(),
});

const getGnssStatus = defineTool({
  name: 'get_gnss_status',
  title: 'GNSS receiver status',
  description: 'The GNSS receiver: link, fix mode, whether its time is trusted (time-valid, with the streak of good epochs, and the check of its date against the RTC or a synchronised system clock, GPS week-rollover corrections and the last time jump), satellites used/visible per constellation, DOPs and antenna state.',
  input: NONE,
  output: gnssSchema,
  async run(_a, ctx) {
    const v = gnssView(await needState(ctx));
    const text =
      v.link !== 'open'
        ? `GNSS ${v.device} is ${v.link}${v.lastError ? `: ${v.lastError}` : ''}`
        : `${v.fix?.modeText ?? 'no data yet'}, time ${v.timeValid ? 'valid' : v.timeCheck?.verdict === 'disagrees' ? `NOT trusted (${v.timeCheck.message})` : `not valid yet (${v.validStreak}/${v.validNeeded})`}, ${v.satellitesUsed ?? '?'}/${v.satellitesVisible ?? '?'} satellites used/visible${v.constellations.length ? ` (${v.constellations.map((c) => `${c.constellation} ${c.used}/${c.visible}`).join(', ')})` : ''}${v.antenna ? `, antenna ${v.antenna}` : ''}`;
    return { structured: v, text };
  },
});

const getSatellites = defineTool({
  name: 'get_satellites',
  title: 'Sky view',
  description: 'Every satellite in view: constellation, PRN, elevation, azimuth, signal strength (dB-Hz) and whether it is used in the fix.',
  input: NONE,
  output: z.object({
    satellites: z.array(
      z.object({ constellation: z.string(), prn: z.number(), svid: n, sigid: n, elevationDeg: n, azimuthDeg: n, snrDbHz: n, used: z.boolean() }),
    ),
  }),
  async run(_a, ctx) {
    const rows = satelliteRows(await needState(ctx));
    const text = rows.length === 0 ? 'no satellites reported yet' : rows.map((r) => `${r.constellation} ${r.prn}: el ${r.elevationDeg ?? '?'}° az ${r.azimuthDeg ?? '?'}° ${r.snrDbHz ?? '?'} dB-Hz${r.used ? ' used' : ''}`).join('\n');
    return { structured: { satellites: rows }, text };
  },
});

const getPpsStatus = defineTool({
  name: 'get_pps_status',
  title: 'PPS status',
  description: 'The pulse-per-second signal: source, pulses seen, missed pulses, the last edge, and how the timekeeper\'s PPS refclock sees it.',
  input: NONE,
  output: z.object({
    source: z.string(),
    link: z.string(),
    pulses: z.number(),
    missed: z.number(),
    lastEdge: z.object({ sec: z.number(), nsec: z.number(), seq: z.number() }).nullable(),
    lastEdgeAgoS: n,
    refclock: sourceSchema.nullable(),
  }),
  async run(_a, ctx) {
    const s = await needState(ctx);
    const p = s.pps;
    if (p.source === null) {
      throw new SubsystemMissing('pps', 'no PPS source is configured', 'wire the receiver\'s PPS output to a GPIO, enable the pps-gpio overlay (`dtoverlay=pps-gpio,gpiopin=18`) and set timekeeper.pps in the stratum1d config');
    }
    const nowS = Number(ctx.nowNs() / 1_000_000n) / 1000;
    const ppsId = s.timekeeper.refclocks?.ppsRefId;
    const rc = ppsId ? s.timekeeper.sources.find((x) => x.kind === 'refclock' && x.name === ppsId) : undefined;
    const ago = p.lastEdge ? Math.max(0, nowS - (p.lastEdge.sec + p.lastEdge.nsec / 1e9)) : null;
    const structured = { source: p.source, link: p.link, pulses: p.pulses, missed: p.missed, lastEdge: p.lastEdge ? { ...p.lastEdge } : null, lastEdgeAgoS: ago, refclock: rc ? sourceView(rc) : null };
    const text = `PPS ${p.source}: ${p.link}, ${p.pulses} pulses, ${p.missed} missed${ago !== null ? `, last edge ${ago.toFixed(1)} s ago` : ''}${rc ? `; refclock ${rc.name} ${rc.state}` : ''}`;
    return { structured, text };
  },
});

const getRtcStatus = defineTool({
  name: 'get_rtc_status',
  title: 'RTC status',
  description: 'The battery-backed real-time clock: model, readable or not, its time and offset from the system clock, oscillator-stopped and battery flags, temperature.',
  input: NONE,
  output: z.object({
    model: z.string(),
    readable: z.boolean(),
    timeMs: n,
    offsetMs: n,
    oscillatorStopped: z.boolean().nullable(),
    batteryLow: z.boolean().nullable(),
    temperatureC: n,
    readAt: n,
    lastError: z.string().nullable(),
    access: z.enum(['i2c', 'kernel', 'simulated']).nullable().describe('How the daemon reaches the chip: raw I2C, the kernel RTC, or the simulator'),
    note: z.string().nullable(),
    driftPpm: n.describe('Measured drift against GNSS time, ppm (+: the RTC runs fast)'),
    driftStdErrPpm: n,
    lastWriteAt: n.describe('When the daemon last wrote the RTC, ms'),
  }),
  async run(_a, ctx) {
    const r = (await needState(ctx)).rtc;
    if (r.model === null) {
      throw new SubsystemMissing('rtc', 'no real-time clock is configured', 'fit a DS3231 or PCF8523 on I2C, enable I2C (`dtparam=i2c_arm=on`) and configure the RTC in stratum1d');
    }
    const text = !r.readable
      ? `RTC ${r.model} unreadable${r.lastError ? `: ${r.lastError}` : ''}`
      : `RTC ${r.model}: ${r.oscillatorStopped ? 'time invalid (oscillator stopped)' : 'ok'}${r.offsetMs !== null ? `, ${r.offsetMs >= 0 ? '+' : ''}${r.offsetMs} ms vs system` : ''}${r.batteryLow ? ', battery low' : ''}`;
    const structured = {
      model: r.model,
      readable: r.readable,
      timeMs: r.timeMs,
      offsetMs: r.offsetMs,
      oscillatorStopped: r.oscillatorStopped,
      batteryLow: r.batteryLow,
      temperatureC: r.temperatureC,
      readAt: r.readAt,
      lastError: r.lastError,
      access: r.access ?? null,
      note: r.note ?? null,
      driftPpm: r.drift?.ppm ?? null,
      driftStdErrPpm: r.drift?.stdErrPpm ?? null,
      lastWriteAt: r.lastWrite?.at ?? null,
    };
    return { structured, text: `${text}${r.drift ? `, drift ${r.drift.ppm.toFixed(2)} ppm` : ''}` };
  },
});

export const timekeepingTools = [getNtpStatus, getNtpPeers, getGnssStatus, getSatellites, getPpsStatus, getRtcStatus];
