// The amd64 .deb as dpkg, lintian and a user would see it: control fields, conffiles, the file
// list with modes and owners, lintian without errors, and the unpacked production tree (its
// own node_modules only) running the CLI and loading every native module. Install, upgrade and
// purge under a real systemd are the nspawn system test's job.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

// Builds a package (when out/ has none: better-sqlite3 compiled from source) and runs lintian:
// minutes of CPU alone. Beside a second suite at load 13 a cold build and lintian overran 15 min,
// so the deadline is 40 min: it only stops a hang, CI's run reuses the package it built first.
const DEADLINE_MS = 2_400_000;
t.setTimeout(DEADLINE_MS);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEB = join(ROOT, 'out', `stratum1d_${VERSION}_amd64.deb`);
const APP = 'usr/lib/stratum1d';

const missing = ['dpkg-deb', 'lintian', 'file'].filter((x) => spawnSync('which', [x]).status !== 0);

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const st = statSync(join(dir, name));
    if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

/** Reuses out/'s package unless what goes into it changed since it was built. */
function ensurePackage(): void {
  const inputs = ['packaging', 'scripts/package', 'systemd', 'src'].map((d) => join(ROOT, d)).filter(existsSync);
  const stale = !existsSync(DEB) || inputs.some((d) => newestMtime(d) > statSync(DEB).mtimeMs);
  if (!stale) return;
  const r = sh(process.execPath, [join(ROOT, 'scripts/package/build-deb.mjs'), '--arch', 'amd64'], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`package build failed:\n${r.err}`);
}

