import { defaultNetwork, genericStack, main, register, stack } from "@mirage-ts/mirage";

// The socket stack by default on unix; `--net=direct` uses our own TCP/IP stack on a tap.
register("dns-client", [main("./unikernel.ts", [stack])(genericStack(defaultNetwork()))]);
