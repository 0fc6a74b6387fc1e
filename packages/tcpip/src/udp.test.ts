import { ok, type Datagram } from "@mirage-ts/devices";
import { describe, expect, it } from "vitest";
import { UdpLayer } from "./udp.ts";

function layer() {
  const sent: Array<[number, number, number, Uint8Array]> = [];
  const errors: number[] = [];
  const udp = new UdpLayer(
    (dst, srcPort, dstPort, data) => {
      sent.push([dst, srcPort, dstPort, data]);
      return Promise.resolve(ok(undefined));
    },
    () => new Uint8Array([0xff, 0xff]),
    (port) => errors.push(port),
  );
  return { udp, sent, errors };
}

describe("UdpLayer", () => {
  it("sends from an ephemeral port unless one is given", async () => {
    const { udp, sent } = layer();
    expect((await udp.send("10.0.0.2", 53, new Uint8Array(1))).ok).toBe(true);
    expect(sent[0]![0]).toBe(0x0a000002);
    expect(sent[0]![1]).toBeGreaterThanOrEqual(49152);
    await udp.send("10.0.0.2", 53, new Uint8Array(1), { srcPort: 1234 });
    expect(sent[1]![1]).toBe(1234);
  });

  it("skips ephemeral ports that are listened on", async () => {
    const { udp, sent } = layer();
    // random 0xffff -> start at 65535 % 16384 = 16383 -> port 65535
    udp.listen(65535, () => {});
    await udp.send("10.0.0.2", 53, new Uint8Array(1));
    expect(sent[0]![1]).toBe(49152);
  });

  it("rejects misuse and oversized payloads", async () => {
    const { udp } = layer();
    await expect(udp.send("10.0.0", 53, new Uint8Array(1))).rejects.toThrow(/not an IPv4 address: "10.0.0"/);
    await expect(udp.send("10.0.0.1", 0, new Uint8Array(1))).rejects.toThrow(RangeError);
    await expect(udp.send("10.0.0.1", 53, new Uint8Array(1), { srcPort: 70000 })).rejects.toThrow(/70000/);
    expect(() => udp.listen(0, () => {})).toThrow(RangeError);
    const r = await udp.send("10.0.0.1", 53, new Uint8Array(65508));
    expect(r.ok ? "ok" : r.error.code).toBe("too_large");
    expect((await udp.send("10.0.0.1", 53, new Uint8Array(65507))).ok).toBe(true);
  });

  it("delivers copies with dotted addresses, and survives a throwing listener", () => {
    const { udp, errors } = layer();
    const got: Datagram[] = [];
    udp.listen(7, (d) => got.push(d));
    const buf = new Uint8Array([1, 2, 3]);
    expect(udp.deliver(0x0a000001, 0x0a000002, 5000, 7, buf)).toBe(true);
    buf[0] = 9;
    expect(got[0]).toEqual({ src: { address: "10.0.0.1", port: 5000 }, dst: { address: "10.0.0.2", port: 7 }, data: new Uint8Array([1, 2, 3]) });
    expect(udp.deliver(0x0a000001, 0x0a000002, 5000, 8, buf)).toBe(false);
    udp.listen(9, () => {
      throw new Error("app bug");
    });
    expect(udp.deliver(0x0a000001, 0x0a000002, 5000, 9, buf)).toBe(true);
    expect(errors).toEqual([9]);
    udp.unlisten(7);
    expect(udp.deliver(0x0a000001, 0x0a000002, 5000, 7, buf)).toBe(false);
  });
});
