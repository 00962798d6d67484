import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), the one implementation every outbound
 * signed POST uses (report delivery, chat webhooks): the secret is `whsec_` + base64 key bytes; each
 * request carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, one space-separated
 * `v1,` entry per secret while a rotated secret is still honoured.
 */
export const SECRET_PREFIX = 'whsec_'

export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`
}

export interface SignatureHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/** Signs with every secret given (the current one first), so a receiver holding either verifies. */
export function signWebhook(
  secrets: string | readonly string[],
  id: string,
  timestampSeconds: number,
  body: Buffer,
): SignatureHeaders {
  const keys = typeof secrets === 'string' ? [secrets] : secrets
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': keys
      .map((secret) => `v1,${hmac(secret, id, String(timestampSeconds), body)}`)
      .join(' '),
  }
}

/**
 * What a receiver does: true when one of the space-separated `v1,` signatures matches and the
 * timestamp is within `toleranceSeconds` of `nowSeconds` (replay protection).
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false
  const expected = Buffer.from(hmac(secret, id, timestamp, body))
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2)
    const actual = Buffer.from(signature ?? '')
    return version === 'v1' && actual.length === expected.length && timingSafeEqual(actual, expected)
  })
}

function hmac(secret: string, id: string, timestamp: string, body: Buffer): string {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  )
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')
}
