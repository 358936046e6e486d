/** The verdict of checking a candidate file with the real timekeeper binary. */
export interface Validation {
  ok: boolean;
  /** Why the candidate must not be installed. */
  problems: string[];
  /** Worth telling the operator, but no reason to refuse. */
  warnings: string[];
  /** The validator could not run at all (binary missing): nothing was checked. */
  unavailable: boolean;
}

export function verdict(problems: string[], warnings: string[], unavailable = false): Validation {
  return { ok: problems.length === 0 && !unavailable, problems, warnings, unavailable };
}
