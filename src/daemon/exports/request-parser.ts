/**
 * gpsd's client request grammar (gpsd_json(5), "COMMANDS"): `?NAME;` or `?NAME={json};`,
 * several per packet or one split over several, separated by nothing or by whitespace.
 * This is a byte-stream tokenizer only; what a command means is the server's business.
 *
 * Two departures from gpsd, both deliberate: gpsd silently ignores text that does not
 * start with `?`, we answer it with an ERROR (once per run of garbage) so a confused client
 * learns why nothing happens; and the pending input is bounded, so an endless request is
 * reported as overlong and skipped rather than buffered.
 *
 * A JSON argument never spans a newline (JSON strings cannot hold a raw one): a request whose
 * argument is still open at a newline ends there, malformed, and is answered at once — as gpsd
 * answers at the newline — instead of swallowing what the client sends next.
 */

export type ParsedRequest =
  | { kind: 'request'; name: string; arg: string | null; text: string }
  | { kind: 'garbage'; text: string }
  | { kind: 'overlong'; bytes: number };

export const DEFAULT_MAX_REQUEST_BYTES = 1024;

const NAME = /^\?([A-Za-z0-9_]*)/;
const SPACE = new Set([' ', '\t', '\r', '\n', ';']);

/**
 * Index one past the end of the JSON value starting at `from`; -1 while it is incomplete;
 * `{ newline }` when a newline arrives before the value closes (a malformed request).
 */
function jsonEnd(s: string, from: number): number | { newline: number } {
  let depth = 0;
  let inString = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '\n') return { newline: i };
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth <= 0) return i + 1;
    }
  }
  return -1;
}

/** The first `;` or newline at or after `from`, or -1. */
function terminator(s: string, from: number): number {
  for (let i = from; i < s.length; i++) if (s[i] === ';' || s[i] === '\n') return i;
  return -1;
}

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

export class RequestParser {
  readonly #max: number;
  #pending = '';
  /** Dropping input up to the next `?`, `;` or newline (inside garbage or an overlong request). */
  #skipping: 'garbage' | 'overlong' | null = null;

  constructor(maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES) {
    this.#max = maxRequestBytes;
  }

  /** Bytes held waiting for the rest of a request; never more than maxRequestBytes. */
  get pendingBytes(): number {
    return this.#pending.length;
  }

  push(chunk: string): ParsedRequest[] {
    const out: ParsedRequest[] = [];
    let s = this.#pending + chunk;
    this.#pending = '';
    let i = 0;
    while (i < s.length) {
      if (this.#skipping) {
        const stop = this.#skipping === 'garbage' ? s.slice(i).search(/[?;\n]/) : terminator(s, i) - i;
        if (stop < 0) return out; // the rest of this packet is skipped too
        i += stop;
        this.#skipping = null;
        continue;
      }
      if (SPACE.has(s[i]!)) {
        i++;
        continue;
      }
      if (s[i] !== '?') {
        const rest = s.slice(i);
        const stop = rest.search(/[?;\n]/);
        out.push({ kind: 'garbage', text: clip(stop < 0 ? rest : rest.slice(0, stop)) });
        if (stop < 0) {
          this.#skipping = 'garbage';
          return out;
        }
        i += stop;
        continue;
      }
      const r = this.#request(s, i, out);
      if (r < 0) {
        // Incomplete: keep it for the next packet, unless it is already too long to be a request.
        const rest = s.slice(i);
        if (rest.length > this.#max) {
          out.push({ kind: 'overlong', bytes: rest.length });
          const t = terminator(rest, 0);
          if (t < 0) this.#skipping = 'overlong';
          else {
            s = rest.slice(t);
            i = 0;
            continue;
          }
        } else this.#pending = rest;
        return out;
      }
      i = r;
    }
    return out;
  }

  /** Parses one request at s[i] === '?'; returns the index after it, or -1 if incomplete. */
  #request(s: string, i: number, out: ParsedRequest[]): number {
    const m = NAME.exec(s.slice(i, i + 64));
    const afterName = i + m![0].length;
    if (afterName >= s.length) return -1;
    const name = m![1]!.toUpperCase();
    const next = s[afterName];
    if (next === ';' || next === '\n' || next === '\r') {
      const end = afterName + 1;
      if (end - i > this.#max) out.push({ kind: 'overlong', bytes: end - i });
      else out.push({ kind: 'request', name, arg: null, text: s.slice(i, end) });
      return end;
    }
    if (next === '=') {
      let start = afterName + 1;
      while (start < s.length && (s[start] === ' ' || s[start] === '\t')) start++;
      if (start >= s.length) return -1;
      const found = s[start] === '{' || s[start] === '[' ? jsonEnd(s, start) : terminator(s, start);
      if (typeof found === 'object') {
        // The argument is cut short by a newline: hand the truncated argument on, so the
        // command reports it as invalid JSON, and carry on after the newline.
        const nl = found.newline;
        if (nl - i > this.#max) out.push({ kind: 'overlong', bytes: nl - i });
        else out.push({ kind: 'request', name, arg: s.slice(start, nl).replace(/\r$/, ''), text: clip(s.slice(i, nl + 1)) });
        return nl + 1;
      }
      const end = found;
      if (end < 0) return -1;
      if (end - i > this.#max) {
        out.push({ kind: 'overlong', bytes: end - i });
        return end;
      }
      out.push({ kind: 'request', name, arg: s.slice(start, end), text: s.slice(i, end) });
      return end;
    }
    // `?NAME` followed by something else: an unknown request shape, reported whole.
    const t = terminator(s, afterName);
    if (t < 0) return -1;
    out.push({ kind: 'request', name: `${name}${s.slice(afterName, t)}`, arg: null, text: clip(s.slice(i, t + 1)) });
    return t + 1;
  }
}
