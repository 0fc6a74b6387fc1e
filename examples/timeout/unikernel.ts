import { log, sleep } from "@mirage-ts/runtime";

const TIMED_OUT = Symbol("timed out");

/** Races `task` against a timer; the loser is simply ignored. */
async function withTimeout<T>(ms: number, task: Promise<T>): Promise<T | typeof TIMED_OUT> {
  return Promise.race([task, sleep(ms).then((): typeof TIMED_OUT => TIMED_OUT)]);
}

async function work(name: string, ms: number): Promise<string> {
  await sleep(ms);
  return `${name} done after ${ms} ms`;
}

/** One task beats its 1 s timeout, the other does not. */
export async function start(): Promise<void> {
  for (const [name, ms] of [["quick", 300], ["slow", 3000]] as const) {
    const result = await withTimeout(1000, work(name, ms));
    log.info(result === TIMED_OUT ? `${name}: timed out after 1000 ms` : `${name}: ${result}`);
  }
}
