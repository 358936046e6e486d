import t from 'tap';
import { hashKey, KeyRing, presentedKey } from '../../../../../src/daemon/mcp/auth/api-keys.js';

t.test('hashKey is sha256 hex (FIPS 180-2 test vector "abc")', async (t) => {
  t.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

t.test('KeyRing finds the holder of a key, and nobody for a wrong, empty or missing key', async (t) => {
  const ring = new KeyRing([
    { name: 'alice', role: 'admin', sha256: hashKey('alice-secret-key-0001') },
    { name: 'bob', role: 'read', sha256: hashKey('bob-secret-key-00002') },
  ]);
  t.same(ring.authenticate('alice-secret-key-0001'), { name: 'alice', role: 'admin' });
  t.same(ring.authenticate('bob-secret-key-00002'), { name: 'bob', role: 'read' });
  t.equal(ring.authenticate('bob-secret-key-00003'), null);
  t.equal(ring.authenticate(hashKey('bob-secret-key-00002')), null, 'the stored digest is not itself a key');
  t.equal(ring.authenticate(''), null);
  t.equal(ring.authenticate(null), null);
  t.equal(new KeyRing([]).authenticate('anything'), null);
});

t.test('KeyRing refuses a digest that is not 64 lower-case hex digits', async (t) => {
  t.throws(() => new KeyRing([{ name: 'x', role: 'read', sha256: 'ABCDEF' }]), /64 lower-case hex/);
});

t.test('presentedKey reads Bearer or X-API-Key', async (t) => {
  t.equal(presentedKey({ authorization: 'Bearer k1' }), 'k1');
  t.equal(presentedKey({ authorization: 'bearer   k2 ' }), 'k2');
  t.equal(presentedKey({ 'x-api-key': 'k3' }), 'k3');
  t.equal(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' }), null);
  t.equal(presentedKey({}), null);
});
