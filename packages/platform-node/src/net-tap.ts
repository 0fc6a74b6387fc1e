/**
 * A `Network` over a Linux tap device, like mirage-net-unix.
 *
 * The native addon (../native/tap.c) only opens /dev/net/tun with TUNSETIFF
 * (IFF_TAP | IFF_NO_PI, non-blocking) and watches the fd with a libuv poll handle;
 * frames are read and written here with node:fs on that fd, one frame per syscall.
 * Why a poll handle: libuv classifies a tap fd as a file, so `net.Socket({ fd })`
 * throws ERR_INVALID_FD_TYPE and `fs.createReadStream` fails with EAGAIN on the
 * non-blocking fd (or, blocking, parks a thread-pool thread per device forever and
 * cannot be cancelled). A poll handle wakes the main loop only when frames are
 * queued: no thread, no timer, no busy loop.
 *
 * The device must exist (this never creates one): a tap created on the fly would
 * have no address and vanish at exit, which is never what a user wants.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, readSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { err, MirageError, ok } from "@mirage-ts/devices";
import type { NetError, Network, Result } from "@mirage-ts/devices";
import { FrameDevice } from "@mirage-ts/devices";
import { checkMac, checkMtu } from "./net-options.ts";

interface TapAddon {
  open(name: string): number;
  watch(fd: number, onReadable: (status: number, events: number) => void): object;
  unwatch(handle: object): void;
}

export interface TapOptions {
  /** Our MAC (not the host interface's); default: a random locally administered one. */
  readonly mac?: Uint8Array;
  /** Largest IP packet; default 1500. Frames over mtu + 14 bytes are dropped and counted. */
  readonly mtu?: number;
}

/** Linux's IFNAMSIZ is 16 including the terminating NUL. */
const MAX_NAME_BYTES = 15;
/** Frames read per wake-up before yielding to the loop; the poll is level-triggered, so the rest follow. */
const BATCH = 64;

let addon: TapAddon | undefined;

const ADDON_IN_PACKAGE = "native/build/Release/mirage_tap.node";

/** The addon's bytes, base64, when `mirage build` embedded them into a unix artefact. */
declare const __MIRAGE_TAP_ADDON__: string | undefined;

/**
 * A unix artefact is one file that runs from anywhere, so the build embeds the addon;
 * Node can only load an addon from a file, so it is written once to a content-named
 * file in the temporary folder (atomically, so concurrent starts do not race).
 */
function embeddedAddonPath(): string | undefined {
  if (typeof __MIRAGE_TAP_ADDON__ !== "string") return undefined;
  const bytes = Buffer.from(__MIRAGE_TAP_ADDON__, "base64");
  const path = join(tmpdir(), `mirage-tap-${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.node`);
  if (!existsSync(path)) {
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, bytes, { mode: 0o755 });
    renameSync(partial, path);
  }
  return path;
}

/**
 * Where mirage_tap.node is: $MIRAGE_TAP_ADDON, else the copy embedded by the build, else beside this source file, else
 * (inside a bundled unix artefact, where import.meta.url is empty) in the
 * platform-node package found from node_modules above the running script or the
 * working directory. The first existing one wins; the last guess is reported if none.
 */
