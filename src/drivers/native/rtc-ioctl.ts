import { closeSync, openSync } from 'node:fs';
import type { RtcFields } from '../rtc/bcd.js';
import { fieldsOf } from '../rtc/bcd.js';
import { allocNative, koffi, libcFunction, type NativePointer } from './libc.js';
import { NativeError } from './native-error.js';

/**
 * RTC_SET_TIME on /dev/rtcN (Documentation/admin-guide/rtc.rst, <linux/rtc.h>):
 *   struct rtc_time { int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst; }
 * tm_mon 0-11, tm_year since 1900, as struct tm. RTC_SET_TIME = _IOW('p', 0x0a, struct rtc_time).
 * Checked against the headers in test/unit/drivers/rtc/rtc-ioctl.test.ts. Production only:
 * tests inject a fake writer (this one sets a real clock).
 */
export const RTC_TIME_SIZE = 36;
export const RTC_SET_TIME = 0x4024700a;
export const RTC_TIME_FIELDS = ['tm_sec', 'tm_min', 'tm_hour', 'tm_mday', 'tm_mon', 'tm_year', 'tm_wday', 'tm_yday', 'tm_isdst'] as const;

export function encodeRtcTime(f: RtcFields, view: DataView): void {
  const yday = Math.floor((Date.UTC(f.year, f.month - 1, f.date) - Date.UTC(f.year, 0, 1)) / 86_400_000);
  const values = [f.seconds, f.minutes, f.hours, f.date, f.month - 1, f.year - 1900, f.weekday, yday, 0];
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
}

export function rtcIoctlWriter(devicePath: string): (utcMs: number) => Promise<void> {
  return async (utcMs) => {
    const fd = openSync(devicePath, 'r');
    const block = allocNative(RTC_TIME_SIZE);
    try {
      encodeRtcTime(fieldsOf(utcMs), block.view);
      const ioctl = libcFunction<(fd: number, req: number, arg: NativePointer) => number>('int ioctl(int fd, unsigned long request, void *arg)');
      if (ioctl(fd, RTC_SET_TIME, block.pointer) < 0) throw new NativeError('ioctl(RTC_SET_TIME)', koffi().errno(), devicePath);
    } finally {
      block.free();
      closeSync(fd);
    }
  };
}
