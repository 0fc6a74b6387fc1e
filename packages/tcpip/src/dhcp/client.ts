/**
 * A DHCP client (RFC 2131 section 4.4) as a pure state machine: it takes `now` (ns) and
 * UDP payloads from port 67, returns payloads to send from port 68, and exposes its
 * next deadline through `pollAt`. No timers, promises or I/O, so a fake clock drives it
 * through a whole lease in a test. INIT-REBOOT and the ARP probe of an offered address
 * (DHCPDECLINE) are not implemented: the client always starts from INIT.
 */
import { BOOTP_OP, DHCP_MESSAGE_TYPE, DHCP_HTYPE_ETHERNET, parseDhcp, type DhcpRepr } from "@mirage-ts/wire";
import {
  buildDiscover,
  buildRelease,
  buildRenewRequest,
  buildSelectingRequest,
  clientIdOf,
  leaseDeadlines,
  macMatches,
  prefixOf,
  usableAddress,
  type ClientIdentity,
  type LeaseDeadlines,
} from "./messages.ts";

export interface DhcpLease {
  readonly address: number;
  readonly prefix: number;
  readonly gateway?: number;
  readonly dnsServers: readonly number[];
  /** 0xffffffff means infinite (RFC 2132 section 9.2): never renewed, never lost. */
  readonly leaseSeconds: number;
  readonly serverId: number;
  /** When the REQUEST that obtained it was first sent (RFC 2131 section 4.4.1), ns. */
  readonly obtainedAt: number;
}

export interface DhcpSend {
  /** 0 before a lease. */
  readonly src: number;
  /** 0xffffffff (broadcast) or the server. */
  readonly dst: number;
  /** A UDP payload from port 68 to port 67. */
  readonly payload: Uint8Array;
}

export type DhcpEvent =
  | { readonly kind: "bound"; readonly lease: DhcpLease }
  | { readonly kind: "renewed"; readonly lease: DhcpLease }
  | { readonly kind: "lost"; readonly lease: DhcpLease };

export type DhcpState = "init" | "selecting" | "requesting" | "bound" | "renewing" | "rebinding";

export interface DhcpClientOptions {
  readonly mac: Uint8Array;
  /** n random bytes (xids and retransmission jitter). */
  readonly random: (n: number) => Uint8Array;
  readonly hostname?: string;
  /** RFC 2131 section 4.1: first retransmission after 4 s, doubling up to 64 s. */
  readonly retransmit?: { readonly initialNs?: number; readonly maxNs?: number };
  /** Ask servers to broadcast replies before we have an address (default true). */
  readonly broadcastFlag?: boolean;
}

const SECOND = 1e9;
const BROADCAST = 0xffffffff;
/** Transmissions of a SELECTING-state REQUEST before going back to INIT. */
const MAX_REQUEST_TRANSMISSIONS = 4;
/** RFC 2131 section 4.4.5: RENEWING/REBINDING retransmit no sooner than 60 s. */
const MIN_RENEW_RETRANSMIT = 60 * SECOND;

/** A lease plus its deadlines in ns (undefined when infinite). */
interface Binding extends LeaseDeadlines {
  readonly lease: DhcpLease;
}

export class DhcpClient {
  private readonly who: ClientIdentity;
  private readonly random: (n: number) => Uint8Array;
  private readonly initialNs: number;
  private readonly maxNs: number;
  private readonly broadcastFlag: boolean;

  private st: DhcpState = "init";
  private active = false;
  private xid = 0;
  /** Start of the current acquisition or renewal, for the `secs` field. */
  private exchangeStart = 0;
  /** First transmission of the current REQUEST: the base of the lease it obtains. */
  private requestSentAt = 0;
  private transmissions = 0;
  private nextTx: number | undefined;
  private restartAt: number | undefined;
  private offer: { readonly address: number; readonly serverId: number } | undefined;
  private binding: Binding | undefined;
  private events: DhcpEvent[] = [];
  private counters = { received: 0, ignored: 0, malformed: 0, sent: 0 };

