/**
 * Records a `Network`'s traffic to a classic pcap file (the libpcap format that
 * tcpdump, tshark and Wireshark read): a 24-byte file header, then per frame a
 * 16-byte record header and the frame. LINKTYPE_ETHERNET, microsecond timestamps,
 * little-endian (readers detect the byte order from the magic number).
 *
 * Each record is written with one synchronous write as the frame passes, so the file
 * is readable (`tcpdump -r`) while the unikernel runs and complete after disconnect.
 * Sent frames are recorded once the device took them; frames the device refused are
 * not on the wire and not in the file.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { MirageError } from "@mirage-ts/devices";
import type { NetError, Network, NetworkStats, Result } from "@mirage-ts/devices";

const PCAP_MAGIC_US = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
/** The largest frame we record whole; longer ones are cut (incl_len < orig_len). */
const SNAPLEN = 65535;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** The pcap file header (pcap-savefile(5)): magic, version 2.4, zone 0, sigfigs 0, snaplen, link type. */
export function pcapFileHeader(): Uint8Array {
  const out = new Uint8Array(FILE_HEADER);
  const v = new DataView(out.buffer);
  const le = true;
  v.setUint32(0, PCAP_MAGIC_US, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true);
  v.setUint32(12, 0, true);
  v.setUint32(16, SNAPLEN, true);
  v.setUint32(20, LINKTYPE_ETHERNET, true);
  return out;
}

/** Wall-clock microseconds since the Unix epoch, to a microsecond where the host gives it. */
function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

class PcapWriter {
  private fd: number | null;
  /** One buffer for the record header and frame, grown when needed. */
  private record = new Uint8Array(RECORD_HEADER + 2048);

  constructor(
    private readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  write(frame: Uint8Array): void {
    if (this.fd === null) return;
    const caplen = Math.min(frame.length, SNAPLEN);
    if (this.record.length < RECORD_HEADER + caplen) this.record = new Uint8Array(RECORD_HEADER + caplen);
    const v = new DataView(this.record.buffer);
    const us = nowMicros();
    v.setUint32(0, Math.floor(us / 1e6), true);
    v.setUint32(4, us % 1e6, true);
    v.setUint32(8, caplen, true);
    v.setUint32(12, frame.length, true);
    this.record.set(frame.subarray(0, caplen), RECORD_HEADER);
    try {
      // One write per record: a reader running concurrently sees whole records, except
      // possibly the very last one mid-write, which tcpdump reports as truncated.
      writeSync(this.fd, this.record, 0, RECORD_HEADER + caplen);
    } catch (e) {
      // A full disk must not take the network down: stop recording and say so once.
      process.stderr.write(`pcap ${this.path}: recording stopped: ${(e as Error).message}\n`);
      this.close();
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}

/**
 * Wraps `net` so that every frame it receives or sends is also appended to a new
 * pcap file at `path` (replacing any file there). Rejects with
 * MirageError("device") if the file cannot be created. Disconnecting the wrapper
 * disconnects `net` and closes the file.
 */
export async function withPcap(net: Network, path: string): Promise<Network> {
  if (typeof net !== "object" || net === null || typeof net.listen !== "function") {
    throw new TypeError(`withPcap: not a Network: ${String(net)}`);
  }
  if (typeof path !== "string" || path === "") throw new TypeError(`withPcap: path must be a non-empty string, got ${JSON.stringify(path)}`);
  let fd: number;
  try {
    fd = openSync(path, "w", 0o644);
    writeSync(fd, pcapFileHeader());
  } catch (e) {
    throw new MirageError("device", `pcap ${path}: cannot create: ${(e as Error).message}`);
  }
  const writer = new PcapWriter(path, fd);
  const wrapped: Network = {
    mac: net.mac,
    mtu: net.mtu,
    listen(onFrame: (frame: Uint8Array) => void): Promise<Result<void, NetError>> {
      return net.listen((frame) => {
        writer.write(frame);
        onFrame(frame);
      });
    },
    async write(frame: Uint8Array): Promise<Result<void, NetError>> {
      const result = await net.write(frame);
      if (result.ok) writer.write(frame);
      return result;
    },
    stats(): NetworkStats {
      return net.stats();
    },
    resetStats(): void {
      net.resetStats();
    },
    async disconnect(): Promise<void> {
      try {
        await net.disconnect();
      } finally {
        writer.close();
      }
    },
  };
  return wrapped;
}
