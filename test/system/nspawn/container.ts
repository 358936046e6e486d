import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, readdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** What a command run inside the container returned. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the command's stdin (then closed). */
  input?: string | Buffer;
  /** A host file streamed to the command's stdin. */
  inputFile?: string;
  /** Kill the command after this long (default 120 s): a hung command must not hang the test. */
  timeoutMs?: number;
  /** Extra environment for the command (on top of a clean root login environment). */
  env?: Record<string, string>;
}

/** A clean environment for commands inside: nothing from the host's shell leaks in. */
export const INSIDE_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  TERM: 'dumb',
  DEBIAN_FRONTEND: 'noninteractive',
  SYSTEMD_PAGER: '',
  SYSTEMD_COLORS: '0',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A bound in a race: must not keep the test process alive once the race is decided. */
const deadlineAfter = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Shell-quote one word for `sh -c`. */
export const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A Debian rootfs booted with systemd-nspawn (systemd as PID 1, its own network namespace),
 * driven from the host with nsenter into all of the init's namespaces.
 *
 * nspawn boots here only with the unified cgroup hierarchy forced and without machined
 * registration (the host has hybrid cgroups and no system bus): see DESIGN.md.
 */
export class Container {
  private constructor(
    readonly root: string,
    readonly nspawn: ChildProcess,
    /** The container's init (systemd) as a host PID: nsenter's target. */
    readonly initPid: number,
    /** nspawn's console output (systemd's boot messages), for diagnosing a failed boot. */
    readonly consoleLog: string,
    private readonly exited: Promise<number | null>,
    private readonly consoleStream: WriteStream,
  ) {}

