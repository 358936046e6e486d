import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PpsEdge, PpsSource } from '../pps/pps-source.js';

export interface SysfsPpsEntry {
  /** `ppsN` */
  id: string;
  /** What the driver names its source: pps-gpio on a Pi says `pps@12.-1`. */
  name: string;
  /** The tty for pps-ldisc; empty for pps-gpio. */
  path?: string;
  /** Basename of the `device/driver` link; null: no link (ktimer has no device). */
  driver?: string | null;
}

/**
 * Writes a `/sys/class/pps` tree into a directory, in the kernel's formats
 * (drivers/pps/sysfs.c), so that tests and `--simulate` run the real sysfs reader. Each
 * `assert` update is atomic (write + rename) as a sysfs read is: a reader never sees half.
 */
export class SysfsPpsWriter {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  add(entry: SysfsPpsEntry): void {
    const dir = join(this.root, entry.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'name'), `${entry.name}\n`);
    writeFileSync(join(dir, 'path'), `${entry.path ?? ''}\n`);
    writeFileSync(join(dir, 'mode'), '1133\n'); // PPS_CAPTUREBOTH | PPS_OFFSETASSERT | PPS_CANWAIT | PPS_TSFMT_TSPEC, as pps-gpio shows
    writeFileSync(join(dir, 'echo'), '0\n');
    writeFileSync(join(dir, 'clear'), '0.000000000#0\n');
    writeFileSync(join(dir, 'assert'), '0.000000000#0\n');
    if (entry.driver) {
      mkdirSync(join(dir, 'device'), { recursive: true });
      symlinkSync(`../../../../bus/platform/drivers/${entry.driver}`, join(dir, 'device', 'driver'));
    }
  }

  remove(id: string): void {
    rmSync(join(this.root, id), { recursive: true, force: true });
  }

  /** What the kernel shows after an assert: "%lld.%09d#%d\n". */
  writeAssert(id: string, edge: PpsEdge): void {
    this.writeRaw(id, `${edge.sec}.${String(edge.nsec).padStart(9, '0')}#${edge.seq}\n`);
  }

  /** Any content, e.g. garbage a test wants the reader to survive. No-op while `id` is removed. */
  writeRaw(id: string, text: string): void {
    if (!existsSync(join(this.root, id))) return; // no device, nothing for the kernel to update
    const file = join(this.root, id, 'assert');
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }

  /** Mirrors every edge of `pps` (a SimulatedPps) into `id`'s assert file; returns the detach. */
  follow(id: string, pps: PpsSource): () => void {
    const onEdge = (e: PpsEdge): void => this.writeAssert(id, e);
    pps.on('edge', onEdge);
    return () => pps.off('edge', onEdge);
  }
}
