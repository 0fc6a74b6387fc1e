/**
 * The direct stack as generated code connects it: its address comes from boot
 * arguments, as in MirageOS's stack keys.
 *
 *   --ipv4=A.B.C.D/N        static address and prefix (absent: ask DHCP)
 *   --ipv4-gateway=A.B.C.D  default route (static configuration only)
 *
 * Only unikernels with a direct stack import this module, so only they list these
 * arguments in --help.
 */
import type { Network } from "@mirage-ts/devices";
import { bootArg } from "@mirage-ts/runtime";
import { formatIpv4, parseCidr, parseIpv4 } from "@mirage-ts/wire";
import { directStack } from "./direct-stack.ts";
import type { DirectStack } from "./shell.ts";

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export function parseIpv4Argument(text: string): Parsed<{ address: string; prefix: number }> {
  const cidr = parseCidr(text);
  if (!cidr || cidr.prefix < 1 || cidr.prefix > 32) return { ok: false, message: `expected A.B.C.D/N with N in 1..32, got '${text}'` };
  return { ok: true, value: { address: formatIpv4(cidr.address), prefix: cidr.prefix } };
}

export function parseGatewayArgument(text: string): Parsed<string> {
  const address = parseIpv4(text);
  return address === undefined ? { ok: false, message: `expected an IPv4 address A.B.C.D, got '${text}'` } : { ok: true, value: text };
}

const ipv4 = bootArg.custom<{ address: string; prefix: number } | undefined>("ipv4", {
  doc: "The stack's IPv4 address and prefix; without it the stack asks DHCP.",
  docv: "A.B.C.D/N",
  default: undefined,
  parse: parseIpv4Argument,
});

const gateway = bootArg.custom<string | undefined>("ipv4-gateway", {
  doc: "The default gateway (with --ipv4).",
  docv: "A.B.C.D",
  default: undefined,
  parse: parseGatewayArgument,
});

/** Connects the direct stack to `net` with the address the boot arguments give. */
export function directStackFromBootArgs(net: Network): Promise<DirectStack> {
  const address = ipv4();
  const gw = gateway();
  if (gw !== undefined && address === undefined) {
    throw new TypeError("--ipv4-gateway needs --ipv4 (with DHCP the server names the gateway)");
  }
  return directStack(net, address ? { ipv4: { ...address, ...(gw ? { gateway: gw } : {}) } } : {});
}
