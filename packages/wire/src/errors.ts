import type { ErrorValue, Result } from "@mirage-ts/devices";

/**
 * Why untrusted bytes were not accepted. Parsers never throw on input: they return
 * one of these, and the stack counts it per layer (DESIGN.md section 4).
 */
export type ParseErrorCode = "truncated" | "bad_checksum" | "malformed" | "unsupported";
export type ParseError = ErrorValue<ParseErrorCode>;
export type ParseResult<T> = Result<T, ParseError>;

export function parseError(code: ParseErrorCode, message: string): { readonly ok: false; readonly error: ParseError } {
  return { ok: false, error: { code, message } };
}
