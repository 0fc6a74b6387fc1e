/**
 * Namespaces, a veth pair, a tap and child processes for bench/net. Everything this
 * module creates is registered and removed by `cleanup()`, which run.mjs calls in a
 * finally block; the namespaces are private to the run, so the 10.77/10.78 addresses
 * used inside them never reach a real network.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

/** The environment for every child: no CA bundle override (it slows node's start and is not ours to pass on). */
export function childEnv() {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Runs a command to completion, killed after timeoutMs; never throws on a non-zero exit. */
export function run(cmd, args, { timeoutMs = 60_000, input, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(), stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

export async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return r;
}

const namespaces = [];
const children = new Set();

export async function createNetns(prefix) {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await must("ip", ["netns", "add", name]);
  namespaces.push(name);
  await must("ip", ["-n", name, "link", "set", "lo", "up"]);
  return name;
}

/** A veth pair with one end in each namespace, addressed and up. */
export async function addVeth(nsA, cidrA, nsB, cidrB) {
  await must("ip", ["link", "add", "bvA", "netns", nsA, "type", "veth", "peer", "name", "bvB", "netns", nsB]);
  for (const [ns, ifname, cidr] of [[nsA, "bvA", cidrA], [nsB, "bvB", cidrB]]) {
    await must("ip", ["-n", ns, "addr", "add", cidr, "dev", ifname]);
    await must("ip", ["-n", ns, "link", "set", ifname, "up"]);
  }
}

/** A persistent tap in `ns`, with Linux's address `cidr` on it, up. */
export async function addTap(ns, ifname, cidr) {
  await must("ip", ["-n", ns, "tuntap", "add", ifname, "mode", "tap"]);
  await must("ip", ["-n", ns, "addr", "add", cidr, "dev", ifname]);
  await must("ip", ["-n", ns, "link", "set", ifname, "up"]);
}

/** Runs a command in `ns` to completion. */
export const nsRun = (ns, cmd, args, opts) => run("ip", ["netns", "exec", ns, cmd, ...args], opts);

/**
 * Starts a long-running process in `ns` (`ip netns exec` and `env -S` both exec, so
 * the child's pid is the server's own and /proc/PID/status is its memory).
 */
export function nsSpawn(ns, cmd, args) {
  const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], { env: childEnv(), stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  let exited = null;
  const waiters = new Set();
  const onData = (d) => {
    out += d.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exit = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child);
      exited = code ?? signal;
      for (const w of waiters) w();
      resolve(exited);
    }),
  );
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${re}:\n${out}`))), timeoutMs);
        const check = () => {
          const m = re.exec(out);
          if (m) done(() => resolve(m));
          else if (exited !== null) done(() => reject(new Error(`exited (${exited}) before ${re}:\n${out}`)));
        };
        const done = (f) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    rssKiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
    /** CPU seconds this process has used so far, in user space and in the kernel (CLK_TCK 100). */
    cpuSeconds() {
      const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 };
    },
    async stop() {
      if (exited !== null) return exited;
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
      const r = await exit;
      clearTimeout(kill);
      return r;
    },
  };
}

/** Kills every child still running and deletes every namespace (and so its interfaces). */
export async function cleanup() {
  for (const child of children) child.kill("SIGKILL");
  for (const ns of namespaces.splice(0)) await run("ip", ["netns", "del", ns], { timeoutMs: 30_000 });
}
