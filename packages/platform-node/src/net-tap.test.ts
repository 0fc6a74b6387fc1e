import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { MirageError } from "@mirage-ts/devices";
import type { Network } from "@mirage-ts/devices";
import { canUseNetns, withNetns } from "../../../test/support/netns.ts";
import { tapNetwork } from "./net-tap.ts";

const OUR_IP = [10, 77, 0, 2];
const LINUX_IP = [10, 77, 0, 1];
const OUR_MAC = Uint8Array.from([0x02, 0x00, 0x5e, 0x10, 0x20, 0x30]);

/** An ARP request (RFC 826) from us asking who has Linux's address. */
function arpRequest(mac: Uint8Array): Uint8Array {
  return Uint8Array.from([
    ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ...mac, 0x08, 0x06,
    0, 1, 0x08, 0x00, 6, 4, 0, 1, ...mac, ...OUR_IP, 0, 0, 0, 0, 0, 0, ...LINUX_IP,
  ]);
}

const isArpReply = (f: Uint8Array) => f.length >= 42 && f[12] === 0x08 && f[13] === 0x06 && f[20] === 0 && f[21] === 2;

/** Listens on `net` until a frame satisfies `match`, or fails after `ms`. */
function waitFor(frames: Uint8Array[], match: (f: Uint8Array) => boolean, ms = 5000): Promise<Uint8Array> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = () => {
      const f = frames.find(match);
      if (f) return resolve(f);
      if (Date.now() > deadline) return reject(new Error(`no matching frame within ${ms} ms (${frames.length} frames seen)`));
      setTimeout(check, 10);
    };
    check();
  });
}

function collect(net: Network): { frames: Uint8Array[]; done: ReturnType<Network["listen"]> } {
  const frames: Uint8Array[] = [];
  const done = net.listen((f) => frames.push(Uint8Array.from(f)));
  return { frames, done };
}

const netns = canUseNetns();
if (!netns.ok) console.log(`skipping tap tests: ${netns.reason}`);

