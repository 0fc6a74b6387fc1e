/**
 * `Block` devices on hvt and spt: one per block entry of the image's manifest,
 * attached by the tender (`--block:NAME=FILE`). `blockOfFile("disk.img")` in
 * config.ts becomes the device named "disk" (the file's base name without its
 * extension), which the tender maps to whatever file the user attaches.
 *
 * Requests are checked by the same `checkRequest` as every other block device, so
 * bad ones get the same typed errors; a failure on the host is `io`. The bindings
 * are synchronous (one exit to the tender per request on hvt).
 */
import { err, MirageError, ok } from "@mirage-ts/devices";
import type { Block, BlockError, BlockInfo, Result } from "@mirage-ts/devices";
import { checkRequest, disconnectedError } from "@mirage-ts/storage";
import type { HostBindings } from "./bindings.ts";
import { platform, type Platform } from "./host.ts";

/** Acquires block device `name`; rejects with MirageError("device") naming it if the tender did not attach it. */
export async function blockDevice(name: string, on: Platform = platform()): Promise<Block> {
  if (typeof name !== "string" || name === "") throw new TypeError(`blockDevice: name must be a non-empty string, got ${String(name)}`);
  const fail = (reason: string) => new MirageError("device", `block device ${JSON.stringify(name)}: ${reason}`);
  let acquired: ReturnType<HostBindings["blockAcquire"]>;
  try {
    acquired = on.bindings.blockAcquire(name);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const { handle, capacity, blockSize } = acquired;
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0 || !Number.isSafeInteger(capacity) || capacity <= 0 || capacity % blockSize !== 0) {
    throw fail(`the tender reports a capacity of ${capacity} bytes in blocks of ${blockSize}, which is not a whole number of blocks`);
  }
  const info: BlockInfo = Object.freeze({ sectorSize: blockSize, sectorCount: capacity / blockSize, readWrite: true });
  return new GuestBlock(name, handle, info, on.bindings);
}

class GuestBlock implements Block {
  private open = true;

  constructor(
    private readonly name: string,
    private readonly handle: number,
    readonly info: BlockInfo,
    private readonly b: HostBindings,
  ) {}

  async read(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>> {
    return this.io("read", start, buffer, () => this.b.blockRead(this.handle, start * this.info.sectorSize, buffer));
  }

  async write(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>> {
    return this.io("write", start, buffer, () => this.b.blockWrite(this.handle, start * this.info.sectorSize, buffer));
  }

  private io(what: string, start: number, buffer: Uint8Array, call: () => void): Result<void, BlockError> {
    if (!this.open) return disconnectedError(this.name);
    if (!(buffer instanceof Uint8Array)) throw new TypeError(`block device ${JSON.stringify(this.name)}: ${what} needs a Uint8Array, got ${String(buffer)}`);
    const checked = checkRequest(this.info, start, buffer.length, this.name);
    if (!checked.ok) return checked;
    try {
      call();
      return ok(undefined);
    } catch (e) {
      return err({ code: "io", message: `block device ${JSON.stringify(this.name)}: ${what} at sector ${start}: ${(e as Error).message}` });
    }
  }

  async disconnect(): Promise<void> {
    this.open = false;
  }
}
