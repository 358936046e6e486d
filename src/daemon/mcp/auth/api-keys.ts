import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Role = 'read' | 'admin';

export interface StoredKey {
  name: string;
  role: Role;
  /** sha256 of the key, lower-case hex. */
  sha256: string;
}

export interface KeyHolder {
  name: string;
  role: Role;
}

/** sha256 hex of a key: what goes into `mcp.keys[].sha256`. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The configured keys. Only digests are held. A presented key is hashed and compared with every
 * stored digest through timingSafeEqual (equal 32-byte buffers, so the comparison time does not
 * depend on where they differ), without stopping at the first match, so the time taken does not
 * tell an attacker which entry, if any, was close.
 */
export class KeyRing {
  readonly #keys: Array<{ holder: KeyHolder; digest: Buffer }>;

  constructor(keys: readonly StoredKey[]) {
    this.#keys = keys.map((k) => {
      if (!/^[0-9a-f]{64}$/.test(k.sha256)) throw new Error(`key "${k.name}": sha256 must be 64 lower-case hex digits`);
      return { holder: { name: k.name, role: k.role }, digest: Buffer.from(k.sha256, 'hex') };
    });
  }

  get size(): number {
    return this.#keys.length;
  }

  authenticate(presented: string | null): KeyHolder | null {
    if (presented === null || presented === '') return null;
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: KeyHolder | null = null;
    for (const k of this.#keys) {
      if (timingSafeEqual(digest, k.digest) && found === null) found = k.holder;
    }
    return found;
  }
}

/** `Authorization: Bearer KEY` (RFC 6750 §2.1) or `X-API-Key: KEY`; null when neither is sent. */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.trim() !== '') return x.trim();
  return null;
}
