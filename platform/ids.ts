import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { v5 } from 'uuid'

export const newId = (): string => randomUUID()

/** The namespace of Comerix's name-based ids (a fixed random UUID). */
const COMERIX_NAMESPACE = '4f2b8c1e-7d3a-4e59-9b6f-0a8e2c5d7f13'

/**
 * A UUID fixed by its parts (RFC 9562 version 5): the same parts always give the same id, so a resend,
 * a re-run or a race produces one record wherever ids deduplicate.
 */
export const nameBasedId = (...parts: (string | number)[]): string =>
  v5(parts.join('\u0000'), COMERIX_NAMESPACE)

/** URL-safe random token with a readable prefix (`sk_`, `pk_`, ...). */
export const newToken = (prefix: string, bytes = 24): string =>
  `${prefix}${randomBytes(bytes).toString('base64url')}`

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex')
