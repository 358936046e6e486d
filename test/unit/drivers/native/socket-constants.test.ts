import t from 'tap';
import { cLayout } from '../../../helpers/c-layout.js';
import * as C from '../../../../src/drivers/native/socket-constants.js';

// The names are the C macro names, so the headers can be asked for each one directly.
const names = Object.keys(C) as Array<keyof typeof C>;

const c = cLayout({
  defines: ['_GNU_SOURCE'], // SCM_CREDENTIALS, MSG_CMSG_CLOEXEC
  headers: ['sys/socket.h', 'errno.h'],
  constants: names,
});

t.test('every constant matches the system headers', async (t) => {
  t.ok(names.length > 0, `checking ${names.length} constants`);
  for (const name of names) t.equal(C[name], c.constant(name), name);
});