  static async boot(root: string, options: { consoleLog: string; name: string; timeoutMs?: number }): Promise<Container> {
    const out: WriteStream = createWriteStream(options.consoleLog);
    const nspawn = spawn(
      'systemd-nspawn',
      ['-D', root, '-b', '--register=no', '--keep-unit', '--private-network', '--console=pipe', `--machine=${options.name}`],
      { env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    nspawn.stdout!.pipe(out, { end: false });
    nspawn.stderr!.pipe(out, { end: false });
    const exited = new Promise<number | null>((resolve) => nspawn.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let initPid: number | null = null;
    while (initPid === null) {
      if (nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited (${nspawn.exitCode}) before the container's init ran; see ${options.consoleLog}`);
      if (Date.now() > deadline) {
        nspawn.kill('SIGKILL');
        throw new Error(`no container init under systemd-nspawn ${nspawn.pid}; see ${options.consoleLog}`);
      }
      initPid = findContainerInit(nspawn.pid!);
      if (initPid === null) await sleep(200);
    }
    return new Container(root, nspawn, initPid, options.consoleLog, exited, out);
  }

  /** The host command line that runs argv inside the container (e.g. for an MCP client's stdio transport). */
  commandInside(argv: string[]): { command: string; args: string[]; env: Record<string, string> } {
    return { command: '/usr/bin/nsenter', args: this.nsenterArgs(argv), env: { ...INSIDE_ENV } };
  }

  /**
   * `env -i` inside: the test runner instruments child processes through the environment
   * (tap's processinfo puts NODE_OPTIONS=--import <host path> into every spawn, whatever env
   * is passed), which would break every node program in the container.
   */
  private nsenterArgs(argv: string[], env: Record<string, string> = {}): string[] {
    const vars = Object.entries({ ...INSIDE_ENV, ...env }).map(([k, v]) => `${k}=${v}`);
    return ['-t', String(this.initPid), '-a', '--', '/usr/bin/env', '-i', ...vars, ...argv];
  }

  /**
   * For process 'exit' (no awaiting there): kill the container outright and remove its root, so
   * a test killed by its runner's timeout leaves no container behind.
   */
  killNowSync(): void {
    for (const pid of [this.initPid, this.nspawn.pid]) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      rmSync(this.root, { recursive: true, force: true });
    } catch {
      /* mounts still held for a moment: the next run's leftovers sweep removes it */
    }
  }

  /** Runs argv inside the container as root (all of init's namespaces, a clean environment). */
  exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const child = spawn('/usr/bin/nsenter', this.nsenterArgs(argv, options.env), {
      env: { ...INSIDE_ENV, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin!.on('error', () => undefined);
    if (options.inputFile !== undefined) createReadStream(options.inputFile).pipe(child.stdin!);
    else child.stdin!.end(options.input ?? '');
    const timeoutMs = options.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        stderr += `\n[killed after ${timeoutMs} ms: ${argv.join(' ')}]`;
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** A shell script inside the container. */
  sh(script: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(['/bin/sh', '-c', script], options);
  }

  /** Like sh(), but a non-zero exit is an error carrying the script's output. */
  async must(script: string, options: ExecOptions = {}): Promise<string> {
    const r = await this.sh(script, options);
    if (r.code !== 0) throw new Error(`inside the container \`${script}\` exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** Copies a host file in (streamed through the container's own filesystem view: /tmp there is its tmpfs). */
  async copyIn(hostPath: string, path: string, mode = '0644'): Promise<void> {
    await this.must(`cat > ${q(path)} && chmod ${mode} ${q(path)}`, { inputFile: hostPath });
  }

  async writeFile(path: string, content: string, mode = '0644'): Promise<void> {
    await this.must(`mkdir -p "$(dirname ${q(path)})" && cat > ${q(path)} && chmod ${mode} ${q(path)}`, { input: content });
  }

  /**
   * Waits for the boot to finish (`systemctl is-system-running --wait`, bounded). Returns the
   * final state: `running`, or `degraded` with the failed units listed.
   */
  async waitBooted(timeoutMs = 180_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: Math.max(1000, deadline - Date.now()) });
      const state = r.stdout.trim();
      if (state === 'running') return state;
      if (state === 'degraded') {
        const failed = await this.exec(['systemctl', '--failed', '--no-legend', '--plain']);
        return `degraded: ${failed.stdout.trim()}`;
      }
      // Before systemd's bus is up, systemctl cannot connect yet: try again.
      if (Date.now() > deadline) throw new Error(`the container did not finish booting (state "${state}": ${r.stderr.trim()}); see ${this.consoleLog}`);
      await sleep(500);
    }
  }

  /**
   * Always safe to call: asks systemd to power off, waits (bounded), then kills whatever is
   * left (the init's death ends the whole PID namespace) and removes the root directory.
   */
  async teardown(options: { keepRoot?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.nspawn.exitCode === null && this.nspawn.signalCode === null) {
      await this.exec(['systemctl', 'poweroff', '--no-block'], { timeoutMs: 15_000 }).catch(() => undefined);
      const gone = await Promise.race([this.exited.then(() => true), deadlineAfter(options.timeoutMs ?? 60_000).then(() => false)]);
      if (!gone) {
        try {
          process.kill(this.initPid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        this.nspawn.kill('SIGKILL');
        await Promise.race([this.exited, deadlineAfter(10_000)]);
      }
    }
    this.consoleStream.end();
    if (!options.keepRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Host PIDs whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(join('/proc', entry, 'status'), 'utf8');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === pid) kids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return kids;
}

/**
 * nspawn forks a helper that clones the container's PID 1 in a new PID namespace; PID 1 there
 * is the process below nspawn whose NSpid line ends in 1 (it exists before it execs systemd, so
 * wait for its command to be systemd's /sbin/init before entering it).
 */
function findContainerInit(nspawnPid: number): number | null {
  const queue = [nspawnPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const kid of childrenOf(pid)) {
      try {
        const status = readFileSync(`/proc/${kid}/status`, 'utf8');
        const nspid = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
        const comm = readFileSync(`/proc/${kid}/comm`, 'utf8').trim();
        if (nspid.length > 1 && nspid[nspid.length - 1] === '1' && comm === 'systemd') return kid;
      } catch {
        continue;
      }
      queue.push(kid);
    }
  }
  return null;
}
