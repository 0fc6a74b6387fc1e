import { bootArg, log, sleep } from "@mirage-ts/runtime";

// A boot argument: `./dist/hello-key --hello="Bonjour !"`; listed by --help.
const hello = bootArg.string("hello", { default: "Hello World!", doc: "How to say hello.", docv: "GREETING" });

export async function start(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    log.info(hello());
    await sleep(1000);
  }
}
