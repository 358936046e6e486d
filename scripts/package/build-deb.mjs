#!/usr/bin/env node
// `npm run package [-- --arch amd64|arm64|armhf[,...]]`: writes out/stratum1d_<version>_<arch>.deb.
// Run after `npm run build` (the npm script does both). No TypeScript here on purpose: the
// package build must not depend on the thing it packages being compiled correctly by itself.
// Options: --arch A (repeatable or comma-separated; default all three), --lintian (run
// lintian on each result and fail on errors).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { renderCopyright } from './copyright.mjs';
import { nodeAbi } from './native-sqlite.mjs';
import { prodModules } from './prod-modules.mjs';
import { parseArches, TARGETS } from './targets.mjs';
import { log, normaliseModes, run, walk } from './util.mjs';
import { shlibDepends } from './shlibdeps.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEB = join(REPO, 'packaging/debian');
const OUT = join(REPO, 'out');
const CACHE = join(OUT, 'cache');
const APP = 'usr/lib/stratum1d';

// Repo file → installed path (contract's layout). Alternatives: first one present wins.
const SYSTEM_FILES = [
  [['systemd/stratum1d.service'], 'usr/lib/systemd/system/stratum1d.service'],
  [['systemd/stratum1d-admin@.service'], 'usr/lib/systemd/system/stratum1d-admin@.service'],
  [['systemd/stratum1d-admin@.path'], 'usr/lib/systemd/system/stratum1d-admin@.path'],
  [['systemd/chrony-stratum1d.conf'], 'usr/lib/systemd/system/chrony.service.d/stratum1d.conf'],
  [['systemd/chrony-socket-access'], `${APP}/libexec/chrony-socket-access`],
  [['systemd/stratum1d.sysusers.conf'], 'usr/lib/sysusers.d/stratum1d.conf'],
  [['systemd/stratum1d.tmpfiles.conf'], 'usr/lib/tmpfiles.d/stratum1d.conf'],
  [['systemd/60-stratum1d.rules', 'systemd/stratum1d-udev.rules'], 'usr/lib/udev/rules.d/60-stratum1d.rules'],
];

const EXECUTABLES = new Set(['usr/bin/stratum1d', `${APP}/bin/stratum1d.js`, `${APP}/libexec/chrony-socket-access`]);

function packageVersion() {
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  // A native Debian package (the packaging lives with the code): the version is npm's.
  const top = /^stratum1d \(([^)]+)\)/.exec(readFileSync(join(DEB, 'changelog'), 'utf8'))?.[1];
  if (top !== version) throw new Error(`packaging/debian/changelog's top entry is ${top}, package.json says ${version}: add a changelog entry`);
  return version;
}

