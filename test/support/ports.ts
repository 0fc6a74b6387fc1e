import { createServer } from "node:net";
import { createSocket } from "node:dgram";

/** A port free for both TCP and UDP on 127.0.0.1 a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  for (let tries = 0; ; tries++) {
    const server = createServer();
    const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port)));
    await new Promise((r) => server.close(r));
    const sock = createSocket("udp4");
    const free = await new Promise<boolean>((r) => {
      sock.once("error", () => r(false));
      sock.bind(port, "127.0.0.1", () => r(true));
    });
    await new Promise<void>((r) => sock.close(() => r()));
    if (free || tries > 20) return port;
  }
}
