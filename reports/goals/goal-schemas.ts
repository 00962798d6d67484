import { z } from 'zod'

export const FILTER_OPS = ['eq', 'neq', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists'] as const
const NUMERIC_OPS: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte'])

const propertyFilter = z
  .strictObject({
    property: z
      .string()
      .regex(/^[A-Za-z0-9_.$-]{1,64}$/, 'expected a top-level props key: 1-64 letters, digits, _ . $ -'),
    op: z.enum(FILTER_OPS).describe('eq/neq compare as text; gt/gte/lt/lte as numbers; exists ignores value'),
    value: z.string().max(500).default(''),
  })
  .refine(
    (filter) =>
      !NUMERIC_OPS.has(filter.op) || (Number.isFinite(Number(filter.value)) && filter.value.trim() !== ''),
    {
      message: 'gt, gte, lt and lte compare numbers: give a numeric value',
      path: ['value'],
    },
  )

const urlPattern = z
  .string()
  .min(1)
  .max(500)
  .describe(
    '`*` matches anything; a pattern starting with http:// or https:// matches the full URL, else the path',
  )

const name = z.string().trim().min(1).max(100)

export const goalInput = z.discriminatedUnion('kind', [
  z.strictObject({
    name,
    kind: z.literal('event'),
    eventType: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,127}$/, 'expected an event type such as page.viewed or goal.signup')
      .refine((type) => type !== 'conversion', 'use kind "conversion" for backend conversions'),
    propertyFilters: z.array(propertyFilter).max(20).default([]),
    urlPatterns: z.array(urlPattern).max(20).default([]),
  }),
  z.strictObject({
    name,
    kind: z.literal('conversion'),
    minValue: z
      .number()
      .min(0)
      .max(1e9)
      .optional()
      .describe('Only sales of at least this value (currency units)'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code')
      .optional()
      .describe('Only sales in this currency'),
  }),
])
export type GoalInput = z.input<typeof goalInput>
export type ParsedGoal = z.output<typeof goalInput>

export const goalResponse = z.object({
  goalId: z.string(),
  name: z.string(),
  kind: z.enum(['event', 'conversion']),
  eventType: z.string().optional(),
  propertyFilters: z.array(z.object({ property: z.string(), op: z.string(), value: z.string() })).optional(),
  urlPatterns: z.array(z.string()).optional(),
  minValue: z.number().optional(),
  currency: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type GoalView = z.output<typeof goalResponse>

/** `*` -> LIKE's `%`; LIKE's own `%`, `_` and `\` are escaped so they match literally. */
export function globToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (char) => `\\${char}`).replaceAll('*', '%')
}
