/**
 * The stack core: one synchronous object that takes received Ethernet frames, demuxes
 * them to ARP and IPv4 (then ICMP, UDP, TCP, DHCP), and sends through `Ipv4Output`.
 * It is deterministic given its clock and random source, so it is tested without a
 * network or timers; `directStack` wraps it in the async `Stack` API.
 *
 * Nothing thrown while handling a frame escapes `input`: bad input is dropped and
 * counted per layer, and an exception (a bug) is counted as `internalErrors`.
 */
import { err, ok, type Result, type UdpError } from "@mirage-ts/devices";
import {
  ETHERTYPE,
  ICMP_UNREACHABLE,
  IPPROTO,
  formatIpv4,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIcmpQuote,
  parseIpv4Packet,
  parseTcp,
  parseUdp,
  type Ipv4PacketRepr,
  type TcpRepr,
} from "@mirage-ts/wire";
import type { ArpOptions } from "./arp.ts";
import { TokenBucket, mayAnswerWithError, quoteDatagram, type RateLimitOptions } from "./icmp.ts";
import { Ipv4Output, type QueuedTransport, type SendDone } from "./ipv4-output.ts";
import { bump, describe, isFailure, type Counters, type StackStats } from "./stats.ts";
import type { CreateTcpLayer, DhcpClientLike, DhcpSendLike, TcpLayerLike } from "./layers.ts";
import { Reassembler, type ReassemblyOptions } from "./reassembly.ts";
import { LIMITED_BROADCAST, checkInterface, route, subnetBroadcast, type Ipv4Interface } from "./route.ts";
import { UdpLayer } from "./udp.ts";

export type { Counters, StackStats } from "./stats.ts";

const fmt = formatIpv4;

export interface StackCoreOptions {
  readonly mac: Uint8Array;
  /** The largest IPv4 packet the link carries (the Network's MTU). */
  readonly mtu: number;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  /** Hands a frame to the device; the result (a promise, usually) is awaited by UDP sends. */
  readonly transmit: (frame: Uint8Array) => unknown;
  /** Called when `pollAt` may have moved earlier. */
  readonly schedule?: () => void;
  readonly createTcp?: CreateTcpLayer;
  readonly dhcp?: DhcpClientLike;
  readonly arp?: ArpOptions;
  readonly reassembly?: ReassemblyOptions;
  readonly icmpErrors?: RateLimitOptions;
  readonly debug?: (msg: string) => void;
  /** The configured address changed (DHCP bound, renewed with a new address, or lost). */
  readonly onConfigured?: (cfg: Ipv4Interface | undefined) => void;
  readonly onEchoReply?: (src: number, id: number, seq: number, data: Uint8Array) => void;
}

const DHCP_CLIENT_PORT = 68;
const DHCP_SERVER_PORT = 67;

export class StackCore {
  readonly udp: UdpLayer;
  readonly tcp: TcpLayerLike | undefined;
  readonly out: Ipv4Output;
  readonly reassembler: Reassembler;
  private cfg: Ipv4Interface | undefined;
  private broadcast: number | undefined;
  private readonly dhcp: DhcpClientLike | undefined;
  private readonly icmpLimiter: TokenBucket;
  private readonly c = { ethernet: {} as Counters, arp: {} as Counters, ipv4: {} as Counters, icmp: {} as Counters, udp: {} as Counters, tcp: {} as Counters };
  private internalErrors = 0;
  private readonly now: () => number;

  constructor(private readonly o: StackCoreOptions) {
    this.now = o.now;
    this.out = new Ipv4Output({
      mac: o.mac,
      mtu: o.mtu,
      now: o.now,
      random: o.random,
      transmit: o.transmit,
      onArpFailure: (t) => this.arpFailure(t),
      ...(o.arp !== undefined ? { arp: o.arp } : {}),
    });
    this.reassembler = new Reassembler(o.reassembly);
    this.icmpLimiter = new TokenBucket(o.icmpErrors);
    this.dhcp = o.dhcp;
    this.udp = new UdpLayer(
      (dst, srcPort, dstPort, data) => this.sendUdp(dst, srcPort, dstPort, data),
      o.random,
      (port, e) => this.debug(`UDP listener on port ${port} threw: ${String(e)}`),
    );
    this.tcp = o.createTcp?.({
      now: o.now,
      random: o.random,
      output: (src, dst, segment) => this.sendTcp(src, dst, segment),
      mss: () => o.mtu - 40,
      sourceFor: (dst) => route(this.cfg, dst)?.src,
      schedule: () => this.schedule(),
    });
  }

