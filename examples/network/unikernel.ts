import type { Flow, Stack } from "@mirage-ts/devices";
import { bootArg, log } from "@mirage-ts/runtime";

const port = bootArg.int("port", { default: 8080, min: 1, max: 65535, doc: "TCP port to echo on." });

/** Echoes what the peer sends until it closes its side, then closes ours. */
async function echo(flow: Flow): Promise<void> {
  const peer = `${flow.remote.address}:${flow.remote.port}`;
  log.info(`connection from ${peer}`);
  let bytes = 0;
  for (;;) {
    const r = await flow.read();
    if (!r.ok) {
      log.warn(`${peer}: read failed: ${r.error.message}`);
      break;
    }
    if (r.value === null) break;
    bytes += r.value.length;
    const w = await flow.write(r.value);
    if (!w.ok) {
      log.warn(`${peer}: write failed: ${w.error.message}`);
      break;
    }
  }
  await flow.close();
  log.info(`${peer} closed after ${bytes} bytes`);
}

/** A TCP echo server: MirageOS's device-usage/network example. */
export async function start(stack: Stack): Promise<void> {
  stack.tcp.listen(port(), echo);
  log.info(`echoing on TCP port ${port()}`);
  await new Promise<never>(() => {}); // serve until killed
}
