// Files the configuration names are part of the configuration: `config check` and `run` agree,
// and a missing TLS key or fleet token file is exit 78 naming the key, not a later exit 75.
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tempDir } from '../helpers/daemon-process.js';

function cli(args: string[], dir: string): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: join(dir, 'run') }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

const cases: Array<{ name: string; yaml: string; key: RegExp }> = [
  {
    name: 'MCP TLS certificate missing',
    yaml: 'mcp:\n  enabled: true\n  port: 0\n  tls:\n    cert: /nonexistent/mcp.crt\n    key: /nonexistent/mcp.key\n',
    key: /mcp\.tls\.cert: cannot read \/nonexistent\/mcp\.crt: ENOENT/,
  },
  {
    name: 'fleet token file missing',
    yaml: 'fleet:\n  url: http://127.0.0.1:9/\n  tokenFile: /nonexistent/fleet.token\n',
    key: /fleet\.tokenFile: cannot read \/nonexistent\/fleet\.token/,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const dir = tempDir();
    const cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, c.yaml);
    const check = await cli(['config', 'check', cfg], dir);
    t.equal(check.code, 78, 'config check refuses it');
    t.match(check.stderr, c.key);
    const run = await cli(['run', '--simulate', '--config', cfg], dir);
    t.equal(run.code, 78, 'run refuses it the same way (exit 78, not 75)');
    t.match(run.stderr, c.key);
    t.notMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
  });
}

t.test('files of a disabled part are not required', async (t) => {
  const dir = tempDir();
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, 'mcp:\n  enabled: false\n  tls:\n    cert: /nonexistent/mcp.crt\n    key: /nonexistent/mcp.key\n');
  const check = await cli(['config', 'check', cfg], dir);
  t.equal(check.code, 0, check.stderr);
});
