import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * systemd/stratum1d.sysusers.conf applied by the real systemd-sysusers to a scratch root,
 * and held against what stratum1d.service expects to exist (User=, Group=,
 * SupplementaryGroups=): a group the unit names but nobody creates fails the start (216/GROUP).
 */

const CONF = fileURLToPath(new URL('../../../systemd/stratum1d.sysusers.conf', import.meta.url));
const UNIT = fileURLToPath(new URL('../../../systemd/stratum1d.service', import.meta.url));

/** `Key=Value` settings of one section of a unit file; repeated keys accumulate. */
function unitSettings(text: string, section: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) current = line;
    else if (current === `[${section}]` && line && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), [...(out.get(line.slice(0, eq)) ?? []), line.slice(eq + 1)]);
    }
  }
  return out;
}

/** name → members, from an /etc/group. */
function groups(text: string): Map<string, string[]> {
  return new Map(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':'))
      .map(([name, , , members]) => [name ?? '', members ? members.split(',').filter(Boolean) : []]),
  );
}

// systemd-sysusers chowns what it writes: root, or root inside a user namespace.
const asRoot = process.getuid?.() === 0 ? [] : ['unshare', '-r'];
const sysusers = (root: string) => {
  const [cmd, ...args] = [...asRoot, 'systemd-sysusers', `--root=${root}`, CONF];
  return spawnSync(cmd!, args, { encoding: 'utf8' });
};

const probe = spawnSync(asRoot[0] ?? 'systemd-sysusers', asRoot.length ? ['-r', 'true'] : ['--version']);
if (probe.error || probe.status !== 0) {
  t.plan(0, `cannot run systemd-sysusers here (Debian package: systemd; needs root or user namespaces)`);
} else {
  run();
}

function run(): void {
  const root = mkdtempSync(join(tmpdir(), 'sysusers-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  // A Debian base: dialout already exists with its fixed gid; i2c and gpio do not.
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\ndialout:x:20:\n');

  t.test('creates the service user, without a login, and the groups it needs', async (t) => {
    const r = sysusers(root);
    t.equal(r.status, 0, 'systemd-sysusers exits 0');
    t.comment(r.stderr.trim());
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const user = passwd.split('\n').find((l) => l.startsWith('stratum1d:'))?.split(':');
    t.ok(user, 'stratum1d in /etc/passwd');
    t.ok(Number(user?.[2]) < 1000, `system uid ${user?.[2]}`);
    t.equal(user?.[6], '/usr/sbin/nologin');
    const g = groups(readFileSync(join(root, 'etc/group'), 'utf8'));
    t.ok(g.has('stratum1d'), 'own group');
    for (const name of ['dialout', 'i2c', 'gpio']) t.same(g.get(name), ['stratum1d'], `member of ${name}`);
    t.match(readFileSync(join(root, 'etc/group'), 'utf8'), /^dialout:x:20:/m, 'existing dialout keeps its gid');
  });

  t.test('running it again changes nothing', async (t) => {
    const before = readFileSync(join(root, 'etc/group'), 'utf8') + readFileSync(join(root, 'etc/passwd'), 'utf8');
    t.equal(sysusers(root).status, 0);
    const after = readFileSync(join(root, 'etc/group'), 'utf8') + readFileSync(join(root, 'etc/passwd'), 'utf8');
    t.equal(after, before);
  });

  t.test('every user and group the unit names is one the file provides', async (t) => {
    const service = unitSettings(readFileSync(UNIT, 'utf8'), 'Service');
    const g = groups(readFileSync(join(root, 'etc/group'), 'utf8'));
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const user = service.get('User')?.[0] ?? '';
    t.match(passwd, new RegExp(`^${user}:`, 'm'), `User=${user}`);
    t.ok(g.has(service.get('Group')?.[0] ?? ''), `Group=${service.get('Group')?.[0]}`);
    const supplementary = (service.get('SupplementaryGroups') ?? []).flatMap((v) => v.split(/\s+/));
    t.ok(supplementary.length > 0);
    for (const name of supplementary) t.ok(g.get(name)?.includes(user), `${user} in ${name}`);
  });
}
