/**
 * The device graph as plain data. `config.ts` builds it with the constructors in
 * this folder; `mirage` describes it, resolves its choices for a target and turns it
 * into code. Nothing here touches the disk or the host: it is pure ECMAScript so
 * that a config file is checked under the same rules as a unikernel.
 */

/** A device type, named by what `start` receives (the interface in @mirage-ts/devices). */
export interface DeviceType<K extends string = string> {
  readonly kind: K;
  /** The TypeScript interface an app's `start` takes for it. */
  readonly interfaceName: string;
}

/** Where in config.ts a node was built, as "file:line:column", when the host knows. */
export type SourceLocation = string | undefined;

/** A concrete implementation, e.g. crunch("htdocs"). */
export interface ImplNode<K extends string = string> {
  readonly node: "impl";
  readonly kind: K;
  /** Key into the code generator's implementation table. */
  readonly impl: string;
  readonly args: readonly (string | number | boolean)[];
  readonly deps: readonly Device[];
  readonly at: SourceLocation;
}

/**
 * A choice between devices of one type, made when `mirage configure` runs: by the
 * target (`key` "target") or by a configure-time option (`--KEY=VALUE`).
 */
export interface ChoiceNode<K extends string = string> {
  readonly node: "choice";
  readonly kind: K;
  readonly key: string;
  readonly doc: string;
  readonly cases: Readonly<Record<string, Device<K>>>;
  /** The case used when no case matches the target, or the option is not given. */
  readonly fallback: string;
  readonly at: SourceLocation;
}

export type Device<K extends string = string> = ImplNode<K> | ChoiceNode<K>;

/** One application module and the devices passed to its `start`. */
export interface Job {
  readonly node: "job";
  /** Module path relative to config.ts, e.g. "./unikernel.ts". */
  readonly module: string;
  /** Name of the exported start function. */
  readonly start: string;
  readonly types: readonly DeviceType[];
  readonly devices: readonly Device[];
  readonly at: SourceLocation;
}

export interface Registration {
  readonly name: string;
  readonly jobs: readonly Job[];
  readonly at: SourceLocation;
}

/**
 * The location of the code that called into the DSL, read from the stack of a fresh
 * Error. Frames inside this folder are skipped; a host without `stack` gives undefined.
 */
export function callerLocation(): SourceLocation {
  const stack = new Error().stack ?? "";
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m || /[\\/]dsl[\\/][^\\/]+\.ts$/.test(m[1]!)) continue;
    return `${m[1]!.replace(/^file:\/\//, "")}:${m[2]}:${m[3]}`;
  }
  return undefined;
}
