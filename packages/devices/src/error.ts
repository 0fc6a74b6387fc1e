import type { Result } from "./result.ts";

/**
 * The one error family of mirage-ts. `code` is stable and meant for programs;
 * `message` is for people and may change.
 */
export class MirageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "MirageError";
    this.code = code;
  }
}

/** An error value carried in a `Result`: a stable code plus a human message. */
export interface ErrorValue<C extends string = string> {
  readonly code: C;
  readonly message: string;
}

/** Returns the value of a successful result, or throws its error as a `MirageError`. */
export function unwrap<T>(result: Result<T, ErrorValue>): T {
  if (result.ok) return result.value;
  throw new MirageError(result.error.code, result.error.message);
}
