import type { SkyReport, TpvReport } from '../gnss/gpsd-json.js';
import {
  type DeviceInfo,
  deviceReport,
  devicesReport,
  errorReport,
  type JsonReport,
  pollReport,
  versionReport,
  watchReport,
} from './gpsd-reports.js';
import type { ParsedRequest } from './request-parser.js';
import { applyWatch, type WatchPolicy } from './watch-policy.js';

/** What a command may read: the server's current view, never the hardware. */
export interface CommandContext {
  device: DeviceInfo | null;
  seenGps: boolean;
  lastTpv: TpvReport | null;
  lastSky: SkyReport | null;
  nowMs: number;
  rev: string;
}

export interface CommandResult {
  reports: JsonReport[];
  /** The client's policy after the command (changed only by a valid ?WATCH). */
  policy: WatchPolicy;
  /** The command name for the counters ('garbage', 'overlong' and 'unknown' for the failures). */
  counted: string;
}

const KNOWN = new Set(['WATCH', 'POLL', 'DEVICES', 'DEVICE', 'VERSION']);

/**
 * Answers one request as gpsd 3.22 does (gpsd.c handle_request, observed with gpspipe):
 * ?WATCH replies DEVICES then the resulting WATCH; ?POLL replies the last TPV/SKY of the
 * devices the client watches; errors come back as ERROR objects and the client stays.
 */
export function answer(req: ParsedRequest, policy: WatchPolicy, ctx: CommandContext): CommandResult {
  if (req.kind === 'garbage') {
    return { reports: [errorReport(`Unrecognized request '${req.text}'`)], policy, counted: 'garbage' };
  }
  if (req.kind === 'overlong') {
    return { reports: [errorReport(`Request too long (${req.bytes} bytes), ignored`)], policy, counted: 'overlong' };
  }
  // gpsd matches `VERSION;`, `DEVICES;` and `POLL;` literally (gpsd.c handle_request): with an
  // argument they are unrecognized requests, not the command with the argument ignored.
  const takesNoArg = req.name === 'VERSION' || req.name === 'DEVICES' || req.name === 'POLL';
  const name = KNOWN.has(req.name) && !(takesNoArg && req.arg !== null) ? req.name : null;
  switch (name) {
    case 'VERSION':
      return { reports: [versionReport(ctx.rev)], policy, counted: name };
    case 'DEVICES':
      return { reports: [devicesReport(ctx.device, ctx.seenGps)], policy, counted: name };
    case 'DEVICE':
      return { reports: [device(req.arg, ctx)], policy, counted: name };
    case 'POLL':
      return { reports: [poll(policy, ctx)], policy, counted: name };
    case 'WATCH': {
      const r = applyWatch(policy, req.arg);
      if (!r.ok) return { reports: [errorReport(r.message)], policy, counted: name };
      if (r.policy.device !== null && r.policy.device !== ctx.device?.path) {
        return { reports: [errorReport(`No such device as ${r.policy.device}`)], policy, counted: name };
      }
      return { reports: [devicesReport(ctx.device, ctx.seenGps), watchReport(r.policy)], policy: r.policy, counted: name };
    }
    default:
      return { reports: [errorReport(`Unrecognized request '${req.text}'`)], policy, counted: 'unknown' };
  }
}

/**
 * ?DEVICE reports the device; with an argument gpsd would reconfigure the receiver. We
 * do not (the daemon owns the receiver's configuration), so we answer with the device
 * unchanged, which is what gpsd does for a read-only device.
 */
function device(arg: string | null, ctx: CommandContext): JsonReport {
  if (!ctx.device) return errorReport("Can't perform DEVICE configuration, no devices attached.");
  if (arg !== null) {
    let path: unknown;
    try {
      path = (JSON.parse(arg) as JsonReport | null)?.path;
    } catch (err) {
      return errorReport(`Invalid DEVICE: ${(err as Error).message}`);
    }
    if (path !== undefined && path !== ctx.device.path) return errorReport(`Device ${String(path)} not found.`);
  }
  return deviceReport(ctx.device, ctx.seenGps);
}

/** gpsd_json(5) "?POLL": devices must have been activated by ?WATCH to be pollable. */
function poll(policy: WatchPolicy, ctx: CommandContext): JsonReport {
  const watching = policy.enable && ctx.device !== null && (policy.device === null || policy.device === ctx.device.path);
  if (!watching) return pollReport(ctx.nowMs, 0, [], []);
  return pollReport(ctx.nowMs, 1, ctx.lastTpv ? [ctx.lastTpv] : [], ctx.lastSky ? [ctx.lastSky] : []);
}
