// Preloaded (node --import) into a unikernel under --cpu-prof: node writes the
// profile on a normal exit only, and the unikernel has no SIGTERM handler of its own.
process.on("SIGTERM", () => process.exit(0));
