import { promises as dns, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * Outbound calls to tenant-supplied URLs (report delivery) must not reach loopback, private, link-local
 * or reserved addresses unless the operator allows it: resolve once, check every address, then pin
 * the socket to the checked addresses so a DNS answer that changes in between (rebinding) is never used.
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
  // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
  return ipaddr.process(address).range() === 'unicast'
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
