// better-sqlite3 has no prebuilt binary we can fetch here, so it is compiled from its npm
// sources for each target: natively for amd64, with Debian's cross compilers
// (crossbuild-essential-arm64/-armhf) for arm64/armhf, against the local node headers
// (/usr/include/node, npm's nodedir=/usr). A cross compiler runs at native speed; compiling
// sqlite3.c in an emulated chroot takes over 20 minutes here. Results are cached under
// out/cache/ keyed by better-sqlite3 version, arch, node ABI and build flags.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run, log } from './util.mjs';

// Hardening the Debian way (lintian checks relro/bindnow/fortify); the rest are upstream's.
const HARDENING = {
  CFLAGS: '-D_FORTIFY_SOURCE=2 -fstack-protector-strong',
  CXXFLAGS: '-D_FORTIFY_SOURCE=2 -fstack-protector-strong',
  LDFLAGS: '-Wl,-z,relro -Wl,-z,now',
};

export function nodeAbi(nodedir = '/usr') {
  const h = readFileSync(join(nodedir, 'include/node/node_version.h'), 'utf8');
  const abi = /#define NODE_MODULE_VERSION (\d+)/.exec(h)?.[1];
  const major = /#define NODE_MAJOR_VERSION (\d+)/.exec(h)?.[1];
  if (!abi || !major) throw new Error(`cannot read NODE_MODULE_VERSION from ${nodedir}/include/node`);
  return { abi, major: Number(major) };
}

function nodeGypBin() {
  // The node-gyp that ships inside npm: no extra download, same one `npm ci` would use.
  const npmRoot = run('npm', ['root', '-g'], { capture: true }).trim();
  const p = join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js');
  if (existsSync(p)) return p;
  return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
}

/**
 * Returns the path of a cached better_sqlite3.node for `arch`, building it from the sources in
 * `pkgDir` (node_modules/better-sqlite3 of a staging tree) when the cache has none.
 */
export function betterSqliteBinary({ pkgDir, arch, target, cacheDir }) {
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  const { abi } = nodeAbi();
  const flagsHash = createHash('sha256').update(JSON.stringify([HARDENING, target.toolPrefix])).digest('hex').slice(0, 8);
  const dir = join(cacheDir, `better-sqlite3-${version}-${arch}-node${abi}-${flagsHash}`);
  const out = join(dir, 'better_sqlite3.node');
  if (existsSync(out)) {
    log(`${arch}: better-sqlite3 ${version} from cache (${dir})`);
    return out;
  }
  log(`${arch}: compiling better-sqlite3 ${version} for node ABI ${abi} (${target.toolPrefix || 'native '}gcc)`);
  const t0 = Date.now();
  const tp = target.toolPrefix;
  const env = {
    ...process.env,
    ...HARDENING,
    CC: `${tp}gcc`,
    CXX: `${tp}g++`,
    LINK: `${tp}g++`,
    AR: `${tp}ar`,
    // gyp's host toolset (nothing of ours runs on the host, but gyp wants it defined).
    CC_host: 'gcc',
    CXX_host: 'g++',
    LINK_host: 'g++',
    AR_host: 'ar',
  };
  const gyp = nodeGypBin();
  rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
  run(process.execPath, [gyp, 'configure', '--release', `--arch=${target.gypArch}`, '--nodedir=/usr'], { cwd: pkgDir, env, quiet: true });
  // Only the addon: the test_extension target is for better-sqlite3's own test suite.
  run('make', ['-C', 'build', '-j2', 'BUILDTYPE=Release', 'better_sqlite3'], { cwd: pkgDir, env, quiet: true });
  const built = join(pkgDir, 'build/Release/better_sqlite3.node');
  mkdirSync(dir, { recursive: true });
  // Stripped with the target's strip: lintian wants no debug info in shipped objects.
  const tmp = `${out}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  run(`${tp}strip`, ['--strip-unneeded', '--remove-section=.comment', tmp]);
  renameSync(tmp, out);
  log(`${arch}: better-sqlite3 built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return out;
}
