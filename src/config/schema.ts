import { z } from 'zod';
import { alarmsSchema } from './sections/alarms.js';
import { controlSchema } from './sections/control.js';
import { fleetSchema } from './sections/fleet.js';
import { gpsdSchema } from './sections/gpsd.js';
import { httpSchema } from './sections/http.js';
import { mcpSchema } from './sections/mcp.js';
import { ppsSchema } from './sections/pps.js';
import { holdoverSchema, rtcSchema } from './sections/rtc.js';
import { timekeeperSchema } from './sections/timekeeper.js';

/**
 * The whole configuration: defaults, documentation and validation in one place. The README's
 * configuration reference is generated from these descriptions (`stratum1d config doc`), and a
 * test keeps the two equal. Every object is strict: an unknown key is a startup error naming
 * its path, because a misspelt key silently ignored is a time server silently misconfigured.
 */

const logSchema = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Lowest level written to stderr.'),
    format: z
      .enum(['auto', 'json', 'text'])
      .default('auto')
      .describe('`json`: one JSON object per line (what journald wants); `text`: for a terminal; `auto`: text on a TTY, JSON otherwise.'),
    fixIntervalS: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(5)
      .describe('Seconds between routine fix lines at `info`; a change of fix mode or time validity is always logged.'),
  })
  .prefault({})
  .describe('Logging. Logs always go to stderr; stdout belongs to protocol output.');

const backoffSchema = z
  .strictObject({
    initialMs: z.number().int().min(10).max(60_000).default(250).describe('First retry delay after the port disappears.'),
    maxMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(2000)
      .describe('Longest retry delay. Bounds how long a re-plugged receiver waits to be opened again.'),
  })
  .prefault({})
  .describe('Reconnect backoff for the serial port (doubling, with jitter).');

const gnssSchema = z
  .strictObject({
    device: z.string().min(1).default('/dev/serial0').describe('Serial device of the GNSS receiver.'),
    baudRate: z
      .number()
      .int()
      .refine((n) => [4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600].includes(n), {
        message: 'must be one of 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600',
      })
      .default(9600)
      .describe('Serial speed; NMEA 0183 receivers default to 9600 (older ones 4800).'),
    acceptMissingChecksum: z
      .boolean()
      .default(false)
      .describe('Accept sentences without a `*hh` checksum (NMEA 0183 makes it optional on a few sentences; some old receivers omit it).'),
    timeValidAfter: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(3)
      .describe('Consecutive valid epochs before the time is trusted.'),
    epochQuietMs: z
      .number()
      .int()
      .min(20)
      .max(900)
      .default(150)
      .describe('Close an epoch when the receiver has been quiet this long (until its cycle shape is learned).'),
    maxDisagreementS: z
      .number()
      .min(0)
      .max(86_400)
      .default(2)
      .describe(
        'A GNSS time label further than this from a synchronised system clock (seconds, beyond the up to 1 s a label lags its arrival) is not trusted: never sent to chrony or ntpd, alarm `gnss-time-disagrees`. Counts only while the timekeeper is synchronised to a source other than this receiver (a network server, another refclock). 0: off.',
      ),
    maxRtcDisagreementS: z
      .number()
      .min(0)
      .max(86_400 * 366)
      .default(300)
      .describe(
        'The same check against the RTC when the system clock is not synchronised elsewhere. Looser: an RTC drifts while the appliance is off (a DS3231 some seconds a month, a PCF8523 more). Catches a receiver past its GPS week-number rollover that the release-date floor cannot correct, and hour-sized jumps. If the RTC itself is wrong, set it (e.g. `hwclock`) or raise this. 0: off.',
      ),
    reconnect: backoffSchema,
  })
  .prefault({})
  .describe('The GNSS receiver (NMEA 0183 over a serial port).');

const simulatorSchema = z
  .strictObject({
    rateHz: z
      .number()
      .int()
      .refine((n) => [1, 2, 4, 5, 8, 10].includes(n), { message: 'must be 1, 2, 4, 5, 8 or 10 (a whole number of milliseconds per epoch, as receivers offer)' })
      .default(1)
      .describe('Epochs per second: 1, 2, 4, 5, 8 or 10.'),
    baudRate: z
      .number()
      .int()
      .min(1200)
      .max(921_600)
      .optional()
      .describe(
        'The simulated line speed: lines are spaced as their bytes would take on the wire. Default: 9600 at 1 Hz, 38400 up to 4 Hz, 115200 above (a full epoch — RMC, GGA, GSA, GSV… — is ~1 kB, which 9600 baud carries about once a second, so faster receivers are set faster).',
      ),
    latencyMs: z
      .number()
      .int()
      .min(0)
      .max(900)
      .default(120)
      .describe('Delay of the first sentence after the top of the second, as a real receiver has.'),
    lat: z.number().min(-90).max(90).default(51.4779).describe('Simulated latitude, degrees.'),
    lon: z.number().min(-180).max(180).default(-0.0015).describe('Simulated longitude, degrees.'),
    altMSL: z.number().min(-500).max(9000).default(45).describe('Simulated altitude above mean sea level, metres.'),
  })
  .prefault({})
  .describe('The built-in GNSS/PPS/RTC simulator (`stratum1d run --simulate`).');

const pathsSchema = z
  .strictObject({
    runtimeDir: z
      .string()
      .optional()
      .describe('Where the control socket lives. Default: `$RUNTIME_DIRECTORY` (systemd), else `$XDG_RUNTIME_DIR/stratum1d`, else `/tmp/stratum1d-<uid>`.'),
    stateDir: z
      .string()
      .optional()
      .describe('Where the daemon keeps its own state. Default: `$STATE_DIRECTORY` (systemd), else `~/.local/state/stratum1d`.'),
  })
  .prefault({})
  .describe('Directories.');

const privilegedSchema = z
  .strictObject({
    mode: z
      .enum(['auto', 'direct', 'request'])
      .default('auto')
      .describe(
        'How admin actions that need root (apply the timekeeper config, restart the timekeeper, set a kernel RTC) run. `request`: the unprivileged daemon drops a request file that a root oneshot unit (`stratum1d-admin@.path`) acts on, rendering from the on-disk configuration; `direct`: the daemon does it itself (it must be root); `auto`: `request` under systemd as a non-root user, else `direct`.',
      ),
    requestDir: z
      .string()
      .optional()
      .describe('Where the daemon drops request files. Default: `<runtime dir>/admin` (`/run/stratum1d/admin` under systemd), which the path units watch.'),
    resultDir: z
      .string()
      .default('/run/stratum1d-admin')
      .describe('Where the root side writes each outcome (a root-owned directory, so the daemon can read but never plant a result).'),
    timeoutS: z.number().min(5).max(600).default(90).describe('How long an admin tool waits for the root side before reporting it did not answer.'),
  })
  .prefault({})
  .describe('The privileged path for admin actions (the hardened service never writes /etc or restarts chrony itself).');

export const configSchema = z
  .strictObject({
    log: logSchema,
    gnss: gnssSchema,
    pps: ppsSchema,
    rtc: rtcSchema,
    holdover: holdoverSchema,
    alarms: alarmsSchema,
    timekeeper: timekeeperSchema,
    gpsd: gpsdSchema,
    mcp: mcpSchema,
    control: controlSchema,
    http: httpSchema,
    fleet: fleetSchema,
    simulator: simulatorSchema,
    paths: pathsSchema,
    privileged: privilegedSchema,
  })
  .describe('stratum1d configuration (YAML).');

export type Config = z.infer<typeof configSchema>;
