/**
 * Network namespaces for interop tests against Linux's own TCP/IP stack.
 *
 * A namespace is private to the test: its interfaces, addresses and routes are
 * invisible to the machine's real network, so the test may use 10.77.0.0/24
 * inside it. Two ways to wire a unikernel to the Linux stack there:
 *
 * - Run the unikernel INSIDE the namespace: `ns.addTap("tap0", "10.77.0.1/24")`
 *   creates a persistent tap there, Linux answers on 10.77.0.1, and
 *   `ns.spawn(process.execPath, [script])` runs the unikernel (which opens tap0
 *   and uses 10.77.0.2) through `ip netns exec`.
 * - Run it in THIS process: `await ns.createRootTap()` creates a uniquely named tap
 *   in the root namespace, the test opens it with tapNetwork(name), then
 *   `ns.adopt(name, "10.77.0.1/24")` moves the interface into the namespace. An open
 *   tap fd keeps working after its interface changes namespace.
 *
 * `destroy` (run by `withNetns` even when the test fails) kills what `spawn` started
 * and deletes the namespace, which deletes every interface in it.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { run } from "./run.ts";
import type { RunResult } from "./run.ts";

export type NetnsAvailability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

let availability: NetnsAvailability | undefined;

/** Whether this machine lets a test create namespaces and taps; the reason if not. Cached. */
export function canUseNetns(): NetnsAvailability {
  if (availability !== undefined) return availability;
  availability = probe();
  return availability;
}

function probe(): NetnsAvailability {
  if (process.platform !== "linux") return { ok: false, reason: `network namespaces need Linux, this is ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, reason: "network namespaces and tap devices need root (run the tests as root)" };
  if (!existsSync("/dev/net/tun")) return { ok: false, reason: "/dev/net/tun is missing (modprobe tun, or give the container the device)" };
  const ip = spawnSync("ip", ["-V"], { encoding: "utf8" });
  if (ip.error || ip.status !== 0) return { ok: false, reason: "the `ip` command (iproute2) is not installed" };
  // The real test: some sandboxes are root but may not create namespaces.
  const name = `mprobe-${randomBytes(3).toString("hex")}`;
  const add = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  if (add.status !== 0) return { ok: false, reason: `cannot create a network namespace: ${add.stderr.trim()}` };
  const tap = spawnSync("ip", ["-n", name, "tuntap", "add", "tap0", "mode", "tap"], { encoding: "utf8" });
  spawnSync("ip", ["netns", "del", name]);
  if (tap.status !== 0) return { ok: false, reason: `cannot create a tap device: ${tap.stderr.trim()}` };
  return { ok: true };
}

export interface Netns {
  /** e.g. "mtest-3fa2c1" */
  readonly name: string;
  /** Runs a command inside the namespace to completion (bounded by timeoutMs, default 60 s). */
  exec(cmd: string, args: readonly string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Like exec, but throws with the command's output when it exits non-zero. */
  sh(cmd: string, args: readonly string[]): Promise<RunResult>;
  /** Starts a long-running process inside the namespace; `destroy` kills it if still running. */
  spawn(cmd: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Creates a persistent tap inside the namespace, with Linux's address `cidr` on it, up. */
  addTap(name: string, cidr: string, opts?: { mtu?: number }): Promise<void>;
  /** Creates a persistent tap with a unique name ("mt" + hex) in the ROOT namespace, for this process to open. */
  createRootTap(): Promise<string>;
  /** Moves a root-namespace interface in here and gives Linux `cidr` on it, up. */
  adopt(ifname: string, cidr: string, opts?: { mtu?: number }): Promise<void>;
  /** The MAC Linux uses on `ifname` inside the namespace, as 6 bytes. */
  macOf(ifname: string): Promise<Uint8Array>;
  destroy(): Promise<void>;
}

async function must(cmd: string, args: readonly string[]): Promise<RunResult> {
  const r = await run(cmd, args, { timeoutMs: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r;
}

/** Creates a fresh namespace with its loopback up. Prefer `withNetns`, which always cleans up. */
export async function createNetns(prefix = "mtest"): Promise<Netns> {
  const ok = canUseNetns();
  if (!ok.ok) throw new Error(`network namespaces unavailable: ${ok.reason}`);
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  const children = new Set<ChildProcess>();
  const rootTaps = new Set<string>();
  await must("ip", ["netns", "add", name]);
  await must("ip", ["-n", name, "link", "set", "lo", "up"]);
  let destroyed = false;
  const ns: Netns = {
    name,
    exec: (cmd, args, opts = {}) => run("ip", ["netns", "exec", name, cmd, ...args], opts),
    async sh(cmd, args) {
      const r = await ns.exec(cmd, args);
      if (r.status !== 0) throw new Error(`[${name}] ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
      return r;
    },
    spawn(cmd, args, opts = {}) {
      const child = spawn("ip", ["netns", "exec", name, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"], ...opts });
      children.add(child);
      child.on("exit", () => children.delete(child));
      return child;
    },
    async addTap(ifname, cidr, opts = {}) {
      await must("ip", ["-n", name, "tuntap", "add", ifname, "mode", "tap"]);
      await configure(ifname, cidr, opts.mtu);
    },
    async createRootTap() {
      const ifname = `mt${randomBytes(4).toString("hex")}`;
      await must("ip", ["tuntap", "add", ifname, "mode", "tap"]);
      rootTaps.add(ifname);
      return ifname;
    },
    async adopt(ifname, cidr, opts = {}) {
      await must("ip", ["link", "set", ifname, "netns", name]);
      rootTaps.delete(ifname);
      await configure(ifname, cidr, opts.mtu);
    },
    async macOf(ifname) {
      const r = await must("ip", ["-n", name, "-j", "link", "show", ifname]);
      const address = (JSON.parse(r.stdout) as Array<{ address: string }>)[0]!.address;
      return Uint8Array.from(address.split(":"), (h) => parseInt(h, 16));
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const child of children) child.kill("SIGKILL");
      // Deleting the namespace deletes its virtual interfaces; taps never adopted stay in root.
      await run("ip", ["netns", "del", name], { timeoutMs: 30_000 });
      for (const ifname of rootTaps) await run("ip", ["link", "del", ifname], { timeoutMs: 30_000 });
    },
  };
  async function configure(ifname: string, cidr: string, mtu: number | undefined): Promise<void> {
    if (mtu !== undefined) await must("ip", ["-n", name, "link", "set", ifname, "mtu", String(mtu)]);
    await must("ip", ["-n", name, "addr", "add", cidr, "dev", ifname]);
    await must("ip", ["-n", name, "link", "set", ifname, "up"]);
  }
  return ns;
}

/** Runs `fn` with a fresh namespace and destroys it afterwards, whatever `fn` did. */
export async function withNetns<T>(fn: (ns: Netns) => Promise<T>, prefix = "mtest"): Promise<T> {
  const ns = await createNetns(prefix);
  try {
    return await fn(ns);
  } finally {
    await ns.destroy();
  }
}
