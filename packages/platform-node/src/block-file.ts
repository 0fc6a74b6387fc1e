import type { FileHandle } from "node:fs/promises";
import { open, stat } from "node:fs/promises";
import { err, MirageError, ok } from "@mirage-ts/devices";
import type { Block, BlockError, BlockInfo, Result } from "@mirage-ts/devices";
import { checkRequest, disconnectedError, readOnlyError } from "@mirage-ts/storage";

const SECTOR = 512;

/**
 * A block device over a host file of whole 512-byte sectors (a disk image).
 *
 * Opening fails with `MirageError("device", ...)` naming the path when the file is
 * missing, not a regular file, or not a positive multiple of 512 bytes: a disk
 * image of the wrong shape is a setup mistake, reported at boot. The file is opened
 * read-write when permissions allow, else read-only (`info.readWrite` false, writes
 * fail with `read_only`). Requests are checked by the same `checkRequest` as the
 * ramdisk, so bad ones get the same typed errors; host failures are `io`.
 * Writes go to the host's page cache; `disconnect` flushes them (fdatasync) and
 * closes the file.
 */
export async function blockOfFile(path: string): Promise<Block> {
  const fail = (reason: string) => new MirageError("device", `block device ${path}: ${reason}`);
  const missing = () => fail(`no such file (create it with e.g. \`truncate -s 1M ${path}\`)`);
  try {
    // Checked before opening: opening a FIFO read-only would block.
    if (!(await stat(path)).isFile()) throw fail("not a regular file");
  } catch (e) {
    if (e instanceof MirageError) throw e;
    throw (e as NodeJS.ErrnoException).code === "ENOENT" ? missing() : fail((e as Error).message);
  }
  let handle: FileHandle;
  let readWrite = true;
  try {
    handle = await open(path, "r+");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") {
      throw code === "ENOENT" ? missing() : code === "EISDIR" ? fail("not a regular file") : fail((e as Error).message);
    }
    readWrite = false;
    try {
      handle = await open(path, "r");
    } catch (e2) {
      throw fail(`cannot open: ${(e2 as Error).message}`);
    }
  }
  // The size of what we actually opened, not of what `stat` saw before.
  const st = await handle.stat();
  if (!st.isFile() || st.size <= 0 || st.size % SECTOR !== 0) {
    await handle.close();
    throw fail(!st.isFile() ? "not a regular file" : `size ${st.size} bytes is not a positive multiple of ${SECTOR}`);
  }
  return new FileBlock(path, handle, Object.freeze({ sectorSize: SECTOR, sectorCount: st.size / SECTOR, readWrite }));
}

class FileBlock implements Block {
  private handle: FileHandle | null;

  constructor(
    private readonly path: string,
    handle: FileHandle,
    readonly info: BlockInfo,
  ) {
    this.handle = handle;
  }

  async read(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>> {
    const handle = this.handle;
    if (handle === null) return disconnectedError(this.path);
    const checked = checkRequest(this.info, start, buffer.length, this.path);
    if (!checked.ok) return checked;
    try {
      let done = 0;
      while (done < buffer.length) {
        const { bytesRead } = await handle.read(buffer, done, buffer.length - done, start * SECTOR + done);
        if (bytesRead === 0) return this.io(`read at sector ${start}: unexpected end of file (did the file shrink?)`);
        done += bytesRead;
      }
      return ok(undefined);
    } catch (e) {
      return this.io(`read at sector ${start}: ${(e as Error).message}`);
    }
  }

  async write(start: number, buffer: Uint8Array): Promise<Result<void, BlockError>> {
    const handle = this.handle;
    if (handle === null) return disconnectedError(this.path);
    if (!this.info.readWrite) return readOnlyError(this.path);
    const checked = checkRequest(this.info, start, buffer.length, this.path);
    if (!checked.ok) return checked;
    try {
      let done = 0;
      while (done < buffer.length) {
        const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, start * SECTOR + done);
        done += bytesWritten;
      }
      return ok(undefined);
    } catch (e) {
      return this.io(`write at sector ${start}: ${(e as Error).message}`);
    }
  }

  async disconnect(): Promise<void> {
    const handle = this.handle;
    if (handle === null) return;
    this.handle = null;
    try {
      if (this.info.readWrite) await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private io(message: string): Result<never, BlockError> {
    return err({ code: "io", message: `block device ${JSON.stringify(this.path)}: ${message}` });
  }
}
