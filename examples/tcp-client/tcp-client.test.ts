import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMessages } from "../../test/support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { run } from "../../test/support/run.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

/** A node:net echo server on 127.0.0.1, on a port the kernel picks; counts the bytes it echoed. */
async function echoServer(): Promise<{ server: Server; port: number; echoed: () => number }> {
  let echoed = 0;
  const server = createServer((sock) => {
    sock.on("data", (d) => (echoed += d.length));
    sock.on("error", () => sock.destroy());
    sock.pipe(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, echoed: () => echoed };
}

// A threaded echo server for Linux's side of the namespace: host, port from argv.
const PY_ECHO = `
import socketserver, sys
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(262144)
            if not data:
                break
            self.request.sendall(data)
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
with Server((sys.argv[1], int(sys.argv[2])), Echo) as s:
    print("listening", flush=True)
    s.serve_forever()
`;

// One file for both stacks: the two variants are built in the same folder, one after the other.
describe("examples/tcp-client", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("tcp-client", []);
    directBin = await buildVariant("tcp-client", ["--net=direct"]);
  });

  it("sends 10 MB to a node:net echo server over the socket stack and verifies the echo", async () => {
    const { server, port, echoed } = await echoServer();
    try {
      const r = await run(socketBin, ["--host=127.0.0.1", `--port=${port}`, "--size=10000000"], { timeoutMs: 60_000 });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const msgs = logMessages(r.stdout);
      expect(msgs[0]).toMatch(new RegExp(`^connected to 127\\.0\\.0\\.1:${port} from 127\\.0\\.0\\.1:\\d+$`));
      expect(msgs[1]).toMatch(/^echo verified: hello from [0-9a-f]{8} and 10000000 random bytes$/);
      expect(echoed()).toBe(10000000 + "hello from 01234567\n".length);
    } finally {
      server.close();
    }
  }, 90_000);

  it("exits 1 with a clear message when the socket stack's connect is refused", async () => {
    const { server, port } = await echoServer();
    await new Promise((resolve) => server.close(resolve)); // the port is now closed
    const r = await run(socketBin, [`--port=${port}`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("");
    expect(logMessages(r.stdout, "application")).toEqual([
      `cannot connect to 127.0.0.1:${port}: connection refused (connect ECONNREFUSED 127.0.0.1:${port})`,
    ]);
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the tcp-client example's direct-stack tests against Linux: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against Linux in a namespace", () => {
    let ns: Netns;
    let server: Running;
    beforeAll(async () => {
      ns = await createNetns("mtcpc");
      await ns.addTap("tap0", "10.77.0.1/24");
      server = watch(ns.spawn("/usr/bin/python3", ["-c", PY_ECHO, "10.77.0.1", "8080"]));
      await server.waitFor(/listening/);
    });
    afterAll(async () => {
      await server?.stop();
      await ns?.destroy();
    });

    it("sends 100 MB to Linux's echo server and verifies every byte of the echo", async () => {
      const r = await ns.exec(directBin, ["--ipv4=10.77.0.2/24", "--host=10.77.0.1", "--port=8080", "--size=100000000"], { timeoutMs: 120_000 });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout, "tcpip")).toContain("ipv4 10.77.0.2/24 (static)");
      const msgs = logMessages(r.stdout);
      expect(msgs[0]).toMatch(/^connected to 10\.77\.0\.1:8080 from 10\.77\.0\.2:\d+$/);
      expect(msgs[1]).toMatch(/^echo verified: hello from [0-9a-f]{8} and 100000000 random bytes$/);
    }, 150_000);

    it("exits 1 with a clear message when Linux refuses the connection (RST to its SYN)", async () => {
      const r = await ns.exec(directBin, ["--ipv4=10.77.0.2/24", "--host=10.77.0.1", "--port=8081"], { timeoutMs: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("");
      expect(logMessages(r.stdout)).toEqual(["cannot connect to 10.77.0.1:8081: connection refused"]);
    });
  });
});
