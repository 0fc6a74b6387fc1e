import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MirageError } from "@mirage-ts/devices";
import { formatMac } from "./net-options.ts";
import { udpLink } from "./net-udp.ts";
import { pcapFileHeader, withPcap } from "./pcap.ts";

const dir = mkdtempSync(join(tmpdir(), "mirage-pcap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = Uint8Array.from([0x02, 0, 0, 0, 0, 0x0a]);
const B = Uint8Array.from([0x02, 0, 0, 0, 0, 0x0b]);

/** An IPv4/UDP frame, so tcpdump has something to decode beyond the Ethernet header. */
function udpFrame(dst: Uint8Array, src: Uint8Array, n: number): Uint8Array {
  const payload = [n, n, n, n];
  const ip = [0x45, 0, 0, 20 + 8 + payload.length, 0, n, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  const udp = [0x30, 0x39, 0x00, 0x07, 0, 8 + payload.length, 0, 0]; // port 12345 -> 7, no checksum
  return Uint8Array.from([...dst, ...src, 0x08, 0x00, ...ip, ...udp, ...payload]);
}

async function linkedPair() {
  const sockets = [createSocket("udp4"), createSocket("udp4")];
  const [pa, pb] = await Promise.all(sockets.map((s) => new Promise<number>((r) => s.bind(0, "127.0.0.1", () => r(s.address().port)))));
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  const a = await udpLink({ local: { address: "127.0.0.1", port: pa! }, remote: { address: "127.0.0.1", port: pb! }, mac: A });
  const b = await udpLink({ local: { address: "127.0.0.1", port: pb! }, remote: { address: "127.0.0.1", port: pa! }, mac: B });
  return { a, b };
}

/** The records of a classic little-endian pcap file, parsed by hand. */
function records(bytes: Uint8Array): Array<{ sec: number; usec: number; frame: Uint8Array }> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  for (let off = 24; off + 16 <= bytes.length; ) {
    const incl = v.getUint32(off + 8, true);
    out.push({ sec: v.getUint32(off, true), usec: v.getUint32(off + 4, true), frame: bytes.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return out;
}

const have = (tool: string) => spawnSync(tool, ["--version"], { encoding: "utf8" }).error === undefined;

describe("withPcap", () => {
  it("records sent and received frames that tcpdump and tshark read, while running and after disconnect", async () => {
    const { a, b } = await linkedPair();
    const path = join(dir, "a.pcap");
    const recorded = await withPcap(a, path);
    expect(recorded.mac).toBe(a.mac);
    const got: Uint8Array[] = [];
    const done = recorded.listen((f) => got.push(Uint8Array.from(f)));
    b.listen(() => {});
    const t0 = Date.now();
    for (let i = 1; i <= 3; i++) expect((await recorded.write(udpFrame(B, A, i))).ok).toBe(true);
    for (let i = 4; i <= 5; i++) expect((await b.write(udpFrame(A, B, i))).ok).toBe(true);
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(got.length).toBe(2);
    expect((await recorded.write(new Uint8Array(2000))).ok).toBe(false); // refused: not on the wire, not in the file

    // Readable while the device is still up.
    const live = records(new Uint8Array(readFileSync(path)));
    expect(live.map((r) => r.frame[14 + 5])).toEqual([1, 2, 3, 4, 5]);
    expect(recorded.stats()).toMatchObject({ txPackets: 3, rxPackets: 2, txDropped: 1 });
    if (have("tcpdump")) {
      const r = spawnSync("tcpdump", ["-r", path, "-nn"], { encoding: "utf8" });
      expect(r.stdout.trim().split("\n").length, r.stderr).toBe(5);
    }

    await recorded.disconnect();
    expect(await done).toEqual({ ok: true, value: undefined });
    await b.disconnect();
    const bytes = new Uint8Array(readFileSync(path));
    expect(Array.from(bytes.subarray(0, 24))).toEqual(Array.from(pcapFileHeader()));
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    const recs = records(bytes);
    expect(recs.length).toBe(5);
    expect(recs[4]!.frame).toEqual(udpFrame(A, B, 5));
    for (const r of recs) {
      expect(r.usec).toBeLessThan(1_000_000);
      expect(Math.abs(r.sec * 1000 + r.usec / 1000 - t0)).toBeLessThan(10_000);
    }

    if (!have("tcpdump")) console.log("skipping the tcpdump check: tcpdump is not installed (apt-get install tcpdump)");
    else {
      const r = spawnSync("tcpdump", ["-r", path, "-nn", "-e"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines.length).toBe(5);
      const [ma, mb] = [formatMac(A), formatMac(B)];
      for (const [i, line] of lines.entries()) {
        const [src, dst] = i < 3 ? [ma, mb] : [mb, ma];
        expect(line).toContain(`${src} > ${dst}, ethertype IPv4 (0x0800), length 46: 10.0.0.1.12345 > 10.0.0.2.7: UDP, length 4`);
      }
    }
    if (!have("tshark")) console.log("skipping the tshark check: tshark is not installed (apt-get install tshark)");
    else {
      const r = spawnSync("tshark", ["-r", path, "-T", "fields", "-e", "eth.src", "-e", "eth.dst", "-e", "ip.id"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split("\n").map((l) => l.split("\t"))).toEqual([
        [formatMac(A), formatMac(B), "0x0001"],
        [formatMac(A), formatMac(B), "0x0002"],
        [formatMac(A), formatMac(B), "0x0003"],
        [formatMac(B), formatMac(A), "0x0004"],
        [formatMac(B), formatMac(A), "0x0005"],
      ]);
    }
  });

  it("fails clearly when the file cannot be created", async () => {
    const { a, b } = await linkedPair();
    await expect(withPcap(a, join(dir, "no/such/dir/x.pcap"))).rejects.toBeInstanceOf(MirageError);
    await expect(withPcap(a, join(dir, "no/such/dir/x.pcap"))).rejects.toThrow(/cannot create: ENOENT/);
    await expect(withPcap(a, "")).rejects.toThrow(TypeError);
    await a.disconnect();
    await b.disconnect();
  });
});
