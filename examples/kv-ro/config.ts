import { genericKvRo, kvRo, main, register } from "@mirage-ts/mirage";

// Crunched into the image by default; `mirage configure -t unix --kv-ro=direct` reads data/ at run time.
register("kv-ro", [main("./unikernel.ts", [kvRo])(genericKvRo("data"))]);
