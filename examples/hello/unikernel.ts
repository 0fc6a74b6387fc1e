import { log, sleep } from "@mirage-ts/runtime";

/** Says hello four times, a second apart, with the ambient `sleep` and `log`. */
export async function start(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    log.info("hello");
    await sleep(1000);
  }
}
