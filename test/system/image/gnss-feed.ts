import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { REPO } from './disk-image.js';

/**
 * `stratum1d simulate` (the built working tree) writing NMEA into the host end of the guest's
 * USB serial port. The pty is put in raw mode first: a cooked pty would turn each CR LF into
 * CR CR LF on the way to the guest.
 */
export class GnssFeed {
  private log = '';

  private constructor(readonly proc: ChildProcess) {
    proc.stderr!.on('data', (c: Buffer) => (this.log += c.toString()));
  }

  static start(pty: string): GnssFeed {
    execFileSync('stty', ['-F', pty, 'raw', '-echo']);
    const proc = spawn(process.execPath, [`${REPO}bin/stratum1d.js`, 'simulate', '--to', pty], { stdio: ['ignore', 'ignore', 'pipe'] });
    const kill = () => proc.kill('SIGKILL');
    process.once('exit', kill);
    proc.once('exit', () => process.off('exit', kill));
    return new GnssFeed(proc);
  }

  get stderr(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3_000);
    await gone;
    clearTimeout(timer);
  }
}
