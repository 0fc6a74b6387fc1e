/** Seeded mutations of DNS messages for the server fuzz test (deterministic given `next`). */

const INTERESTING = [0, 1, 2, 0x0c, 0x0f, 0x29, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xfe, 0xff];

export function randomBytes(next: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** One to four rounds of: bit flip, interesting byte, cut, insertion, chunk duplication, count field, splice. */
export function mutate(next: () => number, seed: Uint8Array, other: Uint8Array): Uint8Array {
  let b = seed.slice();
  const rounds = 1 + Math.floor(next() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(next() * Math.max(1, b.length));
    switch (Math.floor(next() * 7)) {
      case 0:
        if (b.length > 0) b[at] = b[at]! ^ (1 << Math.floor(next() * 8));
        break;
      case 1:
        if (b.length > 0) b[at] = INTERESTING[Math.floor(next() * INTERESTING.length)]!;
        break;
      case 2:
        b = b.slice(0, at);
        break;
      case 3: {
        const ins = randomBytes(next, 1 + Math.floor(next() * 16));
        b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 4: {
        const len = Math.floor(next() * Math.max(1, b.length - at));
        b = Uint8Array.from([...b.subarray(0, at + len), ...b.subarray(at, at + len), ...b.subarray(at + len)]);
        break;
      }
      case 5:
        // QDCOUNT, ANCOUNT, NSCOUNT or ARCOUNT (offsets 4..11) set to something odd.
        if (b.length >= 12) {
          const f = 4 + 2 * Math.floor(next() * 4);
          const v = [0, 1, 2, 0xff, 0xffff][Math.floor(next() * 5)]!;
          b[f] = v >> 8;
          b[f + 1] = v & 0xff;
        }
        break;
      default: {
        const cut = Math.floor(next() * other.length);
        b = Uint8Array.from([...b.subarray(0, at), ...other.subarray(cut)]);
      }
    }
  }
  return b;
}

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Datagrams for the UDP fuzz: a quarter plain random bytes, the rest mutated corpus messages. */
export function udpInputs(next: () => number, corpus: readonly Uint8Array[], count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const pick = () => corpus[Math.floor(next() * corpus.length)]!;
  for (let i = 0; i < count; i++) out.push(next() < 0.25 ? randomBytes(next, Math.floor(next() * 600)) : mutate(next, pick(), pick()));
  return out;
}

/** Frames with a two-octet length. */
function framed(m: Uint8Array): Uint8Array {
  return Uint8Array.from([m.length >> 8, m.length & 0xff, ...m]);
}

/**
 * TCP streams for the fuzz, each as the writes to make before FIN: 1..5 messages
 * (mutated or random), mostly framed right, some after garbage where a prefix belongs or
 * with a wrong length, cut into 1..3 writes at random places.
 */
export function tcpStreams(next: () => number, corpus: readonly Uint8Array[], count: number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  const pick = () => corpus[Math.floor(next() * corpus.length)]!;
  for (let s = 0; s < count; s++) {
    const parts: number[] = [];
    const n = 1 + Math.floor(next() * 5);
    for (let i = 0; i < n; i++) {
      const m = next() < 0.2 ? randomBytes(next, Math.floor(next() * 200)) : mutate(next, pick(), pick());
      const r = next();
      if (r < 0.1) parts.push(...randomBytes(next, 1 + Math.floor(next() * 64)));
      else if (r < 0.2) parts.push(m.length >> 8, (m.length + 1 + Math.floor(next() * 40)) & 0xff, ...m);
      else parts.push(...framed(m));
    }
    const bytes = Uint8Array.from(parts);
    const cuts = [0, ...Array.from({ length: Math.floor(next() * 3) }, () => Math.floor(next() * bytes.length)).sort((x, y) => x - y), bytes.length];
    const writes: Uint8Array[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) if (cuts[i + 1]! > cuts[i]!) writes.push(bytes.subarray(cuts[i], cuts[i + 1]));
    out.push(writes);
  }
  return out;
}

/** Every 16-bit value at any offset of `inputs`: a superset of the ids of whatever messages a server could frame out of them. */
export function possibleIds(inputs: readonly Uint8Array[]): Set<number> {
  const ids = new Set<number>();
  for (const b of inputs) for (let i = 0; i + 1 < b.length; i++) ids.add((b[i]! << 8) | b[i + 1]!);
  return ids;
}
