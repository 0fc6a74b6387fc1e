import { defaultNetwork, genericStack, main, register, stack } from "@mirage-ts/mirage";

register("tcp-client", [main("./unikernel.ts", [stack])(genericStack(defaultNetwork()))]);
