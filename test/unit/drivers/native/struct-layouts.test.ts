import t from 'tap';
import { cLayout } from '../../../helpers/c-layout.js';
import {
  cmsgAlign,
  cmsgLen,
  cmsgSpace,
  nativeAbi,
  type NativeAbi,
  type StructLayout,
} from '../../../../src/drivers/native/struct-layouts.js';

// Every struct the native layer encodes or decodes, by its C name.
const structs: Array<[cName: string, pick: (abi: NativeAbi) => StructLayout<string>]> = [
  ['struct sockaddr_un', (a) => a.sockaddrUn],
  ['struct iovec', (a) => a.iovec],
  ['struct msghdr', (a) => a.msghdr],
  ['struct cmsghdr', (a) => a.cmsghdr],
  ['struct ucred', (a) => a.ucred],
];

const c = cLayout({
  defines: ['_GNU_SOURCE'], // struct ucred
  headers: ['sys/socket.h', 'sys/un.h', 'sys/uio.h'],
  sizes: structs.map(([name]) => name),
  offsets: structs.flatMap(([name, pick]) => Object.keys(pick(nativeAbi).offset).map((m) => [name, m] as const)),
  constants: [
    'sizeof(((struct sockaddr_un *)0)->sun_path)',
    'CMSG_ALIGN(1)',
    'CMSG_ALIGN(sizeof(struct cmsghdr))',
    'CMSG_LEN(sizeof(struct ucred))',
    'CMSG_SPACE(sizeof(struct ucred))',
    'CMSG_SPACE(3 * sizeof(int))',
  ],
});

t.comment(`native ABI: ${nativeAbi.word * 8}-bit words (${process.arch})`);

for (const [name, pick] of structs) {
  t.test(`${name} matches the system headers`, async (t) => {
    const layout = pick(nativeAbi);
    t.equal(layout.size, c.sizeof(name), `sizeof(${name})`);
    for (const [member, offset] of Object.entries(layout.offset)) {
      t.equal(offset, c.offsetof(name, member), `offsetof(${name}, ${member})`);
    }
  });
}

t.test('sun_path is as long as we think', async (t) => {
  const layout = nativeAbi.sockaddrUn;
  t.equal(layout.size - layout.offset.sun_path, c.constant('sizeof(((struct sockaddr_un *)0)->sun_path)'));
});

t.test('CMSG_* arithmetic matches the libc macros', async (t) => {
  t.equal(cmsgAlign(nativeAbi, 1), c.constant('CMSG_ALIGN(1)'));
  t.equal(cmsgAlign(nativeAbi, nativeAbi.cmsghdr.size), c.constant('CMSG_ALIGN(sizeof(struct cmsghdr))'));
  t.equal(cmsgLen(nativeAbi, nativeAbi.ucred.size), c.constant('CMSG_LEN(sizeof(struct ucred))'));
  t.equal(cmsgSpace(nativeAbi, nativeAbi.ucred.size), c.constant('CMSG_SPACE(sizeof(struct ucred))'));
  t.equal(cmsgSpace(nativeAbi, 12), c.constant('CMSG_SPACE(3 * sizeof(int))'));
});
