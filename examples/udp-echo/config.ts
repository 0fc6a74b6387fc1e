import { defaultNetwork, genericStack, main, register, stack } from "@mirage-ts/mirage";

register("udp-echo", [main("./unikernel.ts", [stack])(genericStack(defaultNetwork()))]);
