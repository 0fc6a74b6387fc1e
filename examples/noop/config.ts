import { main, register } from "@mirage-ts/mirage";

register("noop", [main("./unikernel.ts", [])()]);
