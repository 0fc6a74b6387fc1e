import { describe, expect, it } from "vitest";
import type { BootArgSpec } from "./args.ts";
import { connectDevice, EXIT_DRAIN_MS, onExit, runBoot, unikernelName, type BootEnv } from "./boot.ts";
import { EXIT } from "./exit.ts";
import { createLog } from "./log.ts";

// Shaped like @mirage-ts/devices' MirageError: only its message should be shown.
class MirageErrorLike extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "MirageError";
  }
}

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function fakeEnv(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  const env: BootEnv = {
    argv: () => argv,
    write: (stream, text) => (stream === 1 ? out : err).push(text),
    exit: (code) => {
      throw new Exited(code);
    },
    sleepMs: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { env, out, err, sleeps };
}

const info = { name: "hello", target: "unix", description: "Says hello." };
const specs: BootArgSpec[] = [{ kind: "int", name: "count", doc: "How many.", docv: "N", default: 1, min: 1, max: 3 }];

async function run(argv: string[], main: () => Promise<void>) {
  const f = fakeEnv(argv);
  let code: number | undefined;
  try {
    await runBoot(info, main, f.env, specs);
  } catch (e) {
    if (!(e instanceof Exited)) throw e;
    code = e.code;
  }
  return { ...f, code };
}

describe("runBoot", () => {
  it("runs main and exits 0", async () => {
    let ran = false;
    const r = await run([], async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(r.code).toBe(EXIT.OK);
    expect(r.err).toEqual([]);
  });

  it("exits 64 with one line on a bad argument, without running main", async () => {
    let ran = false;
    const main = async () => {
      ran = true;
    };
    expect(await run(["--foo"], main)).toMatchObject({ code: 64, err: ["hello: unknown boot argument '--foo' (try --help)\n"] });
    expect(await run(["--count=abc"], main)).toMatchObject({ code: 64, err: ["hello: --count: expected an integer, got 'abc'\n"] });
    expect(await run(["--count=9"], main)).toMatchObject({
      code: 64,
      err: ["hello: --count: expected an integer between 1 and 3, got '9'\n"],
    });
    expect(await run(["-l", "nope"], main)).toMatchObject({ code: 64 });
    expect(ran).toBe(false);
  });

  it("prints help to stdout and exits 63", async () => {
    const r = await run(["--help"], async () => {});
    expect(r.code).toBe(EXIT.HELP);
    expect(r.out.join("")).toContain("hello - Says hello.");
    expect(r.out.join("")).toContain("--count=N (default: 1)");
    expect(r.err).toEqual([]);
  });

  it("reports a failing main with its stack and exits 1", async () => {
    const r = await run([], async () => {
      throw new Error("boom\nforged line");
    });
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^hello: fatal error: Error: boom\\nforged line\n {4}at /);
    const s = await run([], () => Promise.reject("just a string"));
    expect(s.err).toEqual(["hello: fatal error: just a string\n"]);
  });

  it("waits --delay seconds before main", async () => {
    const order: string[] = [];
    const f = fakeEnv(["--delay=2.5"]);
    f.env.sleepMs = async (ms) => {
      order.push(`sleep ${ms}`);
    };
    await expect(
      runBoot(info, async () => {
        order.push("main");
      }, f.env, specs),
    ).rejects.toEqual(new Exited(0));
    expect(order).toEqual(["sleep 2500", "main"]);
    expect((await run([], async () => {})).sleeps).toEqual([]);
  });

  it("installs boot argument values, the log spec and --name", async () => {
    const tcp = createLog("tcp");
    let seen = "";
    await run(["--name=other", "-l", "*:error,tcp:debug"], async () => {
      seen = unikernelName();
    });
    expect(seen).toBe("other");
    expect(tcp.enabled("debug")).toBe(true);
    expect(createLog("udp").enabled("warning")).toBe(false);
    await run([], async () => {
      seen = unikernelName();
    });
    expect(seen).toBe("hello");
    expect(tcp.enabled("debug")).toBe(false);
    expect(tcp.enabled("info")).toBe(true);
  });
});

describe("connectDevice", () => {
  it("passes a connected device through", async () => {
    let dev: unknown;
    const r = await run([], async () => {
      dev = await connectDevice("net", async () => ({ id: 1 }));
    });
    expect(dev).toEqual({ id: 1 });
    expect(r.code).toBe(0);
  });

  it("exits 2 naming the device when connecting fails", async () => {
    const r = await run(["--name=web"], async () => {
      await connectDevice("block0", async () => {
        throw new MirageErrorLike("ENOENT", "disk.img: no such file");
      });
      throw new Error("not reached");
    });
    expect(r.code).toBe(EXIT.DEVICE);
    expect(r.err).toEqual(["web: cannot connect device block0: disk.img: no such file\n"]);
  });

  it("also catches a connect function that throws synchronously", async () => {
    const r = await run([], async () => {
      await connectDevice("net", () => {
        throw new TypeError("bad config");
      });
    });
    expect(r).toMatchObject({ code: 2, err: ["hello: cannot connect device net: bad config\n"] });
  });
});

describe("exit hooks", () => {
  it("awaits every registered drain after start settles, before exiting, even after a failure", async () => {
    const order: string[] = [];
    const off = onExit(async () => {
      await Promise.resolve();
      order.push("drained");
    });
    try {
      const ok = await run([], async () => {
        order.push("start");
      });
      expect(ok.code).toBe(EXIT.OK);
      const failed = await run([], async () => {
        throw new Error("boom");
      });
      expect(failed.code).toBe(EXIT.FAILURE);
      expect(order).toEqual(["start", "drained", "drained"]);
    } finally {
      off();
    }
  });

  it("does not let a drain that never ends hold the exit longer than EXIT_DRAIN_MS", async () => {
    const off = onExit(() => new Promise<void>(() => {}));
    try {
      const r = await run([], async () => {});
      expect(r.code).toBe(EXIT.OK);
      expect(r.sleeps).toEqual([EXIT_DRAIN_MS]); // the bound, through the env's clock
    } finally {
      off();
    }
  });

  it("skips unregistered hooks", async () => {
    let called = false;
    onExit(async () => {
      called = true;
    })();
    expect((await run([], async () => {})).code).toBe(EXIT.OK);
    expect(called).toBe(false);
  });
});
