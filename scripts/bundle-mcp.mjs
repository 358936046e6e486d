#!/usr/bin/env node
// Bundles `stratum1d mcp` (dist/cli/mcp-main.js and everything it imports: our modules, the MCP
// SDK, zod, ajv) into dist/bundle/, which bin/stratum1d.js starts the bridge from. Run by
// `npm run build` after tsc. Why: the time to a first answer (issue 12) is mostly Node
// resolving, reading and compiling ~150 modules one at a time; a bundle is a few files.
//
// The files land flat in dist/bundle/ so that paths relative to a module (version.ts reads
// ../../package.json) mean the same as from dist/<dir>/. The bridge must not reach a native
// addon: esbuild cannot bundle one, so such an import fails this build rather than the bridge.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(repo, 'dist/bundle');
/** What went into which file: read by test/integration/mcp-bundle.test.ts; not shipped. */
const metafile = join(repo, 'out/bundle-mcp/metafile.json');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { 'mcp-main': join(repo, 'dist/cli/mcp-main.js') },
  bundle: true,
  splitting: true, // create-server.js stays a chunk of its own: it loads while whoami travels (cli/mcp.ts)
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  // CommonJS inside an ES module bundle (ajv) still calls require() for Node's built-ins.
  banner: { js: "import { createRequire as __s1dCreateRequire } from 'node:module'; const require = __s1dCreateRequire(import.meta.url);" },
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
});
if (result.warnings.length > 0) throw new Error(`bundle-mcp: ${result.warnings.length} warning(s), see above`);
// Everything but Node's built-ins is inside: the bridge must not depend on node_modules' layout.
const builtins = new Set(builtinModules);
const outside = Object.entries(result.metafile.outputs).flatMap(([file, o]) =>
  o.imports.filter((i) => i.external && !i.path.startsWith('node:') && !builtins.has(i.path)).map((i) => `${file} imports ${i.path}`),
);
if (outside.length > 0) throw new Error(`bundle-mcp: left outside the bundle:\n  ${outside.join('\n  ')}`);
mkdirSync(dirname(metafile), { recursive: true });
writeFileSync(metafile, JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
const inputs = Object.keys(result.metafile.inputs).length;
process.stderr.write(`bundle-mcp: ${inputs} modules → ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB in dist/bundle/\n`);
