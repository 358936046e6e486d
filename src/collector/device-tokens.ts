import { createHash, randomBytes } from 'node:crypto';

/**
 * Appliance tokens: 32 random bytes, shown once (`s1d_` + base64url), stored as SHA-256. A
 * token has full entropy, so a fast hash is enough (a password needs scrypt; a random token
 * cannot be guessed from its hash), and lookup by hash is one index probe per batch.
 */
export const TOKEN_PREFIX = 's1d_';

export function newDeviceToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashDeviceToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Device names appear in URLs, labels and logs: keep them to a safe, readable alphabet. */
export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
