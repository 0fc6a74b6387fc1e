import { main, register } from "@mirage-ts/mirage";

register("heads", [main("./unikernel.ts", [])()]);
