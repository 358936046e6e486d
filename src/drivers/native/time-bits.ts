import { readFileSync } from 'node:fs';

/**
 * The width of `time_t` the platform's other programs (ntpd, chronyd) were built with, which
 * the structs we hand them (NTP SHM `struct shmTime`, chrony's `struct sock_sample`) must
 * match. On 64-bit Linux it is always 64 bits. On armhf it depends on the distribution, not
 * on the kernel or on Node: Debian 13 "trixie" (and Raspberry Pi OS built on it) and Ubuntu
 * 24.04 rebuilt every armhf package with `_TIME_BITS=64` (the "t64" transition); Debian 12
 * and older use 32 bits. We read `/etc/os-release`, never guess from whether a segment
 * exists (a time64 ntpd started after us would then find a segment too small for it).
 */
export type TimeBits = 32 | 64;

export interface TimeBitsVerdict {
  bits: TimeBits;
  why: string;
}

export function platformTimeBits(arch: string = process.arch, osRelease: string | null = readOsRelease()): TimeBitsVerdict {
  if (arch !== 'arm' && arch !== 'ia32') return { bits: 64, why: `${arch} is a 64-bit ABI` };
  const os = parseOsRelease(osRelease ?? '');
  const id = os.ID ?? '';
  const like = (os.ID_LIKE ?? '').split(/\s+/);
  const version = Number.parseFloat(os.VERSION_ID ?? '');
  const name = `${os.PRETTY_NAME ?? id ?? 'unknown'}`;
  if (id === 'ubuntu' && version >= 24.04) return { bits: 64, why: `${name}: Ubuntu 24.04 and later build ${arch} with 64-bit time_t` };
  if ((id === 'debian' || id === 'raspbian' || like.includes('debian')) && id !== 'ubuntu' && version >= 13) {
    return { bits: 64, why: `${name}: Debian 13 (trixie) and later build ${arch} with 64-bit time_t` };
  }
  if (osRelease === null) return { bits: 32, why: `no /etc/os-release: assuming the classic 32-bit time_t of ${arch}` };
  return { bits: 32, why: `${name}: ${arch} with the classic 32-bit time_t` };
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

function readOsRelease(): string | null {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      // try the next one
    }
  }
  return null;
}
