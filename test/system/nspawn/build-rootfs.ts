// Builds (or finds) the cached trixie rootfs tarball and prints its path: lets CI warm the
// cache in a step of its own. Run: node --import=@tapjs/typescript/import test/system/nspawn/build-rootfs.ts
import { cachedRootfsTarball } from './rootfs.js';

process.stdout.write(`${await cachedRootfsTarball((l) => process.stderr.write(`${l}\n`))}\n`);
