import type { JsonRpcId } from './jsonrpc-validation.js';
import { TopLevelIdScanner } from './stdio-id-scan.js';

export type Frame = { kind: 'line'; text: string } | { kind: 'oversized'; bytes: number; id: JsonRpcId | null };

/**
 * Newline-delimited messages (MCP stdio) from arbitrary chunks, with a bound: a line longer than
 * `maxLineBytes` (not counting its newline or a CR before it) is not kept; its bytes only pass
 * through an id scanner until the newline, where it is reported as `oversized` and reading
 * carries on with the next line. Memory stays under the bound plus one chunk whatever the peer
 * sends. Bytes are decoded as UTF-8 per whole line, so a character split across chunks survives.
 */
export class LineFramer {
  #parts: Buffer[] = [];
  #length = 0;
  #scanner: TopLevelIdScanner | null = null;
  #skipped = 0;

  constructor(readonly maxLineBytes: number) {}

  /** Bytes of the unfinished line (0 while skipping an oversized one). */
  get pendingBytes(): number {
    return this.#length;
  }

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (end > start) this.#take(chunk.subarray(start, end));
      if (nl === -1) break;
      frames.push(this.#finish());
      start = nl + 1;
    }
    return frames;
  }

  #take(piece: Buffer): void {
    if (this.#scanner) {
      this.#scanner.feed(piece);
      this.#skipped += piece.length;
      return;
    }
    // One byte of slack: a CR before the newline does not count, and is only known at the newline.
    if (this.#length + piece.length > this.maxLineBytes + 1) {
      const scanner = new TopLevelIdScanner();
      for (const p of this.#parts) scanner.feed(p);
      scanner.feed(piece);
      this.#scanner = scanner;
      this.#skipped = this.#length + piece.length;
      this.#parts = [];
      this.#length = 0;
      return;
    }
    this.#parts.push(piece);
    this.#length += piece.length;
  }

  #finish(): Frame {
    if (this.#scanner) {
      const frame: Frame = { kind: 'oversized', bytes: this.#skipped, id: this.#scanner.result() };
      this.#scanner = null;
      this.#skipped = 0;
      return frame;
    }
    let line = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length);
    this.#parts = [];
    this.#length = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxLineBytes) {
      const scanner = new TopLevelIdScanner();
      scanner.feed(line);
      return { kind: 'oversized', bytes: line.length, id: scanner.result() };
    }
    return { kind: 'line', text: line.toString('utf8') };
  }
}
