import { usableId, type JsonRpcId } from './jsonrpc-validation.js';

/**
 * Finds the top-level `"id"` of a JSON object fed to it in pieces, in constant memory: an
 * over-long stdio line is skipped without being buffered, yet a request with an id must
 * still get its error (a client waiting on that id would hang). Only the object's own
 * members count (an "id" inside params is not it); the last one wins, as in JSON.parse. Not a
 * validator: garbage yields null or, at worst, an id the sender did write at depth one.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_KEY = 4;
const MAX_ID = 1024;

export class TopLevelIdScanner {
  #depth = 0;
  #inString = false;
  #escape = false;
  /** Where the top-level object is: expecting a key, the colon, a value, or a comma. */
  #state: 'key' | 'colon' | 'value' | 'after' | 'none' = 'none';
  #capture: 'key' | 'idString' | 'idNumber' | null = null;
  #buf: number[] = [];
  #overflow = false;
  #keyIsId = false;
  #id: JsonRpcId | null = null;

  feed(chunk: Uint8Array): void {
    for (const b of chunk) this.#byte(b);
  }

  /** The id seen, once the whole line has been fed. */
  result(): JsonRpcId | null {
    if (this.#capture === 'idNumber') this.#endNumber();
    return this.#id;
  }

  #push(b: number, max: number): void {
    if (this.#buf.length < max) this.#buf.push(b);
    else this.#overflow = true;
  }

  #startCapture(kind: 'key' | 'idString' | 'idNumber'): void {
    this.#capture = kind;
    this.#buf = [];
    this.#overflow = false;
  }

  #byte(b: number): void {
    if (this.#inString) {
      if (this.#escape) this.#escape = false;
      else if (b === BACKSLASH) this.#escape = true;
      else if (b === QUOTE) return this.#endString();
      if (this.#capture) this.#push(b, this.#capture === 'key' ? MAX_KEY : MAX_ID);
      return;
    }
    if (this.#capture === 'idNumber') {
      if ((b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || b === 0x45 || b === 0x65) return this.#push(b, 32);
      this.#endNumber();
    }
    if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) return;
    const top = this.#depth === 1;
    switch (b) {
      case QUOTE:
        this.#inString = true;
        if (top && this.#state === 'key') this.#startCapture('key');
        else if (top && this.#state === 'value' && this.#keyIsId) this.#startCapture('idString');
        return;
      case 0x7b: // {
      case 0x5b: // [
        if (this.#depth === 0 && b === 0x7b) this.#state = 'key';
        else if (top && this.#state === 'value') this.#value(null);
        this.#depth++;
        return;
      case 0x7d: // }
      case 0x5d: // ]
        this.#depth = Math.max(0, this.#depth - 1);
        return;
      case 0x3a: // :
        if (top && this.#state === 'colon') this.#state = 'value';
        return;
      case 0x2c: // ,
        if (top) this.#state = 'key';
        return;
      default:
        if (!top || this.#state !== 'value') return;
        if (this.#keyIsId && ((b >= 0x30 && b <= 0x39) || b === 0x2d)) {
          this.#startCapture('idNumber');
          this.#push(b, 32);
        } else this.#value(null); // true, false, null, garbage
    }
  }

  #endString(): void {
    this.#inString = false;
    const kind = this.#capture;
    this.#capture = null;
    if (this.#depth !== 1) return;
    if (this.#state === 'key') {
      this.#keyIsId = kind === 'key' && !this.#overflow && Buffer.from(this.#buf).toString('latin1') === 'id';
      this.#state = 'colon';
    } else if (this.#state === 'value') {
      if (kind !== 'idString') this.#state = 'after';
      else if (this.#overflow) this.#value(null);
      else {
        let s: unknown = null;
        try {
          s = JSON.parse(`"${Buffer.from(this.#buf).toString('utf8')}"`);
        } catch {
          // a string JSON.parse would refuse: the line is refused as a whole anyway
        }
        this.#value(typeof s === 'string' ? s : null);
      }
    }
  }

  #endNumber(): void {
    this.#capture = null;
    const n = this.#overflow ? NaN : Number(Buffer.from(this.#buf).toString('latin1'));
    this.#value(usableId(n));
  }

  /** The value of the member just read; only an "id" member's value is kept. */
  #value(id: JsonRpcId | null): void {
    if (this.#keyIsId) this.#id = id;
    this.#keyIsId = false;
    this.#state = 'after';
  }
}
