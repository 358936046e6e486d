import type { Config } from '../config/schema.js';
import { systemClock } from '../drivers/clock.js';
import type { PpsSource } from '../drivers/pps/pps-source.js';
import type { RtcDevice } from '../drivers/rtc/rtc-device.js';
import type { SerialLink } from '../drivers/serial/serial-link.js';
import { noteLoaded } from './wiring-loaded.js';

// Each driver is imported for the mode and kind that uses it: the simulator never loads
// serialport's native binding, and hardware mode never loads the simulator.

export interface Drivers {
  gnss: SerialLink;
  pps: PpsSource | null;
  rtc: RtcDevice | null;
}

/**
 * Concrete drivers for the configuration. Real PPS and RTC drivers arrive with their own
 * issue; until then hardware mode has the receiver only, and the simulator has all three.
 */
export async function buildDrivers(config: Config, simulate: boolean): Promise<Drivers> {
  const [gnss, pps] = await Promise.all([buildGnssLink(config, simulate), buildPpsSource(config, simulate)]);
  if (simulate) {
    const { SimulatedRtc } = await import('../drivers/sim/simulated-rtc.js');
    return { gnss, pps, rtc: new SimulatedRtc({ clock: systemClock }) };
  }
  return { gnss, pps, rtc: null };
}

/** The receiver's link: the simulator, or the serial port (SIGHUP with new `gnss.*` reopens it). */
export async function buildGnssLink(config: Config, simulate: boolean): Promise<SerialLink> {
  if (simulate) {
    const sim = config.simulator;
    const { SimulatedGnssLink } = await import('../drivers/sim/simulated-gnss-link.js');
    noteLoaded('gnss-simulator');
    return new SimulatedGnssLink({
      clock: systemClock,
      rateHz: sim.rateHz,
      baudRate: simulatedBaudRate(sim.rateHz, sim.baudRate),
      latencyMs: sim.latencyMs,
      generator: { lat: sim.lat, lon: sim.lon, altMSL: sim.altMSL },
    });
  }
  const { SerialportLink } = await import('../drivers/serial/serialport-link.js');
  noteLoaded('serialport');
  return new SerialportLink({ path: config.gnss.device, baudRate: config.gnss.baudRate });
}

/** The PPS source for the mode: the simulated one, or ppsSource() for the configured kind. */
export async function buildPpsSource(config: Config, simulate: boolean): Promise<PpsSource | null> {
  if (!simulate) return ppsSource(config);
  const { SimulatedPps } = await import('../drivers/sim/simulated-pps.js');
  return new SimulatedPps({ clock: systemClock });
}

/** What a receiver at this rate would be set to: an epoch is ~1 kB, 9600 baud carries ~960 B/s. */
export function simulatedBaudRate(rateHz: number, configured: number | undefined): number {
  if (configured !== undefined) return configured;
  return rateHz <= 1 ? 9600 : rateHz <= 4 ? 38_400 : 115_200;
}

/** Kernel PPS is only monitored (chronyd reads /dev/ppsN itself); GPIO edges the daemon stamps and feeds. */
async function ppsSource(config: Config): Promise<PpsSource | null> {
  const p = config.pps;
  switch (config.timekeeper.pps.kind) {
    case 'kernel': {
      const { SysfsPpsSource } = await import('../drivers/pps/sysfs-pps-source.js');
      return new SysfsPpsSource({ device: p.kernel.device, root: p.kernel.sysfsRoot, pollIntervalMs: p.kernel.pollIntervalMs });
    }
    case 'gpio': {
      const [{ GpioChardev }, { GpioPpsSource }] = await Promise.all([import('../drivers/native/gpio-chardev.js'), import('../drivers/pps/gpio-pps-source.js')]);
      return new GpioPpsSource({
        access: new GpioChardev(),
        lineName: p.gpio.line,
        chipLabels: p.gpio.chipLabels,
        pollIntervalMs: p.gpio.pollIntervalMs,
        eventBufferSize: p.gpio.eventBufferSize,
      });
    }
    case 'none':
      return null;
  }
}
