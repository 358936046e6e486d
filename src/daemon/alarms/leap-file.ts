import { readFile } from 'node:fs/promises';

/**
 * IERS/NIST `leap-seconds.list` (shipped by tzdata as /usr/share/zoneinfo/leap-seconds.list):
 * the line starting `#@` holds the file's expiration date in NTP seconds (since 1900-01-01),
 * after which it must not be trusted to announce the next leap second.
 */
const NTP_TO_UNIX_S = 2_208_988_800; // seconds from 1900-01-01 to 1970-01-01 (RFC 5905, 6)

export type LeapFileExpiry = { kind: 'ok'; expiresAt: number } | { kind: 'missing' } | { kind: 'unusable'; reason: string };

/** Expiry in Unix ms, or null when the text has no well-formed `#@` line. */
export function parseLeapFileExpiry(text: string): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith('#@')) continue;
    const m = /^#@\s+(\d{1,12})\s*$/.exec(line);
    if (!m) return null;
    return (Number(m[1]) - NTP_TO_UNIX_S) * 1000;
  }
  return null;
}

export async function readLeapFileExpiry(path: string, read: (p: string) => Promise<string> = (p) => readFile(p, 'utf8')): Promise<LeapFileExpiry> {
  let text: string;
  try {
    text = await read(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unusable', reason: (err as Error).message };
  }
  const at = parseLeapFileExpiry(text);
  return at === null ? { kind: 'unusable', reason: 'no expiry (#@) line' } : { kind: 'ok', expiresAt: at };
}
