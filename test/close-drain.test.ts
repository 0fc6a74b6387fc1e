/**
 * An app on the direct stack that writes, closes and returns from start at once must
 * not lose its data or its FIN: boot waits (bounded) for the stack to drain. Linux's
 * nc in a namespace is the receiver.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildUnikernel } from "./support/example.ts";
import { canUseNetns, withNetns } from "./support/netns.ts";
import { REPO } from "./support/run.ts";

const CONFIG = `import { defaultNetwork, directStack, main, register, stack } from "@mirage-ts/mirage";
register("sender", [main("./unikernel.ts", [stack])(directStack(defaultNetwork()))]);
`;
const APP = `import type { Stack } from "@mirage-ts/devices";
export async function start(stack: Stack): Promise<void> {
  const c = await stack.tcp.connect("10.77.0.1", 9000);
  if (!c.ok) throw new Error(c.error.message);
  const data = new Uint8Array(1 << 20).map((_, i) => i % 251);
  const w = await c.value.write(data);
  if (!w.ok) throw new Error(w.error.message);
  await c.value.close(); // and return at once
}
`;

const netns = canUseNetns();
if (!netns.ok) console.warn(`skipping the close-then-exit test: ${netns.reason}`);

describe.skipIf(!netns.ok)("closing and returning from start on the direct stack", () => {
  mkdirSync(join(REPO, ".test-tmp"), { recursive: true });
  const dir = mkdtempSync(join(REPO, ".test-tmp", "sender-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("delivers all the data and the FIN before the unikernel exits", async () => {
    writeFileSync(join(dir, "config.ts"), CONFIG);
    writeFileSync(join(dir, "unikernel.ts"), APP);
    const bin = await buildUnikernel(dir, "sender");
    await withNetns(async (ns) => {
      await ns.addTap("tap0", "10.77.0.1/24");
      // A small receive window keeps data in the sender's buffer when it closes.
      await ns.sh("sysctl", ["-q", "-w", "net.ipv4.tcp_rmem=4096 8192 8192"]);
      const received = join(dir, "received.bin");
      // nc exits when the sender's FIN arrives; without it, it would wait for the timeout.
      const listener = ns.exec("sh", ["-c", `timeout 20 nc -l -d 10.77.0.1 9000 > ${received}; echo "nc=$?"`], { timeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 300));
      const sender = await ns.exec(bin, ["--ipv4=10.77.0.2/24"], { timeoutMs: 30_000 });
      expect(sender.stderr).toBe("");
      expect(sender.status).toBe(0);
      const nc = await listener;
      expect(nc.stdout.trim()).toBe("nc=0");
      const bytes = readFileSync(received);
      expect(bytes.length).toBe(1 << 20);
      expect(bytes.every((b, i) => b === i % 251)).toBe(true);
    });
  }, 60_000);
});
