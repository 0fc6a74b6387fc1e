import { createSocket } from "node:dgram";
import type { Socket } from "node:dgram";
import { err, ok } from "@mirage-ts/devices";
import type { Datagram, Result, Udp, UdpError, UdpErrorCode } from "@mirage-ts/devices";
import type { Log } from "@mirage-ts/runtime";
import { checkAddress, checkPort, endpoint, errnoOf, messageOf, plainBytes } from "./socket-common.ts";

/** The largest UDP payload IPv4 can carry: 65535 - 20 (IP header) - 8 (UDP header). */
const MAX_UDP_PAYLOAD = 65507;

export function udpError(e: unknown): UdpError {
  const errno = errnoOf(e);
  let code: UdpErrorCode = "io";
  if (errno === "EMSGSIZE") code = "too_large";
  else if (errno === "EHOSTUNREACH" || errno === "ENETUNREACH" || errno === "EADDRNOTAVAIL" || errno === "ECONNREFUSED") code = "unreachable";
  return { code, message: messageOf(e) };
}

/**
 * UDP over node:dgram: one socket per listened port, bound to the stack's address.
 * `send` goes out of the listener's socket when `srcPort` names a listened port (so
 * replies come back to it), out of a socket bound to `srcPort` for that one datagram
 * otherwise, and out of one shared ephemeral socket when no `srcPort` is given.
 * A datagram's `dst.address` is the stack's bound address ("0.0.0.0" when bound to
 * all): Node does not report the destination address of a received datagram.
 */
export class SocketUdp implements Udp {
  private readonly listeners = new Map<number, Socket>();
  private ephemeral: Promise<Result<Socket, UdpError>> | undefined;
  private readonly transient = new Set<Socket>();

  constructor(
    private readonly host: string,
    private readonly log: Log,
  ) {}

  listen(port: number, onDatagram: (d: Datagram) => void): void {
    checkPort("Udp.listen", port);
    if (typeof onDatagram !== "function") throw new TypeError(`Udp.listen: onDatagram must be a function, got ${typeof onDatagram}`);
    if (this.listeners.has(port)) throw new RangeError(`Udp.listen: already listening on port ${port}`);
    const socket = createSocket({ type: "udp4" });
    const dst = endpoint(this.host, port);
    socket.on("message", (msg, rinfo) => {
      try {
        onDatagram({ src: endpoint(rinfo.address, rinfo.port), dst, data: plainBytes(msg) });
      } catch (e) {
        this.log.warn(`udp: the handler for port ${port} threw: ${messageOf(e)}`);
      }
    });
    socket.on("error", (e) => {
      this.log.error(`udp: port ${this.host}:${port}: ${messageOf(e)}`);
      if (this.listeners.get(port) === socket) {
        this.listeners.delete(port);
        socket.close();
      }
    });
    this.listeners.set(port, socket);
    socket.bind(port, this.host);
  }

  unlisten(port: number): void {
    const socket = this.listeners.get(port);
    if (socket === undefined) return;
    this.listeners.delete(port);
    socket.close();
  }

  async send(address: string, port: number, data: Uint8Array, options: { readonly srcPort?: number } = {}): Promise<Result<void, UdpError>> {
    checkAddress("Udp.send", address);
    checkPort("Udp.send", port);
    if (!(data instanceof Uint8Array)) throw new TypeError(`Udp.send: data must be a Uint8Array, got ${typeof data}`);
    if (options.srcPort !== undefined) checkPort("Udp.send", options.srcPort);
    if (data.length > MAX_UDP_PAYLOAD) return err({ code: "too_large", message: `${data.length} bytes exceed the ${MAX_UDP_PAYLOAD}-byte UDP payload limit` });
    const src = options.srcPort;
    let socket: Socket;
    let oneShot = false;
    const listener = src === undefined ? undefined : this.listeners.get(src);
    if (listener !== undefined) {
      socket = listener;
    } else if (src !== undefined) {
      const bound = await this.bind(src);
      if (!bound.ok) return bound;
      socket = bound.value;
      oneShot = true;
    } else {
      this.ephemeral ??= this.bind(0).then((r) => {
        if (r.ok) {
          this.transient.delete(r.value);
          r.value.unref(); // an idle send socket must not keep the process alive
        } else this.ephemeral = undefined;
        return r;
      });
      const shared = await this.ephemeral;
      if (!shared.ok) return shared;
      socket = shared.value;
    }
    const result = await new Promise<Result<void, UdpError>>((resolve) => {
      socket.send(data, port, address, (e) => resolve(e ? err(udpError(e)) : ok(undefined)));
    });
    if (oneShot) {
      this.transient.delete(socket);
      socket.close();
    }
    return result;
  }

  /** Closes every socket. */
  disconnect(): void {
    for (const port of [...this.listeners.keys()]) this.unlisten(port);
    for (const s of this.transient) s.close();
    this.transient.clear();
    const eph = this.ephemeral;
    this.ephemeral = undefined;
    void eph?.then((r) => {
      if (r.ok) r.value.close();
    });
  }

  private bind(port: number): Promise<Result<Socket, UdpError>> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: "udp4" });
      this.transient.add(socket);
      const fail = (e: Error): void => {
        this.transient.delete(socket);
        socket.close();
        resolve(err(udpError(e)));
      };
      socket.once("error", fail);
      socket.bind(port, this.host, () => {
        socket.off("error", fail);
        socket.on("error", (e) => this.log.debug(`udp: send socket: ${messageOf(e)}`));
        resolve(ok(socket));
      });
    });
  }
}
