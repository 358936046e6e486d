import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { checkText, oversized, RejectCounts, type RejectReason, type Verdict } from './jsonrpc-validation.js';
import { LineFramer } from './stdio-framing.js';

export interface StdioTransportOptions {
  /** Longest line accepted (mcp.maxMessageBytes); longer ones are answered with -32600 and skipped. */
  maxMessageBytes: number;
  /** Called for every refused line (1-based line number), e.g. to log it at debug level. */
  onReject?: (rejection: { line: number; reason: RejectReason; detail: string; answered: boolean }) => void;
}

export interface StdioTransportStats {
  lines: number;
  delivered: number;
  ignored: number;
  sent: number;
  rejected: RejectCounts;
}

/**
 * MCP over stdin/stdout (newline-delimited JSON-RPC), in place of the SDK's
 * StdioServerTransport: that one answers nothing it cannot parse (the client waits forever on
 * its id) and ends the session on a line over its buffer size. Here every line goes through the
 * shared validation (jsonrpc-validation.ts) and a refused one gets its JSON-RPC error on stdout
 * — the only thing ever written there besides the server's own messages — while the session
 * carries on. A client that stops reading its replies stops being read (stdin paused until
 * stdout drains), so a flood of bad lines cannot grow our output buffer without bound.
 */
export class StdioJsonRpcTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly stats: StdioTransportStats = { lines: 0, delivered: 0, ignored: 0, sent: 0, rejected: new RejectCounts() };
  readonly #framer: LineFramer;
  #started = false;
  #closed = false;
  #waitingForDrain = false;

  constructor(
    private readonly stdin: Readable,
    private readonly stdout: Writable,
    private readonly opts: StdioTransportOptions,
  ) {
    this.#framer = new LineFramer(opts.maxMessageBytes);
  }

  readonly #onData = (chunk: Buffer | string): void => {
    for (const frame of this.#framer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) {
      if (this.#closed) return;
      this.stats.lines++;
      this.#handle(frame.kind === 'line' ? checkText(frame.text) : oversized(frame.bytes, this.opts.maxMessageBytes, frame.id));
    }
  };

  readonly #onError = (err: Error): void => this.onerror?.(err);

  async start(): Promise<void> {
    if (this.#started) throw new Error('StdioJsonRpcTransport already started');
    this.#started = true;
    this.stdin.on('data', this.#onData);
    this.stdin.on('error', this.#onError);
    // The client closing our stdout (EPIPE) must not become an uncaught 'error' event.
    this.stdout.on('error', this.#onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed || this.stdout.destroyed || this.stdout.writableEnded) {
        resolve();
        return;
      }
      this.stats.sent++;
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) {
        resolve();
        return;
      }
      this.stdout.once('drain', resolve);
      if (!this.#waitingForDrain) {
        this.#waitingForDrain = true;
        this.stdin.pause();
        this.stdout.once('drain', () => {
          this.#waitingForDrain = false;
          if (!this.#closed) this.stdin.resume();
        });
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stdin.off('data', this.#onData);
    this.stdin.off('error', this.#onError);
    this.stdout.off('error', this.#onError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.onclose?.();
  }

  #handle(verdict: Verdict): void {
    switch (verdict.kind) {
      case 'ignored':
        this.stats.ignored++;
        return;
      case 'rejected':
        this.stats.rejected.add(verdict.reason);
        this.opts.onReject?.({ line: this.stats.lines, reason: verdict.reason, detail: verdict.detail, answered: verdict.replies.length > 0 });
        for (const reply of verdict.replies) void this.send(reply);
        return;
      case 'message':
        this.stats.delivered++;
        try {
          this.onmessage?.(verdict.message);
        } catch (err) {
          this.onerror?.(err instanceof Error ? err : new Error(String(err)));
        }
    }
  }
}
