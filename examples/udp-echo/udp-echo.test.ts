import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

/**
 * Sends each datagram to 127.0.0.1:port in turn and resolves with the replies, each
 * from the echo port. A datagram may be lost even on loopback, so each is resent
 * (up to 5 times) until a reply of its length arrives; the sizes differ, so a late
 * echo of an earlier datagram is never taken for this one's.
 */
async function echoOverUdp(port: number, datagrams: readonly Buffer[]): Promise<Buffer[]> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", resolve));
  try {
    const replies: Buffer[] = [];
    for (const d of datagrams) {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        let tries = 0;
        const send = () => {
          if (++tries > 5) return finish(() => reject(new Error(`no echo of a ${d.length}-byte datagram after 5 tries`)));
          sock.send(d, port, "127.0.0.1");
        };
        const timer = setInterval(send, 500);
        const onMessage = (msg: Buffer, from: { address: string; port: number }) => {
          if (from.port !== port || msg.length !== d.length) return;
          finish(() => resolve(msg));
        };
        const finish = (f: () => void) => {
          clearInterval(timer);
          sock.off("message", onMessage);
          f();
        };
        sock.on("message", onMessage);
        send();
      });
      replies.push(reply);
    }
    return replies;
  } finally {
    sock.close();
  }
}

// Sends datagrams from inside the namespace to the unikernel and prints the length and
// whether each echo matched (bytes and source); a lost datagram is resent a few times.
const PY_CLIENT = `
import os, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for n in map(int, sys.argv[3:]):
    data = os.urandom(n)
    back = None
    for attempt in range(5):
        s.sendto(data, (host, port))
        try:
            while True:  # skip a late echo of an earlier datagram (sizes differ)
                back, peer = s.recvfrom(65535)
                if len(back) == n:
                    break
            break
        except socket.timeout:
            continue
    if back is None or len(back) != n:
        print(n, "lost", flush=True)
        continue
    print(n, "ok" if back == data and peer == (host, port) else "differs", flush=True)
`;

const tcpdumpAvailable = spawnSync("tcpdump", ["--version"]).status === 0;

// One file for both stacks: the two variants are built in the same folder, one after the other.
describe("examples/udp-echo", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("udp-echo", []);
    directBin = await buildVariant("udp-echo", ["--net=direct"]);
  });

  it("echoes datagrams up to 60000 bytes on the socket stack, on loopback", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const app = watch(spawn(socketBin, [`--port=${port}`], { stdio: ["ignore", "pipe", "pipe"] }));
    try {
      await app.waitFor(new RegExp(`echoing on UDP port ${port}`));
      const sent = [1, 100, 1472, 8000, 60000].map((n) => randomBytes(n));
      const back = await echoOverUdp(port, sent);
      expect(back.map((b) => b.length)).toEqual(sent.map((b) => b.length));
      back.forEach((b, i) => expect(b.equals(sent[i]!)).toBe(true));
      await app.waitFor(/echoed 1 datagram\(s\), last from 127\.0\.0\.1:\d+/);
    } finally {
      await app.stop();
    }
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the udp-echo example's direct-stack tests against Linux: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against Linux in a namespace", () => {
    let ns: Netns;
    let app: Running;
    beforeAll(async () => {
      ns = await createNetns("mudp");
      await ns.addTap("tap0", "10.77.0.1/24");
      app = watch(ns.spawn(directBin, ["--ipv4=10.77.0.2/24"]));
      await app.waitFor(/echoing on UDP port 7007/);
    });
    afterAll(async () => {
      await app?.stop();
      await ns?.destroy();
    });

    it("echoes a Linux client's datagrams, a 5000-byte one fragmented both ways", async () => {
      // tcpdump on Linux's side of the tap shows the IP fragments in each direction.
      const dump = tcpdumpAvailable ? watch(ns.spawn("tcpdump", ["-i", "tap0", "-nn", "-l", "-p", "ip[6:2] & 0x3fff != 0"])) : undefined;
      if (!dump) console.warn("not checking the fragments on the wire: tcpdump is not installed");
      try {
        await dump?.waitFor(/listening on tap0/);
        const sizes = [1, 512, 1472, 1473, 5000, 20000];
        const r = await ns.exec("/usr/bin/python3", ["-c", PY_CLIENT, "10.77.0.2", "7007", ...sizes.map(String)], { timeoutMs: 30_000 });
        expect(r.stderr).toBe("");
        expect(r.stdout).toBe(sizes.map((n) => `${n} ok\n`).join(""));
        await app.waitFor(/echoed 1 datagram\(s\), last from 10\.77\.0\.1:\d+/);
        if (dump) {
          // The 1473-, 5000- and 20000-byte datagrams take 2 + 4 + 14 fragments each way over a
          // 1500-byte MTU; tcpdump names only the first one's ports.
          const frags = () => dump.output().split("\n").filter((l) => / IP /.test(l));
          const count = (re: RegExp) => frags().filter((l) => re.test(l)).length;
          const toUnikernel = / IP 10\.77\.0\.1(\.\d+)? > 10\.77\.0\.2[.:]/;
          const toLinux = / IP 10\.77\.0\.2(\.\d+)? > 10\.77\.0\.1[.:]/;
          const deadline = Date.now() + 5_000;
          while (count(toLinux) < 20 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
          expect(count(toUnikernel)).toBeGreaterThanOrEqual(20); // Linux -> unikernel: it reassembled them
          expect(count(toLinux)).toBeGreaterThanOrEqual(20); // unikernel -> Linux: it fragmented its echoes
        }
      } finally {
        await dump?.stop();
      }
    });
  });
});