  /** The interface configuration, if any. */
  config(): Ipv4Interface | undefined {
    return this.cfg;
  }

  /** Sets (or clears) the address; a new address is announced with gratuitous ARP. */
  configure(cfg: Ipv4Interface | undefined): void {
    if (cfg !== undefined) checkInterface(cfg);
    this.cfg = cfg;
    this.broadcast = cfg === undefined ? undefined : subnetBroadcast(cfg);
    this.out.handleArp(this.out.arp.setAddresses(this.now(), cfg === undefined ? [] : [cfg.address]));
    this.o.onConfigured?.(cfg);
    this.schedule();
  }

  /** Starts DHCP (when a client was given). */
  startDhcp(): void {
    if (this.dhcp === undefined) throw new TypeError("StackCore: no DHCP client configured");
    this.sendDhcp(this.dhcp.start(this.now()));
    this.schedule();
  }

  /** Handles one received frame. Never throws. */
  input(frame: Uint8Array): void {
    try {
      this.demux(frame);
    } catch (e) {
      this.internalErrors++;
      this.debug(`error handling a frame of ${String((frame as Uint8Array | undefined)?.length)} bytes: ${describe(e)}`);
    }
    this.schedule();
  }

  pollAt(): number | undefined {
    let at = this.out.arp.pollAt();
    const r = this.reassembler.pollAt();
    if (r !== undefined && (at === undefined || r < at)) at = r;
    const t = this.tcp?.pollAt();
    if (t !== undefined && (at === undefined || t < at)) at = t;
    const d = this.dhcp?.pollAt();
    if (d !== undefined && (at === undefined || d < at)) at = d;
    return at;
  }

  /** Runs every machine whose deadline has passed. Never throws. */
  poll(): void {
    try {
      const now = this.now();
      this.out.handleArp(this.out.arp.poll(now));
      this.reassembler.poll(now);
      this.tcp?.poll();
      if (this.dhcp !== undefined) {
        const dp = this.dhcp.pollAt();
        if (dp !== undefined && dp <= now) this.sendDhcp(this.dhcp.poll(now));
      }
    } catch (e) {
      this.internalErrors++;
      this.debug(`error in poll: ${describe(e)}`);
    }
  }

  stats(): StackStats {
    const arp: Counters = { ...this.c.arp, ...this.out.arp.stats, queued: this.out.arp.queuedCount() };
    const ipv4: Counters = { ...this.c.ipv4, ...this.out.stats };
    for (const [k, v] of Object.entries(this.reassembler.stats)) ipv4[`reassembly_${k}`] = v;
    ipv4["reassembly_bytes_held"] = this.reassembler.bytesHeld;
    return {
      ethernet: { ...this.c.ethernet },
      arp,
      ipv4,
      icmp: { ...this.c.icmp },
      udp: { ...this.c.udp, ...this.udp.stats },
      tcp: { ...this.c.tcp, ...(this.tcp?.stats() ?? {}) },
      internalErrors: this.internalErrors,
    };
  }

  /** Sends an ICMP echo request; "unreachable" when there is no route. */
  sendEcho(dst: number, id: number, seq: number, data: Uint8Array): boolean {
    const r = route(this.cfg, dst);
    if (r === undefined) return false;
    this.out.sendIcmp(r.src, dst, r.nextHop, { kind: "echo_request", id, seq, data });
    this.schedule();
    return true;
  }

  /** Releases the DHCP lease and resets TCP connections. */
  shutdown(): void {
    this.tcp?.shutdownAll();
    if (this.dhcp !== undefined && this.cfg !== undefined) this.sendDhcp(this.dhcp.release(this.now()));
    this.out.handleArp(this.out.arp.clear());
  }

