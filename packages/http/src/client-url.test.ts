import { describe, expect, it } from "vitest";
import { parseHttpUrl, removeDotSegments, resolveReference } from "./client-url.ts";

describe("resolveReference (RFC 3986 section 5.4)", () => {
  const base = "http://a/b/c/d;p?q";
  it("gives the RFC's normal and abnormal examples", () => {
    const cases: Record<string, string> = {
      "g:h": "g:h", g: "http://a/b/c/g", "./g": "http://a/b/c/g", "g/": "http://a/b/c/g/", "/g": "http://a/g", "//g": "http://g",
      "?y": "http://a/b/c/d;p?y", "g?y": "http://a/b/c/g?y", "#s": "http://a/b/c/d;p?q#s", "g#s": "http://a/b/c/g#s",
      "g?y#s": "http://a/b/c/g?y#s", ";x": "http://a/b/c/;x", "g;x": "http://a/b/c/g;x", "": "http://a/b/c/d;p?q",
      ".": "http://a/b/c/", "./": "http://a/b/c/", "..": "http://a/b/", "../": "http://a/b/", "../g": "http://a/b/g",
      "../..": "http://a/", "../../": "http://a/", "../../g": "http://a/g",
      "../../../g": "http://a/g", "../../../../g": "http://a/g", "/./g": "http://a/g", "/../g": "http://a/g",
      "g.": "http://a/b/c/g.", ".g": "http://a/b/c/.g", "g..": "http://a/b/c/g..", "..g": "http://a/b/c/..g",
      "./../g": "http://a/b/g", "./g/.": "http://a/b/c/g/", "g/./h": "http://a/b/c/g/h", "g/../h": "http://a/b/c/h",
      "g;x=1/./y": "http://a/b/c/g;x=1/y", "g;x=1/../y": "http://a/b/c/y", "g?y/./x": "http://a/b/c/g?y/./x",
      "g#s/../x": "http://a/b/c/g#s/../x", "http:g": "http:g",
    };
    for (const [ref, want] of Object.entries(cases)) expect(resolveReference(base, ref), ref).toBe(want);
    expect(removeDotSegments("/a/b/c/./../../g")).toBe("/a/g");
    expect(resolveReference("http://h", "x")).toBe("http://h/x");
  });
});

describe("parseHttpUrl", () => {
  it("splits host, port and origin-form target", () => {
    expect(parseHttpUrl("http://Example.ORG")).toEqual({ ok: true, value: { host: "example.org", port: 80, target: "/", authority: "example.org", href: "http://example.org/" } });
    expect(parseHttpUrl("HTTP://10.0.0.1:8080/a b/é?q=1#f")).toEqual({
      ok: true,
      value: { host: "10.0.0.1", port: 8080, target: "/a%20b/%C3%A9?q=1", authority: "10.0.0.1:8080", href: "http://10.0.0.1:8080/a%20b/%C3%A9?q=1" },
    });
    expect(parseHttpUrl("http://h:/x").ok && parseHttpUrl("http://h:/x")).toMatchObject({ value: { port: 80 } });
  });

  it("refuses what it cannot fetch, saying why", () => {
    const e = (u: string) => {
      const r = parseHttpUrl(u);
      return r.ok ? "ok" : `${r.error.code}: ${r.error.message}`;
    };
    expect(e("https://example.org/")).toBe("unsupported_scheme: https is not supported (no TLS yet): https://example.org/");
    expect(e("ftp://example.org/")).toMatch(/^unsupported_scheme: only http:\/\//);
    expect(e("example.org/x")).toMatch(/^bad_url: .*no scheme/);
    expect(e("http:///x")).toMatch(/no host/);
    expect(e("http://u:p@h/")).toMatch(/user information/);
    expect(e("http://[::1]/")).toMatch(/IPv6/);
    expect(e("http://h:99999/")).toMatch(/port 99999/);
    expect(e("http://h:x/")).toMatch(/malformed/);
    expect(e("http://1.2.3.999/")).toMatch(/not a host name/);
    expect(e("http://a_b.example/")).toBe("ok");
    expect(e("http://-bad.example/")).toMatch(/not a host name/);
  });
});
