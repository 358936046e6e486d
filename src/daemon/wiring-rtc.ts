import type { Config } from '../config/schema.js';
import { I2cDevBus } from '../drivers/native/i2c-dev-bus.js';
import { rtcIoctlWriter } from '../drivers/native/rtc-ioctl.js';
import { adjtimexProbe, clockSettimeSetter, type ClockSyncProbe, type SystemClockSetter } from '../drivers/native/rtc-system-clock.js';
import { openRtc, type OpenedRtc } from '../drivers/rtc/open-rtc.js';
import { SimulatedRtc } from '../drivers/sim/simulated-rtc.js';
import { systemClock } from '../drivers/clock.js';

/** The RTC for hardware mode: the kernel's rtc0 when it owns the chip, else the chip over I2C. */
export function openHardwareRtc(config: Config): Promise<OpenedRtc> {
  const r = config.rtc;
  if (r.model === 'simulated') {
    return Promise.resolve({ device: new SimulatedRtc({ clock: systemClock }), note: 'rtc.model is simulated: an in-memory RTC, not a clock that survives power loss' });
  }
  return openRtc(
    { model: r.model, i2cDevice: r.i2cDevice, address: r.address, kernelDevice: r.kernelDevice },
    { openI2c: (device) => new I2cDevBus(device), kernelWriter: rtcIoctlWriter },
  );
}

/**
 * How the RTC service may touch the system clock. The simulator never does: it reports the
 * clock as synchronised and any attempt fails, so `run --simulate` (and every test that runs
 * it as root) can never step the machine's clock.
 */
export function systemClockAccess(simulate: boolean): { setter: SystemClockSetter; probe: ClockSyncProbe } {
  if (!simulate) return { setter: clockSettimeSetter, probe: adjtimexProbe };
  return {
    setter: {
      async setTime() {
        throw new Error('the simulator never sets the system clock');
      },
    },
    probe: { unsynchronised: () => false },
  };
}
