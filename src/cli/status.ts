import { describeTimeCheck } from '../daemon/core/gnss-time-check.js';
import { loadConfig, ConfigError } from '../config/load-config.js';
import { clientSocketPath, clientStateDirs } from '../config/paths.js';
import { describeExitRecord, readExitRecord } from '../daemon/lifecycle/exit-record.js';
import { controlCall } from '../daemon/control/control-client.js';
import type { ApplianceState } from '../daemon/core/appliance-state.js';
import { utcToIso } from '../daemon/core/utc-time.js';
import { formatAlarms } from '../daemon/alarms/format-alarms.js';
import { type CliIo, parseFlags, UsageError } from './flags.js';

const HELP = `usage: stratum1d status [--json] [--socket PATH] [--config FILE]

Prints the running daemon's state, read over its control socket
(default: <runtime dir>/control.sock). --json prints {summary, state, fleet, footprint}: the raw snapshot, its fleet uploader
status (lastSeq, ackedSeq, backlog, lastError) at the top level, and the daemon's RSS and the optional subsystems it loaded.
Exit status: 0 when the daemon answered, 69 when it could not be reached.`;

export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { json: 'boolean', socket: 'string', config: 'string', help: 'boolean' });
  if (flags.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (flags._.length > 0) throw new UsageError(`unexpected argument ${flags._[0]}`);
  let socket = flags.socket as string | undefined;
  if (!socket) {
    let config = null;
    try {
      config = flags.config ? loadConfig(flags.config as string) : null;
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`stratum1d: ${err.message}\n`);
        return 78;
      }
      throw err;
    }
    socket = clientSocketPath(config);
  }
  let result: { summary: string; state: ApplianceState; fleet?: ApplianceState['fleet'] };
  try {
    result = (await controlCall(socket, 'status')) as typeof result;
  } catch (err) {
    // A service stopped by its configuration says so, rather than "cannot reach": that it
    // is not running is the point, and the record says why.
    const record = flags.socket ? null : readExitRecord(clientStateDirs());
    io.stderr.write(record ? describeExitRecord(record) : `stratum1d: ${(err as Error).message}\n`);
    return 69; // EX_UNAVAILABLE
  }
  // `fleet` at the top level too (state.fleet), for scripts watching the uploader.
  if (flags.json) io.stdout.write(`${JSON.stringify({ summary: result.summary, state: result.state, fleet: result.fleet ?? result.state.fleet ?? null, footprint: (result as { footprint?: unknown }).footprint ?? null })}\n`);
  else io.stdout.write(formatStatus(result.summary, result.state));
  return 0;
}

