import { z } from 'zod'
import { normaliseAllowedOrigin } from './origins.ts'

export const SECRET_KEY_SCOPES = ['engine', 'admin', 'mcp', 'analyst'] as const
export type SecretKeyScope = (typeof SECRET_KEY_SCOPES)[number]

export const tenantSlug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,62}$/,
    'expected 2-63 lowercase letters, digits or dashes, starting with a letter or digit',
  )

export const intentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'expected 1-64 lowercase letters, digits, dot, dash or underscore')

const allowedOrigin = z.string().transform((value, context) => {
  const origin = normaliseAllowedOrigin(value)
  if (origin === undefined) {
    context.addIssue({
      code: 'custom',
      message: `"${value}" is not an origin: expected scheme://host[:port], or https://*.domain for subdomains`,
    })
    return z.NEVER
  }
  return origin
})

export const createTenantInput = z.object({
  slug: tenantSlug,
  name: z.string().trim().min(1).max(200).optional(),
})

export const createSecretKeyInput = z.object({
  name: z.string().trim().min(1).max(200).default('secret key'),
  scopes: z.array(z.enum(SECRET_KEY_SCOPES)).min(1).max(SECRET_KEY_SCOPES.length),
})

export const createWidgetKeyInput = z
  .object({
    name: z.string().trim().min(1).max(200).default('widget key'),
    allowedOrigins: z.array(allowedOrigin).min(1, 'at least one allowed origin is required').max(100),
    intents: z.array(intentName).max(500).default([]),
    allIntents: z.boolean().default(false),
  })
  .refine((input) => input.allIntents !== input.intents.length > 0, {
    message: 'give either a list of intents or allIntents: true, not both and not neither',
    path: ['intents'],
  })

export type CreateTenantInput = z.input<typeof createTenantInput>
export type CreateSecretKeyInput = z.input<typeof createSecretKeyInput>
export type CreateWidgetKeyInput = z.input<typeof createWidgetKeyInput>
