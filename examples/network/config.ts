import { defaultNetwork, genericStack, main, register, stack } from "@mirage-ts/mirage";

// The socket stack on unix by default; `mirage configure -t unix --net=direct` for our own stack on a tap.
register("network", [main("./unikernel.ts", [stack])(genericStack(defaultNetwork()))]);
