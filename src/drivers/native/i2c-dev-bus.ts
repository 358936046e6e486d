import { closeSync, openSync } from 'node:fs';
import { checkAddress, I2cBusyError, I2cNoDeviceError, I2cUnsupportedError, type I2cBus } from '../i2c/i2c-bus.js';
import {
  encodeRdwr,
  encodeSmbus,
  i2cLayout,
  i2cSmbusLayout,
  I2C_FUNC_I2C,
  I2C_FUNC_SMBUS_READ_BYTE_DATA,
  I2C_FUNC_SMBUS_READ_I2C_BLOCK,
  I2C_FUNC_SMBUS_WRITE_BYTE_DATA,
  I2C_FUNC_SMBUS_WRITE_I2C_BLOCK,
  I2C_FUNCS,
  I2C_RDWR,
  I2C_SLAVE,
  I2C_SMBUS,
  I2C_SMBUS_BLOCK_MAX,
  I2C_SMBUS_BYTE_DATA,
  I2C_SMBUS_DATA_SIZE,
  I2C_SMBUS_I2C_BLOCK_DATA,
  I2C_SMBUS_READ,
  I2C_SMBUS_WRITE,
} from './i2c-layout.js';
import { allocNative, koffi, libcFunction, type NativePointer } from './libc.js';
import { NativeError } from './native-error.js';
import { wordSizeOf } from './struct-layouts.js';

/**
 * I2cBus over `/dev/i2c-N` (the i2c-dev driver) with ioctls through koffi. Chosen over the
 * `i2c-bus` npm package because that one builds a native addon with node-gyp at install, which
 * needs a compiler and headers on the Pi; koffi ships prebuilt binaries (see DESIGN.md).
 *
 * The adapter is asked what it can do (I2C_FUNCS) when opened. With plain I2C (every Pi
 * controller), a register read is one `I2C_RDWR`: a write of the register then a read after a
 * repeated start, as the DS3231 and PCF8523 datasheets show it. An SMBus-only adapter refuses
 * I2C_RDWR (EOPNOTSUPP, "operation not supported on socket"); there the same reads and writes
 * go through `I2C_SMBUS` as "I2C block" transfers (the same bytes on the wire, at most 32 per
 * transfer), else byte by byte. `I2C_SLAVE` is called once per address only to ask the kernel
 * whether a driver owns it (EBUSY). Calls are synchronous: a 19-byte read at 100 kHz takes
 * about 2 ms.
 */
type IoctlInt = (fd: number, request: number, arg: number) => number;
type IoctlPtr = (fd: number, request: number, arg: NativePointer) => number;

export type I2cTransport = 'i2c' | 'smbus-block' | 'smbus-byte';

export interface I2cDevBusOptions {
  /** Which transfers to use; `auto` (default) follows I2C_FUNCS. Tests force one to see its errors. */
  transport?: 'auto' | I2cTransport;
}

export class I2cDevBus implements I2cBus {
  #fd: number | null;
  readonly #checked = new Set<number>();
  readonly #word = wordSizeOf(process.arch);
  /** The adapter's I2C_FUNCS bits; null when the ioctl failed (then plain I2C is assumed). */
  readonly functionality: number | null;
  readonly transport: I2cTransport | null;

  /** Opens the adapter; throws ENOENT (no i2c-dev / dtparam=i2c_arm=on missing) or EACCES (not in group i2c). */
  constructor(
    readonly device: string,
    options: I2cDevBusOptions = {},
  ) {
    this.#fd = openSync(device, 'r+');
    this.functionality = this.#queryFunctionality();
    this.transport = options.transport && options.transport !== 'auto' ? options.transport : chooseTransport(this.functionality);
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
    this.claim(address);
    const t = this.#usable();
    if (t === 'i2c') return this.#rdwr(address, Uint8Array.of(register & 0xff), length);
    const out = new Uint8Array(length);
    const step = t === 'smbus-block' ? I2C_SMBUS_BLOCK_MAX : 1;
    for (let at = 0; at < length; at += step) {
      const n = Math.min(step, length - at);
      out.set(t === 'smbus-block' ? this.#smbusBlock(address, register + at, I2C_SMBUS_READ, new Uint8Array(n)) : this.#smbusByte(address, register + at, I2C_SMBUS_READ, 0), at);
    }
    return out;
  }

  async writeI2cBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    this.claim(address);
    const t = this.#usable();
    if (t === 'i2c') {
      const bytes = new Uint8Array(data.length + 1);
      bytes[0] = register & 0xff;
      bytes.set(data, 1);
      this.#rdwr(address, bytes, 0);
      return;
    }
    const step = t === 'smbus-block' ? I2C_SMBUS_BLOCK_MAX : 1;
    for (let at = 0; at < data.length; at += step) {
      const chunk = data.subarray(at, Math.min(data.length, at + step));
      if (t === 'smbus-block') this.#smbusBlock(address, register + at, I2C_SMBUS_WRITE, chunk);
      else this.#smbusByte(address, register + at, I2C_SMBUS_WRITE, chunk[0]!);
    }
  }

