import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Expiring download links: `/v1/reports/artifacts/<id>?expires=<unix s>&signature=<base64url HMAC>`.
 * Each artifact has its own random key, stored with it, so a link needs no shared server secret and
 * one artifact's key cannot sign a link to another.
 */
export const newLinkKey = (): string => randomBytes(32).toString('base64url')

export function artifactPath(linkKey: string, artifactId: string, expiresSeconds: number): string {
  const query = new URLSearchParams({
    expires: String(expiresSeconds),
    signature: sign(linkKey, artifactId, expiresSeconds),
  })
  return `/v1/reports/artifacts/${artifactId}?${query}`
}

export type LinkCheck = 'valid' | 'invalid' | 'expired'

/** The signature is checked first, so an expiry is only ever reported for a genuine link. */
export function checkArtifactLink(
  linkKey: string,
  artifactId: string,
  expiresSeconds: number,
  signature: string,
  nowMs: number,
): LinkCheck {
  const expected = Buffer.from(sign(linkKey, artifactId, expiresSeconds))
  const actual = Buffer.from(signature)
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'invalid'
  return nowMs >= expiresSeconds * 1000 ? 'expired' : 'valid'
}

function sign(linkKey: string, artifactId: string, expiresSeconds: number): string {
  return createHmac('sha256', linkKey).update(`${artifactId}.${expiresSeconds}`).digest('base64url')
}
