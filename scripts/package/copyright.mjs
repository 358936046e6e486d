// debian/copyright (machine-readable): ours, then one paragraph per production npm package
// with the license its package.json declares and the copyright line of its license file.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// SPDX ids whose text copyright.in carries as a standalone License paragraph.
const KNOWN = new Set(['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', 'WTFPL', 'public-domain']);

/** Every installed package (name, dir), nested node_modules included. */
function packages(nm, prefix = 'usr/lib/stratum1d/node_modules') {
  const out = [];
  for (const name of readdirSync(nm).sort()) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? readdirSync(join(nm, name)).sort().map((n) => `${name}/${n}`) : [name];
    for (const n of names) {
      const dir = join(nm, n);
      if (!existsSync(join(dir, 'package.json'))) continue;
      out.push({ name: n, dir, rel: `${prefix}/${n}` });
      if (existsSync(join(dir, 'node_modules'))) out.push(...packages(join(dir, 'node_modules'), `${prefix}/${n}/node_modules`));
    }
  }
  return out;
}

function licenseOf(pkg) {
  let l = pkg.license ?? (Array.isArray(pkg.licenses) ? pkg.licenses.map((x) => x.type ?? x).join(' OR ') : undefined);
  if (typeof l === 'object' && l !== null) l = l.type;
  if (!l) throw new Error(`${pkg.name}: no license in package.json`);
  const expr = String(l).replace(/^\((.*)\)$/, '$1');
  for (const id of expr.split(/ (?:OR|AND) /)) {
    if (!KNOWN.has(id)) throw new Error(`${pkg.name}: license ${id} has no text in packaging/debian/copyright.in`);
  }
  return expr.replace(/ OR /g, ' or ').replace(/ AND /g, ' and ');
}

function copyrightOf(dir, pkg) {
  const lic = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  if (lic) {
    const m = /^\s*(?:Copyright\s*(?:\(c\)|©)?\s*)(.+)$/im.exec(readFileSync(join(dir, lic), 'utf8'));
    if (m && !/^(notice|holder|and|owner)/i.test(m[1].trim())) return m[1].trim().replace(/\s+/g, ' ');
  }
  const a = pkg.author;
  const who = typeof a === 'string' ? a : a?.name;
  return who ? who.replace(/\s+/g, ' ') : `the ${pkg.name} authors`;
}

export function renderCopyright(template, nm) {
  const paras = [];
  for (const { name, dir, rel } of packages(nm)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const license = licenseOf(pkg);
    const copyright = copyrightOf(dir, pkg);
    paras.push(`Files: ${rel}/*\nCopyright: ${copyright}\nComment: npm package ${pkg.name} ${pkg.version}\nLicense: ${license}\n`);
    if (name === 'better-sqlite3') {
      // The compiled addon also contains SQLite (the later paragraph wins for these files).
      paras.push(`Files: ${rel}/build/*\nCopyright: ${copyright}\nComment: better_sqlite3.node links in SQLite, which is in the public domain.\nLicense: ${license} and public-domain\n`);
    }
  }
  return template.replace('@NODE_MODULES@\n', `${paras.join('\n')}\n`);
}
