/**
 * NSD and Knot as reference servers for the differential test: each runs in the
 * foreground from a config written into a fresh temporary folder, on a loopback port,
 * serving the given zone files, and is killed by `stop`. No system service is touched.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { knotConfig, nsdConfig } from "../support/dns-daemon-config.mjs";
import { udpExchange } from "./client.ts";
import { encodeMessage, name, RrType, type Message } from "../../packages/dns/src/index.ts";

export const NSD = "/usr/sbin/nsd";
export const KNOTD = "/usr/sbin/knotd";

export interface Daemon {
  readonly name: string;
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

export interface ZoneSpec {
  readonly origin: string;
  readonly file: string;
}

export function soaProbe(origin: string): Uint8Array {
  const m: Message = {
    id: 0x5eed, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [{ name: name(origin), type: RrType.SOA, class: 1 }], answers: [], authority: [], additional: [],
  };
  return encodeMessage(m).bytes;
}

/** Resolves once `port` answers a SOA query for every zone, or rejects with the daemon's output. */
async function waitUntilServing(d: Daemon, child: ChildProcess, zones: readonly ZoneSpec[]): Promise<void> {
  const until = Date.now() + 15_000;
  let pending = [...zones];
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${d.name} exited (${child.exitCode ?? child.signalCode}):\n${d.output()}`);
    const left: ZoneSpec[] = [];
    for (const z of pending) {
      const r = await udpExchange(d.port, soaProbe(z.origin), 300).catch(() => undefined);
      if (!(r && r.length >= 12 && (r[3]! & 0xf) === 0)) left.push(z);
    }
    pending = left;
    if (pending.length === 0) return;
  }
  await d.stop();
  throw new Error(`${d.name} did not answer on port ${d.port} within 15 s:\n${d.output()}`);
}

function launch(label: string, cmd: string, args: string[], dir: string, port: number): { d: Daemon; child: ChildProcess } {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  const d: Daemon = {
    name: label,
    port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { d, child };
}

/** NSD 4 in the foreground (-d), without privilege drop, chroot, database or control socket. */
export async function startNsd(zones: readonly ZoneSpec[], port: number): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "nsd-diff-"));
  const conf = join(dir, "nsd.conf");
  writeFileSync(conf, nsdConfig({ dir, port, zones, extra: "  verbosity: 1\n" }));
  const { d, child } = launch("NSD", NSD, ["-d", "-c", conf], dir, port);
  await waitUntilServing(d, child, zones);
  return d;
}

/** knotd in the foreground with its state in a temporary folder. */
export async function startKnot(zones: readonly ZoneSpec[], port: number): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "knot-diff-"));
  const conf = join(dir, "knot.conf");
  writeFileSync(conf, knotConfig({ dir, port, zones }));
  const { d, child } = launch("Knot", KNOTD, ["-c", conf], dir, port);
  await waitUntilServing(d, child, zones);
  return d;
}

export const haveNsd = (): boolean => existsSync(NSD);
export const haveKnot = (): boolean => existsSync(KNOTD);
