import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * Prompts: short scripts that tell an assistant which tools to call and what to report.
 * They name tools rather than embed answers, so the answer is always live.
 */

function user(text: string) {
  return { messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
}

export function registerPrompts(server: McpServer): void {
  server.registerPrompt('time', { title: 'What time is it?', description: 'The current time from this stratum-1 server, with its quality.' }, () =>
    user('Call the get_time tool of the stratum1d server. Report the UTC time (ISO 8601), the weekday, and the quality block: whether the clock is synchronised, to which source, and the estimated error. If the daemon is down, say the time comes from the unsynchronised local clock.'),
  );
  server.registerPrompt('unix_time', { title: 'Unix time', description: 'The current Unix time in seconds and nanoseconds.' }, () =>
    user('Call get_unix_time and report the Unix seconds and the nanoseconds within the second. If full nanoseconds are needed, call get_nanos: it returns a string because the value exceeds 2^53.'),
  );
  server.registerPrompt(
    'time_in',
    { title: 'Time in a zone', description: 'The current time in an IANA time zone.', argsSchema: { timezone: z.string().min(1).max(64).describe('IANA zone, e.g. Asia/Tokyo') } },
    ({ timezone }) =>
      user(`Call get_time_with_timezone with timezone "${timezone}". Report the local date and time, the UTC offset, and whether daylight saving time is in effect. If the zone is unknown, call list_timezones with a part of the name to find the right IANA name.`),
  );
  server.registerPrompt(
    'format_time',
    { title: 'Formatted time', description: 'The current time in a strftime format.', argsSchema: { format: z.string().min(1).max(256).describe('strftime format, e.g. %Y-%m-%d %H:%M:%S') } },
    ({ format }) =>
      user(`Call get_time_formatted with format ${JSON.stringify(format)} and report the result exactly. If the tool reports an unsupported specifier, say which one and offer the nearest supported one from the tool's description.`),
  );
  server.registerPrompt(
    'diagnose_time_server',
    { title: 'Diagnose the time server', description: 'Walks through health, sources and the sync explanation to find what is wrong and how to fix it.' },
    () =>
      user(
        [
          'Diagnose this stratum1d time server. Call the tools in this order and stop to explain as soon as you find the cause:',
          '1. get_health: overall and per-component state and active alarms. If the daemon is down, say so and suggest `sudo systemctl start stratum1d` and `journalctl -u stratum1d`.',
          '2. get_gnss_status: is there a fix, is the GNSS time valid, how many satellites are used, is the antenna ok? No time-valid GNSS means no NMEA samples reach the timekeeper.',
          '3. get_pps_status: are pulses arriving, are any missed?',
          '4. get_ntp_status, then get_ntp_peers: is the timekeeper synchronised, which source is selected, and what state is each refclock (NMEA, PPS) in? Each state is explained in words.',
          '5. explain_sync: the plain-language reasons, with evidence, why the expected source (normally PPS, locked to NMEA) is or is not selected.',
          '6. If the timekeeper configuration may be stale, render_timekeeper_config shows the diff against what is installed.',
          'Finish with: the verdict in one sentence, the evidence, and the fix. Changing anything (apply_timekeeper_config, calibrate_nmea_offset, restart_timekeeper) needs the admin role: propose it, do not do it unasked.',
        ].join('\n'),
      ),
  );
}
