/**
 * The async shell around `StackCore`: one `listen` on the Network feeds it frames, one
 * timer is kept armed for the earliest deadline of all its machines (ARP, reassembly,
 * TCP, DHCP), and the app-facing `Stack` API (dotted strings, promises) sits on top.
 * The TCP and DHCP implementations are injected so the shell can be tested with stubs;
 * `directStack` (direct-stack.ts) binds the real ones.
 */
import { MirageError, err, ok } from "@mirage-ts/devices";
import type { Arp, Ethernet, Icmp, Ipv4, Ipv4Config, Network, PingError, PingReply, Result, Stack, Tcp } from "@mirage-ts/devices";
import { formatIpv4, formatMac, parseCidr, parseIpv4 } from "@mirage-ts/wire";
import type { ArpOptions } from "./arp.ts";
import { StackCore, type StackStats } from "./core.ts";
import type { RateLimitOptions } from "./icmp.ts";
import type { CreateDhcpClient, CreateTcpLayer } from "./layers.ts";
import type { ReassemblyOptions } from "./reassembly.ts";
import { checkInterface, type Ipv4Interface } from "./route.ts";

/** Time as the stack sees it; the network simulator injects virtual time here. */
export interface StackTime {
  /** Monotonic nanoseconds. */
  now(): number;
  /** Calls `fn` once after `delayNs`; returns a cancel function. */
  setTimer(delayNs: number, fn: () => void): () => void;
}

export interface ShellOptions<TcpOpts> {
  /**
   * A static address, as `{ address, prefix, gateway? }` or "A.B.C.D/N"; omitted, the
   * stack asks DHCP and resolves once it has a lease.
   */
  readonly ipv4?: StaticIpv4;
  readonly time: StackTime;
  readonly random: (n: number) => Uint8Array;
  readonly tcp?: TcpOpts;
  /** How long to wait for a DHCP lease before `directStack` rejects (default 30 s). */
  readonly dhcpTimeoutNs?: number;
  /** Sent to the DHCP server (option 12). */
  readonly hostname?: string;
  readonly arp?: ArpOptions;
  readonly reassembly?: ReassemblyOptions;
  /** The rate of ICMP errors we send (default 100/s, bursts of 50). */
  readonly icmpErrors?: RateLimitOptions;
  readonly debug?: (msg: string) => void;
}

export interface ShellDeps<TcpOpts> {
  readonly createTcp: (env: Parameters<CreateTcpLayer>[0], options: TcpOpts | undefined) => ReturnType<CreateTcpLayer>;
  readonly createDhcp: CreateDhcpClient;
}

export interface DirectStack extends Stack {
  readonly ethernet: Ethernet;
  readonly arp: Arp;
  readonly ipv4: Ipv4;
  readonly icmp: Icmp;
  /** Counters flattened as "layer.name" ("ipv4.bad_checksum", "icmp.echo_requests", ...). */
  stats(): Readonly<Record<string, number>>;
  /** The same counters grouped per layer, including frames dropped as malformed. */
  layerStats(): StackStats;
}

export type StaticIpv4 = string | { readonly address: string; readonly prefix: number; readonly gateway?: string };

function staticConfig(v: StaticIpv4): Ipv4Interface {
  if (typeof v === "string") {
    const c = parseCidr(v);
    if (c === undefined) throw new TypeError(`directStack: ipv4 is not A.B.C.D/N: ${JSON.stringify(v)}`);
    checkInterface(c);
    return { address: c.address, prefix: c.prefix };
  }
  const address = parseIpv4(v.address);
  if (address === undefined) throw new TypeError(`directStack: ipv4.address is not a dotted quad: ${JSON.stringify(v.address)}`);
  if (!Number.isInteger(v.prefix) || v.prefix < 0 || v.prefix > 32) throw new RangeError(`directStack: ipv4.prefix must be an integer 0..32, got ${String(v.prefix)}`);
  let gateway: number | undefined;
  if (v.gateway !== undefined) {
    gateway = parseIpv4(v.gateway);
    if (gateway === undefined) throw new TypeError(`directStack: ipv4.gateway is not a dotted quad: ${JSON.stringify(v.gateway)}`);
  }
  const cfg = { address, prefix: v.prefix, gateway };
  // Before touching the network: a bad address is the caller's error, not a half-started stack.
  checkInterface(cfg);
  return cfg;
}

