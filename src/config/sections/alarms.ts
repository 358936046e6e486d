import { z } from 'zod';

/**
 * Alarm thresholds and debouncing (daemon/core/alarm-rules.ts). Every alarm is also in
 * `stratum1d status`; these keys only decide when a condition becomes one.
 */
export const alarmsSchema = z
  .strictObject({
    raiseAfterS: z
      .number()
      .min(0)
      .max(3600)
      .default(10)
      .describe('A condition must hold this long before its alarm is raised (ignores a single bad epoch or a late status poll).'),
    clearAfterS: z
      .number()
      .min(0)
      .max(3600)
      .default(30)
      .describe('A raised alarm clears only after its condition has been gone this long, so a flapping signal stays one alarm.'),
    offsetLimitS: z
      .number()
      .positive()
      .max(10)
      .default(0.001)
      .describe('Alarm when the timekeeper reports the system clock off true time by more than this many seconds.'),
    ppsStaleS: z
      .number()
      .min(1.5)
      .max(600)
      .default(3)
      .describe('PPS is missing when the last edge is older than this many seconds (a 1 Hz pulse; 1.5 tolerates one missed edge).'),
    leapFileWarnDays: z
      .number()
      .int()
      .min(1)
      .max(365)
      .default(30)
      .describe('Warn when the leap-seconds file (timekeeper.chrony.leapSecondsFile) expires within this many days: update tzdata.'),
    configChangedHoldS: z
      .number()
      .min(0)
      .max(7 * 86_400)
      .default(3600)
      .describe('How long the informational "configuration changed" alarm stays raised after a reload with a different configuration.'),
    historySize: z.number().int().min(1).max(10_000).default(100).describe('Cleared alarms kept (newest first) for `stratum1d status` and MCP.'),
  })
  .prefault({})
  .describe('Alarms: thresholds and debouncing.');

export type AlarmsConfig = z.infer<typeof alarmsSchema>;