  constructor(options: DhcpClientOptions) {
    const { mac, random, hostname } = options;
    if (!(mac instanceof Uint8Array) || mac.length !== 6) {
      throw new TypeError(`DhcpClient: mac must be a 6-byte Uint8Array, got ${String((mac as { length?: number } | undefined)?.length)} bytes`);
    }
    if (typeof random !== "function") throw new TypeError("DhcpClient: random must be a function");
    if (hostname !== undefined && !/^[\x21-\x7e]{1,255}$/.test(hostname)) {
      throw new RangeError(`DhcpClient: hostname must be 1..255 printable ASCII characters, got ${JSON.stringify(hostname)}`);
    }
    const initialNs = options.retransmit?.initialNs ?? 4 * SECOND;
    const maxNs = options.retransmit?.maxNs ?? 64 * SECOND;
    if (!(initialNs > 0) || !Number.isFinite(initialNs)) throw new RangeError(`DhcpClient: retransmit.initialNs must be > 0, got ${initialNs}`);
    if (!(maxNs >= initialNs) || !Number.isFinite(maxNs)) {
      throw new RangeError(`DhcpClient: retransmit.maxNs must be >= initialNs (${initialNs}), got ${maxNs}`);
    }
    const copy = mac.slice();
    this.who = { mac: copy, clientId: clientIdOf(copy), ...(hostname !== undefined && { hostname }) };
    this.random = random;
    this.initialNs = initialNs;
    this.maxNs = maxNs;
    this.broadcastFlag = options.broadcastFlag ?? true;
  }

  /** Sends the first DHCPDISCOVER (INIT -> SELECTING). */
  start(now: number): DhcpSend[] {
    if (this.active) throw new TypeError(`DhcpClient.start: already started (state ${this.st})`);
    this.active = true;
    return this.discover(now);
  }

  /** A UDP payload from port 67 to port 68, from any source. */
  input(now: number, payload: Uint8Array): DhcpSend[] {
    this.counters.received++;
    const parsed = parseDhcp(payload);
    if (!parsed.ok) {
      this.counters.malformed++;
      return [];
    }
    const m = parsed.value;
    // Only replies to our current transaction, for our hardware address, count.
    if (!this.active || m.op !== BOOTP_OP.REPLY || m.htype !== DHCP_HTYPE_ETHERNET || m.xid !== this.xid || !macMatches(m.chaddr, this.who.mac)) {
      return this.ignore();
    }
    const type = m.options.messageType;
    switch (this.st) {
      case "selecting":
        // RFC 2131 section 4.4.1: the client may choose any offer; the first one wins.
        if (type !== DHCP_MESSAGE_TYPE.OFFER || !usableAddress(m.yiaddr) || m.options.serverId === undefined) return this.ignore();
        this.offer = { address: m.yiaddr, serverId: m.options.serverId };
        this.st = "requesting";
        // The REQUEST keeps the DISCOVER's xid and secs base (section 4.4.1).
        this.transmissions = 0;
        this.requestSentAt = now;
        return this.transmit(now);
      case "requesting": {
        const from = m.options.serverId;
        // A reply from a server we did not select is for someone else's REQUEST.
        if (from !== undefined && from !== this.offer!.serverId) return this.ignore();
        if (type === DHCP_MESSAGE_TYPE.NAK) return this.nak(now);
        if (type !== DHCP_MESSAGE_TYPE.ACK || !this.bind(m, this.offer!.serverId)) return this.ignore();
        return [];
      }
      case "renewing":
      case "rebinding":
        if (type === DHCP_MESSAGE_TYPE.NAK) return this.nak(now);
        if (type !== DHCP_MESSAGE_TYPE.ACK || !this.bind(m, this.binding!.lease.serverId)) return this.ignore();
        return [];
      default:
        return this.ignore();
    }
  }

