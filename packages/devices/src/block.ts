import type { ErrorValue } from "./error.ts";
import type { Result } from "./result.ts";

/** Block devices, modelled on mirage-block: whole sectors only. */
export interface BlockInfo {
  /** Bytes per sector (512 for files and ramdisks). */
  readonly sectorSize: number;
  /** Number of sectors. */
  readonly sectorCount: number;
  readonly readWrite: boolean;
}

export type BlockErrorCode =
  | "out_of_range" // the request touches a sector past the end, or a negative one
  | "unaligned" // the buffer is not a whole, non-zero number of sectors
  | "read_only" // write to a read-only device
  | "disconnected" // the device was disconnected
  | "io"; // the backing storage failed

export type BlockError = ErrorValue<BlockErrorCode>;

export interface Block {
  readonly info: BlockInfo;
  /** Fills `buffer` (a whole number of sectors) from sector `start` on. */
  read(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>>;
  /** Writes `buffer` (a whole number of sectors) from sector `start` on. */
  write(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>>;
  /** Releases the device; later reads and writes fail with `disconnected`. */
  disconnect(): Promise<void>;
}
