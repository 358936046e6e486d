/**
 * Malformed (and a few well-formed) MCP lines with the answer each must get, for the stdio
 * bridge and the WebSocket transport. The expectations are written out by hand from JSON-RPC
 * 2.0 and MCP, not computed by the validator under test:
 *
 * - not JSON → one -32700 with id null;
 * - JSON that is not a valid request/notification → one -32600 echoing the id when it is a
 *   string or an integer (MCP's RequestId), id null otherwise (float, object, array, bool,
 *   null, out-of-range numbers, or no id at all: JSON-RPC §5 "null if it could not be detected");
 * - a batch → one -32600 per distinct usable id in it, or one with id null when it has none;
 * - a valid request whose MCP params are wrong → one -32602 with its id;
 * - responses (result/error, no method) are never answered: a reply would use the client's own
 *   id space; valid notifications and empty lines get nothing;
 * - a line over the size limit → one -32600 with the id found in it (or null), and the session goes on.
 */

export type Expect = { id: string | number | null; code: number } | { id: string | number; ok: true };

export interface CorpusLine {
  name: string;
  /** The line without its terminating newline (CRLF lines carry their \r). */
  line: string | Buffer;
  expect: Expect[];
  /**
   * stdio only: over the size limit (WebSocket refuses those by closing 1009 before reading
   * them), or not UTF-8 (a WebSocket text frame must be UTF-8: ws closes 1007).
   */
  stdioOnly?: boolean;
}

const J = '"jsonrpc":"2.0"';
const err = (id: string | number | null, code: number): Expect => ({ id, code });
const PARSE = -32700;
const INVALID = -32600;
const PARAMS = -32602;

/** The bridge's and the corpus's size limit: mcp.maxMessageBytes' default. */
export const CORPUS_LIMIT = 1024 * 1024;

