import t from 'tap';
import { cLayout } from '../../../helpers/c-layout.js';
import { I2cDevBus } from '../../../../src/drivers/native/i2c-dev-bus.js';
import * as i2c from '../../../../src/drivers/native/i2c-layout.js';
import { encodeRdwr, i2cLayout, I2C_M_RD, I2C_RDWR, I2C_RDWR_IOCTL_MAX_MSGS, I2C_SLAVE } from '../../../../src/drivers/native/i2c-layout.js';
import { chooseTransport } from '../../../../src/drivers/native/i2c-dev-bus.js';

const SMBUS_CONSTANTS = [
  'I2C_FUNCS', 'I2C_SMBUS', 'I2C_FUNC_I2C', 'I2C_FUNC_SMBUS_READ_BYTE_DATA', 'I2C_FUNC_SMBUS_WRITE_BYTE_DATA',
  'I2C_FUNC_SMBUS_READ_I2C_BLOCK', 'I2C_FUNC_SMBUS_WRITE_I2C_BLOCK', 'I2C_SMBUS_READ', 'I2C_SMBUS_WRITE',
  'I2C_SMBUS_BYTE_DATA', 'I2C_SMBUS_I2C_BLOCK_DATA', 'I2C_SMBUS_BLOCK_MAX',
] as const;
import { encodeRtcTime, RTC_SET_TIME, RTC_TIME_FIELDS, RTC_TIME_SIZE } from '../../../../src/drivers/native/rtc-ioctl.js';
import { encodeTimespec64, TIME_ERROR, TIMEX_BUFFER, CLOCK_REALTIME } from '../../../../src/drivers/native/rtc-system-clock.js';
import { wordSizeOf } from '../../../../src/drivers/native/struct-layouts.js';
import { fieldsOf } from '../../../../src/drivers/rtc/bcd.js';

const c = cLayout({
  headers: ['linux/i2c.h', 'linux/i2c-dev.h', 'linux/rtc.h', 'sys/timex.h', 'time.h'],
  sizes: ['struct i2c_msg', 'struct i2c_rdwr_ioctl_data', 'struct i2c_smbus_ioctl_data', 'union i2c_smbus_data', 'struct rtc_time', 'struct timex', 'struct timespec'],
  offsets: [
    ...(['addr', 'flags', 'len', 'buf'] as const).map((m) => ['struct i2c_msg', m] as const),
    ['struct i2c_rdwr_ioctl_data', 'msgs'],
    ['struct i2c_rdwr_ioctl_data', 'nmsgs'],
    ...(['read_write', 'command', 'size', 'data'] as const).map((m) => ['struct i2c_smbus_ioctl_data', m] as const),
    ...RTC_TIME_FIELDS.map((m) => ['struct rtc_time', m] as const),
    ['struct timex', 'modes'],
    ['struct timespec', 'tv_nsec'],
  ],
  constants: ['I2C_SLAVE', 'I2C_RDWR', 'I2C_M_RD', 'I2C_RDWR_IOCTL_MAX_MSGS', 'RTC_SET_TIME', 'TIME_ERROR', 'CLOCK_REALTIME', ...SMBUS_CONSTANTS],
});

t.test('i2c-dev structs and ioctl numbers match the kernel headers', async (t) => {
  t.equal(i2cLayout.msg.size, c.sizeof('struct i2c_msg'));
  for (const [m, off] of Object.entries(i2cLayout.msg.offset)) t.equal(off, c.offsetof('struct i2c_msg', m), `i2c_msg.${m}`);
  t.equal(i2cLayout.rdwr.size, c.sizeof('struct i2c_rdwr_ioctl_data'));
  for (const [m, off] of Object.entries(i2cLayout.rdwr.offset)) t.equal(off, c.offsetof('struct i2c_rdwr_ioctl_data', m), `rdwr.${m}`);
  t.equal(I2C_SLAVE, c.constant('I2C_SLAVE'));
  t.equal(I2C_RDWR, c.constant('I2C_RDWR'));
  t.equal(I2C_M_RD, c.constant('I2C_M_RD'));
  t.equal(I2C_RDWR_IOCTL_MAX_MSGS, c.constant('I2C_RDWR_IOCTL_MAX_MSGS'));
});

t.test('SMBus transfer struct and I2C_FUNCS bits match the headers', async (t) => {
  t.equal(i2c.i2cSmbusLayout.size, c.sizeof('struct i2c_smbus_ioctl_data'));
  for (const [m, off] of Object.entries(i2c.i2cSmbusLayout.offset)) t.equal(off, c.offsetof('struct i2c_smbus_ioctl_data', m), `i2c_smbus_ioctl_data.${m}`);
  t.equal(i2c.I2C_SMBUS_DATA_SIZE, c.sizeof('union i2c_smbus_data'));
  for (const name of SMBUS_CONSTANTS) t.equal((i2c as unknown as Record<string, number>)[name], c.constant(name), name);
});