export function formatStatus(summary: string, s: ApplianceState): string {
  const g = s.gnss;
  const fix = g.fix;
  const rows: [string, string][] = [
    ['daemon', `stratum1d ${s.version}, pid ${s.pid}, ${s.mode}, up ${Math.round((Date.now() - s.startedAt) / 1000)} s, config ${s.configSource}`],
    ['gnss link', `${g.device}: ${g.link}${g.lastError ? ` (${g.lastError})` : ''}, ${g.reconnects} reconnects`],
    ['fix', fix ? `${['no report', 'no fix', '2D', '3D'][fix.mode]} at ${fix.time ? utcToIso(fix.time) : 'unknown time'}` : 'none yet'],
    ['position', fix && fix.lat !== null && fix.lon !== null ? `${fix.lat.toFixed(6)}, ${fix.lon.toFixed(6)}${fix.altMSL !== null ? `, ${fix.altMSL.toFixed(1)} m MSL` : ''}` : 'unknown'],
    ['time valid', `${g.trust.timeValid ? 'yes' : 'no'} (${g.trust.validStreak}/${g.trust.needed} consecutive good epochs)`],
    ['time check', describeTimeCheck(g.trust.check)],
    ...(g.trust.lastStep ? ([['last step', `${g.trust.lastStep.message}`]] as [string, string][]) : []),
    ['satellites', g.sky ? `${g.sky.uSat ?? '?'} used / ${g.sky.nSat ?? '?'} visible, hdop ${g.sky.hdop ?? '?'}` : 'unknown'],
    ['antenna', g.antenna ?? 'unknown'],
    ['pps', s.pps.source === null ? 'not configured' : `${s.pps.source}: ${s.pps.link}, ${s.pps.pulses} pulses, ${s.pps.missed} missed`],
    [
      'rtc',
      s.rtc.model === null
        ? 'not configured'
        : `${s.rtc.model}: ${s.rtc.readable ? 'readable' : `unreadable${s.rtc.lastError ? ` (${s.rtc.lastError})` : ''}`}` +
          (s.rtc.offsetMs !== null ? `, ${s.rtc.offsetMs >= 0 ? '+' : ''}${s.rtc.offsetMs} ms vs system` : '') +
          (s.rtc.oscillatorStopped ? ', OSCILLATOR STOPPED' : ''),
    ],
  ];
  const h = s.holdover;
  if (h) {
    rows.push([
      'holdover',
      h.state === 'holdover'
        ? `IN HOLDOVER since ${new Date(h.since ?? 0).toISOString()}, estimated error ${h.estimatedErrorS === null ? '?' : `${(h.estimatedErrorS * 1000).toFixed(3)} ms`} (budget ${(h.budgetS * 1000).toFixed(3)} ms)`
        : h.state,
    ]);
  }
  if (s.pps.health) rows.push(['pps health', `${s.pps.health.condition}: ${s.pps.health.message}`]);
  const fl = s.fleet;
  if (fl?.enabled) {
    rows.push([
      'fleet',
      `${fl.url}: seq ${fl.lastSeq}, acked ${fl.ackedSeq}, backlog ${fl.backlog}${fl.dropped ? `, ${fl.dropped} dropped by retention` : ''}` +
        (fl.lastUploadAt !== null ? `, last upload ${new Date(fl.lastUploadAt).toISOString()}` : ', nothing uploaded yet') +
        (fl.outboxError ? `; OUTBOX: ${fl.outboxError}` : '') +
        (fl.lastError ? `; ${fl.consecutiveFailures} failures: ${fl.lastError}` : ''),
    ]);
  }
  rows.push(...timekeeperRows(s));
  const w = Math.max(...rows.map(([k]) => k.length));
  const why = s.timekeeper.explanations.length ? `\nexplanations:\n${s.timekeeper.explanations.map((e) => `  - ${e}`).join('\n')}\n` : '';
  const alarmLines = s.alarms ? formatAlarms(s.alarms, Date.now()) : [];
  const alarms = alarmLines.length ? `\nalarms:\n${alarmLines.map((l) => `  ${l}`).join('\n')}\n` : '';
  return `${summary}\n\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n${why}${alarms}`;
}

function timekeeperRows(s: ApplianceState): [string, string][] {
  const tk = s.timekeeper;
  if (tk.kind === 'none') return [['timekeeper', 'none configured']];
  const selected = tk.sources.find((src) => src.state === 'selected');
  const off = tk.nmeaOffset;
  return [
    [
      'timekeeper',
      `${tk.kind}: ${tk.reachable ? (tk.synced ? 'synchronised' : 'not synchronised') : `unreachable${tk.lastError ? ` (${tk.lastError})` : ''}`}` +
        (selected ? `, selected ${selected.name}` : '') +
        (tk.tracking?.systemOffsetS != null ? `, system offset ${(tk.tracking.systemOffsetS * 1e6).toFixed(1)} µs` : ''),
    ],
    ['sources', tk.sources.length ? tk.sources.map((src) => `${src.name} ${src.state}`).join(', ') : 'none known'],
    [
      'nmea offset',
      off
        ? `${(off.valueS * 1000).toFixed(1)} ms (${off.source}${off.spreadS != null ? `, spread ${(off.spreadS * 1000).toFixed(2)} ms` : ''}, ${off.samples} samples${off.reference ? ` vs ${off.reference}` : ''}${off.labelNames ? `, label names the ${off.labelNames.replace('-', ' ')} (${off.wholeSecond ?? 'phase'})` : ''})${off.refused ? `; REFUSED: ${off.refused}` : ''}`
        : 'not measured yet',
    ],
    ['feed', `${tk.feed.sockSent} SOCK samples, ${tk.feed.ppsSent} PPS samples, ${tk.feed.shmWrites} SHM writes, ${tk.feed.sockFailed} failed, ${tk.feed.stalledDropped ?? 0} dropped as stalled${tk.feed.worstStallS ? ` (worst ${tk.feed.worstStallS.toFixed(3)} s)` : ''}${tk.feed.lastError ? ` (${tk.feed.lastError})` : ''}`],
  ];
}
