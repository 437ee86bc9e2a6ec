// iproute2 (`ip`) for what the vip resource and the fence need: list, add and delete an IPv4
// address on an interface, read the link's carrier. Every call can target a network namespace
// (`ip -n <ns>`), which is how drills run three "hosts" on one machine. Add and delete are
// idempotent: an address already there (or already gone) is the state we wanted.
import { FailoverError } from '../errors.ts';
import { outputOf, runCommand } from './command.ts';

export interface Where {
  /** Interface name, e.g. eth0. */
  dev: string;
  /** Network namespace name (from `ip netns list`); absent = the agent's own namespace. */
  netns?: string | undefined;
}

export interface IfAddress {
  address: string;
  prefix: number;
  label?: string;
}

export interface LinkState {
  /** The interface is administratively up (IFF_UP). */
  up: boolean;
  /** The link has carrier (LOWER_UP): a cable, or the veth peer, is there. */
  carrier: boolean;
  operstate: string;
  mac: string;
}

const nsArgs = (netns: string | undefined): string[] => (netns ? ['-n', netns] : []);
const whereText = (w: Where) => `dev ${w.dev}${w.netns ? ` in netns ${w.netns}` : ''}`;

async function ip(args: string[], signal?: AbortSignal) {
  try {
    return await runCommand('ip', args, { signal });
  } catch (err) {
    throw new FailoverError(
      'HOLDFAST_E_RESOURCE_FAILED',
      `cannot run 'ip ${args.join(' ')}': ${(err as Error).message}; install iproute2`,
      {},
      { cause: err },
    );
  }
}

/** IPv4 addresses on `where.dev`. Throws when the interface (or namespace) does not exist. */
export async function listAddresses(where: Where, signal?: AbortSignal): Promise<IfAddress[]> {
  const r = await ip([...nsArgs(where.netns), '-j', '-4', 'addr', 'show', 'dev', where.dev], signal);
  if (r.code !== 0) {
    throw new FailoverError(
      'HOLDFAST_E_RESOURCE_FAILED',
      `cannot list addresses of ${whereText(where)}: ${outputOf(r)}; check the interface name (ip link)`,
    );
  }
  const links = JSON.parse(r.stdout || '[]') as Array<{
    addr_info?: Array<{ family: string; local: string; prefixlen: number; label?: string }>;
  }>;
  return links.flatMap((l) =>
    (l.addr_info ?? [])
      .filter((a) => a.family === 'inet')
      .map((a) => ({ address: a.local, prefix: a.prefixlen, ...(a.label ? { label: a.label } : {}) })),
  );
}

export async function hasAddress(where: Where, address: string, signal?: AbortSignal): Promise<boolean> {
  return (await listAddresses(where, signal)).some((a) => a.address === address);
}

/** `ip addr add address/prefix dev …`; an address already present is a success. */
export async function addAddress(where: Where, a: IfAddress, signal?: AbortSignal): Promise<void> {
  const args = [...nsArgs(where.netns), 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', where.dev];
  if (a.label) args.push('label', a.label);
  const r = await ip(args, signal);
  if (r.code === 0 || /File exists|already assigned/i.test(r.stderr)) return;
  if (r.aborted)
    throw new FailoverError('HOLDFAST_E_RESOURCE_TIMEOUT', `'ip ${args.join(' ')}' was cut short (timeout or lost leadership)`, {
      address: a.address,
      dev: where.dev,
      netns: where.netns,
    });
  throw new FailoverError('HOLDFAST_E_RESOURCE_FAILED', `'ip ${args.join(' ')}' failed: ${outputOf(r)}`, {
    address: a.address,
    dev: where.dev,
    netns: where.netns,
  });
}

/** `ip addr del address/prefix dev …`; an address already gone is a success. Returns whether it was there. */
export async function deleteAddress(where: Where, a: IfAddress, signal?: AbortSignal): Promise<boolean> {
  const args = [...nsArgs(where.netns), 'addr', 'del', `${a.address}/${a.prefix}`, 'dev', where.dev];
  const r = await ip(args, signal);
  if (r.code === 0) return true;
  if (r.aborted)
    throw new FailoverError('HOLDFAST_E_RESOURCE_TIMEOUT', `'ip ${args.join(' ')}' was cut short by its timeout`, {
      address: a.address,
      dev: where.dev,
      netns: where.netns,
    });
  if (/Cannot assign requested address|EADDRNOTAVAIL|Address not found/i.test(r.stderr)) return false;
  throw new FailoverError('HOLDFAST_E_RESOURCE_FAILED', `'ip ${args.join(' ')}' failed: ${outputOf(r)}`, {
    address: a.address,
    dev: where.dev,
    netns: where.netns,
  });
}

export async function linkState(where: Where, signal?: AbortSignal): Promise<LinkState> {
  const r = await ip([...nsArgs(where.netns), '-j', 'link', 'show', 'dev', where.dev], signal);
  if (r.code !== 0) {
    throw new FailoverError(
      'HOLDFAST_E_RESOURCE_FAILED',
      `cannot read link ${whereText(where)}: ${outputOf(r)}; check the interface name (ip link)`,
    );
  }
  const [link] = JSON.parse(r.stdout || '[]') as Array<{ flags?: string[]; operstate?: string; address?: string }>;
  const flags = link?.flags ?? [];
  return {
    up: flags.includes('UP'),
    carrier: flags.includes('LOWER_UP'),
    operstate: link?.operstate ?? 'UNKNOWN',
    mac: link?.address ?? '',
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether `s` is a dotted-quad IPv4 address. */
export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** Parses "198.18.0.100/24" (prefix defaulting to `defaultPrefix`), or undefined when malformed. */
export function parseCidr(s: string, defaultPrefix = 32): IfAddress | undefined {
  const [address = '', prefixText, extra] = s.trim().split('/');
  if (extra !== undefined || !isIPv4(address)) return undefined;
  const prefix = prefixText === undefined ? defaultPrefix : Number(prefixText);
  if (!/^\d{1,2}$/.test(prefixText ?? String(defaultPrefix)) || prefix < 0 || prefix > 32) return undefined;
  return { address, prefix };
}