  // ---- receive ----

  private demux(frame: Uint8Array): void {
    const eth = parseEthernet(frame);
    if (!eth.ok) return this.drop(this.c.ethernet, eth.error.code, eth.error.message);
    const f = eth.value;
    bump(this.c.ethernet, "rx");
    const d = f.dst;
    const mine = d[0] === this.o.mac[0] && d[1] === this.o.mac[1] && d[2] === this.o.mac[2] && d[3] === this.o.mac[3] && d[4] === this.o.mac[4] && d[5] === this.o.mac[5];
    if (!mine && !(d[0] === 0xff && d[1] === 0xff && d[2] === 0xff && d[3] === 0xff && d[4] === 0xff && d[5] === 0xff)) {
      bump(this.c.ethernet, "not_for_us");
      return;
    }
    if (f.ethertype === ETHERTYPE.IPV4) this.ipv4Input(f.payload);
    else if (f.ethertype === ETHERTYPE.ARP) this.arpInput(f.payload);
    else bump(this.c.ethernet, "unknown_ethertype");
  }

  private arpInput(bytes: Uint8Array): void {
    const p = parseArp(bytes);
    if (!p.ok) return this.drop(this.c.arp, p.error.code, p.error.message);
    this.out.handleArp(this.out.arp.input(this.now(), p.value));
  }

  private ipv4Input(bytes: Uint8Array): void {
    const p = parseIpv4Packet(bytes);
    if (!p.ok) return this.drop(this.c.ipv4, p.error.code, p.error.message);
    const ip = p.value;
    bump(this.c.ipv4, "rx");
    const cfg = this.cfg;
    let toBroadcast = false;
    let dhcpOnly = false;
    if (cfg !== undefined && ip.dst === cfg.address) {
      // ours
    } else if (ip.dst === LIMITED_BROADCAST || (this.broadcast !== undefined && ip.dst === this.broadcast)) {
      toBroadcast = true;
    } else if (cfg === undefined && this.dhcp !== undefined && ip.protocol === IPPROTO.UDP) {
      // Before we have a lease, a server may unicast its OFFER/ACK to the offered address (RFC 2131 section 4.1).
      dhcpOnly = true;
    } else {
      bump(this.c.ipv4, "not_for_us");
      return;
    }
    // A multicast, broadcast or loopback source is a martian (RFC 1122 section 3.2.1.3).
    // So is our own address coming back from the wire.
    if (ip.src >>> 28 >= 0xe || ip.src >>> 24 === 127 || ip.src === this.broadcast || (cfg !== undefined && ip.src === cfg.address)) return this.drop(this.c.ipv4, "bad_source", `IPv4 source ${fmt(ip.src)} is not a host`);
    let payload = ip.payload;
    if (ip.moreFragments || ip.fragmentOffset !== 0) {
      bump(this.c.ipv4, "rx_fragments");
      const whole = this.reassembler.input(this.now(), {
        src: ip.src,
        dst: ip.dst,
        protocol: ip.protocol,
        id: ip.identification,
        offset: ip.fragmentOffset,
        moreFragments: ip.moreFragments,
        payload,
      });
      if (whole === undefined) return;
      payload = whole.payload;
    }
    switch (ip.protocol) {
      case IPPROTO.UDP:
        return this.udpInput(ip, payload, toBroadcast, dhcpOnly);
      case IPPROTO.TCP:
        if (toBroadcast || dhcpOnly) return bump(this.c.ipv4, "not_for_us");
        return this.tcpInput(ip, payload);
      case IPPROTO.ICMP:
        if (dhcpOnly) return bump(this.c.ipv4, "not_for_us");
        return this.icmpInput(ip, payload, toBroadcast);
      default:
        bump(this.c.ipv4, "unknown_protocol");
        if (!toBroadcast && !dhcpOnly) this.sendIcmpError(ip, payload, ICMP_UNREACHABLE.PROTOCOL, false);
    }
  }

