import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import { collectionRoutes } from '../../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import {
  createdScheduleResponse,
  createScheduleInput,
  runResponse,
  scheduleResponse,
  updateScheduleInput,
} from './schedule-schemas.ts'
import type { ScheduleService } from './schedule-service.ts'

const security = [{ secretKey: [] }]
const tags = ['report schedules']
const params = z.object({ id: z.uuid() })

/** A tenant's report schedules, managed with an admin-scoped secret key. Mounted under /v1/admin. */
export function scheduleRoutes(schedules: ScheduleService, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'admin'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    collectionRoutes(routes, {
      path: '/report-schedules',
      id: { name: 'id', schema: z.uuid() },
      tags,
      item: scheduleResponse,
      listKey: 'schedules',
      create: {
        summary: 'Schedule a report: its signing secret is shown only in this answer',
        body: createScheduleInput,
        response: createdScheduleResponse,
        run: (tenantId, body) => schedules.create(tenantId, body),
      },
      list: {
        summary: 'List report schedules with their next runs',
        run: (tenantId) => schedules.list(tenantId),
      },
      get: { summary: 'Read a report schedule', run: (tenantId, id) => schedules.get(tenantId, id) },
      update: {
        method: 'PATCH',
        summary: 'Change a report schedule: fields left out keep their value',
        body: updateScheduleInput,
        run: (tenantId, id, body) => schedules.update(tenantId, id, body),
      },
      remove: {
        summary: 'Delete a report schedule (its run history stays)',
        run: (tenantId, id) => schedules.delete(tenantId, id),
      },
    })

    for (const [action, paused] of [
      ['pause', true],
      ['resume', false],
    ] as const) {
      routes.post(
        `/report-schedules/:id/${action}`,
        {
          schema: {
            tags,
            summary: paused
              ? 'Pause a report schedule'
              : 'Resume a report schedule (occurrences missed while paused are not run)',
            security,
            params,
            response: { 200: scheduleResponse },
          },
        },
        async (request) => schedules.setPaused(tenantOf(request), request.params.id, paused),
      )
    }

    routes.post(
      '/report-schedules/:id/run',
      {
        schema: {
          tags,
          summary: 'Run a report schedule now; follow it in the run history',
          security,
          params,
          response: { 202: runResponse },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await schedules.runNow(tenantOf(request), request.params.id)),
    )

    routes.get(
      '/report-schedules/:id/runs',
      {
        schema: {
          tags,
          summary: 'Run history of a report schedule, newest first',
          security,
          params,
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ runs: z.array(runResponse) }) },
        },
      },
      async (request) => ({
        runs: await schedules.runs(tenantOf(request), request.params.id, request.query.limit),
      }),
    )
  }
}
