import { log, sleep } from "@mirage-ts/runtime";

/** Two sleeps run concurrently and are joined: Heads after 1 s, Tails after 2 s, then Finished. */
export async function start(): Promise<void> {
  await Promise.all([
    sleep(1000).then(() => log.info("Heads")),
    sleep(2000).then(() => log.info("Tails")),
  ]);
  log.info("Finished");
}