function addonPath(): string | undefined {
  const fromEnv = process.env["MIRAGE_TAP_ADDON"];
  if (fromEnv) return fromEnv;
  const embedded = embeddedAddonPath();
  if (embedded) return embedded;
  const candidates: string[] = [];
  const here = typeof import.meta.url === "string" ? import.meta.url : undefined;
  if (here !== undefined) candidates.push(fileURLToPath(new URL(`../${ADDON_IN_PACKAGE}`, here)));
  for (const start of [process.argv[1], process.cwd()]) {
    if (!start) continue;
    for (let dir = dirname(resolve(start)); ; dir = dirname(dir)) {
      candidates.push(join(dir, "node_modules/@mirage-ts/platform-node", ADDON_IN_PACKAGE));
      if (dirname(dir) === dir) break;
    }
  }
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

function loadAddon(label: string): TapAddon {
  if (addon !== undefined) return addon;
  const path = addonPath();
  if (path === undefined || !existsSync(path)) {
    throw new MirageError(
      "device",
      `${label}: the tap addon is not built${path ? ` (no ${path})` : ""}; build it with ` +
        "`node packages/platform-node/scripts/build-native.mjs` (npm ci does), or set MIRAGE_TAP_ADDON to mirage_tap.node",
    );
  }
  addon = createRequire(path)(path) as TapAddon;
  return addon;
}

function howToCreate(name: string): string {
  return `create it with: ip tuntap add ${name} mode tap && ip link set ${name} up`;
}

/** Opens the tap device `name`; rejects with MirageError("device") saying how to fix the setup. */
export async function tapNetwork(name: string, options: TapOptions = {}): Promise<Network> {
  if (typeof name !== "string") throw new TypeError(`tapNetwork: name must be a string, got ${String(name)}`);
  const label = `tap ${JSON.stringify(name)}`;
  const mac = checkMac(options.mac, label);
  const mtu = checkMtu(options.mtu, label);
  const fail = (reason: string) => new MirageError("device", `${label}: ${reason}`);
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > MAX_NAME_BYTES || name.includes("/") || /[\s\0]/.test(name) || name === "." || name === "..") {
    throw fail(`not a valid interface name (1 to ${MAX_NAME_BYTES} bytes, no '/', no whitespace)`);
  }
  // Checked first because TUNSETIFF as root would silently create a fresh, unconfigured one.
  if (!existsSync(`/sys/class/net/${name}`)) throw fail(`no such network interface; ${howToCreate(name)}`);
  if (!existsSync(`/sys/class/net/${name}/tun_flags`)) throw fail("exists but is not a tun/tap device");
  const native = loadAddon(label);
  let fd: number;
  try {
    fd = native.open(name);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "EPERM" || code === "EACCES") {
      throw fail(
        "permission denied; run as root, or create the tap owned by this user: " +
          `ip tuntap add ${name} mode tap user $(id -un) && ip link set ${name} up`,
      );
    }
    if (code === "ENOENT") throw fail("/dev/net/tun is missing; load the tun module (modprobe tun) or give the container /dev/net/tun");
    if (code === "EBUSY") throw fail("already in use by another process");
    // EINVAL: an existing tun (not tap) device, or one created with other flags.
    if (code === "EINVAL") throw fail(`cannot attach (is it a tun device rather than a tap?); recreate it: ip tuntap del ${name} mode tun; ${howToCreate(name)}`);
    throw fail((e as Error).message);
  }
  return new TapNetwork(label, mac, mtu, fd, native);
}

class TapNetwork extends FrameDevice {
  private fd: number;
  private watcher: object | null = null;
  /** One buffer for all reads: 64 KiB so an oversized frame is seen whole and counted, not truncated. */
  private readonly buffer = new Uint8Array(65536);

  constructor(
    label: string,
    mac: Uint8Array,
    mtu: number,
    fd: number,
    private readonly native: TapAddon,
  ) {
    super(label, mac, mtu);
    this.fd = fd;
  }

  protected startReceiving(): void {
    this.watcher = this.native.watch(this.fd, (status) => this.onReadable(status));
  }

  private onReadable(status: number): void {
    if (status < 0) return this.fail(`the device failed (libuv poll status ${status}); was the interface deleted?`);
    for (let i = 0; i < BATCH && this.watcher !== null; i++) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR") return;
        return this.fail(`read: ${(e as Error).message}`);
      }
      this.deliver(this.buffer.subarray(0, n));
    }
  }

  /** The device broke under us (e.g. the interface was deleted): end `listen` with an error. */
  private fail(message: string): void {
    this.stopWatching();
    this.endListen(err({ code: "io", message: `${this.label}: ${message}` }));
  }

  private stopWatching(): void {
    if (this.watcher !== null) this.native.unwatch(this.watcher);
    this.watcher = null;
  }

  protected async send(frame: Uint8Array): Promise<Result<void, NetError>> {
    try {
      // A tap write takes the whole frame or fails; it does not block (the kernel has no tx queue limit here).
      writeSync(this.fd, frame, 0, frame.length);
      return ok(undefined);
    } catch (e) {
      // EBADFD (77, which libuv calls UNKNOWN): the fd is detached because the interface was deleted.
      const gone = (e as NodeJS.ErrnoException).errno === -77;
      return err({ code: "io", message: `${this.label}: write: ${gone ? "the interface is gone (was it deleted?)" : (e as Error).message}` });
    }
  }

  protected async close(): Promise<void> {
    // Stop the poll before closing: libuv must drop the fd from epoll first.
    this.stopWatching();
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}
