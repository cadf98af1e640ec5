import { BlockList, isIP } from 'node:net';

/**
 * Reads TRUST_PROXY: addresses and subnets (`10.0.0.0/8`, `::1`), comma-separated, of the reverse
 * proxies whose `X-Forwarded-For` the service believes. Throws, naming the entry, on anything else:
 * a typo must not quietly trust no one, or everyone.
 *
 * @example
 * trustedProxies('127.0.0.1, 10.0.0.0/8').check('10.1.2.3') // true
 */
export function trustedProxies(list: string): BlockList {
  const trusted = new BlockList();
  for (const entry of list.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const widest = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(prefix ?? '') && bits <= widest))) {
      throw new Error(`TRUST_PROXY must list IP addresses or subnets (10.0.0.0/8), comma-separated; ${JSON.stringify(entry)} is neither`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) trusted.addAddress(address, type);
    else trusted.addSubnet(address, bits, type);
  }
  return trusted;
}

// An IPv4 client reached over an IPv6 socket (`::ffff:203.0.113.7`) is that IPv4 client.
function plain(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client behind a request: the socket's peer, unless the peer is a trusted proxy; then the
 * `X-Forwarded-For` hops are read from the right (each proxy appends the address it saw), skipping
 * trusted proxies, and the first other address is the client. What a client writes into the header
 * itself stands left of what the proxies appended, so it is never reached while an untrusted hop
 * comes first; a peer that is not a trusted proxy is not read at all. A malformed hop ends the walk
 * at the trusted proxy that forwarded it.
 *
 * @example
 * forwardedClient('10.0.0.2', '198.51.100.9, 203.0.113.5', trustedProxies('10.0.0.0/8')) // '203.0.113.5'
 */
export function forwardedClient(peer: string, forwardedFor: string | undefined, trusted: BlockList): string {
  let client = plain(peer);
  if (forwardedFor === undefined || !isTrusted(trusted, client)) return client;
  const hops = forwardedFor.split(',').map((hop) => plain(hop.trim()));
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] ?? '';
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!isTrusted(trusted, hop)) return client;
  }
  return client;
}
