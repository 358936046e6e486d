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
