import { describe, expect, it } from "vitest";
import {
  BROADCAST_MAC,
  formatIpv4,
  formatMac,
  isBroadcastMac,
  isMulticastMac,
  macEquals,
  maskToPrefix,
  parseCidr,
  parseIpv4,
  parseMac,
  prefixToMask,
  sameSubnet,
} from "./addr.ts";

describe("IPv4 addresses", () => {
  it("parses strict dotted quads to unsigned 32-bit numbers", () => {
    expect(parseIpv4("10.0.0.1")).toBe(0x0a000001);
    expect(parseIpv4("0.0.0.0")).toBe(0);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4("192.168.1.200")).toBe(0xc0a801c8);
  });

  it("rejects anything else, including ambiguous leading zeros", () => {
    for (const bad of [
      "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "1..2.3", ".1.2.3", "1.2.3.", "010.0.0.1",
      "1.2.3.00", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "1.2.3.4/24", "1234.1.1.1", "a.b.c.d", "１.2.3.4",
    ]) {
      expect(parseIpv4(bad), bad).toBeUndefined();
    }
    expect(parseIpv4(undefined as unknown as string)).toBeUndefined();
  });

  it("formats and round-trips", () => {
    expect(formatIpv4(0x0a000001)).toBe("10.0.0.1");
    expect(formatIpv4(0xffffffff)).toBe("255.255.255.255");
    for (const n of [0, 1, 0x7f000001, 0x80000000, 0xdeadbeef]) expect(parseIpv4(formatIpv4(n))).toBe(n);
    expect(() => formatIpv4(-1)).toThrow(RangeError);
    expect(() => formatIpv4(2 ** 32)).toThrow(/4294967296/);
  });

  it("converts prefixes and masks", () => {
    expect(prefixToMask(0)).toBe(0);
    expect(prefixToMask(8)).toBe(0xff000000);
    expect(prefixToMask(24)).toBe(0xffffff00);
    expect(prefixToMask(32)).toBe(0xffffffff);
    expect(() => prefixToMask(33)).toThrow(RangeError);
    expect(() => prefixToMask(1.5)).toThrow(/1.5/);
    for (let p = 0; p <= 32; p++) expect(maskToPrefix(prefixToMask(p))).toBe(p);
    expect(maskToPrefix(0xff00ff00)).toBeUndefined();
    expect(maskToPrefix(-1)).toBeUndefined();
    expect(sameSubnet(0x0a000002, 0x0a0000fe, 24)).toBe(true);
    expect(sameSubnet(0x0a000002, 0x0a000102, 24)).toBe(false);
    expect(sameSubnet(0x0a000002, 0xc0a80001, 0)).toBe(true);
  });

  it("parses CIDR notation", () => {
    expect(parseCidr("10.0.0.2/24")).toEqual({ address: 0x0a000002, prefix: 24 });
    expect(parseCidr("0.0.0.0/0")).toEqual({ address: 0, prefix: 0 });
    expect(parseCidr("1.2.3.4/32")).toEqual({ address: 0x01020304, prefix: 32 });
    for (const bad of ["10.0.0.2", "10.0.0.2/", "10.0.0.2/33", "10.0.0.2/024", "10.0.0.2/2a", "10.0.0/24", "/24", "10.0.0.2/24/1"]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });
});

describe("MAC addresses", () => {
  it("parses and formats", () => {
    expect(parseMac("aa:bb:cc:dd:ee:ff")).toEqual(new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]));
    expect(parseMac("02-FC-00-00-00-01")).toEqual(new Uint8Array([2, 0xfc, 0, 0, 0, 1]));
    expect(formatMac(new Uint8Array([2, 0xfc, 0, 0, 0, 1]))).toBe("02:fc:00:00:00:01");
    for (const bad of ["aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa-bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:fg", "aabbccddeeff", "a:bb:cc:dd:ee:fff"]) {
      expect(parseMac(bad), bad).toBeUndefined();
    }
    expect(() => formatMac(new Uint8Array(5))).toThrow(TypeError);
  });

  it("classifies", () => {
    expect(isBroadcastMac(BROADCAST_MAC)).toBe(true);
    expect(isMulticastMac(new Uint8Array([0x33, 0x33, 0, 0, 0, 1]))).toBe(true);
    expect(isMulticastMac(new Uint8Array([0x02, 0, 0, 0, 0, 1]))).toBe(false);
    expect(macEquals(new Uint8Array([1, 2, 3, 4, 5, 6]), new Uint8Array([1, 2, 3, 4, 5, 6]))).toBe(true);
    expect(macEquals(new Uint8Array([1, 2, 3, 4, 5, 6]), new Uint8Array([1, 2, 3, 4, 5, 7]))).toBe(false);
  });
});
