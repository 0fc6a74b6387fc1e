/**
 * A `Network` whose wire is a pair of UDP ports: each datagram carries exactly one
 * Ethernet frame (no FCS, no extra header), which is what QEMU's
 * `-netdev dgram,id=n,local.type=inet,local.host=H,local.port=P,remote.type=inet,remote.host=H,remote.port=Q`
 * (and the older `-netdev socket,udp=...,localaddr=...`) puts on the wire. Needs no
 * root, so two unikernels, or a unikernel and QEMU, can be wired together anywhere.
 *
 * Only datagrams from `remote` are taken: anything else on the local port is dropped
 * and counted, so a stray sender cannot inject frames.
 */
import { createSocket } from "node:dgram";
import type { RemoteInfo, Socket } from "node:dgram";
import { isIP } from "node:net";
import { err, MirageError, ok } from "@mirage-ts/devices";
import type { NetError, Network, Result } from "@mirage-ts/devices";
import { FrameDevice } from "@mirage-ts/devices";
import { checkMac, checkMtu } from "./net-options.ts";

export interface UdpLinkEndpoint {
  /** A literal IPv4 or IPv6 address (no host names: a link is set up before any resolver). */
  readonly address: string;
  readonly port: number;
}

export interface UdpLinkOptions {
  /** Where we receive. */
  readonly local: UdpLinkEndpoint;
  /** Where our frames go, and the only source we accept frames from. */
  readonly remote: UdpLinkEndpoint;
  readonly mac?: Uint8Array;
  readonly mtu?: number;
}

/** Enough socket buffer for a burst of a few hundred full frames. */
const RECV_BUFFER = 1 << 20;

function checkEndpoint(e: UdpLinkEndpoint | undefined, which: string): UdpLinkEndpoint {
  if (typeof e !== "object" || e === null) throw new TypeError(`udpLink: options.${which} must be { address, port }, got ${String(e)}`);
  if (typeof e.address !== "string" || isIP(e.address) === 0) {
    throw new TypeError(`udpLink: ${which}.address must be a literal IP address, got ${JSON.stringify(e.address)}`);
  }
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
    throw new RangeError(`udpLink: ${which}.port must be an integer from 1 to 65535, got ${String(e.port)}`);
  }
  return { address: e.address, port: e.port };
}

function show(e: UdpLinkEndpoint): string {
  return isIP(e.address) === 6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** Binds `local` and links it to `remote`; rejects with MirageError("device") if the port cannot be bound. */
export async function udpLink(options: UdpLinkOptions): Promise<Network> {
  if (typeof options !== "object" || options === null) throw new TypeError(`udpLink: options must be an object, got ${String(options)}`);
  const local = checkEndpoint(options.local, "local");
  const remote = checkEndpoint(options.remote, "remote");
  if (isIP(local.address) !== isIP(remote.address)) {
    throw new TypeError(`udpLink: local ${show(local)} and remote ${show(remote)} are of different address families`);
  }
  const label = `udp link ${show(local)}->${show(remote)}`;
  const mac = checkMac(options.mac, label);
  const mtu = checkMtu(options.mtu, label);
  const socket = createSocket({ type: isIP(local.address) === 6 ? "udp6" : "udp4", recvBufferSize: RECV_BUFFER });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      socket.close();
      const hint = e.code === "EADDRINUSE" ? " (address in use: is another link or QEMU bound to it?)" : e.code === "EADDRNOTAVAIL" ? " (not an address of this host)" : "";
      reject(new MirageError("device", `${label}: cannot bind ${show(local)}: ${e.message}${hint}`));
    };
    socket.once("error", onError);
    socket.bind(local.port, local.address, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  return new UdpLinkNetwork(label, mac, mtu, socket, remote);
}

class UdpLinkNetwork extends FrameDevice {
  private receiving = false;

  constructor(
    label: string,
    mac: Uint8Array,
    mtu: number,
    private readonly socket: Socket,
    private readonly remote: UdpLinkEndpoint,
  ) {
    super(label, mac, mtu);
    // Until `listen`, datagrams are read and dropped (counted): the kernel buffer must not fill with stale frames.
    socket.on("message", (msg: Buffer, from: RemoteInfo) => this.onMessage(msg, from));
    // Asynchronous socket errors (ICMP errors on Linux are not reported for unconnected sockets) end listen.
    socket.on("error", (e) => this.endListen(err({ code: "io", message: `${label}: ${e.message}` })));
  }

  private onMessage(msg: Buffer, from: RemoteInfo): void {
    if (!this.receiving || from.port !== this.remote.port || from.address !== this.remote.address) {
      this.counters.rxDropped++;
      return;
    }
    this.deliver(msg);
  }

  protected startReceiving(): void {
    this.receiving = true;
  }

  protected send(frame: Uint8Array): Promise<Result<void, NetError>> {
    return new Promise((resolve) => {
      this.socket.send(frame, this.remote.port, this.remote.address, (e) => {
        resolve(e ? err({ code: "io", message: `${this.label}: send: ${e.message}` }) : ok(undefined));
      });
    });
  }

  protected close(): Promise<void> {
    this.receiving = false;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
