import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import t from 'tap';
import { BIN, tempDir } from '../helpers/daemon-process.js';

/**
 * `stratum1d mcp` starts from its bundle (dist/bundle/, scripts/bundle-mcp.mjs; issue 12's
 * time to a first answer). Checked three ways: by esbuild's account, the bundle's files import
 * nothing but Node's built-ins and each other; the bridge runs from a copy of bin/ and dist/bundle/ alone, with no
 * node_modules and no dist/cli anywhere it could look; and the real launcher, watched by a
 * loader hook, loads no module from outside the bundle.
 */
const REPO = join(dirname(BIN), '..');
const BUNDLE = join(REPO, 'dist/bundle');
const METAFILE = join(REPO, 'out/bundle-mcp/metafile.json');
const HOOK = new URL('../helpers/module-load-log.mjs', import.meta.url).pathname;
const BUILTINS = new Set(builtinModules);

const isBuiltin = (s: string) => s.startsWith('node:') || BUILTINS.has(s);

function run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    c.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
    c.stdin.end(opts.input ?? '');
  });
}

t.test("the bundle's files import only built-ins and each other", async (t) => {
  // esbuild's account of the build (scripts/bundle-mcp.mjs writes it beside the bundle's inputs).
  const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as {
    inputs: Record<string, unknown>;
    outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
  };
  const outputs = Object.keys(meta.outputs);
  t.ok(outputs.includes('dist/bundle/mcp-main.js'), 'the entry is there');
  for (const f of readdirSync(BUNDLE)) t.ok(outputs.includes(`dist/bundle/${f}`), `${f} is the build's`);
  let imports = 0;
  for (const [file, o] of Object.entries(meta.outputs)) {
    for (const i of o.imports) {
      imports++;
      if (i.external) t.ok(isBuiltin(i.path), `${file}: ${i.path} is a Node built-in`);
      else t.ok(existsSync(join(REPO, i.path)), `${file}: ${i.path} is a file of the bundle`);
    }
  }
  t.ok(imports > 10, `imports seen: ${imports}`);
  const inputs = Object.keys(meta.inputs);
  for (const pkg of ['@modelcontextprotocol/sdk', 'zod', 'ajv']) t.ok(inputs.some((p) => p.startsWith(`node_modules/${pkg}/`)), `${pkg} is inside`);
  t.notOk(inputs.some((p) => p.startsWith('node_modules/zod/v4/locales/') && !p.endsWith('/en.js') && !p.endsWith('/index.js')), "only zod's English messages (scripts/zod-english-only.mjs)");
});

t.test('the bridge runs from bin/ and dist/bundle/ alone', async (t) => {
  const root = tempDir();
  for (let d = root; d !== dirname(d); d = dirname(d)) t.notOk(existsSync(join(dirname(d), 'node_modules')), `no node_modules beside ${d}`);
  mkdirSync(join(root, 'bin'));
  cpSync(BIN, join(root, 'bin/stratum1d.js'));
  cpSync(BUNDLE, join(root, 'dist/bundle'), { recursive: true });
  // The version the bridge reports comes from the package.json two levels above its module.
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'stratum1d', version: '9.8.7-bundle', type: 'module' }));
  const bin = join(root, 'bin/stratum1d.js');
  t.notOk(existsSync(join(root, 'dist/cli')), 'no unbundled CLI to fall back on');

  const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', '--socket', join(root, 'no-daemon.sock')], stderr: 'pipe', cwd: root });
  let stderr = '';
  transport.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const client = new Client({ name: 'mcp-bundle-test', version: '0' });
  await client.connect(transport);
  t.teardown(() => client.close());
  t.equal(client.getServerVersion()?.version, '9.8.7-bundle', 'version from the package.json beside it');
  const { tools } = await client.listTools();
  t.ok(tools.some((x) => x.name === 'get_time') && tools.some((x) => x.name === 'get_health'), `tools listed (${tools.length})`);
  const before = Date.now() / 1000;
  const r = (await client.callTool({ name: 'get_time', arguments: {} })) as { isError?: boolean; structuredContent?: { unixSeconds?: number } };
  t.notOk(r.isError, 'get_time answers with the daemon down');
  const secs = r.structuredContent?.unixSeconds ?? NaN;
  t.ok(Math.abs(secs - before) < 120, `from this machine's clock (${secs})`);
  t.match(stderr, /serving on stdio/, 'diagnostics on stderr');

  // --config loads the config schema and its YAML parser: a chunk of its own.
  const cfg = join(root, 'config.yaml');
  writeFileSync(cfg, 'mcp:\n  nosuchkey: 1\n');
  const bad = await run([bin, 'mcp', '--config', cfg]);
  t.equal(bad.code, 78, 'a bad config exits 78 (EX_CONFIG)');
  t.match(bad.stderr, /mcp\.nosuchkey/, "naming the key's path");
  t.equal(bad.stdout, '', 'nothing on stdout');

  const key = 'a-key-of-32-characters-or-so-xyz';
  const hashed = await run([bin, 'mcp', 'hash-key'], { input: `${key}\n` });
  t.equal(hashed.code, 0, 'hash-key runs');
  t.equal(hashed.stdout.trim(), createHash('sha256').update(key).digest('hex'), "hash-key prints the key's sha256");

  const usage = await run([bin, 'mcp', '--no-such-flag']);
  t.equal(usage.code, 64, 'a usage error exits 64');
  t.match(usage.stderr, /unknown option --no-such-flag/);
});

t.test('the launcher loads the bridge from the bundle only', async (t) => {
  const log = join(tempDir(), 'modules.log');
  const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } };
  const r = await run([BIN, 'mcp', '--socket', join(dirname(log), 'none.sock')], { input: `${JSON.stringify(init)}\n`, env: { NODE_OPTIONS: `--import=${HOOK}`, S1D_MODULE_LOG: log } });
  t.equal(r.code, 0, 'the session ends with stdin');
  t.match(r.stdout, /"id":1,?.*"serverInfo"|"serverInfo".*"id":1/, 'initialize answered');
  const all = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
  // What loads before the launcher is preloaded by the test runner (tap's process info hooks).
  const at = all.findIndex((u) => u.endsWith('/bin/stratum1d.js'));
  t.ok(at >= 0, 'the hook saw the launcher');
  const files = all.slice(at);
  t.ok(files.some((u) => u.endsWith('/dist/bundle/mcp-main.js')), 'the hook saw the bundle load');
  const outside = files.filter((u) => !u.includes('/dist/bundle/') && !u.endsWith('/bin/stratum1d.js'));
  t.same(outside, [], 'no module from node_modules or the unbundled dist/');
});
