import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shmInfo } from '../../src/drivers/native/sysv-shm.js';
import { NTP_SHM_KEY_BASE } from '../../src/daemon/timekeeper/feed/shm-time.js';
/** Far above the units gpsd and a system ntpd use (0-7), so nothing real is disturbed. */
const FIRST = 100;
const LAST = 249;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(path, 'utf8'));
    } catch {
      continue; // released between our open and read: try again
    }
    // A lock whose process is still running is honoured; a half-written one (owner 0) too.
    if (!owner || alive(owner)) return false;
    try {
      unlinkSync(path);
    } catch {
      // another claimer removed the stale lock first
    }
  }
  return false;
}

/**
 * An NTP SHM unit that no other test process holds, released at teardown. SysV keys are
 * machine-wide: two suites side by side once picked the same pid-derived unit, and one's
 * teardown removed the segment the other's ntpd was reading (reach 0 for 30 s). A unit is
 * claimed with an exclusive lock file in the temp directory, and only while no segment exists
 * for it (one left by a killed run is passed over, never reused).
 */
export function claimShmUnit(t: { teardown(fn: () => unknown): void }): number {
  const span = LAST - FIRST + 1;
  const start = process.pid % span;
  for (let i = 0; i < span; i++) {
    const unit = FIRST + ((start + i) % span);
    const lock = join(tmpdir(), `stratum1d-test-shm-unit-${unit}.lock`);
    if (!tryLock(lock)) continue;
    if (shmInfo(NTP_SHM_KEY_BASE + unit) !== null) {
      unlinkSync(lock);
      continue;
    }
    t.teardown(() => {
      try {
        unlinkSync(lock);
      } catch {
        // already gone
      }
    });
    return unit;
  }
  throw new Error(`no free NTP SHM unit in ${FIRST}-${LAST}: every one is locked or has a segment (ipcs -m)`);
}