  pollAt(): number | undefined {
    if (!this.active) return undefined;
    switch (this.st) {
      case "init":
        return this.restartAt;
      case "selecting":
      case "requesting":
        return this.nextTx;
      case "bound":
        return this.binding!.t1At;
      case "renewing":
        return earliest(this.nextTx, this.binding!.t2At);
      case "rebinding":
        return earliest(this.nextTx, this.binding!.expiresAt);
    }
  }

  /** Handles every deadline that has passed; call again at `pollAt()`. */
  poll(now: number): DhcpSend[] {
    const out: DhcpSend[] = [];
    // A late poll may cross several deadlines (e.g. lease expiry then the new DISCOVER).
    for (let step = 0; step < 4; step++) {
      const due = this.pollAt();
      if (due === undefined || due > now) break;
      for (const s of this.step(now)) out.push(s);
    }
    return out;
  }

  takeEvents(): DhcpEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  lease(): DhcpLease | undefined {
    return this.binding?.lease;
  }

  state(): DhcpState {
    return this.st;
  }

  stats(): { received: number; ignored: number; malformed: number; sent: number } {
    return { ...this.counters };
  }

  /**
   * Gives the lease back (RFC 2131 section 4.4.6) and stops until `start` is called
   * again. No "lost" event: the caller asked for it. `now` is unused (kept for symmetry).
   */
  release(now: number): DhcpSend[] {
    const b = this.binding;
    this.reset();
    this.active = false;
    if (b === undefined) return [];
    this.xid = this.newXid();
    const payload = buildRelease(this.who, { xid: this.xid, secs: 0, broadcast: false }, b.lease.address, b.lease.serverId);
    return this.sent([{ src: b.lease.address, dst: b.lease.serverId, payload }]);
  }

  private step(now: number): DhcpSend[] {
    const b = this.binding;
    switch (this.st) {
      case "init":
        return this.discover(now);
      case "selecting":
        return this.transmit(now);
      case "requesting":
        // RFC 2131 section 3.1 step 5: no ACK or NAK after retransmitting: back to INIT.
        if (this.transmissions >= MAX_REQUEST_TRANSMISSIONS) return this.discover(now);
        return this.transmit(now);
      default:
        break;
    }
    if (b!.expiresAt !== undefined && now >= b!.expiresAt) {
      // Section 4.4.5: the lease expired; stop using the address and start over.
      this.events.push({ kind: "lost", lease: b!.lease });
      this.reset();
      this.restartAt = now;
      return [];
    }
    if (this.st !== "rebinding" && b!.t2At !== undefined && now >= b!.t2At) {
      this.st = "rebinding";
      this.beginExchange(now);
      return this.transmit(now);
    }
    if (this.st === "bound") {
      this.st = "renewing";
      this.beginExchange(now);
      return this.transmit(now);
    }
    return this.transmit(now);
  }

  /** INIT -> SELECTING with a fresh xid. */
  private discover(now: number): DhcpSend[] {
    this.reset();
    this.st = "selecting";
    this.beginExchange(now);
    return this.transmit(now);
  }

  private beginExchange(now: number): void {
    this.xid = this.newXid();
    this.exchangeStart = now;
    this.requestSentAt = now;
    this.transmissions = 0;
  }

