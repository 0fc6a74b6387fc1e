// The net bindings and the event loop's network wake-up, against Linux's own stack:
// a guest on a tap in a private namespace sends an ARP request (RFC 826) for the
// Linux side's address by hand (resent every 300 ms), sleeps in platform_poll until
// the next resend, and must be woken by the reply, find its handle in the ready set
// and read the frame.
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { canUseNetns, withNetns } from "../../../test/support/netns.ts";
import { type Target, warmGuestCache } from "../src/index.ts";
import { WORK, build, cannotRun, tenderPath } from "./helpers.ts";

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

const GUEST_MAC = "02:00:00:77:00:02";

const ARP_PROBE = `
const h = mirageHost;
const out = (s) => h.consoleWrite(1, s + "\\n");
const dev = h.netAcquire("service");
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
out("mac " + hex(dev.mac) + " mtu " + dev.mtu + " handle " + dev.handle);
const me = [10, 77, 0, 2], linux = [10, 77, 0, 1];
const req = new Uint8Array(42);
req.fill(0xff, 0, 6); req.set(dev.mac, 6); req.set([0x08, 0x06], 12);     // Ethernet: broadcast, ARP
req.set([0, 1, 0x08, 0x00, 6, 4, 0, 1], 14);                                // Ethernet/IPv4, request
req.set(dev.mac, 22); req.set(me, 28); req.set(linux, 38);                   // sender, target IP
const started = h.monotonicNs();
let nextSend = started;
h.setIdleHandler((ready) => {
  if (ready & (1 << dev.handle)) {
    const buf = new Uint8Array(dev.mtu + 14);
    for (let n; (n = h.netRead(dev.handle, buf)) > 0; ) {
      const f = buf.subarray(0, n);
      if (f[12] === 0x08 && f[13] === 0x06 && f[21] === 2 && f.subarray(28, 32).join() === linux.join()) {
        out("arp reply from " + hex(f.subarray(22, 28)) + " to " + hex(f.subarray(0, 6)));
        h.exit(0);
      }
    }
  }
  const now = h.monotonicNs();
  if (now - started > 5e9) { out("no reply within 5 s"); h.exit(2); }
  if (now >= nextSend) { h.netWrite(dev.handle, req); nextSend = now + 300e6; } // resend, as ARP does
  return nextSend; // sleep until then unless a frame arrives
});
`;

const netns = canUseNetns();
if (!netns.ok) console.log(`skipping guest network tests: ${netns.reason}`);

for (const target of ["spt", "hvt"] as const satisfies readonly Target[]) {
  const reason = netns.ok ? await cannotRun(target) : netns.reason;
  if (reason && netns.ok) console.log(`skipping ${target} network test: ${reason}`);

  describe.skipIf(reason !== undefined)(`${target} network bindings`, () => {
    it("sends a frame, sleeps, is woken by the answer and reads it", async () => {
      await warmGuestCache([target]);
      const image = await build(target, ARP_PROBE, { devices: [{ name: "service", kind: "net" }] });
      await withNetns(async (ns) => {
        await ns.addTap("tap0", "10.77.0.1/24");
        const linuxMac = Array.from(await ns.macOf("tap0"), (x) => x.toString(16).padStart(2, "0")).join(":");
        const r = await ns.exec(tenderPath(target), ["--net:service=tap0", `--net-mac:service=${GUEST_MAC}`, "--", image], { timeoutMs: 30_000 });
        expect(r.stderr).toBe("");
        expect(r.stdout).toMatch(new RegExp(`^mac ${GUEST_MAC} mtu \\d+ handle 0\\n`));
        expect(r.stdout).toContain(`arp reply from ${linuxMac} to ${GUEST_MAC}\n`);
        expect(r.status).toBe(0);
      }, "mguest");
    }, 600_000);
  });
}
