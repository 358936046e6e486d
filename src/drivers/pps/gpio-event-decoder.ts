import { decodeLineEvent, GPIO_V2_LINE_EVENT_RISING_EDGE, lineEventLayout } from '../native/gpio-uapi.js';
import type { PpsEdge } from './pps-source.js';

export interface DecodedEvents {
  edges: PpsEdge[];
  /** Records that are not a rising edge of our line (falling edges, other offsets): counted, dropped. */
  ignored: number;
  /** Trailing bytes that do not make a whole record; the kernel never returns them, a broken fake might. */
  partialBytes: number;
}

/**
 * Turns what read(2) returned from a GPIO line fd into PPS edges. Pure: bytes in, values out.
 * `timestamp_ns` is CLOCK_REALTIME because the line was requested with
 * GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME (linux/gpio.h); `line_seqno` counts this line's
 * events in the kernel, so a jump in it means the kernel's event queue overflowed and
 * edges were lost before we read them (the same meaning as a kernel PPS assert gap).
 */
export function decodeGpioEdges(bytes: Uint8Array, length: number, lineOffset: number): DecodedEvents {
  const size = lineEventLayout.size;
  const edges: PpsEdge[] = [];
  let ignored = 0;
  let at = 0;
  for (; at + size <= length; at += size) {
    const ev = decodeLineEvent(bytes, at);
    if (ev.id !== GPIO_V2_LINE_EVENT_RISING_EDGE || ev.offset !== lineOffset) {
      ignored++;
      continue;
    }
    const sec = ev.timestampNs / 1_000_000_000n;
    edges.push({ sec: Number(sec), nsec: Number(ev.timestampNs - sec * 1_000_000_000n), seq: ev.lineSeqno });
  }
  return { edges, ignored, partialBytes: length - at };
}
