/** What any RTC can tell: the chip drivers (DS3231, PCF8523) and the simulator implement it. */
export interface RtcReading {
  /** The RTC's time as UTC ms; null when the chip says its time is invalid. */
  timeMs: number | null;
  /** Oscillator stopped since last set (DS3231 OSF, PCF8523 OS): the time is not to be trusted. */
  oscillatorStopped: boolean;
  batteryLow: boolean | null; // null: the chip cannot tell
  temperatureC: number | null; // null: the chip has no sensor
}

export interface RtcDevice {
  readonly model: string; // 'ds3231', 'pcf8523', 'simulated'
  read(): Promise<RtcReading>;
  /** Sets the time and clears the oscillator-stop flag. */
  setTime(utcMs: number): Promise<void>;
}
