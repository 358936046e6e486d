import { z } from 'zod';

/** The RTC (drivers/rtc, daemon/rtc) and holdover. Owned by the RTC room. */
export const rtcSchema = z
  .strictObject({
    model: z
      .enum(['auto', 'ds3231', 'pcf8523', 'kernel', 'none', 'simulated'])
      .default('auto')
      .describe(
        '`ds3231` / `pcf8523`: drive the chip over raw I2C (falls back to the kernel RTC when a kernel driver owns the address); `kernel`: read `/sys/class/rtc/<kernelDevice>`; `auto`: the kernel RTC if there is one, else none; `none`: no RTC; `simulated`: an in-memory RTC that starts at the system clock\'s time (for benches and labs that run a real receiver without an RTC chip; it never sets the system clock).',
      ),
    i2cDevice: z.string().min(1).default('/dev/i2c-1').describe('I2C adapter of the chip (`dtparam=i2c_arm=on` gives /dev/i2c-1 on a Pi).'),
    address: z.number().int().min(0x08).max(0x77).default(0x68).describe('7-bit I2C address (DS3231 and PCF8523 are both at 0x68).'),
    kernelDevice: z.string().regex(/^rtc\d+$/).default('rtc0').describe('The kernel rtc device used when the kernel owns the chip.'),
    readIntervalS: z.number().int().min(1).max(3600).default(60).describe('Seconds between routine readings published in status.'),
    setSystemClockAtStart: z
      .boolean()
      .default(false)
      .describe(
        'At start, if the kernel says the system clock is unsynchronised and the RTC is valid, set the system clock from the RTC. Off by default: the shipped unit holds no CAP_SYS_TIME (with the i2c-rtc overlay the OS sets the clock from /dev/rtc0 at boot); turning it on needs `AmbientCapabilities=CAP_SYS_TIME` and `ProtectClock=no` in a drop-in.',
      ),
    drift: z
      .strictObject({
        measureIntervalS: z.number().int().min(10).max(86_400).default(600).describe('Seconds between drift measurements (each watches for one RTC seconds rollover).'),
        minBaselineH: z.number().min(0.1).max(720).default(2).describe('Hours of measurements before a drift is reported.'),
        maxPoints: z.number().int().min(10).max(10_000).default(1000).describe('Measurements kept (oldest dropped).'),
      })
      .prefault({})
      .describe('Measuring the RTC rate against GNSS time (only while GNSS is time-valid and PPS present).'),
    writeIntervalH: z
      .number()
      .min(0)
      .max(8760)
      .default(24)
      .describe('Hours between writes of the RTC from GNSS time; 0: only at clean shutdown and when the RTC is invalid.'),
    writeOnShutdown: z.boolean().default(true).describe('Write the RTC from GNSS time at clean shutdown (when the time is valid).'),
    trim: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Adjust the chip\'s frequency trim (DS3231 aging offset, PCF8523 offset register) from the measured drift.'),
        maxStep: z.number().int().min(1).max(20).default(3).describe('Largest change of the trim register per adjustment, in register steps.'),
        minIntervalH: z.number().min(1).max(8760).default(24).describe('Hours between adjustments (the drift is measured afresh after each).'),
        maxStdErrPpm: z.number().min(0.001).max(1).default(0.05).describe('Adjust only when the drift\'s standard error is below this.'),
      })
      .prefault({})
      .describe('Frequency trim of the RTC (bounded steps, logged).'),
  })
  .prefault({})
  .describe('The real-time clock.');

export type RtcConfig = z.infer<typeof rtcSchema>;

/** Holdover estimate and its alarm; a top-level `holdover` key. */
export const holdoverSchema = z
  .strictObject({
    budgetMs: z.number().min(0.001).max(10_000).default(1).describe('Estimated time error in holdover above which the holdover alarm is raised, ms.'),
    minWanderPpmPerHour: z
      .number()
      .min(0)
      .max(100)
      .default(0.05)
      .describe('Floor for the frequency wander assumed in holdover (a Pi\'s crystal drifts with temperature), ppm per hour.'),
    historyH: z.number().min(0.1).max(48).default(2).describe('Hours of timekeeper frequency history the wander is fitted on.'),
  })
  .prefault({})
  .describe('Holdover: the estimated error once GNSS or PPS is lost.');

export type HoldoverConfig = z.infer<typeof holdoverSchema>;

/**
 * Whether the daemon drives the RTC chip itself (raw I2C), so chrony must not (`rtcsync`, the
 * kernel's 11-minute mode, would fight the daemon's writes). From the configuration alone, as
 * `config render` / `config apply` and the privileged apply have no running daemon to ask;
 * the running daemon decides from the access it actually got (a kernel driver owning the
 * address makes it fall back to the kernel RTC).
 */
export function daemonManagesRtc(rtc: { model: z.infer<typeof rtcSchema>['model'] }): boolean {
  return rtc.model === 'ds3231' || rtc.model === 'pcf8523';
}
