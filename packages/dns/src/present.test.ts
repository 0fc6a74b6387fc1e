import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseZone, recordToString, name } from "./index.ts";

describe("recordToString", () => {
  it("prints records so that parseZone reads them back", () => {
    const text = readFileSync(new URL("./testdata/example.zone", import.meta.url), "utf8");
    const z = parseZone(text);
    const printed = z.records.map(recordToString).join("\n") + "\nx.test.\t1\tIN\tTYPE65280\t\\# 2 abcd\n";
    expect(z.records.map(recordToString)).toContain('txt.example.com.\t3600\tIN\tTXT\t"hello world" "semi;colon" "quote\\"inside" "back\\\\slash" "ABC" "plain"');
    const again = parseZone(printed);
    expect(again.errors).toEqual([]);
    expect(again.records.slice(0, -1)).toEqual(z.records);
    expect(recordToString(again.records.at(-1)!)).toBe("x.test.\t1\tIN\tTYPE65280\t\\# 2 abcd");
  });

  it("escapes non-printable octets", () => {
    const rr = { name: name("a\\.b.test"), type: 16, class: 1, ttl: 5, data: { kind: "TXT" as const, strings: [Uint8Array.of(0x41, 0x0a, 0xff)] } };
    expect(recordToString(rr)).toBe('a\\.b.test.\t5\tIN\tTXT\t"A\\010\\255"');
  });
});
