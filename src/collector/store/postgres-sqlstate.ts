/** The PostgreSQL error codes the store reacts to (anything else is passed up unchanged). */

export const SQLSTATE_UNIQUE = '23505';
/** A row for a partition that does not exist: another collector's retention dropped it. */
export const SQLSTATE_NO_PARTITION = '23514';
/** Serialization failure, deadlock detected: the transaction may simply be run again. */
export const RETRYABLE = new Set(['40001', '40P01']);

export function sqlstateOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}
