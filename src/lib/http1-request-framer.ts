/**
 * Finds where one HTTP/1.1 request ends in a byte stream, without parsing it: just enough of
 * RFC 9112 §6 (message body length) to hand Node's parser one request at a time.
 *
 * Why: Node's parser runs over a whole socket read in one call, and a client that pipelines
 * hundreds of small POSTs in one segment gets all of them parsed and dispatched in one turn of
 * the event loop (measured: ~780 requests per 64 KiB read, 190-455 ms of loop time). Fed one
 * request per turn, a pipelining client waits for itself, not the loop for it.
 *
 * The framer never rejects: anything it cannot frame (no header end within the limit, a
 * malformed length, both Content-Length and Transfer-Encoding) is `unframable`, and the caller
 * hands the rest of the stream to Node's parser, which answers 400/431 and closes. Length rules:
 * - §6.1: Transfer-Encoding whose final coding is chunked → chunked body; any other
 *   Transfer-Encoding on a request → unframable (the parser answers 400).
 * - §6.2/§6.3: Content-Length (identical repeated values are allowed) → that many bytes;
 *   neither header → no body.
 * - §7.1 chunked: `size[;ext] CRLF data CRLF` …, `0[;ext] CRLF`, trailer fields, CRLF.
 */

export type Framing =
  | { kind: 'length'; headerBytes: number; bodyBytes: number }
  | { kind: 'chunked'; headerBytes: number }
  | { kind: 'unframable'; reason: string };

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * The framing of the request whose head starts at `buf[0]`, or null if the head is not
 * complete yet (and still within `maxHeaderBytes`).
 */
export function frameRequestHead(buf: Buffer, maxHeaderBytes: number): Framing | null {
  // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
  let start = 0;
  while (start + 1 < buf.length && buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
  const end = buf.indexOf(CRLFCRLF, start);
  if (end < 0) return buf.length > maxHeaderBytes ? { kind: 'unframable', reason: 'header too large' } : null;
  if (end + 4 > maxHeaderBytes) return { kind: 'unframable', reason: 'header too large' };
  const headerBytes = end + 4;
  const lines = buf.toString('latin1', start, end).split('\r\n');
  let contentLength: number | null = null;
  let transferEncoding: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'unframable', reason: 'malformed header line' };
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      // §8.6 allows a list of identical values; anything else is a framing error.
      const values = value.split(',').map((v) => v.trim());
      if (!values.every((v) => /^\d{1,15}$/.test(v)) || new Set(values).size !== 1) return { kind: 'unframable', reason: 'bad content-length' };
      const n = Number(values[0]);
      if (contentLength !== null && contentLength !== n) return { kind: 'unframable', reason: 'conflicting content-length' };
      contentLength = n;
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === null ? value.toLowerCase() : `${transferEncoding}, ${value.toLowerCase()}`;
    }
  }
  if (transferEncoding !== null) {
    // §6.1: a request with both is a smuggling attempt or a broken client; Node refuses it too.
    if (contentLength !== null) return { kind: 'unframable', reason: 'content-length with transfer-encoding' };
    const codings = transferEncoding.split(',').map((c) => c.trim());
    if (codings[codings.length - 1] !== 'chunked') return { kind: 'unframable', reason: 'transfer-encoding not ending in chunked' };
    return { kind: 'chunked', headerBytes };
  }
  return { kind: 'length', headerBytes, bodyBytes: contentLength ?? 0 };
}

/**
 * Walks a chunked body incrementally (§7.1). `feed` consumes what it can of `buf` and returns
 * how many bytes belong to the body; `done` turns true after the final CRLF.
 */
export class ChunkedBodyScanner {
  done = false;
  failed: string | null = null;
  private state: 'size' | 'data' | 'data-crlf' | 'trailer' = 'size';
  private remaining = 0;
  private line = '';

  feed(buf: Buffer, from: number, maxLineBytes = 8192): number {
    let i = from;
    while (i < buf.length && !this.done && this.failed === null) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - i);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'data-crlf';
        continue;
      }
      // Line-oriented states: collect one line.
      const nl = buf.indexOf(0x0a, i);
      const stop = nl < 0 ? buf.length : nl + 1;
      this.line += buf.toString('latin1', i, stop);
      i = stop;
      if (this.line.length > maxLineBytes) {
        this.failed = 'chunk line too long';
        break;
      }
      if (nl < 0) break;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.state === 'size') {
        const m = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/.exec(line);
        if (!m) {
          this.failed = 'bad chunk size';
          break;
        }
        this.remaining = parseInt(m[1]!, 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data-crlf') {
        if (line !== '') {
          this.failed = 'missing CRLF after chunk data';
          break;
        }
        this.state = 'size';
      } else if (line === '') {
        this.done = true; // the empty line that ends the trailer section
      }
    }
    return i - from;
  }
}
