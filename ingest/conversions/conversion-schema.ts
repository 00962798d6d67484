import { z } from 'zod'
import { looksLikeSessionToken, SESSION_TOKEN_REFUSAL } from '../chat-session-id.ts'

// Keeps value * 1e6 far inside Number.MAX_SAFE_INTEGER, so the stored integer micros are exact.
const MAX_ABS_VALUE = 1e9
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000
/** Refunds and late reports may arrive long after the sale, but not past the events table's 25-month TTL. */
export const MAX_CONVERSION_AGE_DAYS = 730

const identifier = z
  .string()
  .min(1, 'expected 1-128 characters')
  .max(128, 'expected 1-128 characters')
  .regex(/^\P{Cc}+$/u, 'must not contain control characters')

const money = z
  .number()
  .refine((value) => Math.abs(value) <= MAX_ABS_VALUE, `expected at most ${MAX_ABS_VALUE} in absolute value`)

const occurredAt = z
  .union([
    z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a timezone' }),
    z.number().int(),
  ])
  .transform((value) => (typeof value === 'number' ? value : Date.parse(value)))
  .describe('When the sale (or refund) happened: ISO 8601 with a timezone, or epoch milliseconds')

const lineItem = z.strictObject({
  productId: identifier,
  quantity: z.number().int().positive(),
  value: money.describe('Line total in currency units'),
})

export const conversionBody = z.strictObject({
  conversionId: identifier.describe('Your id for this conversion; a conversion is recorded once per id'),
  occurredAt,
  value: money.describe('Order total in currency units; negative for a refund of `orderId`'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code: 3 uppercase letters, e.g. EUR'),
  orderId: identifier.describe(
    'The order; a widget `purchase` beacon with the same order_id is not counted again',
  ),
  chatSessionId: identifier
    .refine((value) => !looksLikeSessionToken(value), SESSION_TOKEN_REFUSAL)
    .optional()
    .describe('The sessionId answered by POST /v1/chat/sessions (never the sessionToken)'),
  customerId: identifier.optional(),
  anonymousId: identifier.optional(),
  email: z
    .string()
    .max(254)
    .transform((value) => value.trim().toLowerCase())
    .pipe(z.email('expected an e-mail address'))
    .optional()
    .describe('Hashed with a per-tenant key on intake; the address itself is never stored'),
  lineItems: z.array(lineItem).max(200).default([]),
})
export type ConversionBody = z.output<typeof conversionBody>

/** The ts rules of the events table, relative to `now`: not in the future, not past the retention. */
export function occurredAtProblem(occurredAtMs: number, now: number): string | undefined {
  if (occurredAtMs > now + MAX_FUTURE_MS) return 'occurredAt is more than 24 hours in the future'
  if (occurredAtMs < now - MAX_CONVERSION_AGE_DAYS * 86_400_000)
    return `occurredAt is more than ${MAX_CONVERSION_AGE_DAYS} days old`
  return undefined
}
