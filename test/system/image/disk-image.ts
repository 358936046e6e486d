import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = new URL('../../../', import.meta.url).pathname;

/** out/stratum1d-<version>-arm64.img (what `npm run image` writes), or $STRATUM1D_IMAGE. */
export function imagePath(): string {
  if (process.env.STRATUM1D_IMAGE) return process.env.STRATUM1D_IMAGE;
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return join(REPO, 'out', `stratum1d-${version}-arm64.img`);
}

export const imageExists = (): boolean => existsSync(imagePath());

interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
}

/** Partition `n` (1-based) in bytes, read from the MBR with sfdisk. */
export async function partition(img: string, n: number): Promise<{ offset: number; bytes: number }> {
  const { stdout } = await run('sfdisk', ['--json', img]);
  const table = (JSON.parse(stdout) as { partitiontable: { sectorsize?: number; partitions: SfdiskPartition[] } }).partitiontable;
  const part = table.partitions[n - 1];
  if (!part) throw new Error(`${img} has no partition ${n}`);
  const sector = table.sectorsize ?? 512;
  return { offset: part.start * sector, bytes: part.size * sector };
}

/**
 * The FAT boot partition, read and written with mtools at its offset in the image file
 * (`mcopy -i img@@OFFSET`): no loop device, no mount.
 */
export class BootPartition {
  private constructor(private readonly target: string) {}

  static async of(img: string): Promise<BootPartition> {
    return new BootPartition(`${img}@@${(await partition(img, 1)).offset}`);
  }

  async list(): Promise<string[]> {
    const { stdout } = await run('mdir', ['-b', '-i', this.target, '::/']);
    return stdout
      .split('\n')
      .map((l) => l.trim().replace(/^::\//, ''))
      .filter((l) => l !== '');
  }

  async read(name: string): Promise<string> {
    const { stdout } = await run('mtype', ['-i', this.target, `::/${name}`], { maxBuffer: 1 << 20 });
    return stdout;
  }

  async copyOut(name: string, to: string): Promise<void> {
    await run('mcopy', ['-o', '-i', this.target, `::/${name}`, to]);
  }

  async write(name: string, content: string, scratchDir: string): Promise<void> {
    const local = join(scratchDir, name);
    writeFileSync(local, content);
    await run('mcopy', ['-o', '-i', this.target, local, `::/${name}`]);
  }
}
