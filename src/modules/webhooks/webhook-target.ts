import dns from 'node:dns/promises';
import net from 'node:net';

/**
 * Where a webhook may send (SSRF guard). A URL must be http or https, and every address its host resolves
 * to must be public: loopback, private, shared (CGNAT), link-local (with the cloud metadata address
 * 169.254.169.254), multicast, reserved and unspecified addresses are refused, in IPv4 and IPv6, with the
 * IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address checked as IPv4. WEBHOOK_ALLOW_PRIVATE=1
 * lifts the address rule (not the scheme rule). The check runs when a webhook is saved and again at each
 * delivery, which then connects to the address it checked (DNS can change between the two: rebinding).
 */

const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const BLOCKED_V6: Array<[string, number]> = [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['100::', 64],
];

const blockedV4 = new net.BlockList();
for (const [address, prefix] of BLOCKED_V4) blockedV4.addSubnet(address, prefix, 'ipv4');
const blockedV6 = new net.BlockList();
for (const [address, prefix] of BLOCKED_V6) blockedV6.addSubnet(address, prefix, 'ipv6');

/** The 16 bytes of an IPv6 address (any notation Node accepts, including an embedded dotted quad). */
function v6Bytes(address: string): number[] {
  const socket = new net.SocketAddress({ address, family: 'ipv6' });
  let text = socket.address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = tail === null ? headParts : [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts];
  return groups.flatMap((g) => { const n = parseInt(g || '0', 16); return [n >> 8, n & 0xff]; });
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), or null. */
function embeddedV4(address: string): string | null {
  const b = v6Bytes(address);
  const v4 = (at: number) => b.slice(at, at + 4).join('.');
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0)) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  // IPv4-compatible (deprecated) ::a.b.c.d
  if (b.slice(0, 12).every((x) => x === 0) && !(b[12] === 0 && b[13] === 0 && b[14] === 0)) return v4(12);
  return null;
}

/** True when the address is loopback, private, link-local, metadata or otherwise not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blockedV4.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4) return blockedV4.check(v4, 'ipv4');
    return blockedV6.check(address, 'ipv6');
  }
  return true;
}

export type TargetProblem = 'url' | 'scheme' | 'unresolvable' | 'private';

export class WebhookTargetError extends Error {
  constructor(readonly problem: TargetProblem, message: string) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

export interface CheckedTarget {
  url: URL;
  /** The address to connect to: the one that was checked. */
  address: string;
  family: 4 | 6;
}

/** Parses and checks the URL's form only (scheme, host, no credentials): no DNS. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('url', 'The URL is not valid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetError('scheme', 'Only http and https URLs are allowed');
  if (!url.hostname) throw new WebhookTargetError('url', 'The URL has no host');
  if (url.username || url.password) throw new WebhookTargetError('url', 'The URL must not hold a user name or password');
  return url;
}

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

/**
 * Resolves the URL's host and checks every address; returns the first, to connect to. Refuses the whole
 * host when any of its addresses is private (a name that points both ways is a rebinding attempt).
 */
export async function checkWebhookTarget(raw: string, opts: { allowPrivate: boolean; resolve?: Resolver }): Promise<CheckedTarget> {
  const url = parseWebhookUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host);
    } catch {
      throw new WebhookTargetError('unresolvable', `The host ${host} could not be resolved`);
    }
  }
  if (addresses.length === 0) throw new WebhookTargetError('unresolvable', `The host ${host} could not be resolved`);
  if (!opts.allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) {
    throw new WebhookTargetError('private', 'The URL points to a loopback, private, link-local or metadata address (set WEBHOOK_ALLOW_PRIVATE=1 to allow it)');
  }
  const first = addresses[0];
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
