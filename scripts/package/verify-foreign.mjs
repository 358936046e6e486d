#!/usr/bin/env node
// Loads a built arm64/armhf package's native modules with Debian's own nodejs for that
// architecture, under qemu-user (no binfmt needed: qemu-<cpu>-static -L ROOTFS).
//   node scripts/package/verify-foreign.mjs --arch armhf [--rootfs DIR]
// Without --rootfs, Debian trixie's nodejs and its libraries are unpacked (mmdebstrap
// --variant=extract: nothing runs, ~40 s of downloads) into out/cache/verify-rootfs-<arch>/.
// Checks: better-sqlite3 writes and reads a database, koffi calls libc, the serialport
// binding loads, and the CLI validates the shipped conffile.

import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, run } from './util.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const QEMU = { arm64: 'qemu-aarch64-static', armhf: 'qemu-arm-static' };

const PROBE = `
const { createRequire } = require('node:module');
const req = createRequire(process.argv[2] + '/package.json');
const Database = req('better-sqlite3');
const db = new Database(process.argv[3]);
db.pragma('journal_mode = WAL');
db.exec('create table t (x)'); db.prepare('insert into t values (?)').run(42);
const strlen = req('koffi').load('libc.so.6').func('size_t strlen(const char *)');
const { autoDetect } = req('@serialport/bindings-cpp');
console.log(JSON.stringify({ arch: process.arch, node: process.version, armVersion: process.config.variables.arm_version,
  sqlite: db.prepare('select sqlite_version() v, (select x from t) x').get(), strlen: Number(strlen('stratum')), serialport: typeof autoDetect().list }));
`;

function rootfsFor(arch) {
  const dir = join(REPO, 'out/cache', `verify-rootfs-${arch}`);
  if (existsSync(join(dir, 'usr/bin/node'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  log(`${arch}: unpacking Debian trixie nodejs into ${dir}`);
  run('mmdebstrap', ['--quiet', '--variant=extract', `--architectures=${arch}`, '--include=nodejs', 'trixie', dir, 'http://deb.debian.org/debian']);
  // extract does not run base-files' merged-/usr setup; the ELF interpreter lives in /lib.
  for (const d of ['lib', 'bin']) if (!existsSync(join(dir, d))) symlinkSync(`usr/${d}`, join(dir, d));
  return dir;
}

function main(argv) {
  const i = argv.indexOf('--arch');
  const arch = i >= 0 ? argv[i + 1] : undefined;
  if (!arch || !QEMU[arch]) throw new Error('usage: verify-foreign.mjs --arch arm64|armhf [--rootfs DIR]');
  const r = argv.indexOf('--rootfs');
  const rootfs = r >= 0 ? argv[r + 1] : rootfsFor(arch);
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version;
  const deb = join(REPO, 'out', `stratum1d_${version}_${arch}.deb`);
  const dir = mkdtempSync(join(tmpdir(), `stratum1d-${arch}-`));
  try {
    run('dpkg-deb', ['-x', deb, dir]);
    const app = join(dir, 'usr/lib/stratum1d');
    writeFileSync(join(dir, 'probe.cjs'), PROBE);
    const node = [QEMU[arch], ['-L', rootfs, join(rootfs, 'usr/bin/node')]];
    const out = run(node[0], [...node[1], join(dir, 'probe.cjs'), app, join(dir, 'probe.db')], { capture: true });
    const got = JSON.parse(out);
    if (got.sqlite?.x !== 42 || got.strlen !== 7 || got.serialport !== 'function') throw new Error(`${arch}: unexpected probe result ${out}`);
    const check = run(node[0], [...node[1], join(app, 'bin/stratum1d.js'), 'config', 'check', join(dir, 'etc/stratum1d/config.yaml')], { capture: true });
    log(`${arch}: OK with Debian's node ${got.node} (arm_version ${got.armVersion ?? '-'}): SQLite ${got.sqlite.v}, koffi, serialport; ${check.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`verify: ${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
}
