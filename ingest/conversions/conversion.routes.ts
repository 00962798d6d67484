import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import type { Idempotency } from '../../platform/http/idempotency.ts'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import type { EventPublisher } from '../event-publisher.ts'
import { conversionRow } from './conversion-row.ts'
import { conversionBody, occurredAtProblem } from './conversion-schema.ts'
import type { EmailHasher } from './email-hasher.ts'

export interface ConversionRoutesDeps {
  tenancy: TenancyService
  publisher: EventPublisher
  idempotency: Idempotency
  emailHasher: EmailHasher
}

const accepted = z.object({
  conversionId: z.string(),
  eventId: z.string().describe('The stored event; the same for every resend of this conversionId'),
})

/** `POST /v1/engine/conversions`: sales (and refunds) the shop's backend reports, under an `engine` key. */
export function conversionRoutes(deps: ConversionRoutesDeps): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(deps.tenancy, 'engine'))

    routes.post(
      '/v1/engine/conversions',
      {
        schema: {
          tags: ['engine'],
          summary: 'Report a sale or a refund (negative value, original orderId) completed after the chat',
          description:
            'Answers 202 once the conversion is durably appended. Idempotent: a conversionId is recorded once however often it is sent, and an Idempotency-Key replays the first answer (another body with the same key: 422; while the first is running: 409).',
          security: [{ secretKey: [] }],
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: conversionBody,
          response: { 202: accepted },
        },
      },
      async (request, reply) => {
        const { tenantId } = principalOf(request)
        const body = request.body
        const answer = await deps.idempotency.run(
          `conversion:${tenantId}`,
          request.headers['idempotency-key'],
          body,
          async () => {
            const now = Date.now()
            const problem = occurredAtProblem(body.occurredAt, now)
            if (problem) {
              throw new AppError('validation_failed', problem, {
                fields: [{ field: 'occurredAt', message: problem }],
              })
            }
            const row = conversionRow(body, {
              tenantId,
              receivedAt: now,
              emailHash: (email) => deps.emailHasher.hash(tenantId, email),
            })
            await deps.publisher.publish([row])
            return { conversionId: body.conversionId, eventId: row.event_id }
          },
        )
        return reply.status(202).send(answer)
      },
    )
  }
}
