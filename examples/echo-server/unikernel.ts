import { bootArg, log, randomBytes, randomInt, sleep } from "@mirage-ts/runtime";

const count = bootArg.int("count", { default: 5, min: 1, max: 1000, doc: "How many messages to echo." });

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * A producer writes random strings into a queue after random pauses; the echo
 * server reads them back out. Randomness comes from the ambient CSPRNG.
 */
export async function start(): Promise<void> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const producer = (async () => {
    for (let i = 0; i < count(); i++) {
      await sleep(randomInt(200));
      queue.push(hex(randomBytes(8)));
      wake?.();
    }
  })();
  for (let echoed = 0; echoed < count(); ) {
    const msg = queue.shift();
    if (msg === undefined) {
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    log.info(`echo: ${msg}`);
    echoed++;
  }
  await producer;
}
