import { main, register } from "@mirage-ts/mirage";

register("clock", [main("./unikernel.ts", [])()]);
