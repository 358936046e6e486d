/** What any RTC can tell: the chip drivers (DS3231, PCF8523), the kernel RTC and the simulator implement it. */
export interface RtcReading {
  /** The RTC's time as UTC ms; null when the chip says its time is invalid. */
  timeMs: number | null;
  /** Oscillator stopped since last set (DS3231 OSF, PCF8523 OS): the time is not to be trusted. */
  oscillatorStopped: boolean;
  batteryLow: boolean | null; // null: the chip cannot tell
  temperatureC: number | null; // null: the chip has no sensor
}

/**
 * A frequency trim the daemon may adjust from the measured drift: the DS3231 aging offset
 * register. `ppmPerStep` is signed: positive when raising the register by one makes the RTC
 * run faster.
 */
export interface RtcFrequencyTrim {
  readonly min: number;
  readonly max: number;
  readonly ppmPerStep: number;
  read(): Promise<number>;
  write(value: number): Promise<void>;
}

export interface RtcDevice {
  readonly model: string; // 'ds3231', 'pcf8523', 'kernel (rtc-ds1307 1-0068)', 'simulated'
  /** How the daemon reaches it: raw I2C, the kernel's rtc class device, or a simulation. Absent: unknown. */
  readonly access?: 'i2c' | 'kernel' | 'simulated';
  /** Present when the chip has a trim the daemon may adjust (DS3231 aging offset). */
  readonly trim?: RtcFrequencyTrim;
  read(): Promise<RtcReading>;
  /** Sets the time and clears the oscillator-stop flag. */
  setTime(utcMs: number): Promise<void>;
  /** Releases the bus or device; optional for devices that hold nothing. */
  close?(): Promise<void>;
}
