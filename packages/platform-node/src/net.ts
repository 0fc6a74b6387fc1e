/**
 * `defaultNetwork()` for the unix target: the network interface named at boot.
 *
 *   --interface=tap0                      a Linux tap device (the default)
 *   --interface=udp:5555:5556             Ethernet frames in UDP datagrams, 127.0.0.1:5555 <-> 127.0.0.1:5556
 *   --interface=udp:HOST:5555:HOST:5556   the same with explicit loopback hosts (QEMU's -netdev dgram)
 *   --pcap=FILE                           also record every frame to FILE (tcpdump -r FILE)
 *
 * The boot arguments live in this module, imported only by unikernels that have a
 * network, so others do not list them in --help.
 */
import type { Network } from "@mirage-ts/devices";
import { bootArg } from "@mirage-ts/runtime";
import { tapNetwork } from "./net-tap.ts";
import { udpLink } from "./net-udp.ts";
import { withPcap } from "./pcap.ts";

export type InterfaceSpec =
  | { readonly kind: "tap"; readonly name: string }
  | { readonly kind: "udp"; readonly local: { address: string; port: number }; readonly remote: { address: string; port: number } };

const PORT = /^(?:[1-9][0-9]{0,4})$/;
const port = (text: string): number | undefined => (PORT.test(text) && Number(text) <= 65535 ? Number(text) : undefined);

/** Parses an --interface value; a message says what was wrong. */
export function parseInterface(text: string): { ok: true; value: InterfaceSpec } | { ok: false; message: string } {
  if (!text.startsWith("udp:")) {
    // IFNAMSIZ is 16 including the NUL; names cannot hold '/', ':' or whitespace.
    if (/^[A-Za-z0-9_.-]{1,15}$/.test(text)) return { ok: true, value: { kind: "tap", name: text } };
    return { ok: false, message: `expected a tap device name (at most 15 of A-Z a-z 0-9 _ . -) or udp:..., got '${text}'` };
  }
  const parts = text.slice(4).split(":");
  const [lhost, lport, rhost, rport] = parts.length === 2 ? ["127.0.0.1", parts[0]!, "127.0.0.1", parts[1]!] : parts;
  const local = port(lport ?? "");
  const remote = port(rport ?? "");
  if ((parts.length !== 2 && parts.length !== 4) || local === undefined || remote === undefined || !lhost || !rhost) {
    return { ok: false, message: `expected udp:LPORT:RPORT or udp:LHOST:LPORT:RHOST:RPORT, got '${text}'` };
  }
  return { ok: true, value: { kind: "udp", local: { address: lhost, port: local }, remote: { address: rhost, port: remote } } };
}

const iface = bootArg.custom<InterfaceSpec>("interface", {
  doc: "The network interface: a tap device name, or udp:LPORT:RPORT for a UDP link on loopback.",
  docv: "NAME",
  default: { kind: "tap", name: "tap0" },
  defaultText: "tap0",
  parse: parseInterface,
});

const pcap = bootArg.string("pcap", { default: "", doc: "Record every frame sent and received to this pcap file.", docv: "FILE" });

/** Opens the interface the boot arguments name. Rejects with a clear message if it cannot. */
export async function defaultNetwork(): Promise<Network> {
  const spec = iface();
  const net = spec.kind === "tap" ? await tapNetwork(spec.name) : await udpLink({ local: spec.local, remote: spec.remote });
  return pcap() ? withPcap(net, pcap()) : net;
}
