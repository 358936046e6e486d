import type { Config } from '../config/schema.js';
import { systemClock } from '../drivers/clock.js';
import type { PpsSource } from '../drivers/pps/pps-source.js';
import type { RtcDevice } from '../drivers/rtc/rtc-device.js';
import type { SerialLink } from '../drivers/serial/serial-link.js';
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
        latencyMs: sim.latencyMs,
        generator: { lat: sim.lat, lon: sim.lon, altMSL: sim.altMSL },
      }),
      pps: new SimulatedPps({ clock: systemClock }),
      rtc: new SimulatedRtc({ clock: systemClock }),
    };
  }
  return {
    gnss: new SerialportLink({ path: config.gnss.device, baudRate: config.gnss.baudRate }),
    pps: null,
    rtc: null,
  };
}
