import t from 'tap';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { decodeSockaddrUn, encodeSockaddrUn } from '../../../../src/drivers/native/sockaddr-un.js';
import { NativeError } from '../../../../src/drivers/native/native-error.js';
import { UnixDatagramReceiver } from '../../../../src/drivers/native/unix-datagram-receiver.js';
import { AF_UNIX } from '../../../../src/drivers/native/socket-constants.js';
import { nativeAbi } from '../../../../src/drivers/native/struct-layouts.js';

const PATH_AT = nativeAbi.sockaddrUn.offset.sun_path;

t.test('a filesystem path is NUL-terminated and its length counts the NUL', async (t) => {
  const a = encodeSockaddrUn('/run/chrony/s.sock');
  t.equal(a.bytes.readUInt16LE(0), AF_UNIX);
  t.equal(a.length, PATH_AT + '/run/chrony/s.sock'.length + 1);
  t.equal(a.bytes.subarray(PATH_AT, a.length - 1).toString(), '/run/chrony/s.sock');
  t.equal(a.bytes[a.length - 1], 0);
});

t.test('@name is abstract: leading NUL, no trailing NUL, length covers exactly the name', async (t) => {
  const a = encodeSockaddrUn('@stratum1d/notify');
  t.equal(a.bytes[PATH_AT], 0, 'sun_path[0] is NUL');
  t.equal(a.bytes.subarray(PATH_AT + 1, a.length).toString(), 'stratum1d/notify');
  t.equal(a.length, PATH_AT + 1 + 'stratum1d/notify'.length);
});

t.test('the kernel sees the abstract name we meant, without a stray NUL', async (t) => {
  const name = `stratum1d-test-abstract-${randomBytes(4).toString('hex')}`;
  const r = UnixDatagramReceiver.open(`@${name}`);
  t.teardown(() => r.close());
  // /proc/net/unix prints an abstract name with '@' for every NUL: a trailing NUL would show as '@name@'.
  const names = readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[7])
    .filter((p): p is string => p !== undefined);
  t.ok(names.includes(`@${name}`), `@${name} listed`);
  t.notOk(names.includes(`@${name}@`), 'no trailing NUL in the name');
});

t.test('names that cannot fit are refused with ENAMETOOLONG before any syscall', async (t) => {
  t.doesNotThrow(() => encodeSockaddrUn('/' + 'a'.repeat(106)), '107 bytes + NUL fits');
  const long = '/' + 'a'.repeat(107);
  t.throws(() => encodeSockaddrUn(long), { code: 'ENAMETOOLONG' });
  t.doesNotThrow(() => encodeSockaddrUn('@' + 'b'.repeat(107)), 'NUL + 107 bytes fits');
  t.throws(() => encodeSockaddrUn('@' + 'b'.repeat(108)), { code: 'ENAMETOOLONG' });
  // Multi-byte characters count as bytes, not as characters.
  t.throws(() => encodeSockaddrUn('/' + 'é'.repeat(54)), { code: 'ENAMETOOLONG' });
});

t.test('empty paths and embedded NULs are EINVAL', async (t) => {
  t.throws(() => encodeSockaddrUn(''), { code: 'EINVAL' });
  const err = t.throws(() => encodeSockaddrUn('/tmp/a\0b'), { code: 'EINVAL' });
  t.ok(err instanceof NativeError);
});

t.test('decoding gives back paths, @names, and null for unbound senders', async (t) => {
  for (const address of ['/tmp/x.sock', '@abstract-name']) {
    const a = encodeSockaddrUn(address);
    t.equal(decodeSockaddrUn(a.bytes, a.length), address);
  }
  t.equal(decodeSockaddrUn(Buffer.alloc(nativeAbi.sockaddrUn.size), PATH_AT), null, 'family only');
  t.equal(decodeSockaddrUn(Buffer.alloc(nativeAbi.sockaddrUn.size), 0), null, 'no name at all');
});
