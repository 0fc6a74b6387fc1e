/**
 * DhcpClient against a real server: dnsmasq in one network namespace, the client's
 * packets sent from another through a veth pair. Node cannot bind a UDP socket to a
 * device, so a tiny python3 helper owns the socket (0.0.0.0:68, SO_BINDTODEVICE) and
 * relays datagrams as hex lines; the state machine itself runs here. Needs root, `ip
 * netns`, dnsmasq (apt-get install -y dnsmasq-base) and /usr/bin/python3; skips with the
 * reason otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { DhcpClient, type DhcpSend } from "./client.ts";

const PYTHON = "/usr/bin/python3";

function skipReason(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (network namespaces need CAP_NET_ADMIN)";
  if (spawnSync("ip", ["netns", "list"]).status !== 0) return "`ip netns` is unavailable";
  if (spawnSync("dnsmasq", ["--version"]).status !== 0) return "dnsmasq is not installed (apt-get install -y dnsmasq-base)";
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  return undefined;
}
const reason = skipReason();
if (reason !== undefined) console.warn(`dnsmasq.test.ts skipped: ${reason}`);

// Reads hex lines "DST HEX" on stdin and sends them to DST:67; prints "rx SRC HEX" for
// every datagram that arrives on port 68 of the device.
const RELAY = String.raw`
import os, select, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
s.bind(("0.0.0.0", 68))
print("ready", flush=True)
buf = b""
while True:
    r, _, _ = select.select([s, 0], [], [])
    if s in r:
        data, addr = s.recvfrom(65535)
        print("rx", addr[0], data.hex(), flush=True)
    if 0 in r:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            dst, payload = line.decode().split()
            s.sendto(bytes.fromhex(payload), (dst, 67))
`;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
}

const dotted = (n: number): string => `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
const nowNs = (): number => Number(process.hrtime.bigint());

/** The relay's lines as a queue with a timed wait. */
class Relay {
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      this.lines.push(l);
      this.wake?.();
    });
  }
  async next(timeoutMs: number): Promise<string | undefined> {
    if (this.lines.length === 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, timeoutMs));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.lines.shift();
  }
  send(list: DhcpSend[]): void {
    for (const s of list) this.child.stdin!.write(`${dotted(s.dst)} ${Buffer.from(s.payload).toString("hex")}\n`);
  }
}

/** Runs the client until `done()` or the wall-clock budget ends; `clock` maps real time to client time. */
async function drive(c: DhcpClient, relay: Relay, clock: () => number, done: () => boolean, budgetMs: number): Promise<void> {
  const end = Date.now() + budgetMs;
  while (!done() && Date.now() < end) {
    const due = c.pollAt();
    const waitMs = due === undefined ? end - Date.now() : Math.min(end - Date.now(), (due - clock()) / 1e6);
    const line = await relay.next(waitMs);
    if (line?.startsWith("rx ")) {
      const hex = line.split(" ")[2]!;
      relay.send(c.input(clock(), Uint8Array.from(Buffer.from(hex, "hex"))));
    }
    relay.send(c.poll(clock()));
  }
}

