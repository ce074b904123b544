// The SSRF guard of webhook deliveries: a receiver URL is https, its host allowed, and every address it resolves to
// public. The delivery then connects to the very address checked here (pinned: no second DNS answer, so a name that
// resolves to a public address for the check and to 169.254.169.254 for the connection cannot get through).
//
// Refused: loopback, unspecified, "this network", private (RFC 1918), CGNAT (100.64/10), link-local (169.254/16, which
// holds the metadata address 169.254.169.254; fe80::/10), unique-local IPv6 (fc00::/7, which holds AWS's
// fd00:ec2::254), multicast, broadcast, documentation and benchmarking ranges, NAT64 and 6to4 (they embed IPv4), and
// the IPv4-mapped and IPv4-compatible IPv6 forms of all of these. An IP literal host is refused unless the allow-list
// names it. NOTIFY_ALLOW_LOOPBACK_FOR_TESTS lets loopback through (and only loopback): tests and the local demo.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** A receiver that must not be contacted: never retried (the URL or what it resolves to is the problem). */
export class ReceiverRefused extends Error {
  constructor(readonly reason: string) {
    super(`receiver refused: ${reason}`);
    this.name = 'ReceiverRefused';
  }
}

export interface VettedTarget {
  url: URL;
  /** The host without IPv6 brackets: the TLS server name and Host header come from it. */
  host: string;
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export interface AddressGuardOptions {
  /** Lower-case host names and `*.suffix` patterns; empty: any host. */
  allowedHosts: readonly string[];
  allowLoopback: boolean;
  /** DNS (default: the system resolver, every address). */
  resolve?: Resolver;
}

const REFUSED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // unspecified / this network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  REFUSED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 32], // Teredo
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local (fd00:ec2::254)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  REFUSED.addSubnet(net, prefix, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as two). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d, in any spelling), if it is one. */
function mappedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (g.length !== 8 || g.slice(0, 5).some((x) => x !== 0) || g[5] !== 0xffff) return undefined;
  return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
}

/** Why an address may not be contacted, or undefined when it may. */
export function refusedAddress(address: string, allowLoopback = false): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const v4 = family === 4 ? address : mappedIpv4(address);
  if (v4 !== undefined) {
    if (allowLoopback && LOOPBACK.check(v4, 'ipv4')) return undefined;
    return REFUSED.check(v4, 'ipv4') ? `${v4} is not a public address` : undefined;
  }
  if (allowLoopback && LOOPBACK.check(address, 'ipv6')) return undefined;
  return REFUSED.check(address, 'ipv6') ? `${address} is not a public address` : undefined;
}

export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const lower = host.toLowerCase();
  return allowedHosts.some((pattern) => (pattern.startsWith('*.') ? lower.endsWith(pattern.slice(1)) && lower.length > pattern.length - 1 : lower === pattern));
}

const systemResolver: Resolver = (host) => lookup(host, { all: true, order: 'ipv4first' });

/** Checks a receiver URL and resolves it to one address to connect to; ReceiverRefused when it must not be contacted. */
export async function vetReceiver(rawUrl: string, options: AddressGuardOptions): Promise<VettedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ReceiverRefused('not a URL');
  }
  if (url.protocol !== 'https:') throw new ReceiverRefused('only https is allowed');
  if (url.username || url.password) throw new ReceiverRefused('credentials in the URL');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const literal = isIP(host);
  if (options.allowedHosts.length && !hostAllowed(host, options.allowedHosts)) throw new ReceiverRefused('host not in NOTIFY_WEBHOOK_ALLOWED_HOSTS');
  if (literal && !options.allowedHosts.includes(host)) throw new ReceiverRefused('an IP address as host (name it in NOTIFY_WEBHOOK_ALLOWED_HOSTS)');
  const addresses = literal ? [{ address: host, family: literal }] : await (options.resolve ?? systemResolver)(host);
  if (addresses.length === 0) throw new Error(`${host} resolved to no address`);
  // Every address must pass: a name with one public and one private record is refused, whichever a client would pick.
  for (const { address } of addresses) {
    const why = refusedAddress(address, options.allowLoopback);
    if (why) throw new ReceiverRefused(why);
  }
  const chosen = addresses[0]!;
  return { url, host, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}
