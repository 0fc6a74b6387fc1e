import type { Block } from "@mirage-ts/devices";
import { log, randomBytes } from "@mirage-ts/runtime";

const SECTORS_TO_TEST = 16;

/** Writes random sectors, reads them back and compares; then shows that out-of-range access is an error. */
export async function start(disk: Block): Promise<void> {
  const { sectorSize, sectorCount, readWrite } = disk.info;
  log.info(`disk: ${sectorCount} sectors of ${sectorSize} bytes, ${readWrite ? "read-write" : "read-only"}`);
  const n = Math.min(SECTORS_TO_TEST, sectorCount);
  const written = randomBytes(n * sectorSize);
  const w = await disk.write(0, written);
  if (!w.ok) throw new Error(`write failed: ${w.error.message}`);
  const back = new Uint8Array(n * sectorSize);
  const r = await disk.read(0, back);
  if (!r.ok) throw new Error(`read failed: ${r.error.message}`);
  const same = back.every((b, i) => b === written[i]);
  if (!same) throw new Error("read back different data than was written");
  log.info(`wrote, read back and verified ${n} sectors`);

  const past = await disk.read(sectorCount, new Uint8Array(sectorSize));
  log.info(past.ok ? "read past the end succeeded!" : `read past the end: ${past.error.code}`);
}
