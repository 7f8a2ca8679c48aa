import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { permanent, transient } from '@crawlflow/contracts';
import ipaddr from 'ipaddr.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves every address of a host name (A and AAAA), like `dns.lookup(name, { all: true })`. */
export type ResolveFn = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: ResolveFn = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);
/** ipaddr.js ranges that embed an IPv4 address: judged as that IPv4 address. */
const V6_EMBEDDING_V4 = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4']);
const VETTED_TTL_MS = 30_000;
const VETTED_MAX = 1_000;

/**
 * Why an address must not be fetched (`loopback`, `private`, `linkLocal`, …), or undefined for a
 * public unicast address. IPv6 forms that carry an IPv4 address (::ffff:a.b.c.d, NAT64, 6to4) are
 * judged as that IPv4 address, so `::ffff:127.0.0.1` is loopback.
 */
export function addressProblem(text: string): string | undefined {
  let address: Address;
  try {
    address = ipaddr.parse(text.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return 'not an IP address';
  }
  const v4 = embeddedIpv4(address);
  if (v4) address = v4;
  const plain = address.toString();
  if (METADATA.has(plain)) return 'cloud metadata endpoint';
  const range = address.range();
  if (range !== 'unicast') return range;
  // ::a.b.c.d (deprecated IPv4-compatible) and ::/96 in general: no legitimate public use.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) {
    return 'IPv4-compatible IPv6';
  }
  return undefined;
}

function embeddedIpv4(address: Address): ipaddr.IPv4 | undefined {
  if (address.kind() !== 'ipv6') return undefined;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (!V6_EMBEDDING_V4.has(range)) return undefined;
  const p = v6.parts;
  const [hi, lo] = embeddedIpv4Start(v6) === 16 ? [p[1], p[2]] : [p[6], p[7]];
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** 6to4 (2002:AABB:CCDD::/48) carries the IPv4 address in bits 16..48; the others in the low 32 bits. */
function embeddedIpv4Start(v6: ipaddr.IPv6): 16 | 96 {
  return v6.range() === '6to4' ? 16 : 96;
}

/** Normalises a WHATWG hostname: no brackets, no trailing dot, lower case. */
export function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

interface AllowList {
  names: Set<string>;
  ranges: Array<[Address, number]>;
}

function parseAllowList(entries: readonly string[]): AllowList {
  const list: AllowList = { names: new Set(), ranges: [] };
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry.includes('/')) {
      list.ranges.push(cidrRange(ipaddr.parseCIDR(entry)));
    } else if (ipaddr.isValid(bareHost(entry))) {
      const address = normalise(ipaddr.parse(bareHost(entry)));
      list.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else {
      list.names.add(bareHost(entry));
    }
  }
  return list;
}

/**
 * The range an allow-list CIDR stands for. Embedded addresses are judged as their IPv4 address, so
 * a CIDR inside an embedding range becomes the IPv4 CIDR of the bits it pins there (at most 32:
 * 6to4 bits past 48 do not change the IPv4 address). One that pins none (2002::/16,
 * ::ffff:0:0/96, 64:ff9b::/64) or reaches past its range (2002::/15) stays an IPv6 range, which
 * only non-embedded IPv6 addresses can match: widening it to every IPv4 address would allow the
 * metadata endpoint and every private network to an entry that names none of them.
 */
function cidrRange([address, bits]: [Address, number]): [Address, number] {
  const v4 = embeddedIpv4(address);
  if (!v4) return [address, bits];
  const v4Bits = bits - embeddedIpv4Start(address as ipaddr.IPv6);
  return v4Bits > 0 ? [v4, Math.min(v4Bits, 32)] : [address, bits];
}

function normalise(address: Address): Address {
  return embeddedIpv4(address) ?? address;
}

/**
 * The SSRF guard: a URL may be fetched only when its host resolves to public unicast addresses
 * (every one of them: a name with one private record among public ones is refused), unless
 * FETCH_ALLOW_HOSTS lists the name, the address or a CIDR holding it.
 *
 * The addresses it vetted are the ones the connection uses: `connectLookup` is given to undici as
 * the socket's `lookup`, and answers from the vetted set (re-vetting when it has expired), so a DNS
 * answer that changes between the check and the dial (rebinding) cannot slip a private address in.
 * IP literals never reach `lookup`; they are vetted before the request is dispatched.
 */
export class SsrfGuard {
  private readonly allow: AllowList;
  private readonly vetted = new Map<string, { addresses: ResolvedAddress[]; expiresAt: number }>();

  constructor(
    allowHosts: readonly string[],
    private readonly resolve: ResolveFn = systemResolve,
  ) {
    this.allow = parseAllowList(allowHosts);
  }

  /** Throws a permanent `SSRF_BLOCKED` (or `UNSUPPORTED_SCHEME`) failure, or returns the addresses to dial. */
  async vetUrl(url: URL): Promise<ResolvedAddress[]> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw permanent(`refusing ${url.protocol} URL ${url.href}: only http and https`, 'UNSUPPORTED_SCHEME');
    }
    if (url.username || url.password) {
      throw permanent(`refusing URL with credentials: ${url.origin}`, 'UNSUPPORTED_URL');
    }
    return this.vetHost(url.hostname);
  }

  async vetHost(hostname: string): Promise<ResolvedAddress[]> {
    const host = bareHost(hostname);
    const cached = this.vetted.get(host);
    if (cached && cached.expiresAt > Date.now()) return cached.addresses;
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'DNS_ERROR';
        throw transient(`cannot resolve ${host}: ${code}`, code);
      }
      if (addresses.length === 0) throw transient(`${host} has no addresses`, 'ENOTFOUND');
    }
    if (!this.allow.names.has(host)) {
      for (const { address } of addresses) {
        if (this.addressAllowed(address)) continue;
        const problem = addressProblem(address);
        if (problem) {
          const via = literal ? '' : ` (${host} resolves to ${address})`;
          throw permanent(
            `refusing to fetch ${literal ? address : host}${via}: ${problem} address; ` +
              'list it in FETCH_ALLOW_HOSTS to allow it',
            'SSRF_BLOCKED',
          );
        }
      }
    }
    if (this.vetted.size >= VETTED_MAX) this.vetted.delete(this.vetted.keys().next().value as string);
    this.vetted.set(host, { addresses, expiresAt: Date.now() + VETTED_TTL_MS });
    return addresses;
  }

  /** A `net` lookup function answering only with vetted addresses (for undici's `connect`). */
  readonly connectLookup: LookupFunction = (hostname, options, callback) => {
    this.vetHost(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) {
          callback(
            Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }),
            '',
          );
        } else if (options.all) {
          callback(null, usable);
        } else {
          callback(null, usable[0].address, usable[0].family);
        }
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, ''),
    );
  };

  private addressAllowed(text: string): boolean {
    if (this.allow.ranges.length === 0) return false;
    const address = normalise(ipaddr.parse(text));
    return this.allow.ranges.some(
      ([range, bits]) => range.kind() === address.kind() && address.match(range, bits),
    );
  }
}
