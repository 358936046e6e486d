import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OUT } from './rootfs.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;

/** The newest out/stratum1d_<version>_amd64.deb, or null. */
export function findAmd64Deb(): string | null {
  let names: string[];
  try {
    names = readdirSync(OUT);
  } catch {
    return null;
  }
  const debs = names.filter((n) => /^stratum1d_.+_amd64\.deb$/.test(n)).map((n) => join(OUT, n));
  debs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return debs[0] ?? null;
}

/**
 * The package users install. Built with the project's own command when out/ has none
 * (STRATUM1D_DEB=path picks a specific file).
 */
export async function amd64Deb(log: (line: string) => void = () => {}): Promise<string> {
  if (process.env.STRATUM1D_DEB) return process.env.STRATUM1D_DEB;
  const found = findAmd64Deb();
  if (found) return found;
  log('no out/stratum1d_*_amd64.deb: running npm run package -- --arch amd64');
  await run('npm', ['run', 'package', '--', '--arch', 'amd64'], { cwd: REPO, maxBuffer: 256 << 20, timeout: 30 * 60_000 });
  const built = findAmd64Deb();
  if (!built) throw new Error('npm run package -- --arch amd64 wrote no out/stratum1d_*_amd64.deb');
  return built;
}

/** `dpkg-deb -f` field of a .deb (Version, Package, ...). */
export async function debField(deb: string, field: string): Promise<string> {
  return (await run('dpkg-deb', ['-f', deb, field])).stdout.trim();
}

/**
 * The same package under a higher version (`<version>+systemtest1`), so installing it over
 * the first is a real upgrade: prerm/postrm `upgrade`, postinst `configure <old version>`.
 */
export async function repackAsUpgrade(deb: string, workDir: string): Promise<{ deb: string; version: string }> {
  const tree = join(workDir, 'upgrade-tree');
  await run('rm', ['-rf', tree]);
  await run('dpkg-deb', ['-R', deb, tree], { maxBuffer: 64 << 20 });
  const version = `${await debField(deb, 'Version')}+systemtest1`;
  await run('sed', ['-i', `s/^Version: .*/Version: ${version}/`, join(tree, 'DEBIAN', 'control')]);
  const out = join(workDir, `stratum1d_${version}_amd64.deb`);
  await run('dpkg-deb', ['--root-owner-group', '-b', tree, out], { maxBuffer: 64 << 20 });
  await run('rm', ['-rf', tree]);
  return { deb: out, version };
}
