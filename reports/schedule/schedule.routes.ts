import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
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

    routes.post(
      '/report-schedules',
      {
        schema: {
          tags,
          summary: 'Schedule a report: its signing secret is shown only in this answer',
          security,
          body: createScheduleInput,
          response: { 201: createdScheduleResponse },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await schedules.create(tenantOf(request), request.body)),
    )

    routes.get(
      '/report-schedules',
      {
        schema: {
          tags,
          summary: 'List report schedules with their next runs',
          security,
          response: { 200: z.object({ schedules: z.array(scheduleResponse) }) },
        },
      },
      async (request) => ({ schedules: await schedules.list(tenantOf(request)) }),
    )

    routes.get(
      '/report-schedules/:id',
      {
        schema: {
          tags,
          summary: 'Read a report schedule',
          security,
          params,
          response: { 200: scheduleResponse },
        },
      },
      async (request) => schedules.get(tenantOf(request), request.params.id),
    )

    routes.patch(
      '/report-schedules/:id',
      {
        schema: {
          tags,
          summary: 'Change a report schedule: fields left out keep their value',
          security,
          params,
          body: updateScheduleInput,
          response: { 200: scheduleResponse },
        },
      },
      async (request) => schedules.update(tenantOf(request), request.params.id, request.body),
    )

    routes.delete(
      '/report-schedules/:id',
      { schema: { tags, summary: 'Delete a report schedule (its run history stays)', security, params } },
      async (request, reply) => {
        await schedules.delete(tenantOf(request), request.params.id)
        return reply.status(204).send()
      },
    )

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
