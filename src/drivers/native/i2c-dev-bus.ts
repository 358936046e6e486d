import { closeSync, openSync } from 'node:fs';
import { checkAddress, I2cBusyError, I2cNoDeviceError, type I2cBus } from '../i2c/i2c-bus.js';
import { encodeRdwr, i2cLayout, I2C_RDWR, I2C_SLAVE } from './i2c-layout.js';
import { allocNative, koffi, libcFunction, type NativePointer } from './libc.js';
import { NativeError } from './native-error.js';
import { wordSizeOf } from './struct-layouts.js';

/**
 * I2cBus over `/dev/i2c-N` (the i2c-dev driver) with two ioctls through koffi. Chosen over the
 * `i2c-bus` npm package because that one builds a native addon with node-gyp at install, which
 * needs a compiler and headers on the Pi; koffi ships prebuilt binaries (see DESIGN.md) and two
 * ioctls are all an RTC needs. `I2C_SLAVE` is called once per address only to ask the kernel
 * whether a driver owns it (EBUSY); transfers use `I2C_RDWR`, so a register read is one
 * combined write+read with a repeated start, as the DS3231 and PCF8523 datasheets show it.
 * Calls are synchronous: a 10-byte transfer at 100 kHz takes about a millisecond.
 */
type IoctlInt = (fd: number, request: number, arg: number) => number;
type IoctlPtr = (fd: number, request: number, arg: NativePointer) => number;

export class I2cDevBus implements I2cBus {
  #fd: number | null;
  readonly #checked = new Set<number>();
  readonly #word = wordSizeOf(process.arch);

  /** Opens the adapter; throws ENOENT (no i2c-dev / dtparam=i2c_arm=on missing) or EACCES (not in group i2c). */
  constructor(readonly device: string) {
    this.#fd = openSync(device, 'r+');
  }

  /** Asks the kernel whether `address` is free (I2C_SLAVE, never I2C_SLAVE_FORCE). */
  claim(address: number): void {
    checkAddress(address);
    if (this.#checked.has(address)) return;
    const ioctl = libcFunction<IoctlInt>('int ioctl(int fd, unsigned long request, unsigned long arg)');
    if (ioctl(this.fd(), I2C_SLAVE, address) < 0) {
      const errno = koffi().errno();
      const err = new NativeError('ioctl(I2C_SLAVE)', errno, this.device);
      if (err.code === 'EBUSY') throw new I2cBusyError(this.device, address);
      throw err;
    }
    this.#checked.add(address);
  }

  async readI2cBlock(address: number, register: number, length: number): Promise<Uint8Array> {
    const out = this.transfer(address, Uint8Array.of(register & 0xff), length);
    return out;
  }

  async writeI2cBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    const bytes = new Uint8Array(data.length + 1);
    bytes[0] = register & 0xff;
    bytes.set(data, 1);
    this.transfer(address, bytes, 0);
  }

  async readByte(address: number, register: number): Promise<number> {
    return (await this.readI2cBlock(address, register, 1))[0]!;
  }

  async writeByte(address: number, register: number, value: number): Promise<void> {
    await this.writeI2cBlock(address, register, Uint8Array.of(value & 0xff));
  }

  async close(): Promise<void> {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
  }

  private fd(): number {
    if (this.#fd === null) throw new Error(`${this.device} is closed`);
    return this.#fd;
  }

  /** One I2C_RDWR: a write of `out`, then (if readLength > 0) a read after a repeated start. */
  private transfer(address: number, out: Uint8Array, readLength: number): Uint8Array {
    this.claim(address);
    const layout = i2cLayout;
    const count = readLength > 0 ? 2 : 1;
    const wbuf = allocNative(out.length);
    const rbuf = allocNative(Math.max(1, readLength));
    const msgs = allocNative(layout.msg.size * count);
    const rdwr = allocNative(layout.rdwr.size);
    try {
      wbuf.bytes.set(out);
      const messages = [{ address, read: false, length: out.length, bufAddress: wbuf.address }];
      if (readLength > 0) messages.push({ address, read: true, length: readLength, bufAddress: rbuf.address });
      encodeRdwr(layout, this.#word, messages, msgs.view, msgs.address, rdwr.view);
      const ioctl = libcFunction<IoctlPtr>('int ioctl(int fd, unsigned long request, void *arg)');
      if (ioctl(this.fd(), I2C_RDWR, rdwr.pointer) < 0) {
        const err = new NativeError('ioctl(I2C_RDWR)', koffi().errno(), this.device);
        // The adapter reports a missing ACK as ENXIO (i2c-bcm2835) or EREMOTEIO (others).
        if (err.code === 'ENXIO' || err.code === 'EREMOTEIO') throw new I2cNoDeviceError(this.device, address, err.code);
        throw err;
      }
      return Uint8Array.from(rbuf.bytes.subarray(0, readLength));
    } finally {
      wbuf.free();
      rbuf.free();
      msgs.free();
      rdwr.free();
    }
  }
}
