import type { Stack } from "@mirage-ts/devices";
import { bootArg, log, sleep } from "@mirage-ts/runtime";

const every = bootArg.int("stats-every", { default: 5, min: 1, max: 3600, doc: "Seconds between counter reports.", docv: "SECONDS" });

/**
 * Answers pings (the stack does: ICMP echo is part of it) and logs the stack's
 * counters whenever they change. On the socket stack the host's kernel answers
 * pings and there are no counters, so the one report says "(all zero)".
 */
export async function start(stack: Stack): Promise<void> {
  log.info(`up; addresses: ${stack.addresses().map((a) => `${a.address}/${a.prefix}`).join(", ") || "none yet"}`);
  if (stack.stats === undefined) log.info("this stack keeps no counters (the host's kernel answers pings)");
  let last: string | undefined; // undefined until the first report, which is always logged
  for (;;) {
    await sleep(every() * 1000);
    const counters = Object.entries(stack.stats?.() ?? {})
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    if (counters !== last) log.info(`counters: ${counters || "(all zero)"}`);
    last = counters;
  }
}
