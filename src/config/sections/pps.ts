import { z } from 'zod';

/**
 * How the daemon watches the PPS line. Which path is used follows `timekeeper.pps.kind`:
 * `kernel` monitors the pps-gpio source through sysfs (chronyd reads /dev/ppsN itself),
 * `gpio` requests the line through the GPIO character device and feeds chrony the edges.
 */
export const ppsSchema = z
  .strictObject({
    kernel: z
      .strictObject({
        device: z
          .string()
          .min(1)
          .default('auto')
          .describe('Which kernel PPS source to monitor: `auto` (the pps-gpio one, found by its sysfs `name`/driver, since ppsN numbering moves), `ppsN`, `/dev/ppsN`, or a source name.'),
        sysfsRoot: z.string().min(1).default('/sys/class/pps').describe('Where the kernel lists PPS sources.'),
        pollIntervalMs: z
          .number()
          .int()
          .min(10)
          .max(1000)
          .default(100)
          .describe('How often `assert` is re-read (sysfs readers are not woken on change); the timestamp is the kernel\'s either way.'),
      })
      .prefault({})
      .describe('Kernel PPS (`dtoverlay=pps-gpio`), monitored through sysfs.'),
    gpio: z
      .strictObject({
        line: z.string().min(1).default('GPIO18').describe('GPIO line name from the device tree (BCM numbering: `GPIO18` is header pin 12).'),
        chipLabels: z
          .array(z.string().min(1))
          .default(['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'])
          .describe('GPIO chip labels to search, in order (Pi 5, Pi 4, Pi 1–3); empty: every chip. Chips are found by label, never by number.'),
        pollIntervalMs: z
          .number()
          .int()
          .min(5)
          .max(500)
          .default(50)
          .describe('How often line events are read; delays delivery only, the kernel stamps each edge in its interrupt handler.'),
        eventBufferSize: z.number().int().min(0).max(1024).default(16).describe('Events the kernel queues for the line (0: kernel default).'),
      })
      .prefault({})
      .describe('PPS through the GPIO character device (kernels without pps-gpio).'),
    expectedHz: z.number().min(0.1).max(100).default(1).describe('Nominal pulse rate.'),
    rateToleranceUs: z
      .number()
      .min(1)
      .max(100_000)
      .default(2000)
      .describe('How far the median recent interval may be from nominal before the rate is reported wrong, µs.'),
    missingAfterMs: z.number().int().min(1100).max(60_000).default(2500).describe('No edge for this long: PPS missing.'),
    statsWindow: z.number().int().min(4).max(4096).default(64).describe('Pulses kept for interval and offset/jitter statistics.'),
  })
  .prefault({})
  .describe('PPS line monitoring (sources, statistics, health).');

export type PpsConfig = z.infer<typeof ppsSchema>;

/** The tracker's options from the config. */
export function ppsTrackerOptions(c: PpsConfig): {
  expectedIntervalNs: number;
  rateToleranceNs: number;
  missingAfterMs: number;
  window: number;
} {
  return {
    expectedIntervalNs: Math.round(1e9 / c.expectedHz),
    rateToleranceNs: Math.round(c.rateToleranceUs * 1000),
    missingAfterMs: c.missingAfterMs,
    window: c.statsWindow,
  };
}
