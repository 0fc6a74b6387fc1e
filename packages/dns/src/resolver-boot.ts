/** The `--dns-servers` boot argument of unikernels that resolve names (MirageOS's name for it). */
import type { Stack } from "@mirage-ts/devices";
import { bootArg } from "@mirage-ts/runtime";
import { parseDnsServers } from "./resolver-servers.ts";
import type { Nameserver } from "./resolver-transport.ts";

/**
 * Declares `--dns-servers=IP[:PORT],...` (call it once, at module level, like any
 * boot argument) and returns the servers to ask on `stack`: the argument's, else the
 * stack's IPv4 gateway (a home router usually forwards DNS), else 127.0.0.1, port 53.
 */
export function dnsServersArg(purpose = "Servers to ask"): (stack: Stack) => Nameserver[] {
  const arg = bootArg.custom<Nameserver[] | undefined>("dns-servers", {
    doc: `${purpose}, comma-separated ip[:port] (port 53 by default). Default: the IPv4 gateway when the stack has one, else 127.0.0.1.`,
    docv: "IP[:PORT],...",
    default: undefined,
    defaultText: "the gateway, else 127.0.0.1:53",
    parse: (text) => {
      const r = parseDnsServers(text);
      return r.ok ? r : { ok: false, message: r.error };
    },
  });
  return (stack) => {
    const given = arg();
    if (given !== undefined) return given;
    const gateway = stack.addresses().find((a) => a.gateway !== undefined)?.gateway;
    return [{ address: gateway ?? "127.0.0.1", port: 53 }];
  };
}
