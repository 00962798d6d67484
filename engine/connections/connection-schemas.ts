import { z } from 'zod'

export const connectionName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'expected 1-64 lowercase letters, digits, dash or underscore, starting with a letter or digit',
  )

/** http(s) only, no credentials, query or fragment; stored without a trailing slash. */
export const baseUrl = z
  .string()
  .max(2_000)
  .transform((value, context) => {
    const problem = (message: string) => {
      context.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    let url: URL
    try {
      url = new URL(value)
    } catch {
      return problem(`"${value}" is not an absolute URL`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return problem('expected an http:// or https:// URL')
    if (url.username || url.password) return problem('put credentials in auth, not in the URL')
    if (url.search || value.includes('?'))
      return problem('a base URL has no query string; put it in the node path')
    if (url.hash || value.includes('#')) return problem('a base URL has no fragment')
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
  })

// Headers the call sets itself or that change how the message is framed.
const RESERVED_HEADERS = new Set([
  'accept',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'expected an HTTP header name')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'this header is set by Comerix itself')

// Visible ASCII and spaces, no CR/LF: a header value cannot smuggle another header.
const secretValue = z
  .string()
  .min(1)
  .max(4_096)
  .regex(/^[\x20-\x7e]+$/, 'expected printable ASCII characters')

export const connectionAuth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('bearer'),
    token: secretValue.describe('Sent as Authorization: Bearer <token>'),
  }),
  z.strictObject({
    kind: z.literal('header'),
    name: headerName.describe('Header name, e.g. X-Api-Key'),
    value: secretValue,
  }),
])

export const connectionTimeoutMs = z.number().int().min(100).max(60_000)

export const createConnectionInput = z.strictObject({
  name: connectionName,
  baseUrl,
  auth: connectionAuth.default({ kind: 'none' }),
  timeoutMs: connectionTimeoutMs.default(10_000),
})

/** Fields left out keep their value; `auth`, when given, replaces the auth and its secret whole. */
export const updateConnectionInput = z
  .strictObject({
    baseUrl: baseUrl.optional(),
    auth: connectionAuth.optional(),
    timeoutMs: connectionTimeoutMs.optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'nothing to update')

export type ConnectionAuth = z.output<typeof connectionAuth>
export type AuthKind = ConnectionAuth['kind']
export type CreateConnectionInput = z.input<typeof createConnectionInput>
export type UpdateConnectionInput = z.input<typeof updateConnectionInput>

/** What the admin API shows: never the secret, only whether one is stored. */
export const connectionResponse = z.object({
  name: z.string(),
  baseUrl: z.string(),
  auth: z.object({
    kind: z.enum(['none', 'bearer', 'header']),
    headerName: z.string().optional(),
  }),
  hasSecret: z.boolean(),
  timeoutMs: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export type ConnectionView = z.output<typeof connectionResponse>
