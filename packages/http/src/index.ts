/**
 * @mirage-ts/http: HTTP/1.1 (RFC 9110/9112) message parsing and serialization as pure,
 * incremental state machines over bytes. `RequestParser`/`ResponseParser` take any
 * split of a byte stream (pipelining included) and return events; errors are typed
 * values carrying the status to answer, never exceptions. The serializer validates
 * names and values so no CR/LF can be injected. No I/O here: a server or client
 * wires these to a `Flow`.
 */
export { Headers, type HeaderInit } from "./headers.ts";
export { httpError, type HttpError, type HttpErrorCode } from "./errors.ts";
export { DEFAULT_LIMITS, type BodyEvent, type ParserLimits } from "./message-parser.ts";
export type { BodyKind } from "./framing.ts";
export { RequestParser, type RequestEvent, type RequestHead, type TargetForm } from "./request-parser.ts";
export { ResponseParser, type ResponseEvent, type ResponseHead } from "./response-parser.ts";
export {
  ChunkedEncoder,
  encodeRequestHead,
  encodeResponse,
  encodeResponseHead,
  reasonPhrase,
  responseHasNoBody,
  type BodyFraming,
  type RequestInit,
  type ResponseInit,
} from "./serializer.ts";
export { serveHttp, type Handler, type HttpServer, type Request, type Response, type ServeOptions } from "./server.ts";
export { contentType, parseRange, staticFiles, targetToKey } from "./static.ts";
export { httpRequest, type HttpClientError, type HttpClientErrorCode, type HttpRequestOptions, type HttpResponse } from "./client.ts";
export { parseHttpUrl, resolveReference, type HttpUrl, type UrlError, type UrlErrorCode } from "./client-url.ts";
