/** Helpers shared by the socket stack's TCP and UDP halves. */
import type { Endpoint } from "@mirage-ts/devices";

const DOTTED = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Throws TypeError/RangeError quoting the value unless it is a dotted-quad IPv4 address. */
export function checkAddress(where: string, address: string): void {
  if (typeof address !== "string") throw new TypeError(`${where}: address must be a string, got ${typeof address}`);
  if (!DOTTED.test(address)) throw new RangeError(`${where}: not a dotted-quad IPv4 address: ${JSON.stringify(address)}`);
}

/** Throws RangeError unless `port` is an integer in 1..65535 (0 too when `allowZero`). */
export function checkPort(where: string, port: number, allowZero = false): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new RangeError(`${where}: port must be an integer in ${allowZero ? 0 : 1}..65535, got ${String(port)}`);
  }
}

/** Node reports IPv4 peers of dual-stack sockets as "::ffff:a.b.c.d"; the Stack boundary wants "a.b.c.d". */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return "0.0.0.0";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

export function endpoint(address: string | undefined, port: number | undefined): Endpoint {
  return { address: plainAddress(address), port: port ?? 0 };
}

/** A Buffer seen as a plain Uint8Array (no copy): apps must not come to rely on Buffer methods. */
export function plainBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

export function errnoOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
