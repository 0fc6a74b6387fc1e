import { defaultNetwork, genericStack, main, register, stack } from "@mirage-ts/mirage";

// A TCP load target for bench/net: the socket stack by default, `--net=direct` for our own stack on a tap.
register("bench-tcp", [main("./unikernel.ts", [stack])(genericStack(defaultNetwork()))]);