export const CORPUS: CorpusLine[] = [
  // Not JSON
  { name: 'lone brace', line: '{', expect: [err(null, PARSE)] },
  { name: 'truncated request with id', line: `{${J},"id":1,"method":"ping"`, expect: [err(null, PARSE)] },
  { name: 'truncated inside params', line: `{${J},"id":2,"method":"tools/list","params":{}`, expect: [err(null, PARSE)] },
  { name: 'trailing comma', line: `{${J},"id":3,"method":"ping",}`, expect: [err(null, PARSE)] },
  { name: 'single quotes', line: `{'jsonrpc':'2.0','id':4,'method':'ping'}`, expect: [err(null, PARSE)] },
  { name: 'extra closing brace', line: `{${J},"id":5,"method":"ping"}}`, expect: [err(null, PARSE)] },
  { name: 'plain text', line: 'not json at all', expect: [err(null, PARSE)] },
  { name: 'NaN id', line: `{${J},"id":NaN,"method":"ping"}`, expect: [err(null, PARSE)] },
  { name: 'hex id', line: `{${J},"id":0x10,"method":"ping"}`, expect: [err(null, PARSE)] },
  { name: 'two objects on one line', line: `{${J},"id":6,"method":"ping"} {${J},"id":7,"method":"ping"}`, expect: [err(null, PARSE)] },
  { name: 'lone closing bracket', line: ']', expect: [err(null, PARSE)] },
  { name: 'unterminated string', line: '"unterminated', expect: [err(null, PARSE)] },
  { name: 'NUL bytes', line: '\u0000\u0000\u0000', expect: [err(null, PARSE)] },
  { name: 'deep nesting', line: '['.repeat(100_000), expect: [err(null, PARSE)] },
  { name: 'comment', line: `{${J},"id":8,"method":"ping"} // hi`, expect: [err(null, PARSE)] },
  { name: 'binary noise', line: Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x09, 0x0d, 0x1b]), expect: [err(null, PARSE)], stdioOnly: true },
  { name: 'invalid UTF-8 between tokens', line: Buffer.concat([Buffer.from(`{${J},"id":9,`), Buffer.from([0xff]), Buffer.from('"method":"ping"}')]), expect: [err(null, PARSE)], stdioOnly: true },
  { name: 'BOM then garbage', line: '\ufeffgarbage', expect: [err(null, PARSE)] },

  // JSON, but not an object
  { name: 'number', line: '42', expect: [err(null, INVALID)] },
  { name: 'string', line: '"ping"', expect: [err(null, INVALID)] },
  { name: 'null', line: 'null', expect: [err(null, INVALID)] },
  { name: 'boolean', line: 'true', expect: [err(null, INVALID)] },

  // Batches (removed from MCP in 2025-06-18): refused, each usable id answered once
  { name: 'empty batch', line: '[]', expect: [err(null, INVALID)] },
  { name: 'batch of two requests', line: `[{${J},"id":"b1","method":"ping"},{${J},"id":"b2","method":"ping"}]`, expect: [err('b1', INVALID), err('b2', INVALID)] },
  { name: 'batch of one notification', line: `[{${J},"method":"notifications/initialized"}]`, expect: [err(null, INVALID)] },
  { name: 'batch of numbers', line: '[1,2,3]', expect: [err(null, INVALID)] },
  { name: 'batch: request and notification', line: `[{${J},"id":"b3","method":"ping"},{${J},"method":"notifications/initialized"}]`, expect: [err('b3', INVALID)] },
  { name: 'batch with a repeated id', line: `[{${J},"id":"b4","method":"ping"},{${J},"id":"b4","method":"tools/list"}]`, expect: [err('b4', INVALID)] },
  { name: 'batch with a float id', line: `[{${J},"id":1.5,"method":"ping"}]`, expect: [err(null, INVALID)] },

  // jsonrpc member
  { name: 'jsonrpc missing', line: '{"id":10,"method":"ping"}', expect: [err(10, INVALID)] },
  { name: 'jsonrpc 1.0', line: '{"jsonrpc":"1.0","id":11,"method":"ping"}', expect: [err(11, INVALID)] },
  { name: 'jsonrpc as a number', line: '{"jsonrpc":2.0,"id":12,"method":"ping"}', expect: [err(12, INVALID)] },
  { name: 'jsonrpc with a space', line: '{"jsonrpc":"2.0 ","id":13,"method":"ping"}', expect: [err(13, INVALID)] },
  { name: 'jsonrpc null, string id', line: '{"jsonrpc":null,"id":"s14","method":"ping"}', expect: [err('s14', INVALID)] },
  { name: 'notification with jsonrpc 1.0', line: '{"jsonrpc":"1.0","method":"notifications/initialized"}', expect: [err(null, INVALID)] },

  // id member: MCP ids are strings or integers
  { name: 'float id', line: `{${J},"id":1.5,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'object id', line: `{${J},"id":{"a":1},"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'array id', line: `{${J},"id":[1],"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'null id', line: `{${J},"id":null,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'true id', line: `{${J},"id":true,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'false id', line: `{${J},"id":false,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'overflowing id', line: `{${J},"id":1e400,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'unsafe integer id', line: `{${J},"id":9007199254740993,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'negative float id', line: `{${J},"id":-0.5,"method":"ping"}`, expect: [err(null, INVALID)] },
  { name: 'float id and array params', line: `{${J},"id":2.5,"method":"tools/list","params":[]}`, expect: [err(null, INVALID)] },
  { name: 'negative integer id is fine', line: `{${J},"id":-7,"method":"ping"}`, expect: [{ id: -7, ok: true }] },
  { name: 'empty string id is fine', line: `{${J},"id":"","method":"ping"}`, expect: [{ id: '', ok: true }] },

  // method member
  { name: 'method missing', line: `{${J},"id":20}`, expect: [err(20, INVALID)] },
  { name: 'method a number', line: `{${J},"id":21,"method":5}`, expect: [err(21, INVALID)] },
  { name: 'method null', line: `{${J},"id":22,"method":null}`, expect: [err(22, INVALID)] },
  { name: 'method an object', line: `{${J},"id":"m23","method":{"name":"ping"}}`, expect: [err('m23', INVALID)] },
  { name: 'method an array', line: `{${J},"id":24,"method":["ping"]}`, expect: [err(24, INVALID)] },
  { name: 'method missing, no id', line: `{${J}}`, expect: [err(null, INVALID)] },
  { name: 'empty object', line: '{}', expect: [err(null, INVALID)] },
  { name: 'unknown method', line: `{${J},"id":25,"method":"no/such/method"}`, expect: [err(25, -32601)] },

  // params member: MCP params are objects
  { name: 'array params', line: `{${J},"id":30,"method":"tools/list","params":[]}`, expect: [err(30, INVALID)] },
  { name: 'string params', line: `{${J},"id":31,"method":"tools/list","params":"x"}`, expect: [err(31, INVALID)] },
  { name: 'number params', line: `{${J},"id":"p32","method":"ping","params":3}`, expect: [err('p32', INVALID)] },
  { name: 'null params', line: `{${J},"id":33,"method":"ping","params":null}`, expect: [err(33, INVALID)] },
  { name: 'boolean params', line: `{${J},"id":34,"method":"ping","params":false}`, expect: [err(34, INVALID)] },
  { name: 'array params on a notification', line: `{${J},"method":"notifications/initialized","params":[1]}`, expect: [err(null, INVALID)] },
  { name: 'string params on a notification', line: `{${J},"method":"notifications/initialized","params":"x"}`, expect: [err(null, INVALID)] },
  { name: '_meta not an object', line: `{${J},"id":35,"method":"ping","params":{"_meta":5}}`, expect: [err(35, INVALID)] },

  // members JSON-RPC does not define
  { name: 'unknown member', line: `{${J},"id":40,"method":"ping","extra":true}`, expect: [err(40, INVALID)] },
  { name: 'method and result together', line: `{${J},"id":41,"method":"ping","result":{}}`, expect: [err(41, INVALID)] },

  // responses: never answered
  { name: 'response to an unknown id', line: `{${J},"id":50,"result":{}}`, expect: [] },
  { name: 'error response to an unknown id', line: `{${J},"id":51,"error":{"code":-1,"message":"x"}}`, expect: [] },
  { name: 'malformed response', line: `{${J},"id":52,"result":5}`, expect: [] },
  { name: 'response with a float id', line: `{${J},"id":1.5,"result":{}}`, expect: [] },

  // valid JSON-RPC, wrong MCP params → -32602
  { name: 'tools/call without name', line: `{${J},"id":60,"method":"tools/call","params":{}}`, expect: [err(60, PARAMS)] },
  { name: 'tools/call without params', line: `{${J},"id":61,"method":"tools/call"}`, expect: [err(61, PARAMS)] },
  { name: 'tools/call name a number', line: `{${J},"id":62,"method":"tools/call","params":{"name":7}}`, expect: [err(62, PARAMS)] },
  { name: 'tools/call arguments an array', line: `{${J},"id":63,"method":"tools/call","params":{"name":"get_time","arguments":[1]}}`, expect: [err(63, PARAMS)] },
  { name: 'tools/call with a bad argument', line: `{${J},"id":64,"method":"tools/call","params":{"name":"get_time_with_timezone","arguments":{"timezone":7}}}`, expect: [err(64, PARAMS)] },
  { name: 'tools/call unknown tool', line: `{${J},"id":"t65","method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}`, expect: [err('t65', PARAMS)] },
  { name: 'resources/read without uri', line: `{${J},"id":66,"method":"resources/read","params":{}}`, expect: [err(66, PARAMS)] },
  { name: 'prompts/get without name', line: `{${J},"id":67,"method":"prompts/get","params":{}}`, expect: [err(67, PARAMS)] },
  { name: 'initialize without params', line: `{${J},"id":68,"method":"initialize"}`, expect: [err(68, PARAMS)] },
  // not served: the server's -32601, not a params check for a method it does not have
  { name: 'logging/setLevel with a bad level', line: `{${J},"id":69,"method":"logging/setLevel","params":{"level":"loud"}}`, expect: [err(69, -32601)] },

  // framing
  { name: 'empty line', line: '', expect: [] },
  { name: 'blanks only', line: ' \t  ', expect: [] },
  { name: 'lone CR', line: '\r', expect: [] },
  { name: 'CRLF request', line: `{${J},"id":"crlf","method":"ping"}\r`, expect: [{ id: 'crlf', ok: true }] },
  { name: 'BOM then request', line: `\ufeff{${J},"id":"bom","method":"ping"}`, expect: [{ id: 'bom', ok: true }] },
  { name: 'blanks around a request', line: `   {${J},"id":"ws","method":"ping"}  \t`, expect: [{ id: 'ws', ok: true }] },
  { name: 'valid notification', line: `{${J},"method":"notifications/something"}`, expect: [] },

  // over the size limit: answered at the newline, the session goes on
  {
    name: 'oversized request, id first',
    line: `{${J},"id":"big","method":"tools/call","params":{"name":"get_time","arguments":{"pad":"${'x'.repeat(CORPUS_LIMIT + 1000)}"}}}`,
    expect: [err('big', INVALID)],
    stdioOnly: true,
  },
  {
    name: 'oversized request, id last',
    line: `{${J},"method":"tools/call","params":{"name":"get_time","arguments":{"pad":"${'y'.repeat(CORPUS_LIMIT + 1000)}","id":"not-this"}},"id":77}`,
    expect: [err(77, INVALID)],
    stdioOnly: true,
  },
  { name: 'oversized garbage', line: 'a'.repeat(CORPUS_LIMIT + 10), expect: [err(null, INVALID)], stdioOnly: true },
  { name: 'oversized request with a float id', line: `{${J},"id":3.25,"method":"x","params":{"p":"${'z'.repeat(CORPUS_LIMIT)}"}}`, expect: [err(null, INVALID)], stdioOnly: true },
];

export type Reply = { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };

/** A duplex MCP connection seen from the client: send raw bytes, receive parsed messages. */
export interface RawConnection {
  send(bytes: Buffer): void;
  /** Every message received so far, in order (the runner consumes from the front). */
  readonly received: Reply[];
}

export interface StepResult {
  name: string;
  expected: Expect[];
  got: Array<{ id: unknown; code?: unknown; ok?: true }>;
  /** The ping sent after the line was answered: the session went on. */
  probeAnswered: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends each line, then a ping; collects everything that arrives until the ping's answer and
 * the line's expected number of replies are in (or `stepTimeoutMs` passes). Replies to a
 * rejected line are written before the ping is read, so an extra reply shows in its own step;
 * a late one shows in the next step and fails it.
 */
export async function runCorpus(conn: RawConnection, lines: CorpusLine[], stepTimeoutMs = 20_000): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const [i, c] of lines.entries()) {
    const probe = `probe-${i}`;
    const body = typeof c.line === 'string' ? Buffer.from(c.line, 'utf8') : c.line;
    conn.send(Buffer.concat([body, Buffer.from(`\n{${J},"id":"${probe}","method":"ping"}\n`)]));
    const got: StepResult['got'] = [];
    let probeAnswered = false;
    const deadline = Date.now() + stepTimeoutMs;
    while (!(probeAnswered && got.length >= c.expect.length) && Date.now() < deadline) {
      const m = conn.received.shift();
      if (!m) {
        await sleep(2);
        continue;
      }
      if (m.id === probe && m.result !== undefined) probeAnswered = true;
      else got.push(m.error ? { id: m.id, code: m.error.code } : { id: m.id, ok: true });
    }
    results.push({ name: c.name, expected: c.expect, got, probeAnswered });
  }
  return results;
}

/** A step's replies in a canonical order, to compare as multisets. */
export function canonical(list: Array<{ id: unknown; code?: unknown; ok?: true }>): string[] {
  return list.map((e) => JSON.stringify({ id: e.id, code: 'code' in e ? e.code : undefined, ok: 'ok' in e ? true : undefined })).sort();
}
