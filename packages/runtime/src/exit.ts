/** Ending the unikernel, with the exit codes MirageOS uses. */
import { host } from "@mirage-ts/host";

/** Exit statuses: 63 after `--help` and 64 on a bad boot argument, as Mirage_runtime does. */
export const EXIT = { OK: 0, FAILURE: 1, DEVICE: 2, HELP: 63, BAD_ARGUMENT: 64 } as const;

/** Ends the unikernel with `code` (0..255) once the console is flushed. */
export function exit(code: number): never {
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw new RangeError(`exit: code must be an integer in 0..255, got ${String(code)}`);
  }
  return host.exit(code);
}
