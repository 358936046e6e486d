import t from 'tap';
import { clientSocketPath } from '../../../src/config/paths.js';

const uid = process.getuid?.() ?? 'user';

t.test('a shell finds the packaged service in /run/stratum1d', async (t) => {
  const none = () => false;
  t.equal(clientSocketPath(null, {}, none), `/tmp/stratum1d-${uid}/control.sock`, 'nothing anywhere: the per-user path (and its "not running")');
  t.equal(clientSocketPath(null, {}, (p) => p === '/run/stratum1d'), '/run/stratum1d/control.sock', 'the service directory exists: use it, even if this user cannot see into it');
  t.equal(
    clientSocketPath(null, {}, (p) => p === '/run/stratum1d' || p === `/tmp/stratum1d-${uid}/control.sock`),
    `/tmp/stratum1d-${uid}/control.sock`,
    'a daemon this user started by hand wins',
  );
  t.equal(clientSocketPath(null, { RUNTIME_DIRECTORY: '/run/x' }, () => true), '/run/x/control.sock', 'systemd says where');
  t.equal(clientSocketPath({ paths: { runtimeDir: '/srv/s1d' } }, {}, () => true), '/srv/s1d/control.sock', 'the config says where');
});
