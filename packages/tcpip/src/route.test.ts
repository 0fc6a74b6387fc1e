import { describe, expect, it } from "vitest";
import { checkInterface, route, subnetBroadcast } from "./route.ts";

const cfg = { address: 0x0a000002, prefix: 24, gateway: 0x0a000001 };

describe("route", () => {
  it("sends on-link destinations directly and others through the gateway", () => {
    expect(route(cfg, 0x0a000009)).toEqual({ nextHop: 0x0a000009, src: 0x0a000002 });
    expect(route(cfg, 0x08080808)).toEqual({ nextHop: 0x0a000001, src: 0x0a000002 });
    expect(route({ address: 0x0a000002, prefix: 24 }, 0x08080808)).toBeUndefined();
    expect(route(undefined, 0x0a000009)).toBeUndefined();
  });

  it("maps broadcasts to the link and refuses multicast, loopback and 0/8", () => {
    expect(route(cfg, 0xffffffff)?.nextHop).toBe(0xffffffff);
    expect(route(cfg, 0x0a0000ff)?.nextHop).toBe(0xffffffff);
    expect(route(cfg, 0xe0000001)).toBeUndefined();
    expect(route(cfg, 0x7f000001)).toBeUndefined();
    expect(route(cfg, 0x00000001)).toBeUndefined();
  });

  it("has no subnet broadcast for /31 and /32 (RFC 3021)", () => {
    expect(subnetBroadcast({ address: 0x0a000002, prefix: 31 })).toBeUndefined();
    expect(subnetBroadcast({ address: 0x0a000002, prefix: 8 })).toBe(0x0affffff);
  });

  it("validates configurations", () => {
    expect(() => checkInterface(cfg)).not.toThrow();
    expect(() => checkInterface({ address: 0x0a000000, prefix: 24 })).toThrow(/network or broadcast/);
    expect(() => checkInterface({ address: 0x0a0000ff, prefix: 24 })).toThrow(RangeError);
    expect(() => checkInterface({ address: 0x0a000002, prefix: 33 })).toThrow(/prefix/);
    expect(() => checkInterface({ address: 0x0a000002, prefix: 24, gateway: 0x0b000001 })).toThrow(/gateway 11.0.0.1/);
    expect(() => checkInterface({ address: 0xe0000001, prefix: 24 })).toThrow(RangeError);
  });
});
