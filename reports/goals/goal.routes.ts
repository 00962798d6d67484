import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requireSecretKey } from '../../platform/tenancy/auth.ts'
import { collectionRoutes } from '../../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { goalInput, goalResponse } from './goal-schemas.ts'
import type { GoalService } from './goal-service.ts'

/** A tenant's goals, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function goalRoutes(goals: GoalService, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))

    collectionRoutes(routes, {
      path: '/goals',
      id: { name: 'goalId', schema: z.string().min(1).max(64) },
      tags: ['goals'],
      item: goalResponse,
      listKey: 'goals',
      create: {
        summary: 'Define a goal: an event rule (type, property filters, URL patterns) or a conversion rule',
        body: goalInput,
        run: (tenantId, body) => goals.create(tenantId, body),
      },
      list: { summary: 'List goals', run: (tenantId) => goals.list(tenantId) },
      get: { summary: 'Read a goal', run: (tenantId, goalId) => goals.get(tenantId, goalId) },
      update: {
        summary: 'Replace a goal definition (its id, and so its reported history, stays)',
        body: goalInput,
        run: (tenantId, goalId, body) => goals.update(tenantId, goalId, body),
      },
      remove: { summary: 'Delete a goal', run: (tenantId, goalId) => goals.delete(tenantId, goalId) },
    })
  }
}
