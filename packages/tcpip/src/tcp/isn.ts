/**
 * Initial sequence numbers per RFC 6528 section 3: ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), where M is a 4-microsecond clock and F a keyed
 * hash (here SHA-256 over secret || 4-tuple). Off-path attackers cannot predict the
 * ISN of a connection, yet successive incarnations of one 4-tuple still increase.
 */
import { sha256 } from "@noble/hashes/sha2.js";

export class IsnGenerator {
  private readonly input = new Uint8Array(32 + 12);
  private readonly view = new DataView(this.input.buffer);

  /** `secret` is 32 random bytes, drawn once per TCP layer. */
  constructor(secret: Uint8Array) {
    if (secret.length !== 32) throw new RangeError(`ISN secret must be 32 bytes, got ${secret.length}`);
    this.input.set(secret, 0);
  }

  /** `now` is monotonic time in nanoseconds. */
  isn(now: number, localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number {
    this.view.setUint32(32, localAddr >>> 0);
    this.view.setUint16(36, localPort);
    this.view.setUint32(38, remoteAddr >>> 0);
    this.view.setUint16(42, remotePort);
    const h = sha256(this.input);
    const f = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
    // M: a timer ticking every 4 microseconds (RFC 6528 section 3), mod 2^32.
    const m = Math.floor(now / 4000) % 0x100000000;
    return (m + f) >>> 0;
  }
}
