import { z } from 'zod'

const microsPerMTok = z
  .number()
  .int()
  .min(0)
  .max(1_000_000_000_000)
  .describe('USD micros per million tokens: $0.15 per 1M tokens is 150000')

export const modelPattern = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}\*?$/,
    'expected a model name, or a prefix followed by a single trailing "*" (e.g. gpt-4o-mini*)',
  )

export const createPriceInput = z.strictObject({
  modelPattern: modelPattern.describe('An exact model name, or a prefix glob such as gpt-4o-mini-2*'),
  inputMicrosPerMTok: microsPerMTok,
  cachedInputMicrosPerMTok: microsPerMTok
    .optional()
    .describe('Price of prompt tokens served from the provider cache; defaults to the input price'),
  outputMicrosPerMTok: microsPerMTok,
  currency: z.literal('USD').default('USD'),
  effectiveFrom: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('When this price starts to apply (ISO 8601); defaults to now. May lie in the past.'),
  note: z.string().max(500).default(''),
})

export type CreatePriceInput = z.input<typeof createPriceInput>

export const priceResponse = z.object({
  priceId: z.string(),
  scope: z.enum(['tenant', 'global']),
  modelPattern: z.string(),
  inputMicrosPerMTok: z.number(),
  cachedInputMicrosPerMTok: z.number(),
  outputMicrosPerMTok: z.number(),
  currency: z.literal('USD'),
  effectiveFrom: z.string(),
  note: z.string(),
  createdAt: z.string(),
})

export type PriceView = z.output<typeof priceResponse>
