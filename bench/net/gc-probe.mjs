// Preloaded (node --expose-gc --import) into a server for the idle-connection memory
// test: on SIGUSR2 it collects garbage and prints its memory on stderr, so that the
// test counts what connections retain, not garbage that the next GC would free.
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stderr.write(`gc-probe ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
});
