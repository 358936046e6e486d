import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's out/ (gitignored): caches and per-run container roots live there. */
export const OUT = new URL('../../../out/', import.meta.url).pathname;
const CACHE = join(OUT, 'cache', 'nspawn');

/**
 * What a user's trixie machine has before `apt install stratum1d`: systemd as init, chrony
 * as Debian runs it, Debian's nodejs, plus the tools the test drives inside (socat for a
 * pseudo-terminal receiver, ps, ip, useradd/runuser). Every dependency of the .deb must be
 * here: the install inside the container is offline.
 */
export const PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'udev',
  'chrony',
  'nodejs',
  'iproute2',
  'procps',
  'socat',
  'passwd',
] as const;

const SUITE = 'trixie';
const ARCH = 'amd64';
const VARIANT = 'minbase';

/** The cached tarball's name changes with anything that changes its content. */
export function rootfsKey(packages: readonly string[] = PACKAGES): string {
  const recipe = JSON.stringify({ SUITE, ARCH, VARIANT, packages: [...packages].sort() });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}

/** Make sure a command exists on the host; install its Debian package once if not. */
async function ensureHostTool(command: string, debPackage: string): Promise<void> {
  const found = await run('sh', ['-c', `command -v ${command}`]).then(() => true, () => false);
  if (found) return;
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', debPackage], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 << 20,
  });
}

export async function ensureHostTools(): Promise<void> {
  await ensureHostTool('mmdebstrap', 'mmdebstrap');
  await ensureHostTool('systemd-nspawn', 'systemd-container');
  await ensureHostTool('nsenter', 'util-linux');
}

/**
 * The trixie rootfs as a tarball, built once per package list (mmdebstrap, ~2 min cold) and
 * reused afterwards. Written under a temporary name and renamed, so an interrupted build is
 * never taken for a finished one.
 */
export async function cachedRootfsTarball(log: (line: string) => void = () => {}): Promise<string> {
  const tarball = join(CACHE, `trixie-${ARCH}-${rootfsKey()}.tar`);
  if (existsSync(tarball)) return tarball;
  await ensureHostTools();
  mkdirSync(CACHE, { recursive: true });
  const partial = `${tarball}.partial-${process.pid}.tar`;
  log(`building ${tarball} with mmdebstrap (cold cache)`);
  try {
    await run(
      'mmdebstrap',
      [`--variant=${VARIANT}`, `--architectures=${ARCH}`, `--include=${PACKAGES.join(',')}`, SUITE, partial],
      { maxBuffer: 256 << 20, timeout: 30 * 60_000 },
    );
    renameSync(partial, tarball);
  } finally {
    rmSync(partial, { force: true });
  }
  return tarball;
}

/**
 * Roots left by runs that were killed before their teardown: removed unless some process still
 * lives in one (a container of a run going on at the same time).
 */
function sweepLeftoverRoots(runs: string): void {
  const inUse = new Set<string>();
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      inUse.add(readlinkSync(`/proc/${pid}/root`));
      for (const word of readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')) inUse.add(word);
    } catch {
      /* exited, or a kernel thread */
    }
  }
  for (const entry of readdirSync(runs)) {
    const dir = join(runs, entry);
    if (/^root-[A-Za-z0-9]+$/.test(entry) && !inUse.has(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh root directory extracted from the cached tarball: no state leaks between runs. */
export async function freshRootfs(log?: (line: string) => void): Promise<string> {
  const tarball = await cachedRootfsTarball(log);
  const runs = join(OUT, 'nspawn');
  mkdirSync(runs, { recursive: true });
  sweepLeftoverRoots(runs);
  const root = mkdtempSync(join(runs, 'root-'));
  // Numeric owners as recorded (the host's passwd must not remap them), device nodes and xattrs kept.
  await run('tar', ['-C', root, '--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', tarball], { maxBuffer: 64 << 20 });
  return root;
}
