import { main, register } from "@mirage-ts/mirage";

register("timeout", [main("./unikernel.ts", [])()]);
