/**
 * The application's operations on one connection (RFC 9293 section 3.10: SEND,
 * RECEIVE, CLOSE as half-close and full close), synchronous and promise-free; the
 * Flow shell in flow.ts waits and retries around them.
 */
import type { Connection } from "./connection.ts";
import { transmit } from "./output.ts";
import { seqSub } from "./seq.ts";

/** Takes as much of data[offset..] as fits the send buffer; -1 if writing is over. */
export function appWrite(c: Connection, now: number, data: Uint8Array, offset: number): number {
  const s = c.state;
  if (c.finQueued || (s !== "ESTABLISHED" && s !== "CLOSE-WAIT" && s !== "SYN-SENT" && s !== "SYN-RECEIVED")) return -1;
  const n = c.sendBuf.append(data, offset);
  if (n > 0) transmit(c, now);
  return n;
}

/** Buffered bytes (up to max), null at end of stream, undefined if nothing yet. */
export function appRead(c: Connection, now: number, max: number): Uint8Array | null | undefined {
  if (c.recvBuf.readable > 0) {
    const before = Math.max(0, seqSub(c.rcvAdv, c.rcvNxt));
    const data = c.recvBuf.read(max);
    // Window update once the offer would grow by two segments or half the buffer.
    const grow = c.recvBuf.space - before;
    if (c.synchronized && c.state !== "TIME-WAIT" && !c.finReceived &&
        grow >= Math.min(c.recvBuf.capacity >>> 1, 2 * c.rcvMss)) {
      c.sendAck(now);
    }
    return data;
  }
  if (c.finReceived || c.state === "CLOSED") return null;
  return undefined;
}

/** Half-close: FIN after the buffered data (RFC 9293 section 3.10.4). */
export function shutdownWrite(c: Connection, now: number): void {
  if (c.finQueued) return;
  switch (c.state) {
    case "SYN-SENT":
      c.enterClosed(null);
      return;
    case "ESTABLISHED":
      c.finQueued = true;
      c.setState("FIN-WAIT-1");
      break;
    case "CLOSE-WAIT":
      c.finQueued = true;
      c.setState("LAST-ACK");
      break;
    case "SYN-RECEIVED":
      c.finQueued = true; // sent once ESTABLISHED (input.ts)
      return;
    default:
      return;
  }
  transmit(c, now);
}

export function shutdownRead(c: Connection): void {
  c.readShut = true;
  c.recvBuf.discardReadable();
}

/** The application is done with the connection. */
export function appClose(c: Connection, now: number): void {
  if (c.appClosed) return;
  c.appClosed = true;
  // RFC 1122 section 4.2.2.13 and RFC 9293 3.10.4: unread data is lost, so say so with a RST.
  if (c.recvBuf.readable > 0 && c.synchronized && c.state !== "TIME-WAIT") {
    c.abort(now);
    return;
  }
  shutdownRead(c);
  shutdownWrite(c, now);
  if (c.state === "FIN-WAIT-2") c.closeAt = now + c.config.finWait2Timeout;
}
