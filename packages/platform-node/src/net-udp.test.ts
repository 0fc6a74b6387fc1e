import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MirageError } from "@mirage-ts/devices";
import type { Network } from "@mirage-ts/devices";
import { udpLink } from "./net-udp.ts";

const HOST = "127.0.0.1";

/** Ports the kernel just handed out, so two links can be wired to each other. */
async function freePorts(n: number): Promise<number[]> {
  const sockets = Array.from({ length: n }, () => createSocket("udp4"));
  const ports = await Promise.all(sockets.map((s) => new Promise<number>((r) => s.bind(0, HOST, () => r(s.address().port)))));
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

function frame(dst: Uint8Array, src: Uint8Array, payload: number[]): Uint8Array {
  return Uint8Array.from([...dst, ...src, 0x88, 0xb5, ...payload]); // 0x88b5: IEEE local experimental EtherType
}

function receiver(net: Network) {
  const frames: Uint8Array[] = [];
  const done = net.listen((f) => frames.push(Uint8Array.from(f)));
  const until = async (n: number) => {
    for (let i = 0; i < 500 && frames.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return frames;
  };
  return { frames, done, until };
}

describe("udpLink", () => {
  it("carries frames both ways, one per datagram, and counts them", async () => {
    const [pa, pb] = await freePorts(2);
    const a = await udpLink({ local: { address: HOST, port: pa! }, remote: { address: HOST, port: pb! } });
    const b = await udpLink({ local: { address: HOST, port: pb! }, remote: { address: HOST, port: pa! }, mtu: 9000 });
    expect(a.mac).not.toEqual(b.mac);
    expect(a.mac[0]! & 3).toBe(2);
    expect([a.mtu, b.mtu]).toEqual([1500, 9000]);
    const ra = receiver(a);
    const rb = receiver(b);
    for (let i = 0; i < 10; i++) expect((await a.write(frame(b.mac, a.mac, [i, 1, 2, 3]))).ok).toBe(true);
    const big = frame(a.mac, b.mac, new Array(1500).fill(7));
    expect((await b.write(big)).ok).toBe(true);
    expect((await b.write(frame(a.mac, b.mac, [42]))).ok).toBe(true);
    // From b's larger MTU: a must drop (not truncate) the 1516-byte frame.
    const tooBig = frame(a.mac, b.mac, new Array(1502).fill(9));
    expect((await b.write(tooBig)).ok).toBe(true);
    expect((await b.write(frame(a.mac, b.mac, [43]))).ok).toBe(true);

    expect((await rb.until(10)).map((f) => f[14])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rb.frames[3]).toEqual(frame(b.mac, a.mac, [3, 1, 2, 3]));
    const got = await ra.until(3);
    expect(got.map((f) => f.length)).toEqual([1514, 15, 15]);
    expect(got[0]).toEqual(big);
    expect(a.stats()).toEqual({ rxBytes: 1514 + 30, rxPackets: 3, txBytes: 10 * 18, txPackets: 10, rxDropped: 1, txDropped: 0 });
    expect(b.stats()).toEqual({ rxBytes: 180, rxPackets: 10, txBytes: 1514 + 1516 + 30, txPackets: 4, rxDropped: 0, txDropped: 0 });

    // Sending more than our own MTU is refused and counted; stats reset.
    expect(await a.write(tooBig)).toMatchObject({ ok: false, error: { code: "too_large" } });
    expect(a.stats().txDropped).toBe(1);
    a.resetStats();
    expect(a.stats()).toEqual({ rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0, rxDropped: 0, txDropped: 0 });

    await a.disconnect();
    await b.disconnect();
    expect(await ra.done).toEqual({ ok: true, value: undefined });
    expect(await rb.done).toEqual({ ok: true, value: undefined });
    expect(await a.write(frame(b.mac, a.mac, [1]))).toMatchObject({ ok: false, error: { code: "disconnected" } });
    expect(await a.listen(() => {})).toMatchObject({ ok: false, error: { code: "disconnected" } });
  });

  it("takes frames only from the remote endpoint, and one listener at a time", async () => {
    const [pa, pb, pc] = await freePorts(3);
    const a = await udpLink({ local: { address: HOST, port: pa! }, remote: { address: HOST, port: pb! } });
    const r = receiver(a);
    await expect(a.listen(() => {})).rejects.toThrow(/already has a listener/);
    const stranger = createSocket("udp4");
    await new Promise<void>((res) => stranger.bind(pc!, HOST, () => res()));
    const bytes = frame(a.mac, new Uint8Array([2, 0, 0, 0, 0, 9]), [1, 2, 3]);
    await new Promise<void>((res) => stranger.send(bytes, pa!, HOST, () => res()));
    await new Promise<void>((res) => stranger.send(new Uint8Array(5), pa!, HOST, () => res()));
    const legit = createSocket("udp4");
    await new Promise<void>((res) => legit.bind(pb!, HOST, () => res()));
    await new Promise<void>((res) => legit.send(new Uint8Array(5), pa!, HOST, () => res())); // shorter than a header
    await new Promise<void>((res) => legit.send(bytes, pa!, HOST, () => res()));
    expect((await r.until(1)).length).toBe(1);
    expect(a.stats()).toMatchObject({ rxPackets: 1, rxDropped: 3 });
    stranger.close();
    legit.close();
    await a.disconnect();
  });

  it("rejects bad options and busy ports clearly", async () => {
    const [pa, pb] = await freePorts(2);
    const ok = { local: { address: HOST, port: pa! }, remote: { address: HOST, port: pb! } };
    await expect(udpLink({ ...ok, local: { address: "localhost", port: pa! } })).rejects.toThrow(/literal IP address, got "localhost"/);
    await expect(udpLink({ ...ok, remote: { address: HOST, port: 70000 } })).rejects.toThrow(RangeError);
    await expect(udpLink({ ...ok, remote: { address: "::1", port: pb! } })).rejects.toThrow(/different address families/);
    await expect(udpLink({ ...ok, mac: Uint8Array.of(1, 2, 3, 4, 5, 6) })).rejects.toThrow(/multicast/);
    const first = await udpLink(ok);
    const second = udpLink(ok);
    await expect(second).rejects.toBeInstanceOf(MirageError);
    await expect(second).rejects.toThrow(/cannot bind 127\.0\.0\.1:\d+: .*address in use/);
    await first.disconnect();
    await first.disconnect(); // idempotent
  });
});

const qemu = spawnSync("qemu-system-x86_64", ["--version"]).error === undefined;
if (!qemu) console.log("skipping the QEMU interop test: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)");

describe.runIf(qemu)("udpLink against QEMU's -netdev dgram", () => {
  it("receives iPXE's DHCPDISCOVER and QEMU receives our frame byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mirage-qemu-"));
    const [ours, theirs] = await freePorts(2);
    const net = await udpLink({ local: { address: HOST, port: ours! }, remote: { address: HOST, port: theirs! } });
    const r = receiver(net);
    const dump = join(dir, "qemu.pcap");
    // No disk: the BIOS boots iPXE from the NIC's option ROM, which asks for DHCP first.
    const vm = spawn("qemu-system-x86_64", [
      "-accel", "tcg", "-m", "64", "-display", "none", "-serial", "none", "-monitor", "none", "-boot", "n",
      "-netdev", `dgram,id=n0,local.type=inet,local.host=${HOST},local.port=${theirs},remote.type=inet,remote.host=${HOST},remote.port=${ours}`,
      "-device", "e1000,netdev=n0,mac=52:54:00:12:34:56",
      "-object", `filter-dump,id=f0,netdev=n0,file=${dump}`,
    ], { stdio: "ignore" });
    try {
      const isDhcp = (f: Uint8Array) => f.length > 42 && f[12] === 0x08 && f[13] === 0x00 && f[23] === 17 && f[36] === 0 && f[37] === 67;
      for (let i = 0; i < 600 && !r.frames.some(isDhcp); i++) await new Promise((res) => setTimeout(res, 50));
      const discover = r.frames.find(isDhcp);
      expect(discover, `${r.frames.length} frames from QEMU, none DHCP`).toBeDefined();
      expect(Array.from(discover!.subarray(0, 12))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);

      const sent = frame(Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56), net.mac, [...Buffer.from("hello qemu")]);
      expect((await net.write(sent)).ok).toBe(true);
      // QEMU's filter-dump writes what the netdev passed to the NIC: find our frame there.
      const hex = Buffer.from(sent).toString("hex");
      let seen = false;
      for (let i = 0; i < 100 && !seen; i++) {
        await new Promise((res) => setTimeout(res, 50));
        seen = readFileSync(dump).toString("hex").includes(hex);
      }
      expect(seen).toBe(true);
    } finally {
      vm.kill("SIGKILL");
      await net.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
