import { promises as dns, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Outbound calls to tenant-supplied URLs (connections, report delivery) must not reach loopback,
 * private, link-local or reserved addresses unless the operator allows it, nor an IPv6 address that
 * embeds one: resolve once, check every address, then pin the socket to the checked addresses so a DNS
 * answer that changes in between (rebinding) is never used.
 */
export interface AddressPolicy {
  allowPrivateNetworks: boolean
  /** Name resolution; tests swap it to resolve made-up hosts. */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>
}

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError'
}

/** True for addresses a tenant may reach: global unicast only. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  const parsed = ipaddr.parse(address)
  if (parsed instanceof ipaddr.IPv4) return parsed.range() === 'unicast'
  const embedded = embeddedIPv4(parsed)
  if (embedded === 'refused') return false
  if (embedded.length > 0) return embedded.every((v4) => v4.range() === 'unicast')
  return parsed.range() === 'unicast'
}

/**
 * The IPv4 addresses an IPv6 address carries, for the forms that deliver to them (a kernel tunnel,
 * a NAT64 gateway, a 6to4 or Teredo relay). Each must be public for the IPv6 address to be: this is
 * what keeps `[::127.0.0.1]` or `[64:ff9b::a9fe:a9fe]` from reaching loopback or cloud metadata.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] | 'refused' {
  const p = address.parts
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])
  const zero = (from: number, to: number) => p.slice(from, to).every((part) => part === 0)
  const at = (i: number) => p[i] ?? 0
  // ::a.b.c.d (IPv4-compatible; also :: and ::1, which then read as 0.0.0.x), ::ffff:a.b.c.d (mapped),
  // ::ffff:0:a.b.c.d (translated, RFC 6145), 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052).
  if (
    zero(0, 6) ||
    (zero(0, 5) && at(5) === 0xffff) ||
    (zero(0, 4) && at(4) === 0xffff && at(5) === 0) ||
    (at(0) === 0x64 && at(1) === 0xff9b && zero(2, 6))
  )
    return [v4(at(6), at(7))]
  // 64:ff9b:1::/48 (RFC 8215) is for local NAT64 set-ups whose v4 position depends on their prefix
  // length: nothing public lives there.
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 1) return 'refused'
  // 6to4 (2002::/16): the v4 address is bits 16-47.
  if (at(0) === 0x2002) return [v4(at(1), at(2))]
  // Teredo (2001::/32): the server's v4 address, then the client's with every bit flipped.
  if (at(0) === 0x2001 && at(1) === 0) return [v4(at(2), at(3)), v4(~at(6) & 0xffff, ~at(7) & 0xffff)]
  // ISATAP: any prefix, interface id 0000:5efe or 0200:5efe (either u/g bit) then the v4 address.
  if ((at(4) & 0xfcff) === 0 && at(5) === 0x5efe) {
    if (address.range() !== 'unicast') return 'refused'
    return [v4(at(6), at(7))]
  }
  return []
}

/** The URL's host without brackets, and whether it is an IP literal that policy refuses outright. */
export function blockedLiteral(url: URL, policy: Pick<AddressPolicy, 'allowPrivateNetworks'>): boolean {
  const host = bareHost(url.hostname)
  return !policy.allowPrivateNetworks && isIP(host) !== 0 && !isPublicAddress(host)
}

/** Resolves `hostname` and checks every address; throws BlockedAddressError when policy refuses one. */
export async function resolveAllowedAddresses(
  hostname: string,
  policy: AddressPolicy,
): Promise<LookupAddress[]> {
  const host = bareHost(hostname)
  const addresses =
    isIP(host) !== 0
      ? [{ address: host, family: isIP(host) }]
      : await (policy.resolveHost ?? ((name) => dns.lookup(name, { all: true })))(host)
  if (addresses.length === 0) throw new Error(`${host} has no addresses`)
  if (!policy.allowPrivateNetworks) {
    const refused = addresses.find(({ address }) => !isPublicAddress(address))
    if (refused)
      throw new BlockedAddressError(
        `${host} resolves to ${refused.address}, a private, loopback or reserved address`,
      )
  }
  return addresses
}

/** Answers every lookup with the addresses already checked, whatever DNS would say now. */
export function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0
    const matching = addresses.filter(({ family }) => wanted === 0 || family === wanted)
    const first = matching[0]
    if (first === undefined) {
      const error: NodeJS.ErrnoException = new Error('no checked address of the requested family')
      error.code = 'ENOTFOUND'
      callback(error, '', 0)
      return
    }
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, matching)
    else callback(null, first.address, first.family)
  }
}

const bareHost = (hostname: string): string => (hostname.startsWith('[') ? hostname.slice(1, -1) : hostname)
