import { MirageError } from "@mirage-ts/devices";
import { describe, expect, it } from "vitest";
import { blockDevice } from "../src/block.ts";
import { createPlatform } from "../src/host.ts";
import { NET_BATCH } from "../src/loop.ts";
import { netDevice } from "../src/net.ts";
import { fakeBindings, ready } from "./fake-bindings.ts";

const MAC = Uint8Array.of(2, 0, 0, 0, 0, 1);
const frame = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

function withNet() {
  const b = fakeBindings({ nets: [{ name: "service", mac: MAC, mtu: 1500 }], blocks: [{ name: "disk", data: new Uint8Array(4096) }] });
  const p = createPlatform(b);
  return { b, p, inbox: b.nets[0]!.inbox, sent: b.nets[0]!.sent };
}

describe("net devices over the bindings", () => {
  it("acquires by manifest name, with the tender's MAC and MTU", async () => {
    const { p } = withNet();
    const net = await netDevice("service", p);
    expect(Array.from(net.mac)).toEqual(Array.from(MAC));
    expect(net.mtu).toBe(1500);
  });

  it("rejects a name the manifest lacks, or of another kind, with MirageError('device') naming it", async () => {
    const { p } = withNet();
    await expect(netDevice("uplink", p)).rejects.toThrow(MirageError);
    await expect(netDevice("uplink", p)).rejects.toThrow(/net device "uplink": no device named "uplink"/);
    await expect(netDevice("disk", p)).rejects.toThrow(/is a block device/);
  });

  it("delivers frames only when its ready bit is set, drops and counts bad sizes", async () => {
    const { b, p, inbox } = withNet();
    const net = await netDevice("service", p);
    const got: number[] = [];
    void net.listen((f) => got.push(f.length));
    inbox.push(frame(60), frame(10), frame(1515), frame(1514));
    b.idle!(0);
    expect(got).toEqual([]);
    expect(b.idle!(ready(0))).toBe(-1);
    expect(got).toEqual([60, 1514]);
    expect(net.stats()).toMatchObject({ rxPackets: 2, rxBytes: 1574, rxDropped: 2 });
  });

  it("reads at most a batch per turn and then asks to be called again at once", async () => {
    const { b, p, inbox } = withNet();
    const net = await netDevice("service", p);
    let got = 0;
    void net.listen(() => got++);
    for (let i = 0; i < NET_BATCH + 5; i++) inbox.push(frame(60));
    expect(b.idle!(ready(0))).toBe(b.nowNs);
    expect(got).toBe(NET_BATCH);
    expect(b.idle!(ready(0))).toBe(-1);
    expect(got).toBe(NET_BATCH + 5);
  });

  it("writes frames, refusing oversized and runt ones with typed errors", async () => {
    const { p, sent, b } = withNet();
    const net = await netDevice("service", p);
    expect(await net.write(frame(100))).toEqual({ ok: true, value: undefined });
    expect((await net.write(frame(1515))) as { error: { code: string } }).toMatchObject({ ok: false, error: { code: "too_large" } });
    expect(await net.write(frame(13))).toMatchObject({ ok: false, error: { code: "io" } });
    b.nets[0]!.failWith = "host I/O error";
    expect(await net.write(frame(100))).toMatchObject({ ok: false, error: { code: "io", message: expect.stringContaining("host I/O error") } });
    expect(sent).toHaveLength(1);
    expect(net.stats()).toMatchObject({ txPackets: 1, txBytes: 100, txDropped: 3 });
    net.resetStats();
    expect(net.stats().txDropped).toBe(0);
  });

  it("ends listen with an error when a read fails, and with ok on disconnect", async () => {
    const { b, p } = withNet();
    const net = await netDevice("service", p);
    const first = net.listen(() => {});
    await expect(net.listen(() => {})).rejects.toThrow(/already has a listener/);
    b.nets[0]!.failWith = "tap gone";
    b.idle!(ready(0));
    expect(await first).toMatchObject({ ok: false, error: { code: "io", message: expect.stringContaining("tap gone") } });
    b.nets[0]!.failWith = undefined;
    const second = net.listen(() => {});
    await net.disconnect();
    expect(await second).toEqual({ ok: true, value: undefined });
    expect(await net.write(frame(60))).toMatchObject({ ok: false, error: { code: "disconnected" } });
    expect(await net.listen(() => {})).toMatchObject({ ok: false, error: { code: "disconnected" } });
  });
});

describe("block devices over the bindings", () => {
  it("reports whole sectors, reads back what it wrote, and checks requests like every block device", async () => {
    const { p, b } = withNet();
    const disk = await blockDevice("disk", p);
    expect(disk.info).toEqual({ sectorSize: 512, sectorCount: 8, readWrite: true });
    const data = frame(1024, 7);
    expect(await disk.write(2, data)).toEqual({ ok: true, value: undefined });
    expect(b.blocks[0]!.data[1024]).toBe(7);
    const back = new Uint8Array(1024);
    expect(await disk.read(2, back)).toEqual({ ok: true, value: undefined });
    expect(back).toEqual(data);
    expect(await disk.read(8, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.read(0, new Uint8Array(100))).toMatchObject({ ok: false, error: { code: "unaligned" } });
    expect(await disk.write(-1, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
  });

  it("turns a host failure into io, and refuses requests after disconnect", async () => {
    const { p, b } = withNet();
    const disk = await blockDevice("disk", p);
    b.blocks[0]!.failWith = "EIO";
    expect(await disk.read(0, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "io", message: expect.stringContaining("EIO") } });
    await disk.disconnect();
    expect(await disk.write(0, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "disconnected" } });
  });

  it("rejects a name the manifest lacks with MirageError('device')", async () => {
    const { p } = withNet();
    await expect(blockDevice("storage", p)).rejects.toThrow(/block device "storage": no device named "storage"/);
    await expect(blockDevice("service", p)).rejects.toThrow(MirageError);
  });
});

describe("input on a net device nobody listens to", () => {
  it("is read and dropped, so the C loop sleeps instead of spinning on a device that stays ready", async () => {
    const { b, p, inbox } = withNet();
    for (let i = 0; i < NET_BATCH + 3; i++) inbox.push(frame(60));
    // Not acquired yet (e.g. during --delay): drained in batches, then nothing is pending.
    expect(b.idle!(ready(0))).toBe(b.nowNs);
    expect(inbox).toHaveLength(3);
    expect(b.idle!(ready(0))).toBe(-1);
    expect(inbox).toHaveLength(0);
    // A ready bit for a handle that is not a net device is ignored.
    expect(b.idle!(ready(1, 5))).toBe(-1);
    // Once listening, frames reach the listener again.
    const net = await netDevice("service", p);
    const got: number[] = [];
    void net.listen((f) => got.push(f.length));
    inbox.push(frame(70));
    b.idle!(ready(0));
    expect(got).toEqual([70]);
  });
});