  /** (Re)sends the current state's message and schedules the next retransmission. */
  private transmit(now: number): DhcpSend[] {
    const secs = Math.min(0xffff, Math.floor((now - this.exchangeStart) / SECOND));
    const mine = { xid: this.xid, secs, broadcast: false };
    const early = { ...mine, broadcast: this.broadcastFlag };
    this.transmissions++;
    let send: DhcpSend;
    switch (this.st) {
      case "selecting":
        send = { src: 0, dst: BROADCAST, payload: buildDiscover(this.who, early) };
        break;
      case "requesting":
        send = { src: 0, dst: BROADCAST, payload: buildSelectingRequest(this.who, early, this.offer!.address, this.offer!.serverId) };
        break;
      case "renewing":
      case "rebinding": {
        const lease = this.binding!.lease;
        // Section 4.4.5: RENEWING unicasts to the server that granted the lease,
        // REBINDING broadcasts to any server.
        const dst = this.st === "renewing" ? lease.serverId : BROADCAST;
        send = { src: lease.address, dst, payload: buildRenewRequest(this.who, mine, lease.address) };
        const until = (this.st === "renewing" ? this.binding!.t2At : this.binding!.expiresAt)!;
        // Section 4.4.5: wait half the time remaining until T2 (or expiry), at least 60 s.
        this.nextTx = now + Math.max(MIN_RENEW_RETRANSMIT, (until - now) / 2);
        return this.sent([send]);
      }
      default:
        return [];
    }
    // Section 4.1: 4 s, 8 s, 16 s ... capped, each randomised by up to +-1 s.
    const base = Math.min(this.initialNs * 2 ** Math.min(this.transmissions - 1, 30), this.maxNs);
    this.nextTx = now + base + this.jitter(Math.min(SECOND, base / 4));
    return this.sent([send]);
  }

  /** Installs the lease from an ACK; false if the ACK is unusable. */
  private bind(m: DhcpRepr, fallbackServer: number): boolean {
    const o = m.options;
    // Section 4.3.1 table 3: an ACK to a REQUEST MUST carry the lease time.
    if (o.leaseTime === undefined || !usableAddress(m.yiaddr)) return false;
    const obtainedAt = this.requestSentAt;
    const gateway = o.routers?.[0];
    const lease: DhcpLease = {
      address: m.yiaddr,
      prefix: prefixOf(m.yiaddr, o.subnetMask),
      ...(gateway !== undefined && { gateway }),
      dnsServers: o.dnsServers ?? [],
      leaseSeconds: o.leaseTime,
      serverId: o.serverId ?? fallbackServer,
      obtainedAt,
    };
    const deadlines = leaseDeadlines(obtainedAt, o.leaseTime, o.renewalTime, o.rebindingTime);
    const previous = this.binding?.lease;
    const renewal = this.st === "renewing" || this.st === "rebinding";
    this.reset();
    this.binding = { lease, ...deadlines };
    this.st = "bound";
    if (renewal && previous !== undefined && previous.address === lease.address) {
      this.events.push({ kind: "renewed", lease });
    } else {
      // A renewal that moved us to another address ends the old lease first.
      if (previous !== undefined) this.events.push({ kind: "lost", lease: previous });
      this.events.push({ kind: "bound", lease });
    }
    return true;
  }

  /** DHCPNAK: drop any lease and restart from INIT after a randomised pause. */
  private nak(now: number): DhcpSend[] {
    const b = this.binding;
    if (b !== undefined) this.events.push({ kind: "lost", lease: b.lease });
    this.reset();
    // Section 3.1 step 5 restarts at once; the pause keeps a misconfigured server from
    // driving a tight DISCOVER/REQUEST/NAK loop.
    this.restartAt = now + this.initialNs + this.jitter(Math.min(SECOND, this.initialNs / 4));
    return [];
  }

  private reset(): void {
    this.st = "init";
    this.binding = undefined;
    this.offer = undefined;
    this.nextTx = undefined;
    this.restartAt = undefined;
    this.transmissions = 0;
  }

  private ignore(): DhcpSend[] {
    this.counters.ignored++;
    return [];
  }

  private sent(list: DhcpSend[]): DhcpSend[] {
    this.counters.sent += list.length;
    return list;
  }

  private newXid(): number {
    const r = this.randomBytes(4);
    return ((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0;
  }

  /** Uniform in [-range, +range). */
  private jitter(range: number): number {
    const r = this.randomBytes(2);
    return (((r[0]! << 8) | r[1]!) - 0x8000) / 0x8000 * range;
  }

  private randomBytes(n: number): Uint8Array {
    const r = this.random(n);
    if (!(r instanceof Uint8Array) || r.length < n) throw new TypeError(`DhcpClient: random(${n}) returned ${String((r as { length?: number })?.length)} bytes`);
    return r;
  }
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