t.test('the amd64 package', { skip: missing.length > 0 ? `missing: ${missing.join(', ')}` : false, timeout: DEADLINE_MS }, async (t) => {
  ensurePackage();

  t.test('control fields and conffiles', async (t) => {
    const field = (name: string) => sh('dpkg-deb', ['-f', DEB, name]).out.trim();
    t.equal(field('Package'), 'stratum1d');
    t.equal(field('Version'), VERSION);
    t.equal(field('Architecture'), 'amd64');
    const depends = field('Depends');
    t.match(depends, /nodejs \(>= 20\)/);
    t.match(depends, /chrony \| ntpsec/);
    t.match(depends, /\btzdata\b/, 'the time tools read the system tz database');
    t.match(depends, /libc6 \(>= 2\.\d+\)/);
    t.match(depends, /libstdc\+\+6 \(>= \d+/);
    t.notMatch(depends, /adduser/, 'users come from systemd-sysusers');
    const info = sh('dpkg-deb', ['-I', DEB, 'conffiles']);
    t.same(info.out.trim().split('\n').sort(), ['/etc/default/stratum1d', '/etc/stratum1d/config.yaml']);
    for (const s of ['postinst', 'prerm', 'postrm']) {
      const text = sh('dpkg-deb', ['-I', DEB, s]).out;
      t.match(text, /^#!\/bin\/sh\n/, `${s} is a POSIX shell script`);
      t.match(text, /\nset -e\n/, `${s} stops on errors`);
    }
  });

  t.test('file list: layout, modes, owners, nothing foreign', async (t) => {
    const listing = sh('dpkg-deb', ['-c', DEB]).out.trim().split('\n');
    const entries = new Map<string, { mode: string; owner: string }>();
    for (const line of listing) {
      const [mode, owner, , , , path] = line.split(/\s+/);
      entries.set(path!.replace(/^\.\//, '').replace(/\/$/, ''), { mode: mode!, owner: owner! });
    }
    t.ok([...entries.values()].every((e) => e.owner === 'root/root'), 'everything is owned by root');
    const want: [string, string][] = [
      ['usr/bin/stratum1d', '-rwxr-xr-x'],
      [`${APP}/bin/stratum1d.js`, '-rwxr-xr-x'],
      [`${APP}/libexec/chrony-socket-access`, '-rwxr-xr-x'],
      [`${APP}/package.json`, '-rw-r--r--'],
      [`${APP}/dist/cli/main.js`, '-rw-r--r--'],
      [`${APP}/dist/bundle/mcp-main.js`, '-rw-r--r--'],
      [`${APP}/node_modules/better-sqlite3/build/Release/better_sqlite3.node`, '-rw-r--r--'],
      ['usr/lib/systemd/system/stratum1d.service', '-rw-r--r--'],
      ['usr/lib/systemd/system/stratum1d-admin@.service', '-rw-r--r--'],
      ['usr/lib/systemd/system/stratum1d-admin@.path', '-rw-r--r--'],
      ['usr/lib/systemd/system/chrony.service.d/stratum1d.conf', '-rw-r--r--'],
      ['usr/lib/sysusers.d/stratum1d.conf', '-rw-r--r--'],
      ['usr/lib/tmpfiles.d/stratum1d.conf', '-rw-r--r--'],
      ['usr/lib/udev/rules.d/60-stratum1d.rules', '-rw-r--r--'],
      ['etc/stratum1d/config.yaml', '-rw-r--r--'],
      ['etc/default/stratum1d', '-rw-r--r--'],
      ['usr/share/doc/stratum1d/copyright', '-rw-r--r--'],
      ['usr/share/doc/stratum1d/changelog.gz', '-rw-r--r--'],
      [`${APP}/node_modules`, 'drwxr-xr-x'],
    ];
    for (const [path, mode] of want) t.equal(entries.get(path)?.mode, mode, `${path} ${mode}`);
    const paths = [...entries.keys()];
    const foreign = paths.filter(
      (p) =>
        /node_modules\/(tap|typescript|@types|@tapjs|@modelcontextprotocol\/inspector|time-mcp|nmea-simple)(\/|$)/.test(p) || // dev dependencies
        /\.(c|cc|cpp|h|hh|o|gyp|map)$/.test(p) || // sources, build intermediates, source maps
        (/\/prebuilds\/|@koromix\/|\.node$/.test(p) && /musl|linux-arm|linux_arm|darwin|win32|android/.test(p)) || // other platforms' binaries
        p.startsWith(`${APP}/dist/bench`),
    );
    t.same(foreign, [], 'no dev dependencies, build leftovers or other platforms');
    t.same(
      paths.filter((p) => p.endsWith('.node')).sort(),
      [
        `${APP}/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node`,
        `${APP}/node_modules/@serialport/bindings-cpp/prebuilds/linux-x64/@serialport+bindings-cpp.glibc.node`,
        `${APP}/node_modules/better-sqlite3/build/Release/better_sqlite3.node`,
      ],
      'exactly the three native modules, the target\'s',
    );
  });

  t.test('lintian: no errors', async (t) => {
    const r = sh('lintian', ['--no-cfg', '--fail-on', 'error', DEB]);
    t.equal(r.code, 0, r.out + r.err);
    t.notMatch(r.out, /^E: /m);
  });

  t.test('the unpacked production tree runs on its own node_modules', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'stratum1d-deb-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    t.equal(sh('dpkg-deb', ['-x', DEB, dir]).code, 0);
    const app = join(dir, APP);
    // Outside the repo, with no NODE_PATH: only the packaged node_modules can resolve.
    const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C.UTF-8' };
    const run = (args: string[]) => sh(join(app, 'bin/stratum1d.js'), args, { cwd: dir, env });

    const v = run(['--version']);
    t.equal(v.out.trim(), VERSION, v.err);
    const conffile = join(dir, 'etc/stratum1d/config.yaml');
    const check = run(['config', 'check', conffile]);
    t.equal(check.code, 0, check.err);
    t.match(check.out, /config\.yaml: ok/);
    t.equal(run(['config', 'example']).out, readFileSync(conffile, 'utf8'), 'the conffile is what `config example` prints');

    const probe = `
      const { createRequire } = require('node:module');
      const req = createRequire(${JSON.stringify(`${app}/package.json`)});
      const Database = req('better-sqlite3');
      const db = new Database(${JSON.stringify(join(dir, 'probe.db'))});
      db.pragma('journal_mode = WAL');
      db.exec('create table t (x)'); db.prepare('insert into t values (?)').run(42);
      const koffi = req('koffi');
      const strlen = koffi.load('libc.so.6').func('size_t strlen(const char *)');
      const { autoDetect } = req('@serialport/bindings-cpp');
      const zodLocales = Object.keys(req('zod').locales);
      console.log(JSON.stringify({ sqlite: db.prepare('select sqlite_version() v, (select x from t) x').get(), strlen: Number(strlen('stratum')), binding: typeof autoDetect().list, zodLocales }));`;
    const p = sh(process.execPath, ['-e', probe], { cwd: dir, env });
    t.equal(p.code, 0, p.err);
    const got = JSON.parse(p.out || '{}') as { sqlite?: { v: string; x: number }; strlen?: number; binding?: string; zodLocales?: string[] };
    t.equal(got.sqlite?.x, 42, 'better-sqlite3 opens a WAL database and reads back');
    t.match(got.sqlite?.v, /^3\.\d+/);
    t.equal(got.strlen, 7, 'koffi calls into libc');
    t.equal(got.binding, 'function', 'the serialport binding loads');
    t.same(got.zodLocales, ['en'], "zod's locale index cut to English (scripts/zod-english-only.mjs)");

    // `stratum1d mcp` starts from its bundle (scripts/bundle-mcp.mjs), which reads the package's version.
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'deb', version: '0' } } };
    const mcp = sh(join(app, 'bin/stratum1d.js'), ['mcp', '--socket', join(dir, 'no-daemon.sock')], { cwd: dir, env, input: `${JSON.stringify(init)}\n` });
    t.equal(mcp.code, 0, mcp.err);
    const answer = JSON.parse(mcp.out.split('\n')[0] || '{}') as { id?: number; result?: { serverInfo?: { name: string; version: string } } };
    t.same(answer.result?.serverInfo, { name: 'stratum1d', version: VERSION }, 'the packaged bridge answers initialize with the package version');

    t.equal(sh('sh', ['-n', join(dir, 'usr/bin/stratum1d')]).code, 0);
    t.match(readFileSync(join(dir, 'usr/bin/stratum1d'), 'utf8'), /exec \/usr\/bin\/node \/usr\/lib\/stratum1d\/bin\/stratum1d\.js "\$@"/);
    t.match(readFileSync(join(dir, 'usr/share/doc/stratum1d/copyright'), 'utf8'), /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\//);
  });
});
