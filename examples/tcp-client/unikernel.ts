import { utf8Decode, utf8Encode, type FlowError, type Stack } from "@mirage-ts/devices";
import { EXIT, bootArg, exit, log, randomBytes } from "@mirage-ts/runtime";

const host = bootArg.string("host", { default: "127.0.0.1", doc: "Address of the echo server.", docv: "ADDRESS" });
const port = bootArg.int("port", { default: 8080, min: 1, max: 65535, doc: "Port of the echo server." });
const size = bootArg.int("size", { default: 1024, min: 1, max: 1 << 30, doc: "How many random bytes to send." });

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const PHRASE: Record<FlowError["code"], string> = {
  refused: "connection refused",
  timeout: "timed out",
  reset: "connection reset by the peer",
  unreachable: "host unreachable",
  closed: "connection closed",
  io: "I/O error",
};

/** "connection refused", plus the stack's own wording when it says more. */
function describe(e: FlowError): string {
  const phrase = PHRASE[e.code] ?? e.code;
  return e.message === phrase ? phrase : `${phrase} (${e.message})`;
}

/** Logs why and exits 1: an expected failure, so no stack trace. */
function fail(msg: string): never {
  log.error(msg);
  return exit(EXIT.FAILURE);
}

/**
 * Connects to an echo server, sends a greeting and `--size` random bytes, half-closes
 * (FIN after the data, as `nc -N` does) and reads until the server closes in turn,
 * checking that exactly the same bytes came back. Each chunk is compared as it
 * arrives, so a large transfer needs no second copy of the data.
 */
export async function start(stack: Stack): Promise<void> {
  const to = `${host()}:${port()}`;
  const conn = await stack.tcp.connect(host(), port());
  if (!conn.ok) return fail(`cannot connect to ${to}: ${describe(conn.error)}`);
  const flow = conn.value;
  log.info(`connected to ${to} from ${flow.local.address}:${flow.local.port}`);
  const greeting = utf8Encode(`hello from ${hex(randomBytes(4))}\n`);
  const payload = randomBytes(size());
  const total = greeting.length + payload.length;

  // Reads until the server's FIN; resolves with what went wrong, if anything.
  const reading = (async (): Promise<string | undefined> => {
    let n = 0; // bytes received and checked so far
    for (;;) {
      const r = await flow.read();
      if (!r.ok) return `read failed after ${n} of ${total} bytes: ${describe(r.error)}`;
      if (r.value === null) return n === total ? undefined : `the server closed after ${n} of ${total} bytes`;
      const chunk = r.value;
      if (n + chunk.length > total) return `the server sent more than the ${total} bytes it was sent`;
      for (let i = 0; i < chunk.length; i++, n++) {
        const want = n < greeting.length ? greeting[n] : payload[n - greeting.length];
        if (chunk[i] !== want) return `the echo differs from what was sent at byte ${n}`;
      }
    }
  })();
  const w = await flow.writev([greeting, payload]);
  if (!w.ok) return fail(`write to ${to} failed: ${describe(w.error)}`);
  await flow.shutdown("write"); // an echo server closes once it has echoed everything
  const problem = await reading;
  await flow.close();
  if (problem !== undefined) return fail(problem);
  log.info(`echo verified: ${utf8Decode(greeting).trim()} and ${size()} random bytes`);
}
