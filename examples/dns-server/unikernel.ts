import { utf8Decode, type KvRo, type Stack } from "@mirage-ts/devices";
import { nameToString, parseZone, serveDns, ZoneStore, type ResourceRecord } from "@mirage-ts/dns";
import { bootArg, exit, EXIT, log } from "@mirage-ts/runtime";

const port = bootArg.custom<number | undefined>("port", {
  doc: "UDP and TCP port to answer DNS on.",
  docv: "PORT",
  default: undefined,
  defaultText: "5353 on the socket stack, 53 on a direct stack",
  parse: (text) => {
    const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
    return n >= 1 && n <= 65535 ? { ok: true, value: n } : { ok: false, message: `expected a port number 1..65535, got ${JSON.stringify(text)}` };
  },
});
const idleTimeout = bootArg.int("tcp-idle-timeout", { default: 10_000, min: 1, doc: "Milliseconds a TCP connection may stay without a complete query." });
const maxConnections = bootArg.int("tcp-max-connections", { default: 256, min: 1, doc: "TCP connections served at once; more are closed on arrival." });

/** Every file under `dir` of the store, depth first, sorted by name. */
async function files(kv: KvRo, dir: string): Promise<string[]> {
  const listed = await kv.list(dir);
  if (!listed.ok) throw new Error(`cannot list ${dir}: ${listed.error.message}`);
  const out: string[] = [];
  for (const [entry, kind] of listed.value) {
    const key = dir === "/" ? `/${entry}` : `${dir}/${entry}`;
    if (kind === "dictionary") out.push(...(await files(kv, key)));
    else out.push(key);
  }
  return out;
}

/** Parses every zone file in the store into one ZoneStore; reports every error and exits on any. */
async function loadZones(kv: KvRo): Promise<ZoneStore> {
  const records: ResourceRecord[] = [];
  const errors: string[] = [];
  for (const key of await files(kv, "/")) {
    const bytes = await kv.get(key);
    if (!bytes.ok) {
      errors.push(`${key}: ${bytes.error.message}`);
      continue;
    }
    const parsed = parseZone(utf8Decode(bytes.value), { file: key.slice(1) });
    errors.push(...parsed.errors.map((e) => e.text));
    records.push(...parsed.records);
  }
  const built = ZoneStore.build(records);
  if (!built.ok) errors.push(...built.error.map((e) => e.message));
  if (errors.length > 0 || !built.ok) {
    for (const e of errors) log.error(e);
    log.error(`not serving: ${errors.length} error(s) in the zone files`);
    exit(EXIT.FAILURE);
  }
  const counts = new Map<unknown, number>();
  for (const rr of records) {
    const z = built.value.zoneFor(rr.name);
    counts.set(z, (counts.get(z) ?? 0) + 1);
  }
  for (const apex of built.value.zoneApexes) log.info(`zone ${nameToString(apex)} loaded: ${counts.get(built.value.zoneFor(apex)) ?? 0} records`);
  return built.value;
}

/** MirageOS's authoritative DNS server appliance: the zones in zone/, on UDP and TCP. */
export async function start(kv: KvRo, stack: Stack): Promise<void> {
  const store = await loadZones(kv);
  // A direct stack carries its own Ethernet layer and owns its addresses, so the
  // standard port 53 is free there; the socket stack shares the host's ports.
  const direct = "ethernet" in stack;
  const p = port() ?? (direct ? 53 : 5353);
  serveDns(stack, store, { port: p, tcpIdleMs: idleTimeout(), maxTcpConnections: maxConnections() });
  log.info(`serving DNS on UDP and TCP port ${p}`);
  await new Promise<never>(() => {}); // serve until killed
}
