import { main, register } from "@mirage-ts/mirage";

register("echo-server", [main("./unikernel.ts", [])()]);