  async readByte(address: number, register: number): Promise<number> {
    this.claim(address);
    // One register: SMBus "read byte data" is exactly that transfer, on any adapter that has it.
    if (this.#usable() !== 'i2c' && this.functionality !== null && this.functionality & I2C_FUNC_SMBUS_READ_BYTE_DATA) {
      return this.#smbusByte(address, register, I2C_SMBUS_READ, 0)[0]!;
    }
    return (await this.readI2cBlock(address, register, 1))[0]!;
  }

  async writeByte(address: number, register: number, value: number): Promise<void> {
    this.claim(address);
    if (this.#usable() !== 'i2c' && this.functionality !== null && this.functionality & I2C_FUNC_SMBUS_WRITE_BYTE_DATA) {
      this.#smbusByte(address, register, I2C_SMBUS_WRITE, value & 0xff);
      return;
    }
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

  #usable(): I2cTransport {
    if (this.transport === null) throw new I2cUnsupportedError(this.device, this.functionality);
    return this.transport;
  }

  #queryFunctionality(): number | null {
    const block = allocNative(8);
    try {
      block.bytes.fill(0);
      const ioctl = libcFunction<IoctlPtr>('int ioctl(int fd, unsigned long request, void *arg)');
      if (ioctl(this.fd(), I2C_FUNCS, block.pointer) < 0) return null;
      // unsigned long: the low 32 bits hold every defined flag, on both ABIs (little-endian).
      return block.view.getUint32(0, true);
    } finally {
      block.free();
    }
  }

  /** Turns a failed transfer's errno into what it means for the caller. */
  #fail(call: string, address: number): never {
    const err = new NativeError(call, koffi().errno(), this.device);
    // A missing ACK: ENXIO (i2c-bcm2835, i2c-stub's SMBus path for an empty address: ENODEV),
    // EREMOTEIO (most others).
    if (err.code === 'ENXIO' || err.code === 'EREMOTEIO' || err.code === 'ENODEV') throw new I2cNoDeviceError(this.device, address, err.code);
    // EOPNOTSUPP and ENOTSUP are one value on Linux (95); libuv names it ENOTSUP.
    if (err.code === 'EOPNOTSUPP' || err.code === 'ENOTSUP') throw new I2cUnsupportedError(this.device, this.functionality, call);
    throw err;
  }

  /** One I2C_RDWR: a write of `out`, then (if readLength > 0) a read after a repeated start. */
  #rdwr(address: number, out: Uint8Array, readLength: number): Uint8Array {
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
      if (ioctl(this.fd(), I2C_RDWR, rdwr.pointer) < 0) this.#fail('ioctl(I2C_RDWR)', address);
      return Uint8Array.from(rbuf.bytes.subarray(0, readLength));
    } finally {
      wbuf.free();
      rbuf.free();
      msgs.free();
      rdwr.free();
    }
  }

  /** SMBus "I2C block" read or write of data.length (1..32) bytes at `command`. */
  #smbusBlock(address: number, command: number, readWrite: number, data: Uint8Array): Uint8Array {
    return this.#smbus(address, command, readWrite, I2C_SMBUS_I2C_BLOCK_DATA, (block) => {
      block[0] = data.length;
      if (readWrite === I2C_SMBUS_WRITE) block.set(data, 1);
    }, (block) => Uint8Array.from(block.subarray(1, 1 + data.length)));
  }

  /** SMBus "byte data" read or write of one register. */
  #smbusByte(address: number, command: number, readWrite: number, value: number): Uint8Array {
    return this.#smbus(address, command, readWrite, I2C_SMBUS_BYTE_DATA, (block) => {
      block[0] = value;
    }, (block) => Uint8Array.of(block[0]!));
  }

  #smbus(address: number, command: number, readWrite: number, size: number, fill: (b: Uint8Array) => void, result: (b: Uint8Array) => Uint8Array): Uint8Array {
    if (command > 0xff) throw new RangeError(`I2C register 0x${command.toString(16)} is past 0xff`);
    const data = allocNative(I2C_SMBUS_DATA_SIZE);
    const arg = allocNative(i2cSmbusLayout.size);
    try {
      data.bytes.fill(0);
      fill(data.bytes);
      encodeSmbus(i2cSmbusLayout, this.#word, arg.view, readWrite, command, size, data.address);
      const ioctl = libcFunction<IoctlPtr>('int ioctl(int fd, unsigned long request, void *arg)');
      if (ioctl(this.fd(), I2C_SMBUS, arg.pointer) < 0) this.#fail(`ioctl(I2C_SMBUS ${size === I2C_SMBUS_BYTE_DATA ? 'byte data' : 'I2C block'})`, address);
      return result(data.bytes);
    } finally {
      data.free();
      arg.free();
    }
  }
}

/** Plain I2C when the adapter has it; else SMBus I2C-block transfers; else byte-data; else none. */
export function chooseTransport(funcs: number | null): I2cTransport | null {
  if (funcs === null || funcs & I2C_FUNC_I2C) return 'i2c';
  const has = (bits: number): boolean => (funcs & bits) === bits;
  if (has(I2C_FUNC_SMBUS_READ_I2C_BLOCK | I2C_FUNC_SMBUS_WRITE_I2C_BLOCK)) return 'smbus-block';
  if (has(I2C_FUNC_SMBUS_READ_BYTE_DATA | I2C_FUNC_SMBUS_WRITE_BYTE_DATA)) return 'smbus-byte';
  return null;
}
