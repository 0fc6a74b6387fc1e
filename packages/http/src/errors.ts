/**
 * Typed parse errors. Each carries the status a server should answer with before
 * closing the connection; parsers never throw on bad input.
 */

export type HttpErrorCode =
  | "bad_start_line"
  | "bad_version"
  | "bad_header"
  | "obs_fold"
  | "uri_too_long"
  | "header_too_large"
  | "too_many_headers"
  | "missing_host"
  | "bad_content_length"
  | "conflicting_framing"
  | "bad_transfer_encoding"
  | "unsupported_transfer_coding"
  | "bad_chunk"
  | "body_too_large"
  | "truncated";

export interface HttpError {
  readonly kind: "http_error";
  readonly code: HttpErrorCode;
  /** Status to answer with (400, 413, 414, 431, 501, 505); 502 for response-parser errors. */
  readonly status: number;
  readonly message: string;
}

export function httpError(code: HttpErrorCode, status: number, message: string): HttpError {
  return { kind: "http_error", code, status, message };
}
