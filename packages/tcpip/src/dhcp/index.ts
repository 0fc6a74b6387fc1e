/**
 * The DHCP client of the direct stack (RFC 2131): a pure state machine driven by `now`
 * (ns) that turns UDP payloads from port 67 into payloads to send from port 68, plus
 * `bound` / `renewed` / `lost` events for the IPv4 layer to (re)configure itself.
 */
export { DhcpClient } from "./client.ts";
export type { DhcpClientOptions, DhcpEvent, DhcpLease, DhcpSend, DhcpState } from "./client.ts";
