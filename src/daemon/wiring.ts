import type { Config } from '../config/schema.js';
import { systemClock } from '../drivers/clock.js';
import type { PpsSource } from '../drivers/pps/pps-source.js';
import type { RtcDevice } from '../drivers/rtc/rtc-device.js';
import type { SerialLink } from '../drivers/serial/serial-link.js';
import { GpioChardev } from '../drivers/native/gpio-chardev.js';
import { GpioPpsSource } from '../drivers/pps/gpio-pps-source.js';
import { SysfsPpsSource } from '../drivers/pps/sysfs-pps-source.js';
import { SerialportLink } from '../drivers/serial/serialport-link.js';
import { SimulatedGnssLink } from '../drivers/sim/simulated-gnss-link.js';
import { SimulatedPps } from '../drivers/sim/simulated-pps.js';
import { SimulatedRtc } from '../drivers/sim/simulated-rtc.js';

export interface Drivers {
  gnss: SerialLink;
  pps: PpsSource | null;
  rtc: RtcDevice | null;
}

/**
 * Concrete drivers for the configuration. Real PPS and RTC drivers arrive with their own
 * issue; until then hardware mode has the receiver only, and the simulator has all three.
 */
export function buildDrivers(config: Config, simulate: boolean): Drivers {
  if (simulate) {
    const sim = config.simulator;
    return {
      gnss: new SimulatedGnssLink({
        clock: systemClock,
        rateHz: sim.rateHz,
        baudRate: simulatedBaudRate(sim.rateHz, sim.baudRate),
        latencyMs: sim.latencyMs,
        generator: { lat: sim.lat, lon: sim.lon, altMSL: sim.altMSL },
      }),
      pps: new SimulatedPps({ clock: systemClock }),
      rtc: new SimulatedRtc({ clock: systemClock }),
    };
  }
  return {
    gnss: new SerialportLink({ path: config.gnss.device, baudRate: config.gnss.baudRate }),
    pps: ppsSource(config),
    rtc: null,
  };
}

/** What a receiver at this rate would be set to: an epoch is ~1 kB, 9600 baud carries ~960 B/s. */
export function simulatedBaudRate(rateHz: number, configured: number | undefined): number {
  if (configured !== undefined) return configured;
  return rateHz <= 1 ? 9600 : rateHz <= 4 ? 38_400 : 115_200;
}

/** Kernel PPS is only monitored (chronyd reads /dev/ppsN itself); GPIO edges the daemon stamps and feeds. */
function ppsSource(config: Config): PpsSource | null {
  const p = config.pps;
  switch (config.timekeeper.pps.kind) {
    case 'kernel':
      return new SysfsPpsSource({ device: p.kernel.device, root: p.kernel.sysfsRoot, pollIntervalMs: p.kernel.pollIntervalMs });
    case 'gpio':
      return new GpioPpsSource({
        access: new GpioChardev(),
        lineName: p.gpio.line,
        chipLabels: p.gpio.chipLabels,
        pollIntervalMs: p.gpio.pollIntervalMs,
        eventBufferSize: p.gpio.eventBufferSize,
      });
    case 'none':
      return null;
  }
}
