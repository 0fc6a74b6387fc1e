import { callerLocation, type Device, type DeviceType, type Job, type Registration } from "./graph.ts";

/** The devices `start` receives, one per declared type, in order. */
export type DevicesFor<T extends readonly DeviceType[]> = { [I in keyof T]: T[I] extends DeviceType<infer K> ? Device<K> : never };

/**
 * Names the app's module and the device types its `start` takes, and returns the
 * function that applies devices to it. Passing a device of another type, or too many
 * or too few, is a TypeScript error in config.ts:
 *
 *     const app = main("./unikernel.ts", [kvRo]);
 *     register("kv-ro", [app(crunch("htdocs"))]);
 */
export function main<const T extends readonly DeviceType[]>(
  module: string,
  types: T,
  options: { readonly start?: string } = {},
): (...devices: DevicesFor<T>) => Job {
  if (typeof module !== "string" || module === "") throw new TypeError(`main: expected a module path, got ${JSON.stringify(module)}`);
  const start = options.start ?? "start";
  return (...devices) => {
    const given = devices as readonly Device[];
    // The types say this already; these checks are for config files written in plain JS.
    if (given.length !== types.length) {
      throw new TypeError(`main(${JSON.stringify(module)}): start takes ${types.length} device(s), ${given.length} given`);
    }
    given.forEach((d, i) => {
      if (d?.kind !== types[i]!.kind) {
        throw new TypeError(`main(${JSON.stringify(module)}): device ${i + 1} must be a ${types[i]!.kind}, got ${d?.kind ?? String(d)}`);
      }
    });
    return { node: "job", module, start, types, devices: given, at: callerLocation() };
  };
}

const REGISTRY = Symbol.for("mirage-ts.registration");

/**
 * Ends a config file: the unikernel's name (its image is dist/NAME) and its jobs,
 * which start together. The `mirage` tool reads what was registered after it has
 * evaluated config.ts.
 */
export function register(name: string, jobs: readonly Job[]): Registration {
  if (typeof name !== "string" || !/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    throw new TypeError(`register: the name must be lowercase letters, digits, '-' or '_', got ${JSON.stringify(name)}`);
  }
  if (!Array.isArray(jobs) || jobs.length === 0 || jobs.some((j) => j?.node !== "job")) {
    throw new TypeError(`register(${JSON.stringify(name)}): expected a non-empty list of jobs made with main(...)(...)`);
  }
  const store = globalThis as { [REGISTRY]?: Registration };
  if (store[REGISTRY]) throw new Error(`register called twice (first for ${JSON.stringify(store[REGISTRY].name)})`);
  const registration: Registration = { name, jobs, at: callerLocation() };
  store[REGISTRY] = registration;
  return registration;
}

/** Takes (and clears) what a config file registered. For the mirage tool. */
export function takeRegistration(): Registration | undefined {
  const store = globalThis as { [REGISTRY]?: Registration };
  const registration = store[REGISTRY];
  delete store[REGISTRY];
  return registration;
}
