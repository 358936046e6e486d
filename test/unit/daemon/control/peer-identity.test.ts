import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { controlSchema } from '../../../../src/config/sections/control.js';
import { ControlAccess } from '../../../../src/daemon/control/control-access.js';
import { controlCall } from '../../../../src/daemon/control/control-client.js';
import { ControlServer } from '../../../../src/daemon/control/control-server.js';
import { peerId, procGroups, resolveGroups, roleFor, type PeerCreds, type RolePolicy } from '../../../../src/daemon/control/peer-identity.js';
import { createLogger } from '../../../../src/daemon/logger.js';

const policy: RolePolicy = { daemonUid: 995, daemonGid: 995, adminGids: new Set([27, 990]), readGids: new Set([991]) };
const creds = (uid: number, gid: number, groups: number[] | null = []): PeerCreds => ({ pid: 4242, uid, gid, groups });

t.test('role rules: root, the daemon user and admin groups are admin; read groups and the socket group read; others nothing', async (t) => {
  t.match(roleFor(creds(0, 0), policy), { role: 'admin', because: 'root' });
  t.match(roleFor(creds(995, 995), policy), { role: 'admin', because: /daemon's own user/ });
  t.match(roleFor(creds(1000, 1000, [991, 990]), policy), { role: 'admin', because: /admin group 990/ }, 'admin wins over read');
  t.match(roleFor(creds(1000, 27), policy), { role: 'admin' }, 'the primary gid counts too');
  t.match(roleFor(creds(1000, 1000, [991]), policy), { role: 'read', because: /group 991/ });
  t.match(roleFor(creds(1001, 1001, [995]), policy), { role: 'read' }, "the socket's group (the daemon's gid) reads");
  t.match(roleFor(creds(1002, 1002, [4, 24, 100]), policy), { role: 'none' });
  t.match(roleFor(creds(1002, 1002, null), policy), { role: 'none' }, 'unknown supplementary groups grant nothing');
});

t.test('group entries: names through the lookup, numbers as gids, unknown names reported and granting nothing', async (t) => {
  const r = resolveGroups(['stratum1d-admin', 'sudo', 1234, '4321', 'ghost'], (n) => ({ 'stratum1d-admin': 990, sudo: 27 })[n] ?? null);
  t.same([...r.gids].sort((a, b) => a - b), [27, 990, 1234, 4321]);
  t.same(r.unknown, ['ghost']);
});

t.test('/proc groups are believed only while the process still has the peer uid', async (t) => {
  const status = 'Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nGroups:\t27 991 \n';
  t.same(procGroups(7, 1000, () => status), [27, 991]);
  t.equal(procGroups(7, 1001, () => status), null, 'a pid reused by another user lends nothing');
  t.same(procGroups(7, 1000, () => status.replace('27 991 ', '')), []);
  t.equal(
    procGroups(7, 1000, () => {
      throw new Error('ENOENT');
    }),
    null,
  );
});

t.test('display ids name the user when there is one', async (t) => {
  t.equal(peerId({ uid: 1000, user: 'alice' }), 'alice(uid 1000)');
  t.equal(peerId({ uid: 61002, user: null }), 'uid 61002');
});

t.test('ControlAccess: config groups resolved once and re-read later; unknown names told once', async (t) => {
  let now = 0;
  const lookups: string[] = [];
  const unknown: string[] = [];
  let admins = 990;
  const access = new ControlAccess(controlSchema.parse({ adminGroups: ['ops', 'ghost'] }), {
    credsOf: () => creds(1000, 1000, [777]),
    userName: (uid) => (uid === 1000 ? 'alice' : null),
    groupId: (n) => (lookups.push(n), n === 'ops' ? admins : n === 'stratum1d' ? 991 : null),
    daemonUid: 995,
    daemonGid: 995,
    now: () => now,
    onUnknownGroup: (n) => unknown.push(n),
  });
  t.match(access.peerFor(creds(1000, 1000, [990])), { role: 'admin', user: 'alice' });
  t.match(access.peerFor(creds(1000, 1000, [991])), { role: 'read' });
  const n = lookups.length;
  access.peerFor(creds(1000, 1000, [991]));
  t.equal(lookups.length, n, 'cached between connections');
  admins = 777;
  now += 31_000;
  t.match(access.peerFor(creds(1000, 1000, [777])), { role: 'admin' }, 'a group changed after start counts once re-read');
  t.same(unknown, ['ghost'], 'each unknown name reported once');
  const broken = new ControlAccess(undefined, {
    credsOf: () => {
      throw new Error('EBADF');
    },
  });
  t.match(broken.identify(null as never), { role: 'none', because: /unreadable/ }, 'no credentials, no role');
});

t.test('the control server takes the role from the peer, never from the request', async (t) => {
  const log = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });
  let peer = creds(1000, 1000, [991]);
  const access = new ControlAccess(controlSchema.parse({}), { credsOf: () => peer, userName: () => 'alice', groupId: (n) => (n === 'stratum1d' ? 991 : null), daemonUid: 995, daemonGid: 995 });
  const path = join(mkdtempSync(join(tmpdir(), 's1d-peer-')), 'control.sock');
  const server = new ControlServer(path, log, access);
  server.handle('who', (_p, p) => ({ role: p.role, user: p.user, uid: p.uid }));
  server.handle('danger', () => 'done', { role: 'admin' });
  await server.start();
  t.teardown(() => server.stop());
  t.same(await controlCall(path, 'who', { caller: { id: 'root', role: 'admin' } }), { role: 'read', user: 'alice', uid: 1000 }, 'the forged role is ignored');
  await t.rejects(controlCall(path, 'danger', { role: 'admin' }), /forbidden: danger needs the admin role; alice\(uid 1000\) has the read role/);
  peer = creds(1003, 1003, [5]);
  await t.rejects(controlCall(path, 'who'), /forbidden: .*no role/, 'a caller in none of the groups gets nothing');
  t.equal(server.stats.refused, 2);
  peer = creds(1000, 1000, [991, 990]);
  access.configure(controlSchema.parse({ adminGroups: [990] }));
  t.equal(await controlCall(path, 'danger'), 'done', 'admin by a numeric gid');
});
