import { main, register } from "@mirage-ts/mirage";

register("hello-key", [main("./unikernel.ts", [])()]);
