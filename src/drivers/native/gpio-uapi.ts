import { hostIsLittleEndian } from './struct-layouts.js';

/**
 * The Linux GPIO character-device uAPI, v2 (include/uapi/linux/gpio.h, kernel ≥ 5.10):
 * sizes, offsets, flags and ioctl numbers, plus encoders/decoders for the structs we pass.
 * The v2 structs are built from fixed-width, `__aligned_u64` members with explicit padding
 * so that they are identical on 32- and 64-bit ABIs (armhf and arm64 alike): one layout
 * serves every Pi. Every number here is checked against the system headers in
 * test/unit/drivers/native/gpio-uapi.test.ts.
 */

export const GPIO_MAX_NAME_SIZE = 32;
export const GPIO_V2_LINES_MAX = 64;
export const GPIO_V2_LINE_NUM_ATTRS_MAX = 10;

/** enum gpio_v2_line_flag (bit numbers are ABI). */
export const GPIO_V2_LINE_FLAG = {
  USED: 1n << 0n,
  ACTIVE_LOW: 1n << 1n,
  INPUT: 1n << 2n,
  OUTPUT: 1n << 3n,
  EDGE_RISING: 1n << 4n,
  EDGE_FALLING: 1n << 5n,
  BIAS_DISABLED: 1n << 10n,
  EVENT_CLOCK_REALTIME: 1n << 11n,
} as const;

/** enum gpio_v2_line_event_id */
export const GPIO_V2_LINE_EVENT_RISING_EDGE = 1;
export const GPIO_V2_LINE_EVENT_FALLING_EDGE = 2;

/** struct gpiochip_info { char name[32]; char label[32]; __u32 lines; } */
export const gpiochipInfoLayout = { size: 68, offset: { name: 0, label: 32, lines: 64 } } as const;

/** struct gpio_v2_line_attribute { __u32 id; __u32 padding; union { __aligned_u64 flags; ... } } */
export const lineAttributeLayout = { size: 16, offset: { id: 0, flags: 8 } } as const;

/** struct gpio_v2_line_config { __aligned_u64 flags; __u32 num_attrs; __u32 padding[5]; attrs[10] (24 bytes each) } */
export const lineConfigLayout = { size: 272, offset: { flags: 0, num_attrs: 8, attrs: 32 } } as const;

/** struct gpio_v2_line_request */
export const lineRequestLayout = {
  size: 592,
  offset: { offsets: 0, consumer: 256, config: 288, num_lines: 560, event_buffer_size: 564, fd: 588 },
} as const;

/** struct gpio_v2_line_info */
export const lineInfoLayout = {
  size: 256,
  offset: { name: 0, consumer: 32, offset: 64, num_attrs: 68, flags: 72, attrs: 80 },
} as const;

/** struct gpio_v2_line_event: what read(2) on a line request fd returns, one record per edge. */
export const lineEventLayout = {
  size: 48,
  offset: { timestamp_ns: 0, id: 8, offset: 12, seqno: 16, line_seqno: 20 },
} as const;

/**
 * asm-generic/ioctl.h encoding, used by x86, arm and arm64 alike:
 * dir (2 bits: 1 write, 2 read) << 30 | size (14 bits) << 16 | type << 8 | nr.
 */
function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}
const IOC_WRITE = 1;
const IOC_READ = 2;
const GPIO_IOC_MAGIC = 0xb4;

export const GPIO_GET_CHIPINFO_IOCTL = ioc(IOC_READ, GPIO_IOC_MAGIC, 0x01, gpiochipInfoLayout.size);
export const GPIO_V2_GET_LINEINFO_IOCTL = ioc(IOC_READ | IOC_WRITE, GPIO_IOC_MAGIC, 0x05, lineInfoLayout.size);
export const GPIO_V2_GET_LINE_IOCTL = ioc(IOC_READ | IOC_WRITE, GPIO_IOC_MAGIC, 0x07, lineRequestLayout.size);

export interface ChipInfo {
  name: string; // "gpiochip0"
  label: string; // "pinctrl-bcm2711", "pinctrl-rp1"
  lines: number;
}

export interface LineInfo {
  name: string; // "GPIO18"; empty when the device tree names no line
  consumer: string; // who holds it ("pps-gpio", "stratum1d"), empty if free
  offset: number;
  flags: bigint;
}

export interface RawLineEvent {
  timestampNs: bigint;
  id: number;
  offset: number;
  seqno: number;
  lineSeqno: number;
}

