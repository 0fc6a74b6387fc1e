import { err, ok } from "@mirage-ts/devices";
import type { Block, BlockError, BlockInfo, Result } from "@mirage-ts/devices";

/**
 * Checks one block request against a device's geometry; shared by the ramdisk and
 * platform block devices so every implementation refuses the same requests with the
 * same codes:
 *
 * - `start` not a non-negative safe integer → `out_of_range`;
 * - `length` (bytes) not a whole, non-zero number of sectors → `unaligned`;
 * - any sector of [start, start + length / sectorSize) at or past `sectorCount` →
 *   `out_of_range`.
 *
 * `disconnected` and `read_only` are the device's own state, checked by the caller
 * before this (in that order). `name`, when given, prefixes the messages.
 */
export function checkRequest(info: BlockInfo, start: number, length: number, name?: string): Result<void, BlockError> {
  const who = name === undefined ? "block request" : `block device ${JSON.stringify(name)}`;
  if (!Number.isSafeInteger(start) || start < 0) {
    return err({ code: "out_of_range", message: `${who}: start sector ${String(start)} is not a non-negative integer` });
  }
  if (!Number.isSafeInteger(length) || length <= 0 || length % info.sectorSize !== 0) {
    return err({ code: "unaligned", message: `${who}: buffer of ${String(length)} bytes is not a whole, non-zero number of ${info.sectorSize}-byte sectors` });
  }
  const count = length / info.sectorSize;
  if (start + count > info.sectorCount) {
    return err({
      code: "out_of_range",
      message: `${who}: sectors ${start}..${start + count - 1} are outside the device's ${info.sectorCount} sectors`,
    });
  }
  return ok(undefined);
}

export function disconnectedError(name: string): Result<never, BlockError> {
  return err({ code: "disconnected", message: `block device ${JSON.stringify(name)} is disconnected` });
}

export function readOnlyError(name: string): Result<never, BlockError> {
  return err({ code: "read_only", message: `block device ${JSON.stringify(name)} is read-only` });
}

export interface RamdiskOptions {
  readonly name: string;
  readonly sizeBytes: number;
  /** Bytes per sector; default 512. */
  readonly sectorSize?: number;
}

/**
 * A block device in memory, zero-filled at creation, for tests and scratch space.
 * A bad geometry is a caller bug (RangeError quoting it); bad requests are typed
 * errors returned as values, never thrown. Reads and writes copy, so callers keep
 * ownership of their buffers. After `disconnect` the contents are released.
 */
export function ramdisk(opts: RamdiskOptions): Block {
  const sectorSize = opts.sectorSize ?? 512;
  if (!Number.isSafeInteger(sectorSize) || sectorSize <= 0) {
    throw new RangeError(`ramdisk ${JSON.stringify(opts.name)}: sectorSize must be a positive integer, got ${String(sectorSize)}`);
  }
  if (!Number.isSafeInteger(opts.sizeBytes) || opts.sizeBytes <= 0 || opts.sizeBytes % sectorSize !== 0) {
    throw new RangeError(`ramdisk ${JSON.stringify(opts.name)}: sizeBytes must be a positive multiple of ${sectorSize}, got ${String(opts.sizeBytes)}`);
  }
  const name = opts.name;
  const info: BlockInfo = Object.freeze({ sectorSize, sectorCount: opts.sizeBytes / sectorSize, readWrite: true });
  let data: Uint8Array | null = new Uint8Array(opts.sizeBytes);
  return {
    info,
    async read(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>> {
      if (data === null) return disconnectedError(name);
      const checked = checkRequest(info, start, buffer.length, name);
      if (!checked.ok) return checked;
      const offset = start * sectorSize;
      buffer.set(data.subarray(offset, offset + buffer.length));
      return ok(undefined);
    },
    async write(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>> {
      if (data === null) return disconnectedError(name);
      const checked = checkRequest(info, start, buffer.length, name);
      if (!checked.ok) return checked;
      data.set(buffer, start * sectorSize);
      return ok(undefined);
    },
    async disconnect(): Promise<void> {
      data = null;
    },
  };
}