  private udpInput(ip: Ipv4PacketRepr, payload: Uint8Array, toBroadcast: boolean, dhcpOnly: boolean): void {
    const u = parseUdp(payload, ip.src, ip.dst);
    if (!u.ok) return this.drop(this.c.udp, u.error.code, u.error.message);
    const d = u.value;
    if (this.dhcp !== undefined && d.dstPort === DHCP_CLIENT_PORT && d.srcPort === DHCP_SERVER_PORT) {
      bump(this.c.udp, "dhcp");
      this.sendDhcp(this.dhcp.input(this.now(), d.payload));
      return;
    }
    if (dhcpOnly) return bump(this.c.ipv4, "not_for_us");
    if (!this.udp.deliver(ip.src, ip.dst, d.srcPort, d.dstPort, d.payload) && !toBroadcast) {
      // RFC 1122 section 4.1.3.1: a datagram for a port nobody listens on gets a port unreachable.
      this.sendIcmpError(ip, payload, ICMP_UNREACHABLE.PORT, false);
    }
  }

  private tcpInput(ip: Ipv4PacketRepr, payload: Uint8Array): void {
    if (this.tcp === undefined) return bump(this.c.ipv4, "unknown_protocol");
    const s = parseTcp(payload, ip.src, ip.dst);
    if (!s.ok) return this.drop(this.c.tcp, s.error.code, s.error.message);
    bump(this.c.tcp, "rx_segments");
    this.tcp.input(ip.src, ip.dst, s.value);
  }

  private icmpInput(ip: Ipv4PacketRepr, payload: Uint8Array, toBroadcast: boolean): void {
    const m = parseIcmp(payload);
    if (!m.ok) return this.drop(this.c.icmp, m.error.code, m.error.message);
    const msg = m.value;
    switch (msg.kind) {
      case "echo_request": {
        bump(this.c.icmp, "echo_requests");
        // Like Linux (icmp_echo_ignore_broadcasts), broadcast pings are not answered (RFC 1122 section 3.2.2.6 allows it).
        if (toBroadcast) return bump(this.c.icmp, "broadcast_ignored");
        const r = route(this.cfg, ip.src);
        if (r === undefined) return bump(this.c.icmp, "no_route");
        // RFC 1122 section 3.2.2.6: the reply's source is the request's destination and the data is returned unchanged.
        this.out.sendIcmp(ip.dst, ip.src, r.nextHop, { kind: "echo_reply", id: msg.id, seq: msg.seq, data: msg.data });
        bump(this.c.icmp, "echo_replies");
        return;
      }
      case "echo_reply":
        bump(this.c.icmp, "echo_replies_received");
        this.o.onEchoReply?.(ip.src, msg.id, msg.seq, msg.data);
        return;
      case "dest_unreachable": {
        bump(this.c.icmp, "dest_unreachable");
        const q = parseIcmpQuote(msg.original);
        if (!q.ok) return this.drop(this.c.icmp, q.error.code, q.error.message);
        const quote = q.value;
        // Only errors about datagrams we sent are believed (RFC 5927 section 4.1 checks).
        if (this.cfg === undefined || quote.src !== this.cfg.address) return bump(this.c.icmp, "not_ours");
        if (quote.protocol === IPPROTO.TCP) this.tcp?.unreachable(quote.src, quote.dst, quote.srcPort, quote.dstPort, msg.code);
        // UDP is connectionless here: the error is counted, as mirage-tcpip does.
        else if (quote.protocol === IPPROTO.UDP) bump(this.c.icmp, "udp_unreachable");
        return;
      }
      case "time_exceeded":
        bump(this.c.icmp, "time_exceeded");
        return;
    }
  }

  // ---- send ----

