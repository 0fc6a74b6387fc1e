/**
 * The ARP cache (RFC 826) as a pure state machine: it learns IPv4-to-MAC bindings,
 * answers requests for our addresses, holds packets for unresolved next hops in a
 * bounded queue, retries requests, refreshes entries in use before they expire, and
 * announces our addresses (RFC 5227 section 2.3). Time is `now` in nanoseconds.
 *
 * Outputs are returned as plain records; the stack turns them into frames. The queue
 * holds opaque items (the stack queues encoded IPv4 packets and their completion).
 */
import { BROADCAST_MAC } from "@mirage-ts/wire";

/** The fields of an Ethernet/IPv4 ARP packet that the cache reads and writes. */
export interface ArpMessage {
  /** 1 = request, 2 = reply. */
  readonly op: number;
  readonly senderMac: Uint8Array;
  readonly senderIp: number;
  readonly targetMac: Uint8Array;
  readonly targetIp: number;
}

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

const ZERO_MAC = new Uint8Array(6);

export type ArpOutput<T> =
  /** Send this ARP packet in a frame to `dstMac`. */
  | { readonly kind: "arp"; readonly dstMac: Uint8Array; readonly message: ArpMessage }
  /** A queued item whose next hop is now resolved. */
  | { readonly kind: "send"; readonly dstMac: Uint8Array; readonly item: T }
  /** Resolution of `ip` failed (or its queue overflowed): these items are dropped. */
  | { readonly kind: "unreachable"; readonly ip: number; readonly items: readonly T[] };

export interface ArpOptions {
  /** How long a learned binding stays valid (default 60 s). */
  readonly reachableNs?: number;
  /** Before expiry, an entry used since it was learned is refreshed this early (default 5 s). */
  readonly refreshLeadNs?: number;
  /** Interval between requests for an unresolved address (default 1 s). */
  readonly retryNs?: number;
  /** Requests sent before giving up on an address (default 3). */
  readonly maxTries?: number;
  /** Cache entries at most; the oldest is evicted (default 512). */
  readonly maxEntries?: number;
  /** Addresses being resolved at once, at most (default 64). */
  readonly maxPending?: number;
  /** Items queued per unresolved address (default 16); older ones are dropped. */
  readonly maxQueuePerAddress?: number;
  /** Items queued across all addresses (default 256). */
  readonly maxQueued?: number;
  /** Announcements of a new address (default 2, RFC 5227 ANNOUNCE_NUM). */
  readonly announcements?: number;
  /** Time between them (default 2 s, RFC 5227 ANNOUNCE_INTERVAL). */
  readonly announceIntervalNs?: number;
}

export interface ArpStats {
  requestsSent: number;
  repliesSent: number;
  requestsReceived: number;
  repliesReceived: number;
  announcementsSent: number;
  learned: number;
  evicted: number;
  expired: number;
  resolutionFailures: number;
  queueDrops: number;
  ignored: number;
}

interface Entry {
  mac: Uint8Array;
  expiresAt: number;
  /** When to send a refresh if the entry was used; undefined once sent. */
  refreshAt: number | undefined;
  used: boolean;
}

interface Pending<T> {
  tries: number;
  nextAt: number;
  items: T[];
}

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] && a[4] === b[4] && a[5] === b[5];
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`ArpCache: ${name} must be a positive number, got ${String(value)}`);
  return value;
}

export class ArpCache<T> {
  readonly stats: ArpStats = {
    requestsSent: 0,
    repliesSent: 0,
    requestsReceived: 0,
    repliesReceived: 0,
    announcementsSent: 0,
    learned: 0,
    evicted: 0,
    expired: 0,
    resolutionFailures: 0,
    queueDrops: 0,
    ignored: 0,
  };
  private readonly mac: Uint8Array;
  private addresses: number[] = [];
  // Map iteration order is insertion order; entries are re-inserted on update, so the
  // first key is always the least recently learned one (the eviction victim).
  private readonly entries = new Map<number, Entry>();
  private readonly pending = new Map<number, Pending<T>>();
  private queued = 0;
  private deadline: number | undefined;
  private deadlineDirty = false;
  private readonly reachableNs: number;
  private readonly refreshLeadNs: number;
  private readonly retryNs: number;
  private readonly maxTries: number;
  private readonly maxEntries: number;
  private readonly maxPending: number;
  private readonly maxQueuePerAddress: number;
  private readonly maxQueued: number;
  private readonly announceCount: number;
  private readonly announceIntervalNs: number;
  /** Our addresses with announcements still to send. */
  private readonly announcing = new Map<number, { left: number; nextAt: number }>();

