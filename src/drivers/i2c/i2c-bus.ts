/**
 * An I2C adapter as the RTC drivers see it: register-addressed reads and writes at a 7-bit
 * address. Production: {@link ../native/i2c-dev-bus.js} over `/dev/i2c-N`; tests and the
 * simulator: the chip register models in `drivers/rtc/models/`, which implement the same
 * interface, so the drivers under test are the ones that run on the Pi.
 */
export interface I2cBus {
  /** A write of `register` then a repeated-start read of `length` bytes (one combined transfer). */
  readI2cBlock(address: number, register: number, length: number): Promise<Uint8Array>;
  /** One write: `register` followed by `data`. Chips auto-increment the register pointer. */
  writeI2cBlock(address: number, register: number, data: Uint8Array): Promise<void>;
  readByte(address: number, register: number): Promise<number>;
  writeByte(address: number, register: number, value: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The kernel has a driver bound to this address (e.g. rtc-ds1307 from the `i2c-rtc` overlay):
 * the chip is the kernel's, and the caller should use `/dev/rtcN` (drivers/rtc/kernel-rtc.ts).
 */
export class I2cBusyError extends Error {
  readonly code = 'EBUSY';
  constructor(
    readonly device: string,
    readonly address: number,
  ) {
    super(
      `${device} address 0x${address.toString(16).padStart(2, '0')} is busy: a kernel driver owns the chip ` +
        '(dtoverlay=i2c-rtc,...); read it through /dev/rtc0 and /sys/class/rtc instead (rtc.model: kernel)',
    );
    this.name = 'I2cBusyError';
  }
}

/** Nothing answered at the address (NAK): wrong address, chip absent or unpowered. */
export class I2cNoDeviceError extends Error {
  constructor(
    readonly device: string,
    readonly address: number,
    cause: string,
  ) {
    super(`${device}: no chip answers at 0x${address.toString(16).padStart(2, '0')} (${cause})`);
    this.name = 'I2cNoDeviceError';
  }
}

/**
 * The adapter cannot do the transfers a register-level driver needs: neither plain I2C
 * (I2C_RDWR) nor SMBus I2C-block or byte-data transfers, per its I2C_FUNCS, or it refused the
 * one that was tried (EOPNOTSUPP, which libc words as "operation not supported on socket").
 */
export class I2cUnsupportedError extends Error {
  readonly code = 'EOPNOTSUPP';
  constructor(
    readonly device: string,
    readonly functionality: number | null,
    refused?: string,
  ) {
    const funcs = functionality === null ? 'unknown' : `0x${functionality.toString(16).padStart(8, '0')}`;
    super(
      refused
        ? `${device}: the adapter refuses ${refused} (EOPNOTSUPP): it does not support that transfer type (I2C_FUNCS ${funcs})`
        : `${device}: the adapter supports neither plain I2C transfers nor SMBus I2C-block or byte-data transfers (I2C_FUNCS ${funcs}): an RTC cannot be driven through it`,
    );
    this.name = 'I2cUnsupportedError';
  }
}

export function checkAddress(address: number): void {
  // 0x00-0x07 and 0x78-0x7f are reserved by the I2C specification (UM10204, 3.1.12).
  if (!Number.isInteger(address) || address < 0x08 || address > 0x77) {
    throw new RangeError(`I2C address 0x${address.toString(16)} is outside 0x08-0x77`);
  }
}