describe.runIf(netns.ok)("tapNetwork against Linux in a network namespace", () => {
  it("gets Linux's ARP reply, and drops and counts frames over the MTU", async () => {
    await withNetns(async (ns) => {
      const name = await ns.createRootTap();
      const net = await tapNetwork(name, { mac: OUR_MAC });
      expect(Array.from(net.mac)).toEqual(Array.from(OUR_MAC));
      expect(net.mtu).toBe(1500);
      // Linux's side may send bigger frames than our MTU: that is what rxDropped must catch.
      await ns.adopt(name, "10.77.0.1/24", { mtu: 9000 });
      const linuxMac = await ns.macOf(name);
      const { frames, done } = collect(net);

      expect(await net.write(arpRequest(OUR_MAC))).toEqual({ ok: true, value: undefined });
      const reply = await waitFor(frames, isArpReply);
      expect(Array.from(reply.subarray(0, 6))).toEqual(Array.from(OUR_MAC));
      expect(Array.from(reply.subarray(6, 12))).toEqual(Array.from(linuxMac));
      expect(Array.from(reply.subarray(22, 28))).toEqual(Array.from(linuxMac)); // sender hardware address
      expect(Array.from(reply.subarray(28, 32))).toEqual(LINUX_IP);
      expect(Array.from(reply.subarray(32, 38))).toEqual(Array.from(OUR_MAC));

      // Linux learnt our MAC from the request, so it sends echo requests straight to us.
      net.resetStats();
      const before = frames.length;
      await ns.exec("ping", ["-c", "1", "-W", "0.2", "-s", "3000", "10.77.0.2"]); // one 3042-byte frame
      await ns.exec("ping", ["-c", "1", "-W", "0.2", "-s", "100", "10.77.0.2"]);
      const echo = await waitFor(frames.slice(before), (f) => f[12] === 0x08 && f[13] === 0x00 && f[23] === 1);
      expect(echo.length).toBe(14 + 20 + 8 + 100);
      const s = net.stats();
      expect(s.rxDropped).toBe(1);
      expect(frames.slice(before).every((f) => f.length <= 1514)).toBe(true);
      expect(s.rxPackets).toBe(frames.length - before);
      expect(s).toMatchObject({ txPackets: 0, txDropped: 0 });

      expect((await net.write(new Uint8Array(1515))).ok).toBe(false);
      expect(net.stats().txDropped).toBe(1);
      await net.disconnect();
      expect(await done).toEqual({ ok: true, value: undefined });
      expect(await net.write(arpRequest(OUR_MAC))).toMatchObject({ ok: false, error: { code: "disconnected" } });
    });
  });

  it("rejects bad names and missing or foreign devices with how to fix it", async () => {
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => "resolved",
        (e: unknown) => (e instanceof MirageError ? `${e.code}: ${e.message}` : String(e)),
      );
    expect(await reason(tapNetwork("x".repeat(16)))).toMatch(/^device: .*1 to 15 bytes/);
    expect(await reason(tapNetwork("a/b"))).toMatch(/^device: .*not a valid interface name/);
    expect(await reason(tapNetwork("mtnosuch0"))).toMatch(/^device: .*no such network interface; create it with: ip tuntap add mtnosuch0 mode tap && ip link set mtnosuch0 up/);
    expect(await reason(tapNetwork("lo"))).toMatch(/^device: .*not a tun\/tap device/);
    await expect(tapNetwork("tap0", { mac: new Uint8Array(5) })).rejects.toThrow(RangeError);
    await expect(tapNetwork("tap0", { mtu: 20 })).rejects.toThrow(RangeError);
    await expect(tapNetwork(7 as unknown as string)).rejects.toThrow(TypeError);
  });

  describe("run inside the namespace, as a unikernel is", () => {
    const dir = mkdtempSync(join(tmpdir(), "mirage-tap-"));
    chmodSync(dir, 0o755); // the non-root run must read the script
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const addon = fileURLToPath(new URL("../native/build/Release/mirage_tap.node", import.meta.url));

    /** Bundles a small script over net-tap.ts; it prints one JSON line. */
    async function helper(): Promise<string> {
      const script = join(dir, "tap-helper.mjs");
      const entry = `
        import { tapNetwork } from ${JSON.stringify(fileURLToPath(new URL("./net-tap.ts", import.meta.url)))};
        const [name, frameHex] = process.argv.slice(2);
        try {
          const net = await tapNetwork(name);
          const frames = [];
          const done = net.listen((f) => frames.push(Buffer.from(f).toString("hex")));
          const frame = Buffer.from(frameHex.replaceAll("MAC", Buffer.from(net.mac).toString("hex")), "hex");
          await net.write(frame);
          const until = Date.now() + 3000;
          while (!frames.some((f) => f.startsWith("0806", 24) && f.startsWith("0002", 40)) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
          await net.disconnect();
          await done;
          console.log(JSON.stringify({ mac: Buffer.from(net.mac).toString("hex"), frames, stats: net.stats() }));
        } catch (e) {
          console.log(JSON.stringify({ error: e.code, message: e.message }));
        }`;
      await build({ stdin: { contents: entry, loader: "ts", resolveDir: dir }, bundle: true, platform: "node", format: "esm", outfile: script, logLevel: "silent" });
      return script;
    }

    it("opens tap0 in the namespace, gets the ARP reply; a non-root user gets a clear refusal", async () => {
      const script = await helper();
      await withNetns(async (ns) => {
        await ns.addTap("tap0", "10.77.0.1/24");
        const linuxMac = Buffer.from(await ns.macOf("tap0")).toString("hex");
        // The ARP request of arpRequest(), with the helper's random MAC put in for "MAC".
        const frameHex = "ffffffffffffMAC0806" + "0001080006040001" + "MAC0a4d0002" + "0000000000000a4d0001";
        const env = { ...process.env, MIRAGE_TAP_ADDON: addon };
        const r = await ns.exec(process.execPath, [script, "tap0", frameHex], { env, timeoutMs: 20_000 });
        expect(r.status, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout) as { mac: string; frames: string[]; stats: { txPackets: number; rxPackets: number } };
        expect(parseInt(out.mac.slice(0, 2), 16) & 3).toBe(2); // random, locally administered, unicast
        const reply = out.frames.find((f) => f.startsWith("08060001080006040002", 24));
        expect(reply, JSON.stringify(out.frames)).toBeDefined();
        expect(reply!.slice(0, 12)).toBe(out.mac);
        expect(reply!.slice(12, 24)).toBe(linuxMac);
        expect(out.stats.txPackets).toBe(1);
        expect(out.stats.rxPackets).toBe(out.frames.length);

        const missing = await ns.exec(process.execPath, [script, "tap9", frameHex], { env });
        expect(JSON.parse(missing.stdout)).toMatchObject({ error: "device", message: expect.stringContaining("ip tuntap add tap9 mode tap") });
        // The checkout may sit in a folder only root can read: give nobody its own copy of the addon.
        const readableAddon = join(dir, "mirage_tap.node");
        copyFileSync(addon, readableAddon);
        const nobodyEnv = { ...env, MIRAGE_TAP_ADDON: readableAddon };
        const nobody = await ns.exec("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, script, "tap0", frameHex], { env: nobodyEnv });
        expect(nobody.stdout, nobody.stderr).not.toBe("");
        expect(JSON.parse(nobody.stdout)).toMatchObject({ error: "device", message: expect.stringContaining("permission denied") });
      });
    });
  });
});
