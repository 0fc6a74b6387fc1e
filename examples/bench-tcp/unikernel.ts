import type { Flow, Stack } from "@mirage-ts/devices";
import { bootArg, log, monotonicNs } from "@mirage-ts/runtime";

/*
 * A TCP load target for the network benchmark (bench/net). Three services on
 * consecutive ports, the same protocol as bench/net/node-server.mjs so that Linux's
 * stack, the socket stack and the direct stack run the same server logic:
 *
 *   base+0  sink:   reads and discards until the peer closes, then closes.
 *                   Also the target of idle connections (one pending read each).
 *   base+1  source: sends --chunk byte blocks until the peer goes away, or
 *                   --source-max-mb or --source-max-s is reached, then closes.
 *   base+2  rr:     reads RR_SIZE bytes, writes them back, closes (connection rate).
 *
 * Nothing is logged per connection: logging would dominate the connection rate.
 */

const base = bootArg.int("base-port", { default: 5001, min: 1, max: 65533, doc: "Sink port; source is +1, request-response +2." });
const chunk = bootArg.int("chunk", { default: 65536, min: 512, max: 1 << 22, doc: "Bytes per write on the source port." });
const maxMb = bootArg.int("source-max-mb", { default: 16384, min: 1, max: 1 << 20, doc: "Bytes (MiB) one source connection sends at most." });
const maxS = bootArg.int("source-max-s", { default: 30, min: 1, max: 3600, doc: "Seconds one source connection sends at most." });

const RR_SIZE = 32;

async function sink(flow: Flow): Promise<void> {
  for (;;) {
    const r = await flow.read();
    if (!r.ok || r.value === null) break;
  }
  await flow.close();
}

async function source(flow: Flow, block: Uint8Array): Promise<void> {
  let peerGone = false;
  // Notice the peer's FIN or RST even while our writes wait on the window.
  void (async () => {
    for (;;) {
      const r = await flow.read();
      if (!r.ok || r.value === null) break;
    }
    peerGone = true;
  })();
  const limit = maxMb() * 1024 * 1024;
  const deadline = monotonicNs() + maxS() * 1e9;
  let sent = 0;
  while (!peerGone && sent < limit && monotonicNs() < deadline) {
    const w = await flow.write(block);
    if (!w.ok) break;
    sent += block.length;
  }
  await flow.close();
}

async function requestResponse(flow: Flow): Promise<void> {
  const got = new Uint8Array(RR_SIZE);
  let n = 0;
  while (n < RR_SIZE) {
    const r = await flow.read();
    if (!r.ok || r.value === null) break;
    const take = Math.min(r.value.length, RR_SIZE - n);
    got.set(r.value.subarray(0, take), n);
    n += take;
  }
  if (n === RR_SIZE) await flow.write(got);
  await flow.close();
}

export async function start(stack: Stack): Promise<void> {
  const block = new Uint8Array(chunk()).fill(0x5a);
  const b = base();
  // A deep backlog: the connection-rate client keeps many SYNs in flight.
  stack.tcp.listen(b, sink, { backlog: 1024 });
  stack.tcp.listen(b + 1, (flow) => source(flow, block), { backlog: 1024 });
  stack.tcp.listen(b + 2, requestResponse, { backlog: 1024 });
  log.info(`bench-tcp: sink on ${b}, source on ${b + 1}, request-response on ${b + 2}`);
  await new Promise<never>(() => {}); // serve until killed
}
