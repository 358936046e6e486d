import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import * as z from 'zod';
// @ts-expect-error: a plain .mjs build script without types
import { englishOnly } from '../../../scripts/zod-english-only.mjs';

const cut = englishOnly as (zodDir: string) => string;

t.test('npm ci left zod with its English locale only (postinstall)', async (t) => {
  t.same(Object.keys(z.locales), ['en'], 'ESM: z.locales');
  const cjs = createRequire(import.meta.url)('zod') as typeof z;
  t.same(Object.keys(cjs.locales), ['en'], 'CJS: require("zod").locales');
  t.equal(z.string().safeParse(1).error?.issues[0]?.message, 'Invalid input: expected string, received number', 'messages are still English');
  t.equal(typeof z.locales.en().localeError, 'function');
});

/** A zod-shaped locale directory as zod ships it: two locales, ESM and CJS indexes. */
function fakeZod(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zod-locales-'));
  const loc = join(dir, 'v4/locales');
  mkdirSync(loc, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  for (const l of ['ar', 'en']) {
    writeFileSync(join(loc, `${l}.js`), `export default function () { return '${l}'; }\n`);
    writeFileSync(join(loc, `${l}.cjs`), `"use strict";\nfunction d() { return '${l}'; }\nmodule.exports = d;\n`);
  }
  writeFileSync(join(loc, 'index.js'), 'export { default as ar } from "./ar.js";\nexport { default as en } from "./en.js";\n');
  writeFileSync(
    join(loc, 'index.cjs'),
    '"use strict";\nvar ar_js_1 = require("./ar.cjs");\nexports.ar = ar_js_1;\nvar en_js_1 = require("./en.cjs");\nexports.en = en_js_1;\n',
  );
  return dir;
}

t.test('the script cuts a locale index to English, once', async (t) => {
  const dir = fakeZod();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal(cut(dir), 'cut');
  t.equal(cut(dir), 'already', 'running it again changes nothing');
  const esm = (await import(pathToFileURL(join(dir, 'v4/locales/index.js')).href)) as Record<string, () => string>;
  t.same(Object.keys(esm), ['en']);
  t.equal(esm.en!(), 'en');
  const cjs = createRequire(import.meta.url)(join(dir, 'v4/locales/index.cjs')) as Record<string, () => string>;
  t.same(Object.keys(cjs).filter((k) => k !== '__esModule'), ['en']);
  t.equal(cjs.en!(), 'en');
});

t.test('a layout it does not know is left alone, with the reason', async (t) => {
  const dir = fakeZod();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const index = join(dir, 'v4/locales/index.js');
  writeFileSync(index, 'export * from "./all.js";\n');
  t.match(cut(dir), /does not export en as expected/);
  t.equal(readFileSync(index, 'utf8'), 'export * from "./all.js";\n', 'index.js untouched');
  const other = fakeZod();
  t.teardown(() => rmSync(other, { recursive: true, force: true }));
  rmSync(join(other, 'v4/locales/en.cjs'));
  t.match(cut(other), /^no .*index\.cjs beside en\.cjs/);
  t.match(readFileSync(join(other, 'v4/locales/index.js'), 'utf8'), /as ar/, 'nothing cut when one index cannot be');
  t.match(cut(join(dir, 'missing')), /^no /);
});
