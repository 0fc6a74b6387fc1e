/**
 * TCP options (RFC 9293 section 3.2): MSS (kind 2), window scale (3, RFC 7323 section
 * 2), SACK-permitted (4) and SACK (5, RFC 2018), timestamps (8, RFC 7323 section 3),
 * NOP (1) and end of list (0). Unknown kinds are skipped by their length; a length that
 * is too short, runs past the header, or is wrong for a known kind is `malformed`.
 */
import { get16, get32, put16, put32 } from "./bytes.ts";
import { parseError, type ParseResult } from "./errors.ts";
import type { TcpOptions } from "./tcp-repr.ts";

export const TCP_OPTION = { EOL: 0, NOP: 1, MSS: 2, WINDOW_SCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMP: 8 } as const;

/** RFC 7323 section 2.3: the largest shift count. */
export const TCP_MAX_WINDOW_SCALE = 14;

const NO_OPTIONS: TcpOptions = Object.freeze({});

/** Parses the option bytes b[start, end). */
export function parseTcpOptions(b: Uint8Array, start: number, end: number): ParseResult<TcpOptions> {
  if (start === end) return { ok: true, value: NO_OPTIONS };
  let mss: number | undefined;
  let windowScale: number | undefined;
  let sackPermitted = false;
  let sack: Array<readonly [number, number]> | undefined;
  let timestamp: { value: number; echo: number } | undefined;
  let i = start;
  while (i < end) {
    const kind = b[i]!;
    if (kind === TCP_OPTION.EOL) break;
    if (kind === TCP_OPTION.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return parseError("malformed", `TCP option ${kind} has no length byte`);
    const len = b[i + 1]!;
    if (len < 2) return parseError("malformed", `TCP option ${kind} has length ${len} < 2`);
    if (i + len > end) return parseError("malformed", `TCP option ${kind} of length ${len} runs past the header`);
    switch (kind) {
      case TCP_OPTION.MSS:
        if (len !== 4) return parseError("malformed", `TCP MSS option of length ${len}`);
        mss = get16(b, i + 2);
        break;
      case TCP_OPTION.WINDOW_SCALE:
        if (len !== 3) return parseError("malformed", `TCP window scale option of length ${len}`);
        // RFC 7323 section 2.3: a shift above 14 MUST be treated as 14.
        windowScale = Math.min(b[i + 2]!, TCP_MAX_WINDOW_SCALE);
        break;
      case TCP_OPTION.SACK_PERMITTED:
        if (len !== 2) return parseError("malformed", `TCP SACK-permitted option of length ${len}`);
        sackPermitted = true;
        break;
      case TCP_OPTION.SACK: {
        if (len < 10 || (len - 2) % 8 !== 0) return parseError("malformed", `TCP SACK option of length ${len}`);
        sack = [];
        for (let o = i + 2; o < i + len; o += 8) sack.push([get32(b, o), get32(b, o + 4)] as const);
        break;
      }
      case TCP_OPTION.TIMESTAMP:
        if (len !== 10) return parseError("malformed", `TCP timestamp option of length ${len}`);
        timestamp = { value: get32(b, i + 2), echo: get32(b, i + 6) };
        break;
      default:
        break; // RFC 9293 section 3.2: unknown options are skipped by their length.
    }
    i += len;
  }
  const options: {
    mss?: number;
    windowScale?: number;
    sackPermitted?: boolean;
    sack?: ReadonlyArray<readonly [number, number]>;
    timestamp?: { value: number; echo: number };
  } = {};
  if (mss !== undefined) options.mss = mss;
  if (windowScale !== undefined) options.windowScale = windowScale;
  if (sackPermitted) options.sackPermitted = true;
  if (sack !== undefined) options.sack = sack;
  if (timestamp !== undefined) options.timestamp = timestamp;
  return { ok: true, value: options };
}

/**
 * Bytes the options take when emitted, already a multiple of 4. Layout (as Linux sends
 * it): MSS; SACK-permitted folded into the timestamp's two leading pad bytes; NOP +
 * window scale; NOP NOP + SACK blocks.
 */
export function tcpOptionsLen(o: TcpOptions): number {
  let n = 0;
  if (o.mss !== undefined) n += 4;
  if (o.timestamp !== undefined) n += 12;
  else if (o.sackPermitted === true) n += 4;
  if (o.windowScale !== undefined) n += 4;
  if (o.sack !== undefined && o.sack.length > 0) n += 4 + 8 * o.sack.length;
  return n;
}

function checkU32(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`TCP ${what} must be an unsigned 32-bit integer, got ${String(v)}`);
  }
}

/** Writes the options at `offset`; returns the offset after them. Throws on bad values. */
export function emitTcpOptions(buf: Uint8Array, offset: number, o: TcpOptions): number {
  let i = offset;
  if (o.mss !== undefined) {
    if (!Number.isInteger(o.mss) || o.mss < 0 || o.mss > 0xffff) throw new RangeError(`TCP MSS ${String(o.mss)}`);
    buf[i] = TCP_OPTION.MSS;
    buf[i + 1] = 4;
    put16(buf, i + 2, o.mss);
    i += 4;
  }
  if (o.timestamp !== undefined) {
    checkU32("TSval", o.timestamp.value);
    checkU32("TSecr", o.timestamp.echo);
    if (o.sackPermitted === true) {
      buf[i] = TCP_OPTION.SACK_PERMITTED;
      buf[i + 1] = 2;
    } else {
      buf[i] = TCP_OPTION.NOP;
      buf[i + 1] = TCP_OPTION.NOP;
    }
    buf[i + 2] = TCP_OPTION.TIMESTAMP;
    buf[i + 3] = 10;
    put32(buf, i + 4, o.timestamp.value);
    put32(buf, i + 8, o.timestamp.echo);
    i += 12;
  } else if (o.sackPermitted === true) {
    buf[i] = TCP_OPTION.NOP;
    buf[i + 1] = TCP_OPTION.NOP;
    buf[i + 2] = TCP_OPTION.SACK_PERMITTED;
    buf[i + 3] = 2;
    i += 4;
  }
  if (o.windowScale !== undefined) {
    const ws = o.windowScale;
    if (!Number.isInteger(ws) || ws < 0 || ws > TCP_MAX_WINDOW_SCALE) {
      throw new RangeError(`TCP window scale must be 0..14, got ${String(ws)}`);
    }
    buf[i] = TCP_OPTION.NOP;
    buf[i + 1] = TCP_OPTION.WINDOW_SCALE;
    buf[i + 2] = 3;
    buf[i + 3] = ws;
    i += 4;
  }
  if (o.sack !== undefined && o.sack.length > 0) {
    if (o.sack.length > 4) throw new RangeError(`at most 4 TCP SACK blocks fit, got ${o.sack.length}`);
    buf[i] = TCP_OPTION.NOP;
    buf[i + 1] = TCP_OPTION.NOP;
    buf[i + 2] = TCP_OPTION.SACK;
    buf[i + 3] = 2 + 8 * o.sack.length;
    i += 4;
    for (let k = 0; k < o.sack.length; k++) {
      const left = o.sack[k]![0];
      const right = o.sack[k]![1];
      checkU32("SACK left edge", left);
      checkU32("SACK right edge", right);
      put32(buf, i, left);
      put32(buf, i + 4, right);
      i += 8;
    }
  }
  return i;
}
