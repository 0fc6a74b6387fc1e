import type { Stack } from "@mirage-ts/devices";
import { bootArg, log } from "@mirage-ts/runtime";

const port = bootArg.int("port", { default: 7007, min: 1, max: 65535, doc: "UDP port to echo on." });

/** Sends every datagram back to where it came from. */
export async function start(stack: Stack): Promise<void> {
  let echoed = 0;
  stack.udp.listen(port(), (d) => {
    void stack.udp.send(d.src.address, d.src.port, d.data, { srcPort: port() }).then((r) => {
      if (!r.ok) log.warn(`echo to ${d.src.address}:${d.src.port} failed: ${r.error.message}`);
      else if (++echoed % 1000 === 1) log.info(`echoed ${echoed} datagram(s), last from ${d.src.address}:${d.src.port}`);
    });
  });
  log.info(`echoing on UDP port ${port()}`);
  await new Promise<never>(() => {});
}
