import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port free on loopback right now (SSH is forwarded there). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface VmOptions {
  disk: string;
  kernel: string;
  initrd: string;
  sshPort: number;
  consoleLog: string;
}

/** The ssh options the test uses: a fresh guest's host key is never known beforehand. */
export function sshArgs(key: string, port: number): string[] {
  return [
    '-i', key, '-p', String(port),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=15', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes',
  ];
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The image booted in `qemu-system-aarch64 -M virt` under TCG (nested KVM does not work on
 * these machines): the image's own kernel and initrd, the image as a virtio disk, user
 * networking with only SSH forwarded (on loopback), and an emulated USB serial adapter (FTDI,
 * /dev/ttyUSB0 in the guest) whose host end is a pseudo-terminal the simulator writes into.
 */
export class ArmVm {
  private exited = false;
  /** The host end of the guest's USB serial port (a pty). */
  readonly gnssPty: string;

  private constructor(
    readonly qemu: ChildProcess,
    gnssPty: string,
    readonly options: VmOptions,
    readonly startedAt: number,
  ) {
    this.gnssPty = gnssPty;
    qemu.once('exit', () => (this.exited = true));
  }

  static async start(o: VmOptions): Promise<ArmVm> {
    const args = [
      '-M', 'virt', '-cpu', 'cortex-a72', '-m', '1536', '-smp', '2',
      '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-serial', `file:${o.consoleLog}`,
      '-kernel', o.kernel, '-initrd', o.initrd,
      '-append', 'root=LABEL=RASPIROOT console=ttyAMA0 rootwait',
      '-drive', `file=${o.disk},format=raw,if=none,id=disk0`,
      '-device', 'virtio-blk-pci,drive=disk0',
      '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`,
      '-device', 'virtio-net-pci,netdev=net0',
      '-device', 'virtio-rng-pci',
      '-chardev', 'pty,id=gnss',
      '-device', 'qemu-xhci,id=xhci',
      '-device', 'usb-serial,chardev=gnss,bus=xhci.0',
    ];
    const startedAt = Date.now();
    const qemu = spawn('qemu-system-aarch64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // Never leave an emulator behind, whatever happens to the test process.
    const kill = () => qemu.kill('SIGKILL');
    process.once('exit', kill);
    qemu.once('exit', () => process.off('exit', kill));
    let stderr = '';
    const pty = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`qemu did not report its pty within 30 s: ${stderr}`)), 30_000);
      const onData = (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /char device redirected to (\/dev\/pts\/\d+) \(label gnss\)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      qemu.stderr!.on('data', onData);
      qemu.stdout!.on('data', onData);
      qemu.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`qemu exited (${code}) before booting: ${stderr}`));
      });
    });
    return new ArmVm(qemu, pty, o, startedAt);
  }

  get running(): boolean {
    return !this.exited;
  }

  console(): string {
    try {
      return readFileSync(this.options.consoleLog, 'utf8');
    } catch {
      return '';
    }
  }

  /** The last lines of the serial console, for failure messages. */
  consoleTail(lines = 40): string {
    return this.console().split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.qemu.once('exit', () => r()));
    this.qemu.kill('SIGTERM');
    const timer = setTimeout(() => this.qemu.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
}

/** Runs one command over ssh as pi; never throws on a non-zero exit. */
export function ssh(key: string, port: number, command: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('ssh', [...sshArgs(key, port), 'pi@127.0.0.1', command], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
