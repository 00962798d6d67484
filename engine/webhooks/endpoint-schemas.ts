import { z } from 'zod'
import { filterProblem } from './event-filter.ts'

export const endpointId = z.uuid().describe('The endpoint id')

/** http(s) only, no credentials or fragment (a query string is kept: some receivers route on it). */
export const endpointUrl = z
  .string()
  .max(2_000)
  .refine((value) => {
    try {
      const url = new URL(value)
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.hash
      )
    } catch {
      return false
    }
  }, 'expected an absolute http:// or https:// URL without credentials or fragment')

const eventTypeFilter = z
  .string()
  .max(100)
  .superRefine((filter, context) => {
    const problem = filterProblem(filter)
    if (problem) context.addIssue({ code: 'custom', message: problem })
  })

export const eventTypeFilters = z
  .array(eventTypeFilter)
  .min(1)
  .max(50)
  .describe('Exact event types (chat.execution.updated) and prefix wildcards (chat.execution.*)')

export const createEndpointInput = z.strictObject({
  url: endpointUrl,
  eventTypes: eventTypeFilters,
  description: z.string().max(500).default(''),
  enabled: z.boolean().default(true),
})
export type CreateEndpointInput = z.input<typeof createEndpointInput>

export const updateEndpointInput = z.strictObject({
  url: endpointUrl.optional(),
  eventTypes: eventTypeFilters.optional(),
  description: z.string().max(500).optional(),
  enabled: z
    .boolean()
    .optional()
    .describe('false pauses deliveries (queued ones fail as "endpoint disabled"); true re-enables'),
})
export type UpdateEndpointInput = z.input<typeof updateEndpointInput>

export const rotateSecretInput = z
  .strictObject({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(604_800)
      .default(86_400)
      .describe('How long the previous secret keeps signing beside the new one (default a day)'),
  })
  .default({ overlapSeconds: 86_400 })

export const endpointView = z.object({
  endpointId: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z
    .enum(['manual', 'gone', 'failing'])
    .optional()
    .describe('manual (PATCH enabled=false), gone (the endpoint answered 410), failing (failed for days)'),
  disabledAt: z.string().optional(),
  previousSecretExpiresAt: z
    .string()
    .optional()
    .describe('While a rotation overlaps: until when the previous secret also signs'),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type EndpointView = z.infer<typeof endpointView>

export const endpointWithSecret = endpointView.extend({
  secret: z.string().describe('The whsec_ signing secret: shown only now'),
})
export type EndpointWithSecret = z.infer<typeof endpointWithSecret>
