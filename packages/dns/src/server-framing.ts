/**
 * DNS over TCP framing (RFC 1035 section 4.2.2, RFC 7766 section 8): every message is
 * preceded by a two-octet length in network order. A pure, incremental decoder: it is
 * fed whatever a `Flow.read()` returned (a message may span reads, a read may hold
 * several messages) and hands back the complete messages, keeping at most one
 * partial message (bounded by `maxMessageSize` + 2 octets) buffered.
 */

export type FramerResult =
  | { readonly ok: true; readonly messages: Uint8Array[] }
  /** A length prefix announced more than `maxMessageSize`; the stream cannot be trusted further. */
  | { readonly ok: false; readonly messages: Uint8Array[]; readonly oversize: number };

export class TcpFramer {
  private pending = new Uint8Array(0);

  constructor(private readonly maxMessageSize: number) {
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 12 || maxMessageSize > 0xffff) {
      throw new RangeError(`TcpFramer: maxMessageSize must be an integer in 12..65535, got ${String(maxMessageSize)}`);
    }
  }

  /** True when no partial message is buffered (between messages). */
  get idle(): boolean {
    return this.pending.length === 0;
  }

  /** Bytes of an incomplete message (prefix included) held now. */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * Consumes `data` and returns the messages it completed, in order. Each message is a
   * fresh copy: callers may keep it. After an oversize result the framer must be dropped.
   */
  push(data: Uint8Array): FramerResult {
    let buf = data;
    if (this.pending.length > 0) {
      buf = new Uint8Array(this.pending.length + data.length);
      buf.set(this.pending, 0);
      buf.set(data, this.pending.length);
    }
    const messages: Uint8Array[] = [];
    let pos = 0;
    while (buf.length - pos >= 2) {
      const len = (buf[pos]! << 8) | buf[pos + 1]!;
      if (len > this.maxMessageSize) {
        this.pending = new Uint8Array(0);
        return { ok: false, messages, oversize: len };
      }
      if (buf.length - pos - 2 < len) break;
      messages.push(buf.slice(pos + 2, pos + 2 + len));
      pos += 2 + len;
    }
    this.pending = pos === buf.length ? new Uint8Array(0) : buf.slice(pos);
    return { ok: true, messages };
  }
}

/** Prefixes each message with its two-octet length, in one buffer for a single write. */
export function frameMessages(messages: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of messages) {
    if (m.length > 0xffff) throw new RangeError(`frameMessages: a ${m.length}-octet message does not fit a 16-bit length`);
    total += 2 + m.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const m of messages) {
    out[pos] = m.length >>> 8;
    out[pos + 1] = m.length & 0xff;
    out.set(m, pos + 2);
    pos += 2 + m.length;
  }
  return out;
}
