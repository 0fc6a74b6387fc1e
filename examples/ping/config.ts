import { defaultNetwork, genericStack, main, register, stack } from "@mirage-ts/mirage";

register("ping", [main("./unikernel.ts", [stack])(genericStack(defaultNetwork()))]);
