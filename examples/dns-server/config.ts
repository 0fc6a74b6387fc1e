import { crunch, defaultNetwork, genericStack, kvRo, main, register, stack } from "@mirage-ts/mirage";

// The zone files in zone/ are crunched into the image. On unix the host's sockets by
// default; `mirage configure --net=direct` uses our own stack on a tap instead.
register("dns-server", [main("./unikernel.ts", [kvRo, stack])(crunch("zone"), genericStack(defaultNetwork()))]);
