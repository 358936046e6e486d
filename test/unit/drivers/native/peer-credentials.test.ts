import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerCredentials } from '../../../../src/drivers/native/peer-credentials.js';
import { socketFd } from '../../../../src/daemon/control/control-access.js';

// A real AF_UNIX connection within this process: the kernel's answer must be our own identity.
t.test('SO_PEERCRED and SO_PEERGROUPS name the connecting process', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 's1d-peercred-')), 's.sock');
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer(resolve).listen(path);
    t.teardown(() => server.close());
  });
  await new Promise((r) => setTimeout(r, 10));
  const client = connect(path);
  t.teardown(() => client.destroy());
  const s = await accepted;
  t.teardown(() => s.destroy());
  const c = peerCredentials(socketFd(s));
  t.equal(c.pid, process.pid);
  t.equal(c.uid, process.getuid!());
  t.equal(c.gid, process.getgid!());
  t.ok(Array.isArray(c.groups), 'this kernel reports supplementary groups');
  // getgroups(2) may list the egid as well; the kernel's list is the supplementary groups alone.
  const own = new Set(process.getgroups!());
  for (const g of c.groups!) t.ok(own.has(g), `group ${g} is ours`);
  for (const g of own) if (g !== process.getegid!()) t.ok(c.groups!.includes(g), `group ${g} reported`);
});

t.test('a descriptor that is not a socket is an error, not a guess', async (t) => {
  t.throws(() => peerCredentials(0 + 1e6), { code: 'EBADF' });
});
