import { guestAvailable, warmGuestCache } from "@mirage-ts/guest";

/**
 * vitest globalSetup: compiles the guest runtime (QuickJS and the C runtime, ~1 min on
 * a cold cache) once, before the test files start, so that the many files that build
 * hvt/spt images in parallel workers do not all compile it at the same time.
 */
export default async function warmGuest(): Promise<void> {
  const available = guestAvailable();
  if (!available.ok) {
    console.log(`guest runtime not warmed: ${available.reason} (hvt/spt tests will skip or fail with the reason)`);
    return;
  }
  const started = Date.now();
  await warmGuestCache(["hvt", "spt"], (msg) => console.log(msg));
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 1) console.log(`guest runtime ready in ${seconds.toFixed(0)} s`);
}
