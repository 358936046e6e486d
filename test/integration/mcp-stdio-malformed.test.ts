import t from 'tap';
import { spawn } from 'node:child_process';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { BIN, DaemonProcess } from '../helpers/daemon-process.js';
import { CORPUS, canonical, runCorpus, type RawConnection, type Reply } from '../helpers/mcp-malformed-corpus.js';

/**
 * The malformed-line corpus against the real `stratum1d mcp` process over its pipes, bridged
 * to a real simulated daemon: every line gets exactly the answers the corpus lists, a ping
 * after each line is answered, stdout carries nothing but JSON-RPC messages, and the process
 * is still running at the end. (`npm run build` first.)
 */

const daemon = new DaemonProcess(['run', '--simulate']);
t.teardown(() => daemon.stop());
await daemon.waitForLog((r) => r.msg === 'ready', 15_000);

const child = spawn(process.execPath, [BIN, 'mcp', '--socket', daemon.socket], {
  stdio: ['pipe', 'pipe', 'pipe'],
  env: { ...process.env, STRATUM1D_LOG__LEVEL: 'debug' },
});
let exited: number | null = null;
const exit = new Promise<number | null>((resolve) =>
  child.once('exit', (code) => {
    exited = code;
    resolve(code);
  }),
);
t.teardown(() => {
  if (exited === null) child.kill('SIGKILL');
});
let stderr = '';
child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));

const received: Reply[] = [];
const notJsonRpc: string[] = [];
let rest = '';
child.stdout.setEncoding('utf8').on('data', (c: string) => {
  const lines = (rest + c).split('\n');
  rest = lines.pop() ?? '';
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      notJsonRpc.push(line.slice(0, 200));
      continue;
    }
    if (!JSONRPCMessageSchema.safeParse(parsed).success && !isNullIdError(parsed)) notJsonRpc.push(line.slice(0, 200));
    received.push(parsed as Reply);
  }
});
/**
 * JSON-RPC 2.0 §5: an error whose request id could not be read carries id null. The SDK's schema
 * (following MCP's newer optional id) does not list that form, so it is checked here by hand.
 */
function isNullIdError(m: unknown): boolean {
  const e = m as { jsonrpc?: unknown; id?: unknown; error?: { code?: unknown; message?: unknown } };
  return Object.keys(m as object).length === 3 && e.jsonrpc === '2.0' && e.id === null && Number.isInteger(e.error?.code) && typeof e.error?.message === 'string';
}

const conn: RawConnection = { send: (b) => void child.stdin.write(b), received };

conn.send(Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'corpus', version: '0' } } })}\n`));
while (!received.some((m) => m.id === 'init')) await new Promise((r) => setTimeout(r, 5));
received.splice(0);
conn.send(Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}\n'));

t.test(`${CORPUS.length} lines, each answered as JSON-RPC 2.0 and MCP say, the session going on`, async (t) => {
  t.ok(CORPUS.length >= 69, 'at least the 69 lines of the issue');
  const steps = await runCorpus(conn, CORPUS);
  for (const s of steps) {
    t.same(canonical(s.got), canonical(s.expected), `${s.name}: answers`);
    t.ok(s.probeAnswered, `${s.name}: a ping after it is answered`);
  }
  const silent = steps.filter((s) => s.expected.length > 0 && s.got.length === 0).map((s) => s.name);
  t.same(silent, [], 'no line that needs an answer went unanswered');
});

t.test('stdout held only JSON-RPC messages; the process is still running', async (t) => {
  t.same(notJsonRpc, [], 'nothing else on stdout');
  t.equal(rest, '', 'no partial line left on stdout');
  t.equal(exited, null, 'still running after the corpus');
});

t.test('rejections are counted by reason on stderr (debug level), never echoed', async (t) => {
  t.match(stderr, /line \d+ rejected \(parse_error\)/, 'a parse error logged at debug level');
  t.match(stderr, /line \d+ rejected \(too_large\)/, 'an oversized line logged');
  t.notMatch(stderr, /\{"jsonrpc"/, 'no protocol message on stderr');
  child.stdin.end();
  t.equal(await exit, 0, 'end of stdin ends the session cleanly');
  t.match(stderr, /rejected \d+ of \d+ lines: .*parse_error \d+/, 'a summary by reason at the end');
});
