/**
 * What each sentence decoder produces. Field meanings follow IEC 61162-1 / NMEA 0183 4.11;
 * every optional value is `null` when the receiver left the field empty (an empty field is
 * "not known", never zero).
 */

/** hhmmss.sss as sent: no date, and second may be 60 during an inserted leap second. */
export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
  millis: number;
}

/** RMC's ddmmyy: the century is not sent and is resolved later (see epoch/date-resolver). */
export interface ShortDate {
  day: number;
  month: number;
  yy: number;
}

export interface LatLon {
  lat: number;
  lon: number;
  /** Decimal places of the minutes; the finer of two sources wins when merging (RMC is often coarser). */
  digits: number;
}

export interface RmcSentence {
  type: 'RMC';
  time: TimeOfDay | null;
  status: 'A' | 'V' | null;
  position: LatLon | null;
  speedKnots: number | null;
  trackTrue: number | null;
  date: ShortDate | null;
  magvar: number | null; // degrees, + east
  faaMode: string | null;
  navStatus: string | null;
}

export interface GgaSentence {
  type: 'GGA';
  time: TimeOfDay | null;
  position: LatLon | null;
  quality: number | null;
  satsUsed: number | null;
  hdop: number | null;
  altMSL: number | null;
  geoidSep: number | null;
  dgpsAge: number | null;
  dgpsStation: number | null;
}

export interface GnsSentence {
  type: 'GNS';
  time: TimeOfDay | null;
  position: LatLon | null;
  /** One FAA mode character per constellation (GPS, GLONASS, Galileo, BeiDou, QZSS, NavIC). */
  modes: string | null;
  satsUsed: number | null;
  hdop: number | null;
  altMSL: number | null;
  geoidSep: number | null;
  dgpsAge: number | null;
  dgpsStation: number | null;
  navStatus: string | null;
}

export interface GsaSentence {
  type: 'GSA';
  selection: 'A' | 'M' | null;
  fixType: 1 | 2 | 3 | null;
  satIds: number[];
  pdop: number | null;
  hdop: number | null;
  vdop: number | null;
  /** NMEA 4.10 GNSS system id (1 GPS, 2 GLONASS, 3 Galileo, 4 BeiDou, 5 QZSS, 6 NavIC). */
  systemId: number | null;
}

export interface GsvSatellite {
  id: number;
  el: number | null;
  az: number | null;
  snr: number | null;
}

export interface GsvSentence {
  type: 'GSV';
  total: number;
  index: number;
  inView: number | null;
  satellites: GsvSatellite[];
  /** NMEA 4.10 signal id (the trailing field), when present. */
  signalId: number | null;
  /** Only Quectel's $PQGSV carries a system id (after the signal id). */
  systemId: number | null;
}

export interface ZdaSentence {
  type: 'ZDA';
  time: TimeOfDay | null;
  day: number | null;
  month: number | null;
  year: number | null;
  zoneHours: number | null;
  zoneMinutes: number | null;
}

export interface GstSentence {
  type: 'GST';
  time: TimeOfDay | null;
  rms: number | null;
  major: number | null;
  minor: number | null;
  orient: number | null;
  latErr: number | null;
  lonErr: number | null;
  altErr: number | null;
}

export interface VtgSentence {
  type: 'VTG';
  trackTrue: number | null;
  trackMagnetic: number | null;
  speedKnots: number | null;
  speedKmh: number | null;
  faaMode: string | null;
}

export interface GllSentence {
  type: 'GLL';
  position: LatLon | null;
  time: TimeOfDay | null;
  status: 'A' | 'V' | null;
  faaMode: string | null;
}

export interface TxtSentence {
  type: 'TXT';
  total: number;
  index: number;
  msgId: number | null;
  text: string;
}

export interface GbsSentence {
  type: 'GBS';
  time: TimeOfDay | null;
  latErr: number | null;
  lonErr: number | null;
  altErr: number | null;
  failedSatId: number | null;
  systemId: number | null;
  signalId: number | null;
}

/** Garmin $PGRMZ: altitude in feet and the fix dimension (sentences/pgrmz.ts). */
export interface PgrmzSentence {
  type: 'PGRMZ';
  altitudeFeet: number | null;
  /** 2: user altitude (2D), 3: GPS altitude (3D); 1 (no fix) from older units. */
  fixDimension: 1 | 2 | 3 | null;
}

/** Garmin $PGRME: the receiver's estimated position errors, metres (sentences/pgrme.ts). */
export interface PgrmeSentence {
  type: 'PGRME';
  hpe: number | null;
  vpe: number | null;
  epe: number | null;
}

/** Garmin $PGRMF: GPS week and seconds, UTC date and time, GPS-UTC leap seconds, fix (sentences/pgrmf.ts). */
export interface PgrmfSentence {
  type: 'PGRMF';
  gpsWeek: number | null; // 0-1023
  gpsSeconds: number | null;
  date: ShortDate | null;
  time: TimeOfDay | null;
  leapSeconds: number | null;
  position: LatLon | null;
  mode: 'M' | 'A' | null;
  fixType: 0 | 1 | 2 | null; // no fix, 2D, 3D
  speedKmh: number | null;
  course: number | null;
  pdop: number | null;
  tdop: number | null;
}

export type SentenceData =
  | RmcSentence
  | GgaSentence
  | GnsSentence
  | GsaSentence
  | GsvSentence
  | ZdaSentence
  | GstSentence
  | VtgSentence
  | GllSentence
  | TxtSentence
  | GbsSentence
  | PgrmzSentence
  | PgrmeSentence
  | PgrmfSentence;

export type SentenceType = SentenceData['type'];

/** A decoded sentence with the address it came under. */
export type Sentence = SentenceData & { talker: string };
