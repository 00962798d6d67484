/**
 * Widget keys list the origins a browser may call from: exact `scheme://host[:port]`, or a subdomain
 * wildcard `https://*.shop.com` written out on purpose. Matching compares normalised origins, so
 * `https://shop.com:443` and `https://shop.com` are the same origin.
 */
const WILDCARD = /^(https?):\/\/\*\.([a-z0-9-]+(\.[a-z0-9-]+)+)(:\d{1,5})?$/

export function normaliseAllowedOrigin(input: string): string | undefined {
  const trimmed = input.trim().toLowerCase()
  const wildcard = WILDCARD.exec(trimmed)
  if (wildcard) {
    const exact = normaliseOrigin(`${wildcard[1]}://${wildcard[2]}${wildcard[4] ?? ''}`)
    return exact?.replace('://', '://*.')
  }
  return normaliseOrigin(trimmed)
}

const ORIGIN = /^https?:\/\/([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(:\d{1,5})?\/?$/

export function normaliseOrigin(input: string): string | undefined {
  const lowered = input.trim().toLowerCase()
  if (!ORIGIN.test(lowered)) return undefined
  try {
    return new URL(lowered).origin
  } catch {
    return undefined
  }
}

export function isOriginAllowed(
  allowedOrigins: readonly string[],
  requestOrigin: string | undefined,
): boolean {
  if (requestOrigin === undefined) return false
  const origin = normaliseOrigin(requestOrigin)
  if (origin === undefined) return false
  return allowedOrigins.some((allowed) => {
    if (!allowed.includes('://*.')) return allowed === origin
    const [scheme, rest] = allowed.split('://*.') as [string, string]
    const { protocol, host } = new URL(origin)
    return protocol === `${scheme}:` && host.endsWith(`.${rest}`)
  })
}