  private sendUdp(dst: number, srcPort: number, dstPort: number, data: Uint8Array): Promise<Result<void, UdpError>> {
    const r = route(this.cfg, dst);
    if (r === undefined) {
      bump(this.c.udp, "tx_no_route");
      return Promise.resolve(err({ code: "unreachable", message: `no route to ${fmt(dst)}` }));
    }
    return new Promise((resolve) => {
      const done: SendDone = (sent, wrote) => {
        if (!sent) resolve(err({ code: "unreachable", message: `${fmt(r.nextHop)} does not answer ARP` }));
        else Promise.resolve(wrote).then(
          (w) => resolve(isFailure(w) ? err({ code: "io", message: w.error.message }) : ok(undefined)),
          (e: unknown) => resolve(err({ code: "io", message: String(e) })),
        );
      };
      this.out.sendUdp(r.src, dst, r.nextHop, srcPort, dstPort, data, done);
      this.schedule();
    });
  }

  private sendTcp(src: number, dst: number, segment: TcpRepr): void {
    const r = route(this.cfg, dst);
    if (r === undefined) return bump(this.c.tcp, "tx_no_route");
    this.out.sendTcp(src, dst, r.nextHop, segment);
  }

  /** An ICMP destination unreachable about a received datagram, within RFC 1122's rules and our rate limit. */
  private sendIcmpError(ip: Ipv4PacketRepr, transport: Uint8Array, code: number, toBroadcast: boolean): void {
    const cfg = this.cfg;
    if (cfg === undefined) return;
    const allowed = mayAnswerWithError({ src: ip.src, dstIsBroadcast: toBroadcast, fragmentOffset: 0, protocol: ip.protocol, firstTransportByte: transport[0] });
    if (!allowed) return;
    if (!this.icmpLimiter.take(this.now())) return bump(this.c.icmp, "errors_rate_limited");
    const r = route(cfg, ip.src);
    if (r === undefined) return;
    const quote = quoteDatagram(ip, transport);
    bump(this.c.icmp, code === ICMP_UNREACHABLE.PORT ? "port_unreachable_sent" : "unreachable_sent");
    this.out.sendIcmp(cfg.address, ip.src, r.nextHop, { kind: "dest_unreachable", code, nextHopMtu: 0, original: quote });
  }

  private sendDhcp(sends: readonly DhcpSendLike[]): void {
    for (const s of sends) {
      let nextHop: number;
      if (s.dst === LIMITED_BROADCAST) nextHop = LIMITED_BROADCAST;
      else {
        const r = route(this.cfg, s.dst);
        if (r === undefined) {
          bump(this.c.udp, "tx_no_route");
          continue;
        }
        nextHop = r.nextHop;
      }
      this.out.sendUdp(s.src, s.dst, nextHop, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, s.payload);
    }
    this.dhcpEvents();
  }

  private dhcpEvents(): void {
    if (this.dhcp === undefined) return;
    for (const ev of this.dhcp.takeEvents()) {
      if (ev.kind === "lost") {
        this.debug("DHCP lease lost");
        this.configure(undefined);
      } else {
        const l = ev.lease;
        const cur = this.cfg;
        if (cur === undefined || cur.address !== l.address || cur.prefix !== l.prefix || cur.gateway !== l.gateway) {
          try {
            this.configure({ address: l.address, prefix: l.prefix, gateway: l.gateway });
          } catch (e) {
            // A lease we cannot use (e.g. a gateway off the subnet) is ignored, not fatal.
            bump(this.c.ipv4, "bad_lease");
            this.debug(`DHCP lease not applied: ${describe(e)}`);
          }
        }
      }
    }
  }

  /** A packet queued for ARP was dropped: tell TCP so a connect fails fast ("unreachable"). */
  private arpFailure(t: QueuedTransport | undefined): void {
    bump(this.c.ipv4, "tx_arp_failed");
    if (t !== undefined && t.protocol === IPPROTO.TCP) this.tcp?.unreachable(t.src, t.dst, t.srcPort, t.dstPort, ICMP_UNREACHABLE.HOST);
  }

  private drop(counters: Counters, reason: string, message: string): void {
    bump(counters, "dropped");
    bump(counters, reason);
    this.debug(message);
  }

  private debug(msg: string): void {
    try {
      this.o.debug?.(msg);
    } catch {
      // A failing logger must not break the frame handler.
    }
  }

  private schedule(): void {
    this.o.schedule?.();
  }
}
