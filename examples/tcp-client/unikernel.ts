import { utf8Decode, utf8Encode, type Stack } from "@mirage-ts/devices";
import { bootArg, log, randomBytes } from "@mirage-ts/runtime";

const host = bootArg.string("host", { default: "127.0.0.1", doc: "Address of the echo server.", docv: "ADDRESS" });
const port = bootArg.int("port", { default: 8080, min: 1, max: 65535, doc: "Port of the echo server." });
const size = bootArg.int("size", { default: 1024, min: 1, max: 1 << 30, doc: "How many random bytes to send." });

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Connects to an echo server, sends a greeting and random bytes, and checks that all come back. */
export async function start(stack: Stack): Promise<void> {
  const conn = await stack.tcp.connect(host(), port());
  if (!conn.ok) throw new Error(`cannot connect to ${host()}:${port()}: ${conn.error.message}`);
  const flow = conn.value;
  log.info(`connected to ${host()}:${port()} from ${flow.local.address}:${flow.local.port}`);
  const greeting = utf8Encode(`hello from ${hex(randomBytes(4))}\n`);
  const payload = randomBytes(size());
  const sent = new Uint8Array(greeting.length + payload.length);
  sent.set(greeting);
  sent.set(payload, greeting.length);

  const reading = (async () => {
    const got = new Uint8Array(sent.length);
    let n = 0;
    while (n < sent.length) {
      const r = await flow.read();
      if (!r.ok) throw new Error(`read failed: ${r.error.message}`);
      if (r.value === null) throw new Error(`the server closed after ${n} of ${sent.length} bytes`);
      if (n + r.value.length > sent.length) throw new Error("the server sent more than it was sent");
      got.set(r.value, n);
      n += r.value.length;
    }
    return got;
  })();
  const w = await flow.writev([greeting, payload]);
  if (!w.ok) throw new Error(`write failed: ${w.error.message}`);
  const got = await reading;
  if (!got.every((b, i) => b === sent[i])) throw new Error("the echo differs from what was sent");
  log.info(`echo verified: ${utf8Decode(greeting).trim()} and ${size()} random bytes`);
  await flow.close();
}
