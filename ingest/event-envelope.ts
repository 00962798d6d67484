import { z } from 'zod'
import { describeJsonProblem } from '../platform/http/bounded-json.ts'
import { intentName } from '../platform/tenancy/tenancy-schemas.ts'

/** The fields an event may carry, each with its schema, and how their problems read. */

export const PROPS_LIMITS = { maxKeys: 50, maxDepth: 4, maxBytes: 8192 } as const
// Keeps value * 1e6 far inside Number.MAX_SAFE_INTEGER, so the stored integer micros are exact.
const MAX_ABS_VALUE = 1e9

/** A problem with one field of an event, by its path (`props.quantity`); empty for the event itself. */
export interface FieldError {
  path: string
  reason: string
}

const identifier = z
  .string()
  .min(1, 'expected 1-128 characters')
  .max(128, 'expected 1-128 characters')
  .regex(/^\P{Cc}+$/u, 'must not contain control characters')

const absoluteUrl = z
  .string()
  .max(2048, 'expected at most 2048 characters')
  .refine(isHttpUrl, 'expected an absolute http(s) URL')

const TIMESTAMP_FORMATS =
  'expected an ISO 8601 date-time with a timezone (2024-05-01T10:00:00.000Z) or epoch milliseconds'
export const timestamp = z
  .union([z.iso.datetime({ offset: true, error: TIMESTAMP_FORMATS }), z.number()], {
    error: TIMESTAMP_FORMATS,
  })
  .transform((value) => (typeof value === 'number' ? Math.round(value) : Date.parse(value)))

const props = z
  .custom<Record<string, unknown>>(isPlainObject, 'props must be a JSON object')
  .superRefine((value, context) => {
    const reason = describePropsProblem(value)
    if (reason) context.addIssue({ code: 'custom', message: reason })
  })

/** Validators of the well-known props that some event types require or accept (see EVENT_TYPE_RULES). */
export const PROP_FIELDS = {
  question_id: identifier,
  question_text: z.string().max(1000, 'expected at most 1000 characters'),
  form_id: identifier,
  product_id: identifier,
  order_id: identifier,
  quantity: z.number().int('expected a positive integer').positive('expected a positive integer'),
} satisfies Record<string, z.ZodType>

export const eventEnvelope = z.strictObject({
  event_id: z
    .guid('expected a UUID (8-4-4-4-12 hex digits)')
    .transform((id) => id.toLowerCase())
    .optional(),
  type: z.string(),
  ts: timestamp,
  anonymous_id: identifier.optional(),
  session_id: identifier.optional(),
  chat_session_id: identifier.optional(),
  execution_id: identifier.optional(),
  intent: intentName.optional(),
  flow_id: identifier.optional(),
  flow_version: z.number().int('expected an integer from 0').min(0).max(4_294_967_295).optional(),
  block_id: identifier.optional(),
  customer_id: identifier.optional(),
  url: absoluteUrl.optional(),
  // `document.referrer` is '' when there is none; sending it as is must not cost the whole batch.
  referrer: z.union([z.literal(''), absoluteUrl]).optional(),
  props: props.optional(),
  value: z
    .number()
    .refine(
      (value) => Math.abs(value) <= MAX_ABS_VALUE,
      `expected at most ${MAX_ABS_VALUE} in absolute value`,
    )
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code: 3 uppercase letters, e.g. EUR')
    .optional(),
})

export const EVENT_FIELDS = Object.keys(eventEnvelope.shape) as ReadonlyArray<
  keyof typeof eventEnvelope.shape
>

/** An envelope schema issue as field errors; an unknown-fields issue becomes one error per field. */
export function describeEnvelopeIssue(issue: z.core.$ZodIssue): FieldError[] {
  const path = formatPath(issue.path)
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      reason: `unknown field "${key}": an event has only ${EVENT_FIELDS.join(', ')} (put custom data in props)`,
    }))
  }
  return [{ path, reason: issue.message }]
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`
    return text ? `${text}.${String(key)}` : String(key)
  }, '')
}

function describePropsProblem(props: Record<string, unknown>): string | undefined {
  return describeJsonProblem(props, PROPS_LIMITS, 'props')?.message
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}
