import type { Config } from '../config/schema.js';
import type { ClockSyncProbe, SystemClockSetter } from '../drivers/native/rtc-system-clock.js';
import type { OpenedRtc } from '../drivers/rtc/open-rtc.js';
import { systemClock } from '../drivers/clock.js';

// The RTC drivers (I2C, the kernel RTC ioctls, the system-clock setter) are imported in
// hardware mode only; `run --simulate` has its in-memory RTC from wiring.ts.

/** The RTC for hardware mode: the kernel's rtc0 when it owns the chip, else the chip over I2C. */
export async function openHardwareRtc(config: Config): Promise<OpenedRtc> {
  const r = config.rtc;
  if (r.model === 'simulated') {
    const { SimulatedRtc } = await import('../drivers/sim/simulated-rtc.js');
    return { device: new SimulatedRtc({ clock: systemClock }), note: 'rtc.model is simulated: an in-memory RTC, not a clock that survives power loss' };
  }
  const [{ openRtc }, { I2cDevBus }, { rtcIoctlWriter }] = await Promise.all([
    import('../drivers/rtc/open-rtc.js'),
    import('../drivers/native/i2c-dev-bus.js'),
    import('../drivers/native/rtc-ioctl.js'),
  ]);
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
export async function systemClockAccess(simulate: boolean): Promise<{ setter: SystemClockSetter; probe: ClockSyncProbe }> {
  if (!simulate) {
    const { adjtimexProbe, clockSettimeSetter } = await import('../drivers/native/rtc-system-clock.js');
    return { setter: clockSettimeSetter, probe: adjtimexProbe };
  }
  return {
    setter: {
      async setTime() {
        throw new Error('the simulator never sets the system clock');
      },
    },
    probe: { unsynchronised: () => false },
  };
}
