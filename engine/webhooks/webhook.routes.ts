import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import { collectionRoutes } from '../../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import {
  createEndpointInput,
  endpointId,
  endpointView,
  endpointWithSecret,
  rotateSecretInput,
  updateEndpointInput,
} from './endpoint-schemas.ts'
import type { EndpointService } from './endpoint-service.ts'
import {
  WEBHOOK_EVENT_TYPE_NAMES,
  WEBHOOK_EVENT_TYPES,
  webhookEventExample,
  webhookEventJsonSchema,
} from './webhook-event-types.ts'
import type { WebhookDeliveries } from './webhook-service.ts'

const security = [{ secretKey: [] }]
const tags = ['webhooks']
const params = z.object({ endpointId })
const messageId = z.string().min(1).max(128)
const time = z.iso.datetime({ offset: true }).describe('ISO 8601 time')

const attemptView = z.object({
  endpointId: z.string(),
  messageId: z.string().describe('The event id (webhook-id)'),
  eventType: z.string(),
  trigger: z.enum(['event', 'replay', 'test']),
  attempt: z.number().int().describe('1 for the first attempt of a delivery'),
  status: z
    .enum(['delivered', 'retrying', 'failed'])
    .describe('retrying: another attempt is due at nextAttemptAt; failed: no further attempt'),
  httpStatus: z.number().int().describe('0 when no answer came (timeout, network error, address refused)'),
  latencyMs: z.number().int(),
  error: z.string(),
  responseExcerpt: z.string().describe("The start of the endpoint's answer (at most 2 KiB)"),
  attemptedAt: z.string(),
  nextAttemptAt: z.string().optional(),
})
const attemptsQuery = z.strictObject({
  status: z.enum(['delivered', 'retrying', 'failed']).optional(),
  since: time.optional().describe('Attempts at or after this time'),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
})
const replayBody = z.union([
  z.strictObject({ messageId: messageId.describe('Send this event again') }),
  z.strictObject({
    since: time.describe('Send again every event whose delivery failed for good at or after this time'),
  }),
])

/** Webhook endpoints, their delivery log, replay and test events, under an admin key. Mounted under /v1/admin. */
export function webhookRoutes(
  endpoints: EndpointService,
  deliveries: WebhookDeliveries,
  tenancy: TenancyService,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    collectionRoutes(routes, {
      path: '/webhook-endpoints',
      id: { name: 'endpointId', schema: endpointId },
      tags,
      item: endpointView,
      listKey: 'endpoints',
      list: {
        summary: 'List webhook endpoints (never their secrets)',
        run: (tenantId) => endpoints.list(tenantId),
      },
      get: { summary: 'Read a webhook endpoint', run: (tenantId, id) => endpoints.get(tenantId, id) },
      update: {
        method: 'PATCH',
        summary:
          'Change a webhook endpoint: url, eventTypes, description, enabled (true re-enables a disabled one)',
        body: updateEndpointInput,
        run: (tenantId, id, body) => endpoints.update(tenantId, id, body),
      },
      remove: {
        summary: 'Delete a webhook endpoint (its queued deliveries are dropped)',
        run: (tenantId, id) => endpoints.delete(tenantId, id),
      },
    })

    routes.post(
      '/webhook-endpoints',
      {
        schema: {
          tags,
          security,
          summary: 'Create a webhook endpoint; the answer carries its whsec_ signing secret, shown only once',
          body: createEndpointInput,
          response: { 201: endpointWithSecret },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await endpoints.create(tenantOf(request), request.body)),
    )

    routes.post(
      '/webhook-endpoints/:endpointId/rotate-secret',
      {
        schema: {
          tags,
          security,
          summary:
            'Rotate the signing secret: the new one is shown once; the old one keeps signing for overlapSeconds',
          params,
          body: rotateSecretInput,
          response: { 200: endpointWithSecret },
        },
      },
      async (request) =>
        endpoints.rotateSecret(tenantOf(request), request.params.endpointId, request.body.overlapSeconds),
    )

    routes.post(
      '/webhook-endpoints/:endpointId/test',
      {
        schema: {
          tags,
          security,
          summary: 'Send a webhook.test event to the endpoint (queued; follow it in the delivery log)',
          params,
          response: { 202: z.object({ messageId: z.string() }) },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await deliveries.sendTest(tenantOf(request), request.params.endpointId)),
    )

    routes.get(
      '/webhook-endpoints/:endpointId/attempts',
      {
        schema: {
          tags,
          security,
          summary: "The endpoint's delivery log: every attempt, newest first (kept 30 days)",
          params,
          querystring: attemptsQuery,
          response: { 200: z.object({ attempts: z.array(attemptView) }) },
        },
      },
      async (request) => ({
        attempts: await deliveries.attempts(tenantOf(request), {
          endpointId: request.params.endpointId,
          ...filterOf(request.query),
        }),
      }),
    )

    routes.post(
      '/webhook-endpoints/:endpointId/replay',
      {
        schema: {
          tags,
          security,
          summary: 'Send again one event ({ messageId }) or every event that failed since a time ({ since })',
          params,
          body: replayBody,
          response: { 202: z.object({ messageIds: z.array(z.string()) }) },
        },
      },
      async (request, reply) => {
        const tenantId = tenantOf(request)
        const { body } = request
        const messageIds =
          'messageId' in body
            ? await deliveries.replayMessage(tenantId, request.params.endpointId, body.messageId)
            : await deliveries.replayFailed(tenantId, request.params.endpointId, Date.parse(body.since))
        return reply.status(202).send({ messageIds })
      },
    )

    routes.get(
      '/webhook-messages/:messageId/attempts',
      {
        schema: {
          tags,
          security,
          summary: "One event's delivery log across endpoints, newest first",
          params: z.object({ messageId }),
          querystring: attemptsQuery,
          response: { 200: z.object({ attempts: z.array(attemptView) }) },
        },
      },
      async (request) => ({
        attempts: await deliveries.attempts(tenantOf(request), {
          messageId: request.params.messageId,
          ...filterOf(request.query),
        }),
      }),
    )

    routes.get(
      '/webhook-event-types',
      {
        schema: {
          tags,
          security,
          summary: 'Every webhook event type with its payload version, JSON Schema and an example body',
          response: {
            200: z.object({
              eventTypes: z.array(
                z.object({
                  type: z.string(),
                  version: z.number().int(),
                  description: z.string(),
                  schema: z.record(z.string(), z.unknown()),
                  example: z.record(z.string(), z.unknown()),
                }),
              ),
            }),
          },
        },
      },
      async () => ({
        eventTypes: WEBHOOK_EVENT_TYPE_NAMES.map((type) => ({
          type,
          version: WEBHOOK_EVENT_TYPES[type].version,
          description: WEBHOOK_EVENT_TYPES[type].meaning,
          schema: webhookEventJsonSchema(type),
          example: webhookEventExample(type) as unknown as Record<string, unknown>,
        })),
      }),
    )
  }
}

function filterOf(query: z.output<typeof attemptsQuery>) {
  return {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.since ? { sinceMs: Date.parse(query.since) } : {}),
  }
}