  constructor(mac: Uint8Array, options: ArpOptions = {}) {
    if (!(mac instanceof Uint8Array) || mac.length !== 6) throw new TypeError(`ArpCache: mac must be 6 bytes, got ${String(mac)}`);
    this.mac = mac;
    this.reachableNs = positive("reachableNs", options.reachableNs, 60e9);
    this.refreshLeadNs = Math.min(positive("refreshLeadNs", options.refreshLeadNs, 5e9), this.reachableNs / 2);
    this.retryNs = positive("retryNs", options.retryNs, 1e9);
    this.maxTries = positive("maxTries", options.maxTries, 3);
    this.maxEntries = positive("maxEntries", options.maxEntries, 512);
    this.maxPending = positive("maxPending", options.maxPending, 64);
    this.maxQueuePerAddress = positive("maxQueuePerAddress", options.maxQueuePerAddress, 16);
    this.maxQueued = positive("maxQueued", options.maxQueued, 256);
    this.announceCount = positive("announcements", options.announcements, 2);
    this.announceIntervalNs = positive("announceIntervalNs", options.announceIntervalNs, 2e9);
  }

  /**
   * Sets the addresses we answer for and returns a gratuitous announcement for each
   * new one: a broadcast request whose sender and target IP are both ours (RFC 5227
   * section 2.3), which also updates peers' stale entries. Further announcements
   * follow from `poll`.
   */
  setAddresses(now: number, addresses: readonly number[]): ArpOutput<T>[] {
    const out: ArpOutput<T>[] = [];
    for (const ip of addresses) {
      if (this.addresses.includes(ip)) continue;
      out.push(this.announcement(ip));
      if (this.announceCount > 1) {
        this.announcing.set(ip, { left: this.announceCount - 1, nextAt: now + this.announceIntervalNs });
        this.noteDeadline(now + this.announceIntervalNs);
      }
    }
    for (const ip of this.announcing.keys()) if (!addresses.includes(ip)) this.announcing.delete(ip);
    this.addresses = addresses.slice();
    // A binding for our own address would be a conflict or a stale leftover.
    for (const ip of addresses) this.entries.delete(ip);
    this.deadlineDirty = true;
    return out;
  }

  /** An announcement for one of our addresses (e.g. to repeat it). */
  announcement(ip: number): ArpOutput<T> {
    this.stats.announcementsSent++;
    return { kind: "arp", dstMac: BROADCAST_MAC, message: { op: ARP_REQUEST, senderMac: this.mac, senderIp: ip, targetMac: ZERO_MAC, targetIp: ip } };
  }

  /** The MAC for `ip` if known; marks the entry as in use so it is refreshed before expiry. */
  lookup(now: number, ip: number): Uint8Array | undefined {
    const entry = this.entries.get(ip);
    if (entry === undefined || now >= entry.expiresAt) return undefined;
    entry.used = true;
    return entry.mac;
  }

  /**
   * Queues `item` until `ip` resolves, sending the first request if none is under way.
   * Call it after `lookup` returned undefined.
   */
  enqueue(now: number, ip: number, item: T): ArpOutput<T>[] {
    const known = this.lookup(now, ip);
    if (known !== undefined) return [{ kind: "send", dstMac: known, item }];
    const out: ArpOutput<T>[] = [];
    let p = this.pending.get(ip);
    if (p === undefined) {
      if (this.pending.size >= this.maxPending) {
        this.stats.queueDrops++;
        return [{ kind: "unreachable", ip, items: [item] }];
      }
      p = { tries: 1, nextAt: now + this.retryNs, items: [] };
      this.pending.set(ip, p);
      out.push(this.request(ip, BROADCAST_MAC));
      this.noteDeadline(p.nextAt);
    }
    // Bounded queue: the oldest item makes room (it is the most likely to be stale).
    if (p.items.length >= this.maxQueuePerAddress || this.queued >= this.maxQueued) {
      const victim = p.items.length > 0 ? p.items.shift() : undefined;
      this.stats.queueDrops++;
      if (victim === undefined) return [...out, { kind: "unreachable", ip, items: [item] }];
      this.queued--;
      out.push({ kind: "unreachable", ip, items: [victim] });
    }
    p.items.push(item);
    this.queued++;
    return out;
  }

  /** Handles a received ARP packet (already checked to be Ethernet/IPv4). */
  input(now: number, msg: ArpMessage): ArpOutput<T>[] {
    if (msg.op === ARP_REQUEST) this.stats.requestsReceived++;
    else if (msg.op === ARP_REPLY) this.stats.repliesReceived++;
    else {
      this.stats.ignored++;
      return [];
    }
    // Never learn our own MAC or multicast/broadcast senders.
    if (sameMac(msg.senderMac, this.mac) || (msg.senderMac[0]! & 1) !== 0) {
      this.stats.ignored++;
      return [];
    }
    if (msg.senderIp === 0) {
      // An address probe (RFC 5227 section 2.1.1): nothing to learn, but if it probes
      // an address of ours, answering lets the prober see the conflict (section 2.1.1).
      if (msg.op !== ARP_REQUEST || !this.addresses.includes(msg.targetIp)) {
        this.stats.ignored++;
        return [];
      }
      this.stats.repliesSent++;
      return [{ kind: "arp", dstMac: msg.senderMac, message: { op: ARP_REPLY, senderMac: this.mac, senderIp: msg.targetIp, targetMac: msg.senderMac, targetIp: 0 } }];
    }
    // An address is ours: a peer claiming it is a conflict we do not defend here; ignore.
    if (this.addresses.includes(msg.senderIp)) {
      this.stats.ignored++;
      return [];
    }
    const out: ArpOutput<T>[] = [];
    const forUs = this.addresses.includes(msg.targetIp);
    // RFC 826 "merge": update a binding we already have; add one only if the packet
    // is addressed to us (so a broadcast storm cannot fill the cache), or if we are
    // resolving the sender.
    if (this.entries.has(msg.senderIp) || forUs || this.pending.has(msg.senderIp)) this.learn(now, msg.senderIp, msg.senderMac, out);
    if (forUs && msg.op === ARP_REQUEST) {
      this.stats.repliesSent++;
      out.push({
        kind: "arp",
        dstMac: msg.senderMac,
        message: { op: ARP_REPLY, senderMac: this.mac, senderIp: msg.targetIp, targetMac: msg.senderMac, targetIp: msg.senderIp },
      });
    }
    return out;
  }

