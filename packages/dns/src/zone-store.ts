/**
 * An in-memory store of authoritative zones, validated on build: each zone is the set
 * of records under one SOA apex; every record belongs to the deepest apex above it.
 * Lookups are case-insensitive (RFC 4343) through `nameKey`.
 */
import { type Result, ok, err } from "@mirage-ts/devices";
import { type Name, isSubdomain, nameKey, nameToString } from "./name.ts";
import { type ResourceRecord, RrClass, RrType } from "./types.ts";

export type ZoneStoreErrorKind = "duplicate_soa" | "cname_and_other_data" | "out_of_zone" | "bad_class" | "meta_type";

export interface ZoneStoreError {
  readonly kind: ZoneStoreErrorKind;
  /** Presentation form of the offending owner name. */
  readonly name: string;
  readonly message: string;
}

/** The data at one owner name: RRsets by type, in the order the types first appeared. */
export interface ZoneNode {
  readonly name: Name;
  readonly rrsets: Map<number, ResourceRecord[]>;
}

export interface Zone {
  readonly apex: Name;
  readonly soa: ResourceRecord;
  /** Owner names with data, by `nameKey`. */
  readonly nodes: Map<string, ZoneNode>;
  /** Keys of every name that exists, including empty non-terminals (RFC 4592 section 2.2.2). */
  readonly existing: Set<string>;
}

export class ZoneStore {
  private constructor(private readonly zones: Map<string, Zone>) {}

  /**
   * Builds a store from the records of one or more zones (class IN only). Errors:
   * more than one SOA at an apex, CNAME next to other data (RFC 1034 section 3.6.2),
   * records under no SOA apex, other classes, meta types (OPT, ANY, AXFR).
   */
  static build(records: readonly ResourceRecord[]): Result<ZoneStore, ZoneStoreError[]> {
    const errors: ZoneStoreError[] = [];
    const fail = (kind: ZoneStoreErrorKind, n: Name, message: string): void => {
      errors.push({ kind, name: nameToString(n), message: `${nameToString(n)}: ${message}` });
    };
    const zones = new Map<string, Zone>();
    for (const rr of records) {
      if (rr.type !== RrType.SOA || rr.class !== RrClass.IN) continue;
      const k = nameKey(rr.name);
      if (zones.has(k)) fail("duplicate_soa", rr.name, "more than one SOA record");
      else zones.set(k, { apex: rr.name, soa: rr, nodes: new Map(), existing: new Set([k]) });
    }
    const store = new ZoneStore(zones);
    for (const rr of records) {
      if (rr.class !== RrClass.IN) {
        fail("bad_class", rr.name, `class ${rr.class} is not IN`);
        continue;
      }
      if (rr.type === RrType.OPT || rr.type === RrType.ANY || rr.type === RrType.AXFR || rr.type === 251) {
        fail("meta_type", rr.name, `meta type ${rr.type} cannot be zone data`);
        continue;
      }
      const zone = store.zoneFor(rr.name);
      if (!zone) {
        fail("out_of_zone", rr.name, "record is not under any SOA apex");
        continue;
      }
      if (rr.type === RrType.SOA && rr.name.length !== zone.apex.length) continue; // duplicate already reported
      const k = nameKey(rr.name);
      let node = zone.nodes.get(k);
      if (!node) {
        node = { name: rr.name, rrsets: new Map() };
        zone.nodes.set(k, node);
        // Every ancestor up to the apex exists, with or without data (empty non-terminals).
        for (let i = 0; i < rr.name.length - zone.apex.length; i++) zone.existing.add(nameKey(rr.name.slice(i)));
      }
      let set = node.rrsets.get(rr.type);
      if (!set) node.rrsets.set(rr.type, (set = []));
      if (rr.type === RrType.SOA && set.length > 0) continue;
      set.push(rr);
    }
    for (const zone of zones.values()) {
      for (const node of zone.nodes.values()) {
        if (node.rrsets.has(RrType.CNAME) && (node.rrsets.size > 1 || node.rrsets.get(RrType.CNAME)!.length > 1)) {
          fail("cname_and_other_data", node.name, "CNAME cannot coexist with other data or another CNAME");
        }
      }
    }
    return errors.length > 0 ? err(errors) : ok(store);
  }

  /** The deepest zone whose apex is `name` or above it; undefined when outside all zones. */
  zoneFor(name: Name): Zone | undefined {
    for (let i = 0; i <= name.length; i++) {
      const z = this.zones.get(nameKey(name.slice(i)));
      if (z) return z;
    }
    return undefined;
  }

  get zoneApexes(): Name[] {
    return [...this.zones.values()].map((z) => z.apex);
  }

  /** The node with data at `name`, in the zone that holds it. */
  node(name: Name): ZoneNode | undefined {
    return this.zoneFor(name)?.nodes.get(nameKey(name));
  }

  /** The RRset of `type` at `name` (ignoring zone cuts: this also finds glue); empty when none. */
  lookup(name: Name, type: number): readonly ResourceRecord[] {
    return this.node(name)?.rrsets.get(type) ?? [];
  }

  /** True when `name` exists in its zone, as a node with data or an empty non-terminal. */
  exists(name: Name): boolean {
    return this.zoneFor(name)?.existing.has(nameKey(name)) ?? false;
  }

  /**
   * The highest delegation point (NS below an apex) at or above `name` within `zone`;
   * undefined when `name` is in authoritative data (RFC 1034 section 4.3.2 step 3b).
   */
  delegationFor(zone: Zone, name: Name): ZoneNode | undefined {
    for (let i = name.length - zone.apex.length - 1; i >= 0; i--) {
      const node = zone.nodes.get(nameKey(name.slice(i)));
      if (node && node.rrsets.has(RrType.NS)) return node;
    }
    return undefined;
  }

  /** A and AAAA records for a host if it lies in one of our zones (authoritative data or glue). */
  addresses(host: Name): ResourceRecord[] {
    const node = this.node(host);
    if (!node) return [];
    return [...(node.rrsets.get(RrType.A) ?? []), ...(node.rrsets.get(RrType.AAAA) ?? [])];
  }

  /** True when `name` is at or below one of our apexes. */
  inOurZones(name: Name): boolean {
    for (const z of this.zones.values()) if (isSubdomain(name, z.apex)) return true;
    return false;
  }
}
