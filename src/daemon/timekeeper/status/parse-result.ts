/**
 * What a parser of another program's output returns: a value, or an error that says what was
 * wrong and where. Bad output from chronyc or ntpq is a report, never a throw.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const parseError = <T = never>(error: string): Parsed<T> => ({ ok: false, error });

/** Thrown only inside a parser and caught at its edge, so that field readers stay one-liners. */
export class FieldError extends Error {}

export function catchFieldErrors<T>(fn: () => T): Parsed<T> {
  try {
    return parsed(fn());
  } catch (e) {
    if (e instanceof FieldError) return parseError(e.message);
    throw e;
  }
}
