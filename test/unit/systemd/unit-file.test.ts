import t from 'tap';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Offline checks of systemd/stratum1d.service with the systemd tools of this machine
 * (Debian: systemd-analyze is in the `systemd` package). Nothing here talks to PID 1.
 */

const UNIT = fileURLToPath(new URL('../../../systemd/stratum1d.service', import.meta.url));
const MAX_EXPOSURE = 2.0;

const analyze = (args: string[]): SpawnSyncReturns<string> =>
  spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_COLORS: '0' } });

const probe = analyze(['--version']);
if (probe.error) {
  t.plan(0, `systemd-analyze is not installed (Debian package: systemd): ${probe.error.message}`);
} else {
  t.comment(probe.stdout.split('\n')[0] ?? '');
  run();
}

function run(): void {
  const workdir = mkdtempSync(join(tmpdir(), 'unit-file-'));
  t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

  /**
   * `verify` refuses a unit whose ExecStart=/ExecReload= binaries are missing, and
   * /usr/bin/stratum1d is not installed here. Rather than rewrite the unit, it is verified
   * byte for byte under --root=: a scratch root holding the unit, executable stubs at
   * /usr/bin/stratum1d and /bin/kill, and a copy of the host's unit directory for the
   * units it depends on (sysinit.target, modprobe@.service, ...).
   */
  function verifyUnderRoot(unitText: string): SpawnSyncReturns<string> {
    const root = mkdtempSync(join(workdir, 'root-'));
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    const hostUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(d));
    if (hostUnits) cpSync(hostUnits, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const exe of ['usr/bin/stratum1d', 'bin/kill']) {
      mkdirSync(join(root, exe, '..'), { recursive: true });
      writeFileSync(join(root, exe), '#!/bin/sh\nexit 0\n');
      chmodSync(join(root, exe), 0o755);
    }
    writeFileSync(join(root, 'etc/systemd/system/stratum1d.service'), unitText);
    return analyze(['verify', '--man=no', `--root=${root}`, 'stratum1d.service']);
  }

  const unitText = readFileSync(UNIT, 'utf8');

  t.test('systemd-analyze verify accepts the unit without a single warning', async (t) => {
    const r = verifyUnderRoot(unitText);
    // verify exits 0 on unknown keys and unparsable values, so stderr is the real verdict.
    t.equal(r.stderr, '', 'no warnings');
    t.equal(r.status, 0, 'exit status');
  });

  t.test('the verify harness does see mistakes (a misspelt key, a bad value, a missing binary)', async (t) => {
    const broken = unitText
      .replace(/^ProtectSystem=strict$/m, 'ProtectSytem=strict')
      .replace(/^DevicePolicy=closed$/m, 'DevicePolicy=closd')
      .replace(/^ExecReload=\/bin\/kill/m, 'ExecReload=/bin/no-such-kill');
    const r = verifyUnderRoot(broken);
    t.match(r.stderr, /Unknown key 'ProtectSytem'/);
    t.match(r.stderr, /closd/);
    t.match(r.stderr, /no-such-kill/);
  });

  t.test(`systemd-analyze security rates the exposure at ${MAX_EXPOSURE} or lower`, async (t) => {
    // --threshold= is in tenths: the tool compares it with the exposure on its 0–100 scale.
    const r = analyze(['security', '--offline=yes', `--threshold=${Math.round(MAX_EXPOSURE * 10)}`, UNIT]);
    const m = /Overall exposure level for stratum1d\.service: (\d+\.\d)/.exec(r.stdout);
    t.ok(m, 'exposure line printed');
    const exposure = Number(m?.[1]);
    t.comment(`exposure ${exposure} (threshold ${MAX_EXPOSURE})`);
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('✗'))) t.comment(line.replace(/\s{2,}/g, '  '));
    t.ok(exposure <= MAX_EXPOSURE, `exposure ${exposure} ≤ ${MAX_EXPOSURE}`);
    t.equal(r.status, 0, 'under --threshold');
    t.equal(r.stderr, '', 'no warnings');
  });

  t.test('the privileged admin units and the chrony drop-in verify cleanly', async (t) => {
    const dir = fileURLToPath(new URL('../../../systemd/', import.meta.url));
    const root = mkdtempSync(join(workdir, 'root-admin-'));
    const sys = join(root, 'etc/systemd/system');
    mkdirSync(join(sys, 'chrony.service.d'), { recursive: true });
    const hostUnits = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(d));
    if (hostUnits) cpSync(hostUnits, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const exe of ['usr/bin/stratum1d', 'bin/kill', 'usr/lib/stratum1d/libexec/chrony-socket-access', 'usr/sbin/chronyd', 'usr/bin/systemd-tmpfiles']) {
      mkdirSync(join(root, exe, '..'), { recursive: true });
      writeFileSync(join(root, exe), '#!/bin/sh\nexit 0\n');
      chmodSync(join(root, exe), 0o755);
    }
    for (const f of ['stratum1d.service', 'stratum1d-admin@.service', 'stratum1d-admin@.path']) cpSync(join(dir, f), join(sys, f));
    cpSync(join(dir, 'chrony-stratum1d.conf'), join(sys, 'chrony.service.d', 'stratum1d.conf'));
    writeFileSync(join(sys, 'chrony.service'), '[Service]\nType=forking\nExecStart=/usr/sbin/chronyd\n');
    const units = ['stratum1d-admin@apply.path', 'stratum1d-admin@apply.service', 'stratum1d-admin@restart-timekeeper.path', 'stratum1d-admin@set-rtc.service', 'chrony.service'];
    const r = analyze(['verify', '--man=no', `--root=${root}`, ...units]);
    t.equal(r.stderr, '', 'no warnings');
    t.equal(r.status, 0, 'exit status');
  });
}