function copyFile(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/** Everything that does not depend on the architecture, assembled once per run. */
function commonTree(version) {
  // Per process: the image build may run `npm run package -- --arch arm64` beside npm test.
  const root = join(CACHE, `common-root-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  const app = join(root, APP);
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  // Compiled JS without the benchmarks (they need dev dependencies) and source maps (their
  // sources are not shipped).
  cpSync(join(REPO, 'dist'), join(app, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.startsWith(join(REPO, 'dist/bench')),
  });
  const launcher = readFileSync(join(REPO, 'bin/stratum1d.js'), 'utf8').replace(/^#!.*\n/, '#!/usr/bin/node\n');
  mkdirSync(join(app, 'bin'), { recursive: true });
  writeFileSync(join(app, 'bin/stratum1d.js'), launcher);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const shipped = { name: pkg.name, version: pkg.version, description: pkg.description, type: pkg.type, license: pkg.license, engines: pkg.engines, dependencies: pkg.dependencies };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);

  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/stratum1d'), `#!/bin/sh\nexec /usr/bin/node /${APP}/bin/stratum1d.js "$@"\n`);
  for (const [candidates, dest] of SYSTEM_FILES) {
    const src = candidates.map((c) => join(REPO, c)).find((p) => existsSync(p));
    if (!src) throw new Error(`missing ${candidates.join(' or ')} (installed as /${dest})`);
    copyFile(src, join(root, dest));
  }

  // The conffile: generated from the schema by the code being packaged.
  const example = execFileSync(process.execPath, [join(REPO, 'bin/stratum1d.js'), 'config', 'example'], { encoding: 'utf8' });
  mkdirSync(join(root, 'etc/stratum1d'), { recursive: true });
  writeFileSync(join(root, 'etc/stratum1d/config.yaml'), example);
  copyFile(join(DEB, 'default'), join(root, 'etc/default/stratum1d'));

  const doc = join(root, 'usr/share/doc/stratum1d');
  mkdirSync(doc, { recursive: true });
  writeFileSync(join(doc, 'changelog.gz'), gzipSync(readFileSync(join(DEB, 'changelog')), { level: 9 }));
  mkdirSync(join(root, 'usr/share/man/man1'), { recursive: true });
  writeFileSync(join(root, 'usr/share/man/man1/stratum1d.1.gz'), gzipSync(readFileSync(join(DEB, 'stratum1d.1')), { level: 9 }));
  log(`common tree for ${version} assembled`);
  return root;
}

function installedSizeKiB(root) {
  let kib = 0;
  for (const { st } of walk(root)) kib += st.isFile() ? Math.ceil(st.size / 1024) : 1;
  return kib;
}

function md5sums(root) {
  const lines = [];
  for (const { path, st } of walk(root)) {
    const rel = relative(root, path);
    if (!st.isFile() || rel.startsWith('DEBIAN/') || rel.startsWith('etc/')) continue;
    lines.push(`${createHash('md5').update(readFileSync(path)).digest('hex')}  ${rel}`);
  }
  return `${lines.sort((a, b) => a.slice(34).localeCompare(b.slice(34))).join('\n')}\n`;
}

function buildArch(arch, version, common) {
  const t0 = Date.now();
  const target = TARGETS[arch];
  const nm = prodModules({ repo: REPO, arch, target, cacheDir: CACHE });
  const root = join(CACHE, `root-${arch}-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  cpSync(common, root, { recursive: true });
  cpSync(nm, join(root, APP, 'node_modules'), { recursive: true });

  const doc = join(root, 'usr/share/doc/stratum1d');
  writeFileSync(join(doc, 'copyright'), renderCopyright(readFileSync(join(DEB, 'copyright.in'), 'utf8'), join(root, APP, 'node_modules')));

  const { major } = nodeAbi();
  const depends = [
    // better-sqlite3 is built against this node's ABI (NODE_MODULE_VERSION): other majors cannot load it.
    `nodejs (>= ${major})`,
    `nodejs (<< ${major + 1})`,
    'chrony | ntpsec',
    'systemd',
    // The MCP time tools read the system's tz database (TZif files), as chrony's leapsectz does.
    'tzdata',
    ...shlibDepends(join(root, APP, 'node_modules'), target),
  ];
  const deb = join(root, 'DEBIAN');
  mkdirSync(deb, { recursive: true });
  normaliseModes(root, EXECUTABLES, `${APP}/node_modules/`);
  const control = readFileSync(join(DEB, 'control.in'), 'utf8')
    .replace('@VERSION@', version)
    .replace('@ARCH@', arch)
    .replace('@INSTALLED_SIZE@', String(installedSizeKiB(root)))
    .replace('@DEPENDS@', depends.join(', '));
  writeFileSync(join(deb, 'control'), control);
  writeFileSync(join(deb, 'md5sums'), md5sums(root));
  copyFileSync(join(DEB, 'conffiles'), join(deb, 'conffiles'));
  for (const s of ['postinst', 'prerm', 'postrm']) copyFileSync(join(DEB, s), join(deb, s));
  normaliseModes(root, new Set([...EXECUTABLES, 'DEBIAN/postinst', 'DEBIAN/prerm', 'DEBIAN/postrm']), `${APP}/node_modules/`);

  const file = join(OUT, `stratum1d_${version}_${arch}.deb`);
  const tmp = `${file}.${process.pid}.tmp`;
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, tmp], { quiet: true });
  renameSync(tmp, file);
  rmSync(root, { recursive: true, force: true });
  log(`${arch}: wrote ${relative(REPO, file)} (${(statSync(file).size / 1048576).toFixed(1)} MiB) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return file;
}

function lintian(file) {
  const r = execFileSync('sh', ['-c', `lintian --no-cfg --fail-on error --display-info "$1" 2>&1; echo "exit=$?"`, 'sh', file], { encoding: 'utf8' });
  process.stderr.write(r);
  if (!/exit=0\s*$/.test(r)) throw new Error(`lintian reports errors for ${file}`);
}

function main(argv) {
  const arches = parseArches(argv);
  const t0 = Date.now();
  const version = packageVersion();
  mkdirSync(CACHE, { recursive: true });
  const common = commonTree(version);
  const files = arches.map((a) => buildArch(a, version, common));
  rmSync(common, { recursive: true, force: true });
  if (argv.includes('--lintian')) files.forEach(lintian);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${files.map((f) => relative(REPO, f)).join(' ')}`);
}

try {
  process.on('exit', () => {
    // Scratch trees of this process only (a failed run must not leave 100 MB behind).
    for (const d of [`common-root-${process.pid}`, ...Object.keys(TARGETS).flatMap((a) => [`root-${a}-${process.pid}`, `staging-${a}-${process.pid}`])]) {
      rmSync(join(CACHE, d), { recursive: true, force: true });
    }
  });
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`package: ${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
}
