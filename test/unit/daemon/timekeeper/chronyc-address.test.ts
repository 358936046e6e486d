import t from 'tap';
import { chronycAddressArgs } from '../../../../src/daemon/timekeeper/chronyc-address.js';

t.test('a path is the unix command socket; host[:port] the UDP command port', async (t) => {
  t.same(chronycAddressArgs('/run/chrony/chronyd.sock'), ['-h', '/run/chrony/chronyd.sock']);
  t.same(chronycAddressArgs('127.0.0.1:323'), ['-h', '127.0.0.1', '-p', '323']);
  t.same(chronycAddressArgs('localhost'), ['-h', 'localhost']);
  t.same(chronycAddressArgs('[::1]:10323'), ['-h', '::1', '-p', '10323']);
  t.same(chronycAddressArgs('[::1]'), ['-h', '::1']);
});
