import { networkInterfaces } from "node:os";
import type { Ipv4Config, Stack } from "@mirage-ts/devices";
import { MirageError } from "@mirage-ts/devices";
import { createLog } from "@mirage-ts/runtime";
import { checkAddress } from "./socket-common.ts";
import { SocketTcp } from "./socket-tcp.ts";
import { SocketUdp } from "./socket-udp.ts";

export interface SocketStackOptions {
  /** The address to bind listeners and outgoing connections to (default "0.0.0.0": all). */
  readonly ipv4?: string;
}

/**
 * The unix target's socket stack: the `Stack` interface over the host's own TCP/IP
 * (node:net, node:dgram), so a unikernel runs as an ordinary process with no root.
 * Network conditions (refused, timeout, unreachable, reset) come back as typed
 * Results, never as exceptions; bytes reach the app as plain Uint8Arrays; reads and
 * writes carry real backpressure (see SocketFlow).
 */
export async function socketStack(options: SocketStackOptions = {}): Promise<Stack> {
  const ipv4 = options.ipv4 ?? "0.0.0.0";
  checkAddress("socketStack", ipv4);
  const log = createLog("socket-stack");
  const prefix = prefixOf(ipv4);
  if (prefix === undefined) throw new MirageError("device", `socketStack: ${ipv4} is not an address of this host (see \`ip -4 addr\`)`);
  const config: Ipv4Config = { address: ipv4, prefix };
  const tcp = new SocketTcp(ipv4, log);
  const udp = new SocketUdp(ipv4, log);
  return new SocketStack(tcp, udp, config);
}

class SocketStack implements Stack {
  private disconnected = false;

  constructor(
    readonly tcp: SocketTcp,
    readonly udp: SocketUdp,
    private readonly config: Ipv4Config,
  ) {}

  addresses(): readonly Ipv4Config[] {
    return this.disconnected ? [] : [this.config];
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.tcp.disconnect();
    this.udp.disconnect();
  }
}


/** The prefix length of the host interface that carries `ipv4` (0 for "0.0.0.0"), undefined if none does. */
function prefixOf(ipv4: string): number | undefined {
  if (ipv4 === "0.0.0.0") return 0;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === "IPv4" && a.address === ipv4 && a.cidr) return Number(a.cidr.split("/")[1]);
    }
  }
  // Linux answers on all of 127.0.0.0/8 though only 127.0.0.1 is listed.
  return ipv4.startsWith("127.") ? 8 : undefined;
}
