import type { WordSize } from './struct-layouts.js';
import { wordSizeOf } from './struct-layouts.js';

/**
 * The i2c-dev uAPI (Documentation/i2c/dev-interface.rst), numbers from <linux/i2c-dev.h> and
 * <linux/i2c.h>; test/unit/drivers/i2c/i2c-layout.test.ts compares every one with the headers.
 *
 *   struct i2c_msg { __u16 addr; __u16 flags; __u16 len; __u8 *buf; };
 *   struct i2c_rdwr_ioctl_data { struct i2c_msg *msgs; __u32 nmsgs; };
 */
export const I2C_SLAVE = 0x0703; // bind the fd to an address; EBUSY if a kernel driver has it
export const I2C_RDWR = 0x0707; // combined transfer, one STOP at the end (repeated starts between)
export const I2C_M_RD = 0x0001;
export const I2C_RDWR_IOCTL_MAX_MSGS = 42;

/*
 * What the adapter can do (I2C_FUNCS fills an unsigned long) and SMBus transfers (I2C_SMBUS),
 * for adapters that speak SMBus only and refuse I2C_RDWR (i2c-stub, some SMBus controllers):
 *
 *   struct i2c_smbus_ioctl_data { __u8 read_write; __u8 command; __u32 size; union i2c_smbus_data *data; };
 *   union i2c_smbus_data { __u8 byte; __u16 word; __u8 block[I2C_SMBUS_BLOCK_MAX + 2]; };
 *
 * For I2C_SMBUS_I2C_BLOCK_DATA, block[0] is the length and the bytes follow.
 */
export const I2C_FUNCS = 0x0705;
export const I2C_SMBUS = 0x0720;
export const I2C_FUNC_I2C = 0x00000001;
export const I2C_FUNC_SMBUS_READ_BYTE_DATA = 0x00080000;
export const I2C_FUNC_SMBUS_WRITE_BYTE_DATA = 0x00100000;
export const I2C_FUNC_SMBUS_READ_I2C_BLOCK = 0x04000000;
export const I2C_FUNC_SMBUS_WRITE_I2C_BLOCK = 0x08000000;
export const I2C_SMBUS_READ = 1;
export const I2C_SMBUS_WRITE = 0;
export const I2C_SMBUS_BYTE_DATA = 2;
export const I2C_SMBUS_I2C_BLOCK_DATA = 8;
export const I2C_SMBUS_BLOCK_MAX = 32;
/** sizeof(union i2c_smbus_data). */
export const I2C_SMBUS_DATA_SIZE = I2C_SMBUS_BLOCK_MAX + 2;

export interface I2cSmbusLayout {
  size: number;
  offset: { read_write: number; command: number; size: number; data: number };
}

export function i2cSmbusLayoutFor(word: WordSize): I2cSmbusLayout {
  // Two u8, a u32 at 4, then the pointer at 8 (aligned to 4 on 32-bit, 8 on 64-bit).
  return { size: 8 + word, offset: { read_write: 0, command: 1, size: 4, data: 8 } };
}

export const i2cSmbusLayout: I2cSmbusLayout = i2cSmbusLayoutFor(wordSizeOf(process.arch));

/** Encodes an I2C_SMBUS argument pointing at `dataAddress` (a union i2c_smbus_data). */
export function encodeSmbus(layout: I2cSmbusLayout, word: WordSize, view: DataView, readWrite: number, command: number, size: number, dataAddress: bigint): void {
  view.setUint8(layout.offset.read_write, readWrite);
  view.setUint8(layout.offset.command, command & 0xff);
  view.setUint32(layout.offset.size, size, true);
  putPointer(view, layout.offset.data, word, dataAddress);
}

export interface I2cLayout {
  msg: { size: number; offset: { addr: number; flags: number; len: number; buf: number } };
  rdwr: { size: number; offset: { msgs: number; nmsgs: number } };
}

export function i2cLayoutFor(word: WordSize): I2cLayout {
  // Three u16 (6 bytes), then the pointer aligned to its own size: 8 on both ABIs.
  return {
    msg: { size: 8 + word, offset: { addr: 0, flags: 2, len: 4, buf: 8 } },
    rdwr: { size: 2 * word, offset: { msgs: 0, nmsgs: word } },
  };
}

export const i2cLayout: I2cLayout = i2cLayoutFor(wordSizeOf(process.arch));

export interface I2cMessage {
  address: number;
  read: boolean;
  length: number;
  /** Native address of the data buffer. */
  bufAddress: bigint;
}

function putPointer(view: DataView, offset: number, word: WordSize, value: bigint): void {
  if (word === 8) view.setBigUint64(offset, value, true);
  else view.setUint32(offset, Number(value), true);
}

/** Encodes the message array into `view` (at 0) and the ioctl argument into `rdwr`. */
export function encodeRdwr(
  layout: I2cLayout,
  word: WordSize,
  messages: I2cMessage[],
  msgsView: DataView,
  msgsAddress: bigint,
  rdwrView: DataView,
): void {
  if (messages.length === 0 || messages.length > I2C_RDWR_IOCTL_MAX_MSGS) throw new RangeError(`I2C_RDWR: ${messages.length} messages`);
  messages.forEach((m, i) => {
    const base = i * layout.msg.size;
    msgsView.setUint16(base + layout.msg.offset.addr, m.address, true);
    msgsView.setUint16(base + layout.msg.offset.flags, m.read ? I2C_M_RD : 0, true);
    msgsView.setUint16(base + layout.msg.offset.len, m.length, true);
    putPointer(msgsView, base + layout.msg.offset.buf, word, m.bufAddress);
  });
  putPointer(rdwrView, layout.rdwr.offset.msgs, word, msgsAddress);
  rdwrView.setUint32(layout.rdwr.offset.nmsgs, messages.length, true);
}
