/**
 * Two direct-stack unikernels wired to each other over the UDP link on loopback (no
 * root, no tap): examples/network serves TCP echo on 10.78.0.1, examples/tcp-client
 * on 10.78.0.2 sends it 1 MB and verifies the echo. The server records its frames
 * with --pcap, and tcpdump must read the ARP exchange and the TCP handshake there.
 *
 * Both examples are built from private copies under .test-tmp/, so this file never
 * builds in the folders the examples' own tests build in.
 */
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUnikernel, logMessages } from "./support/example.ts";
import { REPO, run } from "./support/run.ts";
import { watch } from "./support/unikernel-process.ts";

/** Copies examples/NAME's config.ts and unikernel.ts into `root`/NAME and builds it with --net=direct; returns the artefact. */
async function buildCopy(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const f of ["config.ts", "unikernel.ts"]) copyFileSync(join(REPO, "examples", name, f), join(dir, f));
  return buildUnikernel(dir, name, ["--net=direct"]);
}

/** Two distinct UDP ports on 127.0.0.1 that were free a moment ago (the kernel picks them). */
async function freeUdpPorts(): Promise<[number, number]> {
  const socks = [createSocket("udp4"), createSocket("udp4")];
  const ports = await Promise.all(socks.map((s) => new Promise<number>((resolve) => s.bind(0, "127.0.0.1", () => resolve(s.address().port)))));
  await Promise.all(socks.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return [ports[0]!, ports[1]!];
}

const tcpdump = spawnSync("tcpdump", ["--version"]).status === 0;

describe("the UDP link between two direct-stack unikernels, with --pcap", () => {
  let root = "";
  let server = "";
  let client = "";
  beforeAll(async () => {
    mkdirSync(join(REPO, ".test-tmp"), { recursive: true });
    root = mkdtempSync(join(REPO, ".test-tmp", "udp-link-"));
    server = await buildCopy(root, "network");
    client = await buildCopy(root, "tcp-client");
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("carries a verified 1 MB TCP echo, and the pcap shows ARP and the TCP handshake", async () => {
    const [p1, p2] = await freeUdpPorts();
    const pcap = join(root, "server.pcap");
    const app = watch(
      spawn(server, [`--interface=udp:${p1}:${p2}`, "--ipv4=10.78.0.1/24", `--pcap=${pcap}`], { stdio: ["ignore", "pipe", "pipe"] }),
    );
    try {
      await app.waitFor(/echoing on TCP port 8080/);
      const r = await run(client, [`--interface=udp:${p2}:${p1}`, "--ipv4=10.78.0.2/24", "--host=10.78.0.1", "--port=8080", "--size=1000000"], {
        timeoutMs: 60_000,
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const msgs = logMessages(r.stdout);
      expect(msgs[0]).toMatch(/^connected to 10\.78\.0\.1:8080 from 10\.78\.0\.2:\d+$/);
      expect(msgs[1]).toMatch(/^echo verified: hello from [0-9a-f]{8} and 1000000 random bytes$/);
      await app.waitFor(/10\.78\.0\.2:\d+ closed after 1000020 bytes/);
    } finally {
      await app.stop();
    }

    expect(existsSync(pcap)).toBe(true);
    expect(statSync(pcap).size).toBeGreaterThan(1000000); // every frame of the echo, both ways
    if (!tcpdump) {
      console.warn("not reading the pcap back: tcpdump is not installed");
      return;
    }
    const dump = await run("tcpdump", ["-r", pcap, "-nn", "-c", "200"], { timeoutMs: 30_000 });
    expect(dump.status).toBe(0);
    expect(dump.stderr).toContain("link-type EN10MB (Ethernet)");
    const lines = dump.stdout.split("\n");
    const has = (re: RegExp) => lines.some((l) => re.test(l));
    expect(has(/ARP, Request who-has 10\.78\.0\.1 tell 10\.78\.0\.2/)).toBe(true);
    expect(has(/ARP, Reply 10\.78\.0\.1 is-at [0-9a-f:]{17}/)).toBe(true);
    const syn = lines.find((l) => /IP 10\.78\.0\.2\.\d+ > 10\.78\.0\.1\.8080: Flags \[S\],/.test(l));
    const synAck = lines.find((l) => /IP 10\.78\.0\.1\.8080 > 10\.78\.0\.2\.\d+: Flags \[S\.\],/.test(l));
    expect(syn, dump.stdout.slice(0, 2000)).toBeDefined();
    expect(synAck, dump.stdout.slice(0, 2000)).toBeDefined();
    expect(lines.indexOf(syn!)).toBeLessThan(lines.indexOf(synAck!));
    expect(syn).toMatch(/options \[mss 1460,/);
  }, 120_000);
});
