/**
 * `directStack`: the pure TCP/IP stack over a `Network`, with the real TCP layer and
 * DHCP client bound into the shell (shell.ts), and time and randomness defaulting to
 * the ambient runtime's. The network simulator passes virtual `time` instead.
 */
import type { Network } from "@mirage-ts/devices";
import { monotonicNs, onExit, randomBytes, setTimer, createLog } from "@mirage-ts/runtime";
import { DhcpClient } from "./dhcp/client.ts";
import { createDirectStack, type DirectStack, type ShellOptions, type StackTime } from "./shell.ts";
import { createTcpLayer, type TcpOptions } from "./tcp/index.ts";

export interface DirectStackOptions extends Omit<ShellOptions<TcpOptions>, "time" | "random" | "debug"> {
  /** Default: `{ now: monotonicNs, setTimer }` from @mirage-ts/runtime. */
  readonly time?: StackTime;
  /** Default: `randomBytes` from @mirage-ts/runtime. */
  readonly random?: (n: number) => Uint8Array;
}

const DEFAULT_TIME: StackTime = { now: monotonicNs, setTimer };

/**
 * Connects a stack to `net`. With `ipv4` it resolves right after announcing the address
 * (gratuitous ARP); without, it runs DHCP and resolves once bound, or rejects with
 * MirageError("timeout") after `dhcpTimeoutNs` (default 30 s) without a lease.
 */
export async function directStack(net: Network, options: DirectStackOptions = {}): Promise<DirectStack> {
  const log = createLog("tcpip");
  const time = options.time ?? DEFAULT_TIME;
  const stack = await createDirectStack<TcpOptions>(
    net,
    {
      ...options,
      time,
      random: options.random ?? randomBytes,
      debug: (msg) => {
        if (log.enabled("debug")) log.debug(msg);
      },
    },
    {
      createTcp: (env, tcpOptions) => createTcpLayer(env, tcpOptions),
      createDhcp: (o) => new DhcpClient(o),
    },
  );
  const how = options.ipv4 === undefined ? "from DHCP" : "static";
  for (const a of stack.addresses()) log.info(`ipv4 ${a.address}/${a.prefix}${a.gateway ? ` via ${a.gateway}` : ""} (${how})`);
  // An app that closes a connection and returns from start at once must not exit
  // before its FIN is out and acknowledged: boot waits (bounded) for this.
  const unregister = onExit(() => closingDrained(stack, time));
  const disconnect = stack.disconnect.bind(stack);
  return Object.assign(stack, {
    disconnect: async (): Promise<void> => {
      unregister();
      await disconnect();
    },
  });
}

/** Resolves once no connection the app closed is still waiting for the peer's acknowledgement. */
function closingDrained(stack: DirectStack, time: StackTime): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if ((stack.stats()["tcp.closing"] ?? 0) === 0) resolve();
      else time.setTimer(5e6, check);
    };
    check();
  });
}
