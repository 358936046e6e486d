// The production node_modules for one target architecture: `npm ci --omit=dev` from the
// repo's lockfile with npm told the target's cpu (so koffi's per-platform optional package is
// the target's), install scripts off (nothing may compile or download for the build machine),
// better-sqlite3 compiled for the target, then everything that is not the target's or is only
// needed to build removed. Cached per lockfile and arch under out/cache/.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { betterSqliteBinary, nodeAbi } from './native-sqlite.mjs';
import { log, run, walk } from './util.mjs';
import { englishOnly } from '../zod-english-only.mjs';

// Bump when the pruning rules change, so cached trees are rebuilt.
const PRUNE_REVISION = 3;

// Build-only or foreign files: C/C++ sources and headers, gyp/cmake files, source maps (their
// sources are not shipped), VCS and CI dotfiles.
const BUILD_ONLY = /\.(c|cc|cpp|h|hh|hpp|inc|def|gyp|gypi|mk|o|a|map)$|^(CMakeLists\.txt|Makefile)$/;

export function prodModules({ repo, arch, target, cacheDir }) {
  const lock = readFileSync(join(repo, 'package-lock.json'));
  // Only what npm ci installs from: other package.json edits (scripts) must not miss the cache.
  const deps = JSON.stringify(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).dependencies);
  const { abi } = nodeAbi();
  const key = createHash('sha256').update(lock).update(deps).update(`${PRUNE_REVISION}/${abi}`).digest('hex').slice(0, 12);
  const done = join(cacheDir, `node_modules-${arch}-${key}`);
  if (existsSync(join(done, 'node_modules'))) {
    log(`${arch}: production node_modules from cache (${done})`);
    return join(done, 'node_modules');
  }
  const stage = join(cacheDir, `staging-${arch}-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  copyFileSync(join(repo, 'package.json'), join(stage, 'package.json'));
  copyFileSync(join(repo, 'package-lock.json'), join(stage, 'package-lock.json'));
  log(`${arch}: npm ci --omit=dev for linux/${target.npmCpu}`);
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--os=linux', `--cpu=${target.npmCpu}`, '--libc=glibc', '--no-audit', '--no-fund', '--loglevel=warn'], {
    cwd: stage,
    quiet: true,
  });
  const nm = join(stage, 'node_modules');

  const sqliteDir = join(nm, 'better-sqlite3');
  const binary = betterSqliteBinary({ pkgDir: sqliteDir, arch, target, cacheDir });
  prune(nm, target);
  mkdirSync(join(sqliteDir, 'build/Release'), { recursive: true });
  copyFileSync(binary, join(sqliteDir, 'build/Release/better_sqlite3.node'));
  stripPrebuilt(nm, target);
  checkNativeModules(nm, target);

  // Publish atomically; a concurrent run that got there first wins (same inputs, same tree).
  const tmp = `${done}.${process.pid}.tmp`;
  if (existsSync(done) && !existsSync(join(done, 'node_modules'))) rmSync(done, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  renameSync(nm, join(tmp, 'node_modules'));
  try {
    renameSync(tmp, done);
  } catch (err) {
    if (!existsSync(join(done, 'node_modules'))) throw err;
  }
  rmSync(tmp, { recursive: true, force: true });
  rmSync(stage, { recursive: true, force: true });
  // Trees for an older lockfile of this arch are dead weight (~30 MB each).
  for (const old of readdirSync(cacheDir)) {
    if (old.startsWith(`node_modules-${arch}-`) && join(cacheDir, old) !== done && !old.endsWith('.tmp')) rmSync(join(cacheDir, old), { recursive: true, force: true });
  }
  return join(done, 'node_modules');
}

function prune(nm, target) {
  rmSync(join(nm, '.bin'), { recursive: true, force: true });
  rmSync(join(nm, '.package-lock.json'), { force: true });
  // better-sqlite3: only lib/ and the compiled addon (no sqlite3.c, no build tree).
  for (const d of ['deps', 'src', 'build', 'binding.gyp']) rmSync(join(nm, 'better-sqlite3', d), { recursive: true, force: true });
  // koffi: its JS loader plus the target's glibc binary from @koromix/koffi-linux-<cpu>.
  for (const d of ['vendor', 'lib', 'doc', 'cnoke.cjs', 'build']) rmSync(join(nm, 'koffi', d), { recursive: true, force: true });
  const koromix = join(nm, '@koromix');
  for (const pkgName of existsSync(koromix) ? readdirSync(koromix) : []) {
    for (const entry of readdirSync(join(koromix, pkgName))) {
      const p = join(koromix, pkgName, entry);
      if (/^(musl|linux)_/.test(entry) && entry !== target.koffiDir) rmSync(p, { recursive: true, force: true });
    }
  }
  // serialport: prebuilds/linux-<cpu>/ with the glibc build(s) node-gyp-build picks.
  const sp = join(nm, '@serialport/bindings-cpp');
  const prebuilds = join(sp, 'prebuilds');
  const keepDir = `linux-${target.npmCpu}`;
  for (const dir of readdirSync(prebuilds)) {
    if (dir !== keepDir) {
      rmSync(join(prebuilds, dir), { recursive: true, force: true });
      continue;
    }
    for (const f of readdirSync(join(prebuilds, dir))) if (!target.serialportKeep.test(f)) rmSync(join(prebuilds, dir, f));
  }
  for (const d of ['src', 'binding.gyp']) rmSync(join(sp, d), { recursive: true, force: true });
  // zod: its locale index cut to English, as `npm ci` does in the source tree (the script says
  // why). Here a layout it does not know fails the build instead of shipping the heavier tree.
  const zod = englishOnly(join(nm, 'zod'));
  if (zod !== 'cut' && zod !== 'already') throw new Error(`zod locales: ${zod}`);
  // Everywhere: build-only sources, dotfiles (VCS and CI configuration).
  for (const { path, st } of [...walk(nm)]) {
    if (!existsSync(path)) continue;
    const name = basename(path);
    if (name.startsWith('.') || (st.isFile() && BUILD_ONLY.test(name))) rmSync(path, { recursive: true, force: true });
  }
  // node-addon-api is headers for compiling addons: after the removal above only its JS shim
  // and package.json are left, which is what a declared dependency needs to resolve.
}

function nativeFiles(nm) {
  return [...walk(nm)].filter(({ path, st }) => st.isFile() && path.endsWith('.node')).map(({ path }) => path);
}

function stripPrebuilt(nm, target) {
  for (const f of nativeFiles(nm)) {
    if (/not stripped/.test(run('file', ['-b', f], { capture: true }))) {
      run(`${target.toolPrefix}strip`, ['--strip-unneeded', '--remove-section=.comment', f]);
    }
  }
}

/** Every native module in the tree must be an ELF object for the target, and nothing else. */
export function checkNativeModules(nm, target) {
  const files = nativeFiles(nm);
  const report = [];
  for (const f of files) {
    const desc = run('file', ['-b', f], { capture: true }).trim();
    if (!target.fileMatch.test(desc)) throw new Error(`${f} is not a ${target.elfMachine} object: ${desc}`);
    if (target.readelfFlags) {
      const flags = /Flags:\s*(.*)/.exec(run(`${target.toolPrefix}readelf`, ['-h', f], { capture: true }))?.[1] ?? '';
      if (!target.readelfFlags.test(flags)) throw new Error(`${f}: ELF flags "${flags}" do not match ${target.readelfFlags}`);
    }
    report.push(`${f.slice(nm.length + 1)}: ${desc.split(',').slice(0, 3).join(',')}`);
  }
  const names = files.map((f) => basename(f));
  for (const want of ['better_sqlite3.node', 'koffi.node']) {
    if (!names.includes(want)) throw new Error(`no ${want} in the production tree`);
  }
  if (!names.some((n) => n.startsWith('@serialport+bindings-cpp'))) throw new Error('no serialport binding in the production tree');
  for (const line of report) log(`  ${line}`);
  return files;
}