describe.skipIf(reason !== undefined)("DhcpClient against dnsmasq", () => {
  it("gets, renews and releases a lease", async () => {
    const tag = randomBytes(3).toString("hex");
    const server = `dh-${tag}-s`;
    const clientNs = `dh-${tag}-c`;
    const sIf = `dhs${tag}`;
    const cIf = `dhc${tag}`;
    const mac = Uint8Array.from(randomBytes(6));
    mac[0] = (mac[0]! & 0xfe) | 0x02; // unicast, locally administered
    const macText = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(":");
    const dir = mkdtempSync(join(tmpdir(), "dh-"));
    const children: ChildProcess[] = [];
    try {
      run("ip", ["netns", "add", server]);
      run("ip", ["netns", "add", clientNs]);
      run("ip", ["link", "add", sIf, "netns", server, "type", "veth", "peer", "name", cIf, "netns", clientNs]);
      run("ip", ["-n", server, "addr", "add", "10.77.0.1/24", "dev", sIf]);
      run("ip", ["-n", server, "link", "set", sIf, "up"]);
      run("ip", ["-n", clientNs, "link", "set", cIf, "address", macText]);
      run("ip", ["-n", clientNs, "link", "set", cIf, "up"]);

      const leases = join(dir, "leases");
      const dnsmasq = spawn("ip", [
        "netns", "exec", server, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--user=root",
        `--interface=${sIf}`, "--bind-interfaces", "--no-ping", "--log-dhcp",
        "--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,1h",
        "--dhcp-option=option:router,10.77.0.1", "--dhcp-option=option:dns-server,10.77.0.1",
        `--dhcp-leasefile=${leases}`, `--pid-file=${join(dir, "pid")}`,
      ], { stdio: ["ignore", "ignore", "pipe"] });
      children.push(dnsmasq);
      let log = "";
      dnsmasq.stderr!.on("data", (d: Buffer) => (log += d.toString()));

      const child = spawn("ip", ["netns", "exec", clientNs, PYTHON, "-c", RELAY, cIf], { stdio: ["pipe", "pipe", "inherit"] });
      children.push(child);
      const relay = new Relay(child);
      expect(await relay.next(5000)).toBe("ready");
      // dnsmasq listens once its log says so; a DISCOVER before that is retransmitted anyway.
      for (let i = 0; i < 50 && !log.includes("DHCP, IP range"); i++) await new Promise((r) => setTimeout(r, 100));

      const c = new DhcpClient({
        mac,
        random: (n) => Uint8Array.from(randomBytes(n)),
        hostname: "mirage-test",
        retransmit: { initialNs: 1e9, maxNs: 2e9 },
      });
      const t0 = nowNs();
      relay.send(c.start(0));
      await drive(c, relay, () => nowNs() - t0, () => c.state() === "bound", 20_000);
      expect(c.state(), log).toBe("bound");
      const lease = c.lease()!;
      const [bound] = c.takeEvents();
      expect(bound).toEqual({ kind: "bound", lease });
      expect(lease).toMatchObject({ prefix: 24, gateway: 0x0a4d0001, dnsServers: [0x0a4d0001], leaseSeconds: 3600, serverId: 0x0a4d0001 });
      expect(lease.address >>> 8).toBe(0x0a4d00);
      expect(lease.address & 0xff).toBeGreaterThanOrEqual(50);
      expect(lease.address & 0xff).toBeLessThanOrEqual(99);
      const leaseLine = readFileSync(leases, "utf8");
      expect(leaseLine).toContain(`${dotted(lease.address)} mirage-test`);
      expect(leaseLine).toContain(macText);

      // Renewal: configure the address as the stack would, then jump the client clock
      // to T1 so it unicasts a REQUEST from its address (RENEWING).
      run("ip", ["-n", clientNs, "addr", "add", `${dotted(lease.address)}/24`, "dev", cIf]);
      const t1 = c.pollAt()!;
      const t1Real = nowNs();
      const renewClock = (): number => t1 + (nowNs() - t1Real);
      relay.send(c.poll(renewClock()));
      expect(c.state()).toBe("renewing");
      await drive(c, relay, renewClock, () => c.state() === "bound", 10_000);
      expect(c.state(), log).toBe("bound");
      expect(c.takeEvents()).toMatchObject([{ kind: "renewed", lease: { address: lease.address } }]);

      relay.send(c.release(renewClock()));
      for (let i = 0; i < 50 && !log.includes("DHCPRELEASE"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(log).toMatch(new RegExp(`DHCPRELEASE\\(${sIf}\\) ${dotted(lease.address).replace(/\./g, "\\.")}`));
      expect(c.stats().malformed).toBe(0);
      if (process.env.DHCP_DEBUG) console.log(log, c.stats());
    } finally {
      for (const ch of children) if (ch.exitCode === null) ch.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 100));
      spawnSync("ip", ["netns", "del", clientNs]);
      spawnSync("ip", ["netns", "del", server]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
