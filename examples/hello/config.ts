import { main, register } from "@mirage-ts/mirage";

register("hello", [main("./unikernel.ts", [])()]);