  private learn(now: number, ip: number, mac: Uint8Array, out: ArpOutput<T>[]): void {
    const copy = mac.slice(0, 6);
    if (this.entries.has(ip)) this.entries.delete(ip);
    else {
      this.stats.learned++;
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) {
          this.entries.delete(oldest.value);
          this.stats.evicted++;
        }
      }
    }
    const expiresAt = now + this.reachableNs;
    this.entries.set(ip, { mac: copy, expiresAt, refreshAt: expiresAt - this.refreshLeadNs, used: false });
    this.noteDeadline(expiresAt - this.refreshLeadNs);
    const p = this.pending.get(ip);
    if (p !== undefined) {
      this.pending.delete(ip);
      this.queued -= p.items.length;
      for (const item of p.items) out.push({ kind: "send", dstMac: copy, item });
      this.deadlineDirty = true;
    }
  }

  private request(ip: number, dstMac: Uint8Array): ArpOutput<T> {
    this.stats.requestsSent++;
    const senderIp = this.addresses[0] ?? 0;
    return { kind: "arp", dstMac, message: { op: ARP_REQUEST, senderMac: this.mac, senderIp, targetMac: ZERO_MAC, targetIp: ip } };
  }

  private noteDeadline(at: number): void {
    if (this.deadline === undefined || at < this.deadline) this.deadline = at;
  }

  /** The next time `poll` has work, or undefined. */
  pollAt(): number | undefined {
    if (this.deadlineDirty) {
      this.deadlineDirty = false;
      let d: number | undefined;
      for (const e of this.entries.values()) {
        const at = e.refreshAt ?? e.expiresAt;
        if (d === undefined || at < d) d = at;
      }
      for (const p of this.pending.values()) if (d === undefined || p.nextAt < d) d = p.nextAt;
      for (const a of this.announcing.values()) if (d === undefined || a.nextAt < d) d = a.nextAt;
      this.deadline = d;
    }
    return this.deadline;
  }

  /** Retries requests, refreshes entries in use, expires old ones and gives up on silent addresses. */
  poll(now: number): ArpOutput<T>[] {
    const d = this.pollAt();
    if (d === undefined || now < d) return [];
    const out: ArpOutput<T>[] = [];
    for (const [ip, a] of this.announcing) {
      if (now < a.nextAt) continue;
      out.push(this.announcement(ip));
      a.nextAt = now + this.announceIntervalNs;
      if (--a.left <= 0) this.announcing.delete(ip);
    }
    for (const [ip, e] of this.entries) {
      if (now >= e.expiresAt) {
        this.entries.delete(ip);
        this.stats.expired++;
      } else if (e.refreshAt !== undefined && now >= e.refreshAt) {
        e.refreshAt = undefined;
        // Unicast to the known MAC first, as Linux does; it is quieter than a broadcast.
        if (e.used) out.push(this.request(ip, e.mac));
      }
    }
    for (const [ip, p] of this.pending) {
      if (now < p.nextAt) continue;
      if (p.tries >= this.maxTries) {
        this.pending.delete(ip);
        this.queued -= p.items.length;
        this.stats.resolutionFailures++;
        out.push({ kind: "unreachable", ip, items: p.items });
      } else {
        p.tries++;
        p.nextAt = now + this.retryNs;
        out.push(this.request(ip, BROADCAST_MAC));
      }
    }
    this.deadlineDirty = true;
    return out;
  }

  /** The cache as [ip, mac] pairs, for diagnostics. */
  bindings(now: number): Array<{ readonly ip: number; readonly mac: Uint8Array; readonly expiresInNs: number }> {
    const list = [];
    for (const [ip, e] of this.entries) if (now < e.expiresAt) list.push({ ip, mac: e.mac, expiresInNs: e.expiresAt - now });
    return list;
  }

  /** Items queued awaiting resolution. */
  queuedCount(): number {
    return this.queued;
  }

  /** Drops every queued item (for shutdown), returning them. */
  clear(): ArpOutput<T>[] {
    const out: ArpOutput<T>[] = [];
    for (const [ip, p] of this.pending) out.push({ kind: "unreachable", ip, items: p.items });
    this.pending.clear();
    this.entries.clear();
    this.announcing.clear();
    this.queued = 0;
    this.deadline = undefined;
    this.deadlineDirty = false;
    return out;
  }
}
