import { utf8Decode, type KvRo } from "@mirage-ts/devices";
import { log } from "@mirage-ts/runtime";

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Walks the store, prints each file's size and digest, then reads `secret` and tries to escape the root. */
export async function start(kv: KvRo): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    const entries = await kv.list(dir);
    if (!entries.ok) throw new Error(`list ${dir}: ${entries.error.message}`);
    for (const [name, kind] of entries.value) {
      const key = `${dir}/${name}`;
      if (kind === "dictionary") {
        await walk(key);
        continue;
      }
      const size = await kv.size(key);
      const digest = await kv.digest(key);
      if (!size.ok || !digest.ok) throw new Error(`cannot stat ${key}`);
      log.info(`${key}: ${size.value} bytes, sha256 ${hex(digest.value).slice(0, 16)}...`);
    }
  };
  await walk("");

  const secret = await kv.get("secret");
  if (!secret.ok) throw new Error(`get secret: ${secret.error.message}`);
  log.info(`secret: ${utf8Decode(secret.value).trim()}`);

  const outside = await kv.get("../config.ts");
  log.info(outside.ok ? "escaped the store's root!" : `../config.ts: ${outside.error.code}`);
}
