/** The smallest unikernel: it starts and returns, so it exits 0. */
export async function start(): Promise<void> {}
