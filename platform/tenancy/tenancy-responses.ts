import { z } from 'zod'
import { SECRET_KEY_SCOPES } from './tenancy-schemas.ts'

export const tenantResponse = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
})

export const secretKeyResponse = z.object({
  keyId: z.string(),
  tenantId: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SECRET_KEY_SCOPES)),
  displayPrefix: z.string(),
  createdAt: z.string(),
  revoked: z.boolean(),
})

export const issuedSecretKeyResponse = secretKeyResponse.extend({
  key: z.string().describe('The secret key. Shown once: store it now.'),
})

export const widgetKeyResponse = z.object({
  publicKey: z.string(),
  tenantId: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  allIntents: z.boolean(),
  intents: z.array(z.string()),
  createdAt: z.string(),
  revoked: z.boolean(),
})