const LE = hostIsLittleEndian;

/** A NUL-terminated C string from a fixed-size char array (the kernel NUL-pads names). */
export function readCString(bytes: Uint8Array, at: number, max: number): string {
  let end = at;
  while (end < at + max && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('utf8');
}

function writeCString(bytes: Uint8Array, at: number, max: number, s: string): void {
  const b = Buffer.from(s, 'utf8').subarray(0, max - 1); // always leave the NUL
  bytes.fill(0, at, at + max);
  bytes.set(b, at);
}

export function decodeChipInfo(bytes: Uint8Array): ChipInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = gpiochipInfoLayout.offset;
  return {
    name: readCString(bytes, o.name, GPIO_MAX_NAME_SIZE),
    label: readCString(bytes, o.label, GPIO_MAX_NAME_SIZE),
    lines: view.getUint32(o.lines, LE),
  };
}

/** Fills the request half of a line-info query (only `offset` is input). */
export function encodeLineInfoQuery(bytes: Uint8Array, offset: number): void {
  bytes.fill(0, 0, lineInfoLayout.size);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(lineInfoLayout.offset.offset, offset, LE);
}

export function decodeLineInfo(bytes: Uint8Array): LineInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = lineInfoLayout.offset;
  return {
    name: readCString(bytes, o.name, GPIO_MAX_NAME_SIZE),
    consumer: readCString(bytes, o.consumer, GPIO_MAX_NAME_SIZE),
    offset: view.getUint32(o.offset, LE),
    flags: view.getBigUint64(o.flags, LE),
  };
}

export interface EdgeRequest {
  offset: number;
  consumer: string;
  /** Kernel-side queue of events (0: the kernel's default, 16 per line). */
  eventBufferSize: number;
  /** Extra flags such as BIAS_DISABLED; INPUT | EDGE_RISING | EVENT_CLOCK_REALTIME are always set. */
  extraFlags?: bigint;
}

/**
 * One input line, rising edges, timestamps from CLOCK_REALTIME: the kernel stamps the edge
 * in its interrupt handler (gpiolib-cdev.c edge_irq_handler), so the time is as good as the
 * IRQ latency, and on the same clock chrony disciplines.
 */
export function encodeEdgeRequest(bytes: Uint8Array, req: EdgeRequest): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const o = lineRequestLayout.offset;
  bytes.fill(0, 0, lineRequestLayout.size);
  view.setUint32(o.offsets, req.offset, LE);
  writeCString(bytes, o.consumer, GPIO_MAX_NAME_SIZE, req.consumer);
  const flags =
    GPIO_V2_LINE_FLAG.INPUT | GPIO_V2_LINE_FLAG.EDGE_RISING | GPIO_V2_LINE_FLAG.EVENT_CLOCK_REALTIME | (req.extraFlags ?? 0n);
  view.setBigUint64(o.config + lineConfigLayout.offset.flags, flags, LE);
  view.setUint32(o.config + lineConfigLayout.offset.num_attrs, 0, LE);
  view.setUint32(o.num_lines, 1, LE);
  view.setUint32(o.event_buffer_size, req.eventBufferSize, LE);
  view.setInt32(o.fd, -1, LE);
}

/** The line fd the kernel wrote back into the request. */
export function requestFd(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(lineRequestLayout.offset.fd, LE);
}

export function decodeLineEvent(bytes: Uint8Array, at = 0): RawLineEvent {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, lineEventLayout.size);
  const o = lineEventLayout.offset;
  return {
    timestampNs: view.getBigUint64(o.timestamp_ns, LE),
    id: view.getUint32(o.id, LE),
    offset: view.getUint32(o.offset, LE),
    seqno: view.getUint32(o.seqno, LE),
    lineSeqno: view.getUint32(o.line_seqno, LE),
  };
}

/** The kernel's side of a read(2), for the simulator: one record in the binary layout. */
export function encodeLineEvent(ev: RawLineEvent): Uint8Array {
  const bytes = new Uint8Array(lineEventLayout.size);
  const view = new DataView(bytes.buffer);
  const o = lineEventLayout.offset;
  view.setBigUint64(o.timestamp_ns, ev.timestampNs, LE);
  view.setUint32(o.id, ev.id, LE);
  view.setUint32(o.offset, ev.offset, LE);
  view.setUint32(o.seqno, ev.seqno, LE);
  view.setUint32(o.line_seqno, ev.lineSeqno, LE);
  return bytes;
}
