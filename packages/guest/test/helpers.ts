// Shared by the guest tests: tender locations, skip reasons, a quick image builder.
import { accessSync, constants, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Device, type Target, buildImage, guestAvailable } from "../src/index.ts";

export const GUEST_DIR = fileURLToPath(new URL("..", import.meta.url));
/** Where the tenders are; MIRAGE_TENDER_DIR overrides it (a tender built elsewhere). */
export const TENDER_BUILD = process.env.MIRAGE_TENDER_DIR ?? fileURLToPath(new URL("../../tender/build", import.meta.url));

export function tenderPath(target: Target): string {
  return join(TENDER_BUILD, `mirage-${target}`);
}

/** Why images of `target` cannot be run here, or undefined when they can. */
export async function cannotRun(target: Target): Promise<string | undefined> {
  const avail = guestAvailable();
  if (!avail.ok) return avail.reason;
  if (!existsSync(join(GUEST_DIR, "src", `platform-${target}.c`))) return `src/platform-${target}.c is not written yet`;
  if (!existsSync(tenderPath(target))) return `${tenderPath(target)} is not built (node packages/tender/scripts/build.mjs)`;
  if (target === "hvt") {
    try {
      accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    } catch {
      return "/dev/kvm is not available";
    }
  }
  return undefined;
}

/** Why images of `target` cannot be built here, or undefined. */
export async function cannotBuild(target: Target): Promise<string | undefined> {
  const avail = guestAvailable();
  if (!avail.ok) return avail.reason;
  if (!existsSync(join(GUEST_DIR, "src", `platform-${target}.c`))) return `src/platform-${target}.c is not written yet`;
  return undefined;
}

let counter = 0;
export const WORK = join(tmpdir(), `mirage-guest-test-${process.pid}`);

export async function build(target: Target, script: string, opts: { devices?: Device[]; extraCSources?: string[]; keepMap?: boolean } = {}): Promise<string> {
  const out = join(WORK, `app${counter++}.${target}`);
  await buildImage({ target, script, scriptName: "app.js", devices: opts.devices ?? [], out, extraCSources: opts.extraCSources, keepMap: opts.keepMap });
  return out;
}
