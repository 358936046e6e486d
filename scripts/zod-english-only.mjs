#!/usr/bin/env node
// zod's index re-exports every one of its ~60 error-message locales (`z.locales`), and plain
// Node ESM (no bundler to tree-shake) loads them all with the first `import 'zod'`: 1–3 MiB of
// the daemon's resident memory on the simulator 30 s after start (issue 12; docs/decisions.md
// has the measurements), for translations it never uses. zod itself only ever uses English
// (its schemas import `locales/en.js` directly) and so do we, so the locale index is cut down to
// English. Run by `npm ci` (postinstall) and by the package build on its production tree
// (installed with --ignore-scripts). Without it everything still works, only heavier.
//
// A zod whose locale files are laid out differently is left alone with a warning: an upgrade
// must never break an install.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MARK = '// stratum1d: English only (scripts/zod-english-only.mjs)';
const ESM = `${MARK}\nexport { default as en } from "./en.js";\n`;
const CJS = `"use strict";\n${MARK}\nObject.defineProperty(exports, "__esModule", { value: true });\nconst en = require("./en.cjs");\nexports.en = en && en.__esModule ? en.default : en;\n`;

/**
 * Cuts the locale index of the zod package at `zodDir` down to English.
 * @returns 'cut' | 'already' | a reason it was left alone
 */
export function englishOnly(zodDir) {
  const dir = join(zodDir, 'v4/locales');
  const files = [
    ['index.js', ESM, 'en.js', /export \{ default as en \} from "\.\/en\.js";/],
    ['index.cjs', CJS, 'en.cjs', /require\("\.\/en\.cjs"\)/],
  ];
  for (const [index, , en, names] of files) {
    if (!existsSync(join(dir, index)) || !existsSync(join(dir, en))) return `no ${join(dir, index)} beside ${en}`;
    const text = readFileSync(join(dir, index), 'utf8');
    if (!text.includes(MARK) && !names.test(text)) return `${join(dir, index)} does not export en as expected`;
  }
  let changed = false;
  for (const [index, body] of files) {
    const path = join(dir, index);
    if (readFileSync(path, 'utf8') === body) continue;
    writeFileSync(path, body);
    changed = true;
  }
  return changed ? 'cut' : 'already';
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const zodDir = resolve(process.argv[2] ?? 'node_modules/zod');
  const r = englishOnly(zodDir);
  if (r !== 'cut' && r !== 'already') process.stderr.write(`zod-english-only: left ${zodDir} as it is: ${r}\n`);
}
