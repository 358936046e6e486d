import t from 'tap';
import { cLayout } from '../../../helpers/c-layout.js';
import {
  decodeChipInfo,
  decodeLineEvent,
  decodeLineInfo,
  encodeEdgeRequest,
  encodeLineEvent,
  encodeLineInfoQuery,
  GPIO_GET_CHIPINFO_IOCTL,
  GPIO_MAX_NAME_SIZE,
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  GPIO_V2_LINE_EVENT_FALLING_EDGE,
  GPIO_V2_LINE_EVENT_RISING_EDGE,
  GPIO_V2_LINE_FLAG,
  GPIO_V2_LINE_NUM_ATTRS_MAX,
  GPIO_V2_LINES_MAX,
  gpiochipInfoLayout,
  lineAttributeLayout,
  lineConfigLayout,
  lineEventLayout,
  lineInfoLayout,
  lineRequestLayout,
  requestFd,
} from '../../../../src/drivers/native/gpio-uapi.js';
import { F_GETFL, F_SETFL, O_NONBLOCK } from '../../../../src/drivers/native/gpio-chardev.js';

// Every number we encode, against linux/gpio.h and fcntl.h as compiled on this machine.
const structs = {
  'struct gpiochip_info': gpiochipInfoLayout,
  'struct gpio_v2_line_attribute': lineAttributeLayout,
  'struct gpio_v2_line_config': lineConfigLayout,
  'struct gpio_v2_line_request': lineRequestLayout,
  'struct gpio_v2_line_info': lineInfoLayout,
  'struct gpio_v2_line_event': lineEventLayout,
} as const;
const offsets: Array<[string, string, number]> = [];
for (const [type, layout] of Object.entries(structs)) {
  for (const [member, at] of Object.entries(layout.offset)) offsets.push([type, member, at]);
}
const constants: Record<string, number | bigint> = {
  GPIO_MAX_NAME_SIZE,
  GPIO_V2_LINES_MAX,
  GPIO_V2_LINE_NUM_ATTRS_MAX,
  GPIO_GET_CHIPINFO_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_LINE_EVENT_RISING_EDGE,
  GPIO_V2_LINE_EVENT_FALLING_EDGE,
  GPIO_V2_LINE_FLAG_USED: GPIO_V2_LINE_FLAG.USED,
  GPIO_V2_LINE_FLAG_ACTIVE_LOW: GPIO_V2_LINE_FLAG.ACTIVE_LOW,
  GPIO_V2_LINE_FLAG_INPUT: GPIO_V2_LINE_FLAG.INPUT,
  GPIO_V2_LINE_FLAG_OUTPUT: GPIO_V2_LINE_FLAG.OUTPUT,
  GPIO_V2_LINE_FLAG_EDGE_RISING: GPIO_V2_LINE_FLAG.EDGE_RISING,
  GPIO_V2_LINE_FLAG_EDGE_FALLING: GPIO_V2_LINE_FLAG.EDGE_FALLING,
  GPIO_V2_LINE_FLAG_BIAS_DISABLED: GPIO_V2_LINE_FLAG.BIAS_DISABLED,
  GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME: GPIO_V2_LINE_FLAG.EVENT_CLOCK_REALTIME,
  F_GETFL,
  F_SETFL,
  O_NONBLOCK,
};

const c = cLayout({
  headers: ['linux/gpio.h', 'fcntl.h'],
  sizes: Object.keys(structs),
  offsets: offsets.map(([type, member]) => [type, member] as const),
  constants: Object.keys(constants),
});

t.test('struct sizes match linux/gpio.h', async (t) => {
  for (const [type, layout] of Object.entries(structs)) t.equal(layout.size, c.sizeof(type), type);
});

t.test('member offsets match linux/gpio.h', async (t) => {
  for (const [type, member, at] of offsets) t.equal(at, c.offsetof(type, member), `${type}.${member}`);
});

t.test('ioctl numbers, flags and fcntl constants match the headers', async (t) => {
  for (const [name, value] of Object.entries(constants)) t.equal(Number(value), c.constant(name), name);
});

t.test('an edge request carries one line, rising edge, realtime clock, and our consumer', async (t) => {
  const b = new Uint8Array(lineRequestLayout.size).fill(0xee);
  encodeEdgeRequest(b, { offset: 18, consumer: 'stratum1d', eventBufferSize: 16 });
  const v = new DataView(b.buffer);
  t.equal(v.getUint32(lineRequestLayout.offset.offsets, true), 18);
  t.equal(v.getUint32(lineRequestLayout.offset.num_lines, true), 1);
  t.equal(v.getUint32(lineRequestLayout.offset.event_buffer_size, true), 16);
  const flags = v.getBigUint64(lineRequestLayout.offset.config + lineConfigLayout.offset.flags, true);
  t.equal(flags, GPIO_V2_LINE_FLAG.INPUT | GPIO_V2_LINE_FLAG.EDGE_RISING | GPIO_V2_LINE_FLAG.EVENT_CLOCK_REALTIME);
  t.equal(Buffer.from(b.subarray(256, 266)).toString('latin1'), 'stratum1d\0');
  t.equal(requestFd(b), -1, 'fd preset to -1 until the kernel fills it');
  // Padding must be zero: the kernel rejects a request with non-zero padding (EINVAL).
  t.ok(b.subarray(lineRequestLayout.offset.event_buffer_size + 4, lineRequestLayout.offset.fd).every((x) => x === 0));
  t.ok(b.subarray(4, 256).every((x) => x === 0), 'other offsets zero');
});

t.test('a consumer name longer than the field is cut and still NUL-terminated', async (t) => {
  const b = new Uint8Array(lineRequestLayout.size);
  encodeEdgeRequest(b, { offset: 0, consumer: 'x'.repeat(40), eventBufferSize: 0 });
  t.equal(b[256 + 31], 0);
  t.equal(b[256 + 30], 'x'.charCodeAt(0));
});

t.test('chip info and line info decode names, labels and flags', async (t) => {
  const chip = new Uint8Array(gpiochipInfoLayout.size);
  chip.set(Buffer.from('gpiochip0'), 0);
  chip.set(Buffer.from('pinctrl-bcm2711'), 32);
  new DataView(chip.buffer).setUint32(64, 58, true);
  t.same(decodeChipInfo(chip), { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 });

  const line = new Uint8Array(lineInfoLayout.size);
  encodeLineInfoQuery(line, 18);
  t.equal(new DataView(line.buffer).getUint32(64, true), 18);
  line.set(Buffer.from('GPIO18'), 0);
  line.set(Buffer.from('pps-gpio'), 32);
  new DataView(line.buffer).setBigUint64(72, GPIO_V2_LINE_FLAG.USED | GPIO_V2_LINE_FLAG.INPUT, true);
  t.same(decodeLineInfo(line), { name: 'GPIO18', consumer: 'pps-gpio', offset: 18, flags: 5n });
});

t.test('line events survive encode/decode, with 64-bit timestamps past 2038', async (t) => {
  const ev = { timestampNs: 4_102_444_800_123_456_789n, id: 1, offset: 18, seqno: 7, lineSeqno: 5 };
  t.same(decodeLineEvent(encodeLineEvent(ev)), ev);
});
