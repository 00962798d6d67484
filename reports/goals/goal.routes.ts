import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { goalInput, goalResponse } from './goal-schemas.ts'
import type { GoalService } from './goal-service.ts'

const security = [{ secretKey: [] }]
const tags = ['goals']
const params = z.object({ goalId: z.string().min(1).max(64) })

/** A tenant's goals, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function goalRoutes(goals: GoalService, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    routes.post(
      '/goals',
      {
        schema: {
          tags,
          summary: 'Define a goal: an event rule (type, property filters, URL patterns) or a conversion rule',
          security,
          body: goalInput,
          response: { 201: goalResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await goals.create(principalOf(request).tenantId, request.body)),
    )

    routes.get(
      '/goals',
      {
        schema: {
          tags,
          summary: 'List goals',
          security,
          response: { 200: z.object({ goals: z.array(goalResponse) }) },
        },
      },
      async (request) => ({ goals: await goals.list(principalOf(request).tenantId) }),
    )

    routes.get(
      '/goals/:goalId',
      { schema: { tags, summary: 'Read a goal', security, params, response: { 200: goalResponse } } },
      async (request) => goals.get(principalOf(request).tenantId, request.params.goalId),
    )

    routes.put(
      '/goals/:goalId',
      {
        schema: {
          tags,
          summary: 'Replace a goal definition (its id, and so its reported history, stays)',
          security,
          params,
          body: goalInput,
          response: { 200: goalResponse },
        },
      },
      async (request) => goals.update(principalOf(request).tenantId, request.params.goalId, request.body),
    )

    routes.delete(
      '/goals/:goalId',
      { schema: { tags, summary: 'Delete a goal', security, params } },
      async (request, reply) => {
        await goals.delete(principalOf(request).tenantId, request.params.goalId)
        return reply.status(204).send()
      },
    )
  }
}