/** "layer.name" -> number for every numeric counter (nested objects are joined with dots). */
export function flattenStats(s: StackStats): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (prefix: string, v: unknown, depth: number): void => {
    if (typeof v === "number") out[prefix] = v;
    else if (typeof v === "object" && v !== null && depth < 4) for (const [k, x] of Object.entries(v)) walk(`${prefix}.${k}`, x, depth + 1);
  };
  for (const [layer, v] of Object.entries(s)) {
    if (typeof v === "number") out[layer] = v;
    else walk(layer, v, 0);
  }
  return out;
}

export async function createDirectStack<TcpOpts>(net: Network, options: ShellOptions<TcpOpts>, deps: ShellDeps<TcpOpts>): Promise<DirectStack> {
  const time = options.time;
  const cfg = options.ipv4 === undefined ? undefined : staticConfig(options.ipv4);
  const dhcpTimeoutNs = options.dhcpTimeoutNs ?? 30e9;
  if (!(dhcpTimeoutNs > 0)) throw new RangeError(`directStack: dhcpTimeoutNs must be > 0, got ${String(dhcpTimeoutNs)}`);

  let core: StackCore | undefined;
  let closed = false;
  let armedAt: number | undefined;
  let cancelTimer: (() => void) | undefined;
  let txErrors = 0;
  let configured: (() => void) | undefined;
  const pings = new Map<number, { readonly src: number; readonly sentAt: number; readonly bytes: number; readonly finish: (r: Result<PingReply, PingError>) => void }>();
  const pingId = (() => {
    const r = options.random(2);
    return (r[0]! << 8) | r[1]!;
  })();
  let pingSeq = 0;

  const fire = (): void => {
    armedAt = undefined;
    cancelTimer = undefined;
    if (closed || core === undefined) return;
    core.poll();
    schedule();
  };
  // One timer for the earliest deadline. A later deadline leaves an earlier timer
  // armed: it fires, polls (a no-op for machines not yet due) and re-arms.
  const schedule = (): void => {
    if (closed || core === undefined) return;
    const at = core.pollAt();
    if (at === undefined || (armedAt !== undefined && armedAt <= at)) return;
    cancelTimer?.();
    armedAt = at;
    cancelTimer = time.setTimer(Math.max(0, at - time.now()), fire);
  };

  const transmit = (frame: Uint8Array): Promise<unknown> =>
    net.write(frame).then(
      (r) => {
        if (!r.ok) txErrors++;
        return r;
      },
      (e: unknown) => {
        txErrors++;
        return err({ code: "io", message: String(e) });
      },
    );

  const theCore = new StackCore({
    mac: net.mac,
    mtu: net.mtu,
    now: () => time.now(),
    random: options.random,
    transmit,
    schedule,
    createTcp: (env) => deps.createTcp(env, options.tcp),
    ...(cfg === undefined ? { dhcp: deps.createDhcp({ mac: net.mac, random: options.random, ...(options.hostname !== undefined ? { hostname: options.hostname } : {}) }) } : {}),
    ...(options.arp !== undefined ? { arp: options.arp } : {}),
    ...(options.reassembly !== undefined ? { reassembly: options.reassembly } : {}),
    ...(options.icmpErrors !== undefined ? { icmpErrors: options.icmpErrors } : {}),
    ...(options.debug !== undefined ? { debug: options.debug } : {}),
    onConfigured: (c) => {
      if (c !== undefined) configured?.();
    },
    onEchoReply: (src, id, seq, data) => {
      if (id !== pingId) return;
      const p = pings.get(seq);
      if (p === undefined || p.src !== src || data.length !== p.bytes) return;
      p.finish(ok({ address: formatIpv4(src), seq, bytes: data.length, rttNs: time.now() - p.sentAt }));
    },
  });
  core = theCore;

  let listenFailed: ((e: Error) => void) | undefined;
  const listening = net.listen((frame) => theCore.input(frame)).then(
    (r) => {
      if (!r.ok) listenFailed?.(new MirageError("device", `network listen failed: ${r.error.message}`));
    },
    (e: unknown) => listenFailed?.(new MirageError("device", `network listen failed: ${String(e)}`)),
  );

  const addresses = (): readonly Ipv4Config[] => {
    const c = theCore.config();
    if (c === undefined) return [];
    return [{ address: formatIpv4(c.address), prefix: c.prefix, ...(c.gateway !== undefined ? { gateway: formatIpv4(c.gateway) } : {}) }];
  };
  const icmp: Icmp = {
    ping(address, pingOptions = {}) {
      const dst = parseIpv4(address);
      if (dst === undefined) throw new TypeError(`ping: not an IPv4 address: ${JSON.stringify(address)}`);
      const size = pingOptions.size ?? 56;
      if (!Number.isInteger(size) || size < 0 || size > 65507) throw new RangeError(`ping: size must be an integer 0..65507, got ${String(size)}`);
      const timeoutNs = pingOptions.timeoutNs ?? 1e9;
      if (!(timeoutNs > 0)) throw new RangeError(`ping: timeoutNs must be > 0, got ${String(timeoutNs)}`);
      const seq = pingSeq;
      pingSeq = (pingSeq + 1) & 0xffff;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = i & 0xff;
      return new Promise((resolve) => {
        const cancel = time.setTimer(timeoutNs, () => {
          pings.delete(seq);
          resolve(err({ code: "timeout", message: `no echo reply from ${address} within ${timeoutNs / 1e6} ms` }));
        });
        pings.set(seq, {
          src: dst,
          sentAt: time.now(),
          bytes: size,
          finish: (r) => {
            cancel();
            pings.delete(seq);
            resolve(r);
          },
        });
        if (!theCore.sendEcho(dst, pingId, seq, data)) pings.get(seq)?.finish(err({ code: "unreachable", message: `no route to ${address}` }));
      });
    },
  };

  const stack: DirectStack = {
    ethernet: { mac: net.mac, mtu: net.mtu },
    arp: {
      entries: () => theCore.out.arp.bindings(time.now()).map((b) => ({ address: formatIpv4(b.ip), mac: formatMac(b.mac), expiresInNs: b.expiresInNs })),
    },
    ipv4: { addresses, mtu: net.mtu },
    icmp,
    udp: theCore.udp,
    get tcp(): Tcp {
      if (theCore.tcp === undefined) throw new TypeError("directStack: no TCP layer");
      return theCore.tcp;
    },
    addresses,
    layerStats(): StackStats {
      const s = theCore.stats();
      return { ...s, ethernet: { ...s.ethernet, tx_errors: txErrors } };
    },
    stats(): Readonly<Record<string, number>> {
      return flattenStats(stack.layerStats());
    },
    async disconnect(): Promise<void> {
      if (closed) return;
      theCore.shutdown();
      closed = true;
      cancelTimer?.();
      cancelTimer = undefined;
      for (const p of [...pings.values()]) p.finish(err({ code: "unreachable", message: "stack disconnected" }));
      await net.disconnect();
      await listening;
    },
  };

  if (cfg !== undefined) {
    // Static: the gratuitous ARP goes out now, and the stack is ready.
    theCore.configure(cfg);
    return stack;
  }
  // DHCP: ready once bound; give up after dhcpTimeoutNs.
  await new Promise<void>((resolve, reject) => {
    let cancelTimeout: (() => void) | undefined;
    const fail = (e: Error): void => {
      cancelTimeout?.();
      configured = undefined;
      void stack.disconnect().then(() => reject(e), () => reject(e));
    };
    configured = () => {
      configured = undefined;
      listenFailed = undefined;
      cancelTimeout?.();
      resolve();
    };
    listenFailed = fail;
    cancelTimeout = time.setTimer(dhcpTimeoutNs, () => fail(new MirageError("timeout", `no DHCP lease within ${dhcpTimeoutNs / 1e9} s`)));
    theCore.startDhcp();
  });
  return stack;
}