t.test('the transfer type follows I2C_FUNCS: plain I2C, else SMBus I2C block, else byte data, else none', async (t) => {
  t.equal(chooseTransport(i2c.I2C_FUNC_I2C | i2c.I2C_FUNC_SMBUS_READ_I2C_BLOCK), 'i2c');
  t.equal(chooseTransport(null), 'i2c', 'unknown: try plain I2C and name the refusal if it comes');
  // i2c-stub: quick, byte, byte data, word data, block data, I2C block; no I2C_FUNC_I2C.
  t.equal(chooseTransport(0x0eff0000), 'smbus-block');
  t.equal(chooseTransport(i2c.I2C_FUNC_SMBUS_READ_BYTE_DATA | i2c.I2C_FUNC_SMBUS_WRITE_BYTE_DATA), 'smbus-byte');
  t.equal(chooseTransport(i2c.I2C_FUNC_SMBUS_READ_I2C_BLOCK), null, 'read-only block and no byte writes: nothing usable');
});

t.test('rtc_time, RTC_SET_TIME, timex and timespec match the headers', async (t) => {
  t.equal(RTC_TIME_SIZE, c.sizeof('struct rtc_time'));
  RTC_TIME_FIELDS.forEach((m, i) => t.equal(i * 4, c.offsetof('struct rtc_time', m), m));
  t.equal(RTC_SET_TIME, c.constant('RTC_SET_TIME'));
  t.equal(TIME_ERROR, c.constant('TIME_ERROR'));
  t.equal(CLOCK_REALTIME, c.constant('CLOCK_REALTIME'));
  t.equal(c.offsetof('struct timex', 'modes'), 0, 'modes first: a zeroed block is a read-only call');
  t.ok(c.sizeof('struct timex') <= TIMEX_BUFFER, `sizeof(struct timex) ${c.sizeof('struct timex')} fits`);
  if (wordSizeOf(process.arch) === 8) {
    t.equal(c.sizeof('struct timespec'), 16);
    t.equal(c.offsetof('struct timespec', 'tv_nsec'), 8);
  }
});

t.test('encoders put the values where the structs say', async (t) => {
  const v = new DataView(new ArrayBuffer(RTC_TIME_SIZE));
  encodeRtcTime(fieldsOf(Date.UTC(2025, 11, 31, 23, 59, 58)), v);
  t.same([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => v.getInt32(i * 4, true)), [58, 59, 23, 31, 11, 125, 3, 364, 0]);
  const ts = new DataView(new ArrayBuffer(16));
  encodeTimespec64(1_700_000_000_250, ts);
  t.equal(ts.getBigInt64(0, true), 1_700_000_000n);
  t.equal(ts.getBigInt64(8, true), 250_000_000n);
  const w = wordSizeOf(process.arch);
  const msgs = new DataView(new ArrayBuffer(i2cLayout.msg.size * 2));
  const rdwr = new DataView(new ArrayBuffer(i2cLayout.rdwr.size));
  encodeRdwr(i2cLayout, w, [{ address: 0x68, read: false, length: 1, bufAddress: 0x1000n }, { address: 0x68, read: true, length: 19, bufAddress: 0x2000n }], msgs, 0x3000n, rdwr);
  const second = i2cLayout.msg.size;
  t.equal(msgs.getUint16(second + i2cLayout.msg.offset.flags, true), I2C_M_RD);
  t.equal(msgs.getUint16(second + i2cLayout.msg.offset.len, true), 19);
  t.equal(rdwr.getUint32(i2cLayout.rdwr.offset.nmsgs, true), 2);
  t.throws(() => encodeRdwr(i2cLayout, w, [], msgs, 0n, rdwr));
});

t.test('I2cDevBus goes through the real ioctl: a non-i2c file answers ENOTTY, not a crash', async (t) => {
  const bus = new I2cDevBus('/dev/null');
  t.throws(() => bus.claim(0x68), { code: 'ENOTTY' });
  await t.rejects(bus.readI2cBlock(0x68, 0, 7), { code: 'ENOTTY' });
  t.throws(() => bus.claim(0x05), RangeError, 'reserved address');
  await bus.close();
  t.throws(() => new I2cDevBus('/nonexistent/i2c-9'), { code: 'ENOENT' });
});
