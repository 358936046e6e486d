// Depends on the shared libraries the native modules link against, with the minimum version
// their symbol version nodes need (what dpkg-shlibdeps would work out from Debian's symbols
// files, conservatively: the version that introduced the newest node used). readelf reads
// foreign ELF, so this works for every target on the build machine.

import { run, walk } from './util.mjs';

const PACKAGE_OF = { 'libc.so.6': 'libc6', 'libm.so.6': 'libc6', 'libpthread.so.0': 'libc6', 'libdl.so.2': 'libc6', 'librt.so.1': 'libc6', 'libstdc++.so.6': 'libstdc++6', 'libgcc_s.so.1': 'libgcc-s1' };

// GLIBCXX_3.4.N → the GCC release whose libstdc++6 introduced it (Debian's symbols versions).
const GLIBCXX_GCC = { 20: '4.9', 21: '5', 22: '6', 23: '7', 24: '7', 25: '8', 26: '9', 27: '9', 28: '10', 29: '11', 30: '12', 31: '13', 32: '13', 33: '14' };

const cmp = (a, b) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};
const max = (a, b) => (a === undefined || cmp(b, a) > 0 ? b : a);

export function shlibDepends(nm, target) {
  const needed = new Set();
  const min = {};
  for (const { path, st } of walk(nm)) {
    if (!st.isFile() || !path.endsWith('.node')) continue;
    const dyn = run(`${target.toolPrefix}readelf`, ['-d', path], { capture: true });
    for (const m of dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) {
      const pkg = PACKAGE_OF[m[1]] ?? (/^ld-linux/.test(m[1]) ? 'libc6' : undefined);
      if (!pkg) throw new Error(`${path} needs ${m[1]}: no Debian package known for it`);
      needed.add(pkg);
    }
    const ver = run(`${target.toolPrefix}readelf`, ['-V', path], { capture: true });
    for (const m of ver.matchAll(/Name: (GLIBC|GLIBCXX|GCC)_([0-9.]+)/g)) {
      if (m[1] === 'GLIBC') min.libc6 = max(min.libc6, m[2]);
      else if (m[1] === 'GCC') min['libgcc-s1'] = max(min['libgcc-s1'], m[2]);
      else {
        const n = Number(m[2].split('.')[2] ?? 0);
        min['libstdc++6'] = max(min['libstdc++6'], n < 20 ? '4.1.1' : (GLIBCXX_GCC[n] ?? String(n)));
      }
    }
  }
  return [...needed].sort().map((p) => (min[p] ? `${p} (>= ${min[p]})` : p));
}
