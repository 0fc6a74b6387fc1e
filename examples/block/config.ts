import { block, blockOfFile, main, register } from "@mirage-ts/mirage";

// disk.img is opened at run time, relative to the working directory.
register("block", [main("./unikernel.ts", [block])(blockOfFile("disk.img"))]);
