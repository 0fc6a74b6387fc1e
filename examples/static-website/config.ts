import { defaultNetwork, genericKvRo, genericStack, kvRo, main, register, stack } from "@mirage-ts/mirage";

// htdocs/ crunched into the image and the socket stack by default on unix;
// `--kv-ro=direct` reads htdocs/ at run time, `--net=direct` uses our own stack on a tap.
register("static-website", [main("./unikernel.ts", [kvRo, stack])(genericKvRo("htdocs"), genericStack(defaultNetwork()))]);
