import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The kernel-lab harness: boots ../shared/klab/bzImage under qemu-system-x86_64 (TCG) with the
 * host's / read-only over virtio-9p and a writable work share, runs a shell script as the
 * guest's job (test/kernel/lab/init.sh is PID 1), and hands back what the guest wrote.
 * Results are files in the work share (JSON written by the guest programs under guest/);
 * the host-side tap tests assert on them.
 */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** `STRATUM1D_KLAB_DIR` points elsewhere (e.g. a rebuilt kernel, or nowhere to see the skip). */
const KLAB_NAME = process.env.STRATUM1D_KLAB_DIR ?? '../shared/klab';
export const KLAB_DIR = resolve(REPO, KLAB_NAME);
/** Inside the guest the host's / is the root, so the repository is at the same path. */
export const GUEST_WORK = '/tmp/work';

/** Why the tier cannot run here, or null. An absent lab is a skip with this reason, never a pass. */
export function klabAbsent(): string | null {
  if (!existsSync(join(KLAB_DIR, 'bzImage')) || !existsSync(join(KLAB_DIR, 'klab.dtb'))) return `kernel lab absent: ${KLAB_NAME} not found`;
  return null;
}

export interface GuestRun {
  /** run.sh's exit status; null when the guest never wrote one (crash, timeout). */
  status: number | null;
  /** The serial console: kernel log and init's lines. */
  console: string;
  /** run.sh's own stdout/stderr. */
  log: string;
  work: string;
  wallMs: number;
  timedOut: boolean;
  /** A JSON result file a guest program wrote, parsed; throws with the guest log when absent. */
  json<T = unknown>(name: string): T;
  cleanup(): void;
}

export interface BootOptions {
  /** Shell script run by init with `sh` (cwd /), output to guest.log. */
  script: string;
  /** Files to place in the work share first (name → content). */
  files?: Record<string, string>;
  /** Wall-clock limit for the whole boot; the guest is killed after it. */
  timeoutMs?: number;
  /** Extra kernel command line words. */
  append?: string[];
}

const QEMU = 'qemu-system-x86_64';

export async function bootGuest(o: BootOptions): Promise<GuestRun> {
  const work = mkdtempSync(join(tmpdir(), 'klab-'));
  chmodSync(work, 0o755);
  // init must be executable on the guest's root (the host's /): copy it next to the run script.
  const init = join(work, 'init.sh');
  copyFileSync(join(REPO, 'test/kernel/lab/init.sh'), init);
  chmodSync(init, 0o755);
  writeFileSync(join(work, 'run.sh'), o.script);
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(join(work, name), text);
  // The guest boots in ~3.5 s: its clock is set to the host's at the time init runs, give or take.
  const epoch = Math.round(Date.now() / 1000) + 4;
  const append = [
    'console=ttyS0',
    'root=root',
    'rootfstype=9p',
    'rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose',
    'ro',
    `init=${init}`,
    'panic=-1',
    'i2c_stub.chip_addr=0x68',
    `klab.epoch=${epoch}`,
    ...(o.append ?? []),
  ].join(' ');
  const args = [
    '-M', 'pc', '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '2', '-m', '2048', '-nographic',
    '-no-reboot', '-nodefaults', '-serial', 'stdio',
    '-kernel', join(KLAB_DIR, 'bzImage'), '-dtb', join(KLAB_DIR, 'klab.dtb'),
    '-append', append,
    '-virtfs', 'local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${work},mount_tag=work,security_model=none,multidevs=remap`,
    '-device', 'virtio-rng-pci',
  ];
  const t0 = Date.now();
  const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let serial = '';
  child.stdout.on('data', (b: Buffer) => (serial += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (serial += b.toString('utf8')));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, o.timeoutMs ?? 120_000);
  await new Promise<void>((res, rej) => {
    child.on('error', (err) => rej(new Error(`${QEMU} could not be started (${err.message}): apt-get install qemu-system-x86`)));
    child.on('close', () => res());
  });
  clearTimeout(timer);
  const read = (name: string): string | null => {
    try {
      return readFileSync(join(work, name), 'utf8');
    } catch {
      return null;
    }
  };
  const statusText = read('status');
  const log = read('guest.log') ?? '';
  return {
    status: statusText === null ? null : Number(statusText.trim()),
    console: serial,
    log,
    work,
    wallMs: Date.now() - t0,
    timedOut,
    json<T>(name: string): T {
      const text = read(name);
      if (text === null) throw new Error(`the guest wrote no ${name}; guest log:\n${log.slice(-4000)}\nconsole:\n${serial.slice(-3000)}`);
      return JSON.parse(text) as T;
    },
    cleanup() {
      // STRATUM1D_KLAB_KEEP=1 leaves the work share for a look at everything the guest wrote.
      if (process.env.STRATUM1D_KLAB_KEEP) console.log(`kernel lab: work share kept in ${work}`);
      else rmSync(work, { recursive: true, force: true });
    },
  };
}
