/**
 * The entry point generated `main.ts` calls: parse boot arguments, configure logs,
 * wait for `--delay`, connect devices (each wrapped in `connectDevice`) and run the
 * application, turning every way it can end into MirageOS's exit codes.
 *
 * `runBoot` takes its I/O as a `BootEnv` so tests can drive the whole sequence without
 * exiting the test process; `boot` is `runBoot` over the host.
 */
import { host } from "@mirage-ts/host";
import { declaredBootArgs, formatHelp, parseBootArgs, setBootArgValues, type BootArgSpec } from "./args.ts";
import { escapeControl } from "./escape.ts";
import { EXIT } from "./exit.ts";
import { setLogSpec } from "./log.ts";
import { sleep } from "./sleep.ts";

/** Static facts about the unikernel, written by the code generator. */
export interface BootInfo {
  readonly name: string;
  readonly target: string;
  readonly description?: string;
}

/** The side effects of booting. */
export interface BootEnv {
  argv(): readonly string[];
  write(stream: 1 | 2, text: string): void;
  exit(code: number): never;
  sleepMs(ms: number): Promise<void>;
}

const hostEnv: BootEnv = {
  argv: () => host.argv(),
  write: (stream, text) => host.consoleWrite(stream, text),
  exit: (code) => host.exit(code),
  sleepMs: sleep,
};

let env: BootEnv = hostEnv;
let bootInfo: BootInfo | undefined;
let nameOverride: string | undefined;
// With a real host `exit` never returns; with a test env it throws, and this flag stops
// that throw from being reported a second time as the application's fatal error.
let exitRequested = false;
let booted = false;

function requestExit(code: number): never {
  exitRequested = true;
  return env.exit(code);
}

/** How long the exit hooks together may delay the exit. */
export const EXIT_DRAIN_MS = 2000;
const exitHooks = new Set<() => Promise<void>>();

/**
 * Registers `drain`, awaited (with the others, at most EXIT_DRAIN_MS in all) after
 * `start` settles and before the unikernel exits: a network stack uses it to get the
 * FINs of connections the app closed onto the wire, and acknowledged, before the
 * process ends. Returns a function that unregisters it.
 */
export function onExit(drain: () => Promise<void>): () => void {
  if (typeof drain !== "function") throw new TypeError("onExit: expected a function");
  exitHooks.add(drain);
  return () => exitHooks.delete(drain);
}

async function drainBeforeExit(): Promise<void> {
  if (exitHooks.size === 0) return;
  const hooks = [...exitHooks].map((h) => h().catch(() => undefined));
  await Promise.race([Promise.all(hooks), env.sleepMs(EXIT_DRAIN_MS)]);
}

/** The unikernel's name: `--name` if given at boot, else the configured name. */
export function unikernelName(): string {
  return nameOverride ?? bootInfo?.name ?? "unikernel";
}

/** A thrown value as text for a one-shot diagnostic: the stack where there is one. */
function describeError(e: unknown, withStack: boolean): string {
  if (!(e instanceof Error)) return escapeControl(String(e));
  if (!withStack) return escapeControl(e.message);
  const stack = e.stack ?? "";
  // V8's stack repeats the message before the frames, QuickJS's holds only frames; both
  // indent frames with "at". The message becomes one escaped line (it may come from the
  // network), each frame its own line.
  const lines = stack.split("\n");
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const trace = frames.length > 0 || stack.includes(e.message) ? frames : lines.filter((l) => l !== "");
  return [`${e.name}: ${e.message}`, ...trace].map(escapeControl).join("\n");
}

function checkBootCall(info: BootInfo, main: () => Promise<void>): void {
  if (typeof info?.name !== "string" || info.name === "") throw new TypeError("boot: info.name must be a non-empty string");
  if (typeof main !== "function") throw new TypeError("boot: main must be a function");
}

/**
 * Boots with an explicit environment and declarations; resolves when `main` has
 * finished and `env.exit` has been called (which, on a real host, never returns).
 */
export async function runBoot(
  info: BootInfo,
  main: () => Promise<void>,
  bootEnv: BootEnv = hostEnv,
  specs: readonly BootArgSpec[] = declaredBootArgs(),
): Promise<void> {
  checkBootCall(info, main);
  env = bootEnv;
  bootInfo = info;
  nameOverride = undefined;
  exitRequested = false;

  const parsed = parseBootArgs(specs, env.argv());
  if (parsed.kind === "error") {
    env.write(2, `${escapeControl(info.name)}: ${parsed.message}\n`);
    return requestExit(EXIT.BAD_ARGUMENT);
  }
  if (parsed.kind === "help") {
    env.write(1, formatHelp(info, specs));
    return requestExit(EXIT.HELP);
  }
  setBootArgValues(parsed.values);
  setLogSpec(parsed.logs);
  nameOverride = parsed.name;

  let failure: { readonly error: unknown } | undefined;
  try {
    if (parsed.delaySeconds > 0) await env.sleepMs(parsed.delaySeconds * 1000);
    await main();
  } catch (error) {
    if (exitRequested) throw error;
    failure = { error };
  }
  if (failure === undefined) {
    await drainBeforeExit();
    return requestExit(EXIT.OK);
  }
  env.write(2, `${escapeControl(unikernelName())}: fatal error: ${describeError(failure.error, true)}\n`);
  await drainBeforeExit();
  return requestExit(EXIT.FAILURE);
}

/**
 * Parses the boot arguments and runs `main`: exit 0 when it resolves, 1 when it
 * fails, 64 on a bad argument, 63 after `--help`.
 */
export function boot(info: BootInfo, main: () => Promise<void>): void {
  if (booted) throw new Error("boot: called twice; a unikernel boots once");
  // Checked here too so misuse throws at the call site instead of as an unhandled rejection.
  checkBootCall(info, main);
  booted = true;
  // Every outcome ends in host.exit inside runBoot; nothing is left to handle here.
  void runBoot(info, main);
}

/**
 * Connects one device for the generated code: on failure prints
 * `NAME: cannot connect device LABEL: message` and exits with EXIT.DEVICE.
 */
export async function connectDevice<T>(label: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    if (exitRequested) throw error;
    env.write(2, `${escapeControl(unikernelName())}: cannot connect device ${escapeControl(label)}: ${describeError(error, false)}\n`);
    return requestExit(EXIT.DEVICE);
  }
}
