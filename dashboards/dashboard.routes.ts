import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../platform/tenancy/auth.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import { VISUALIZATIONS } from '../reports/hub/report-spec.ts'
import { analyticsResult } from '../reports/semantic/analytics.routes.ts'
import { timezone } from '../reports/semantic/timezone.ts'
import { type Dashboard, type DashboardService, GRID_COLUMNS } from './dashboard-service.ts'
import { OVERVIEW_NAME } from './overview-dashboard.ts'

const security = [{ secretKey: [] }]
const tags = ['dashboards']

const dashboard = z.object({
  dashboardId: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const layout = {
  visualization: z.enum(VISUALIZATIONS),
  size: z.strictObject({
    width: z.number().int().min(1).max(GRID_COLUMNS),
    height: z.number().int().min(1).max(8),
  }),
  position: z.strictObject({
    x: z
      .number()
      .int()
      .min(0)
      .max(GRID_COLUMNS - 1),
    y: z.number().int().min(0).max(1_000),
  }),
}
const tile = z.object({ tileId: z.string(), reportId: z.string(), ...layout })
const renderedTile = tile.extend({
  title: z.string(),
  data: analyticsResult.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
})
const dashboardParams = z.object({ dashboardId: z.string().min(1).max(64) })
const tileParams = dashboardParams.extend({ tileId: z.string().min(1).max(64) })

/** Dashboards and pinned tiles for secret keys with the `analyst` scope; mounted under /v1/admin. */
export function dashboardRoutes(
  dashboards: DashboardService,
  tenancy: TenancyService,
  installOverview: (tenantId: string, timezone: string) => Promise<Dashboard>,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'analyst'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    routes.post(
      '/dashboards',
      {
        schema: {
          tags,
          security,
          summary: 'Create a dashboard',
          body: z.strictObject({
            name: z.string().trim().min(1).max(200),
            description: z.string().max(2_000).optional(),
          }),
          response: { 201: dashboard },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await dashboards.create(tenantOf(request), request.body)),
    )

    routes.post(
      '/dashboards/overview',
      {
        schema: {
          tags,
          security,
          summary: `Install the built-in "${OVERVIEW_NAME}" dashboard (its reports saved and pinned); idempotent`,
          body: z.strictObject({ timezone: timezone.default('UTC') }),
          response: { 200: dashboard },
        },
      },
      async (request) => installOverview(tenantOf(request), request.body.timezone),
    )

    routes.get(
      '/dashboards',
      {
        schema: {
          tags,
          security,
          summary: 'List dashboards',
          response: { 200: z.object({ dashboards: z.array(dashboard) }) },
        },
      },
      async (request) => ({ dashboards: await dashboards.list(tenantOf(request)) }),
    )

    routes.get(
      '/dashboards/:dashboardId',
      {
        schema: {
          tags,
          security,
          summary: 'A dashboard with every tile’s data, ready to draw (a failing tile carries its error)',
          params: dashboardParams,
          response: { 200: z.object({ dashboard, tiles: z.array(renderedTile) }) },
        },
      },
      async (request) => dashboards.render(tenantOf(request), request.params.dashboardId),
    )

    routes.delete(
      '/dashboards/:dashboardId',
      { schema: { tags, security, summary: 'Delete a dashboard', params: dashboardParams } },
      async (request, reply) => {
        await dashboards.delete(tenantOf(request), request.params.dashboardId)
        return reply.code(204).send()
      },
    )

    routes.post(
      '/dashboards/:dashboardId/tiles',
      {
        schema: {
          tags,
          security,
          summary: 'Pin a saved report as a tile (defaults: the report’s visualization, 6x4, on a new row)',
          params: dashboardParams,
          body: z.strictObject({
            reportId: z.string().min(1).max(64),
            visualization: layout.visualization.optional(),
            size: layout.size.optional(),
            position: layout.position.optional(),
          }),
          response: { 201: tile },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await dashboards.pin(tenantOf(request), request.params.dashboardId, request.body)),
    )

    routes.patch(
      '/dashboards/:dashboardId/tiles/:tileId',
      {
        schema: {
          tags,
          security,
          summary: 'Move, resize or restyle a tile',
          params: tileParams,
          body: z.strictObject({
            visualization: layout.visualization.optional(),
            size: layout.size.optional(),
            position: layout.position.optional(),
          }),
          response: { 200: tile },
        },
      },
      async (request) =>
        dashboards.updateTile(
          tenantOf(request),
          request.params.dashboardId,
          request.params.tileId,
          request.body,
        ),
    )

    routes.delete(
      '/dashboards/:dashboardId/tiles/:tileId',
      { schema: { tags, security, summary: 'Unpin a tile', params: tileParams } },
      async (request, reply) => {
        await dashboards.unpin(tenantOf(request), request.params.dashboardId, request.params.tileId)
        return reply.code(204).send()
      },
    )
  }
}
