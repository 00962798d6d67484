import { createHash, randomBytes, randomUUID } from 'node:crypto'

export const newId = (): string => randomUUID()

/** URL-safe random token with a readable prefix (`sk_`, `pk_`, ...). */
export const newToken = (prefix: string, bytes = 24): string =>
  `${prefix}${randomBytes(bytes).toString('base64url')}`

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex')
