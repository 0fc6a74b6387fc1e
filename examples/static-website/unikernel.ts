import type { KvRo, Stack } from "@mirage-ts/devices";
import { serveHttp, staticFiles } from "@mirage-ts/http";
import { bootArg, log } from "@mirage-ts/runtime";

const port = bootArg.int("port", { default: 8080, min: 1, max: 65535, doc: "TCP port to serve HTTP on." });
const headerTimeout = bootArg.int("header-timeout", {
  default: 10_000,
  min: 1,
  doc: "Milliseconds a client has to send a whole request head (slow clients are cut off).",
});
const idleTimeout = bootArg.int("idle-timeout", { default: 10_000, min: 1, doc: "Milliseconds an idle keep-alive connection is kept." });

/** A static website: MirageOS's classic appliance, serving htdocs/ from a read-only store. */
export async function start(kv: KvRo, stack: Stack): Promise<void> {
  serveHttp(stack.tcp, port(), staticFiles(kv), { headerTimeoutMs: headerTimeout(), idleMs: idleTimeout() });
  log.info(`serving on port ${port()}`);
  await new Promise<never>(() => {}); // serve until killed
}
