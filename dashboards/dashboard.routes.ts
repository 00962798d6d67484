import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../platform/errors/catalog.ts'
import { principalOf, requireSecretKey } from '../platform/tenancy/auth.ts'
import { collectionRoutes } from '../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../platform/tenancy/tenancy-service.ts'
import { ATTRIBUTION_MODELS } from '../reports/families/attribution-credits.ts'
import { VISUALIZATIONS } from '../reports/hub/report-spec.ts'
import { analyticsResult } from '../reports/semantic/analytics.routes.ts'
import { RELATIVE_RANGES } from '../reports/semantic/analytics-window.ts'
import { timezone } from '../reports/semantic/timezone.ts'
import { BUILTIN_DASHBOARDS } from './builtin-dashboards.ts'
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
const dashboardId = z.string().min(1).max(64)
const dashboardParams = z.object({ dashboardId })
const boundary = z.union([z.iso.date(), z.iso.datetime({ offset: true })])
const dashboardView = z.object({
  range: z.enum(RELATIVE_RANGES).optional().describe('Dashboard-wide relative range for every tile'),
  from: boundary.optional().describe('Dashboard-wide start (with `to`)'),
  to: boundary.optional().describe('Dashboard-wide end (with `from`), dates inclusive'),
  timezone: timezone.optional().describe('Dashboard-wide IANA timezone for every tile'),
  model: z.enum(ATTRIBUTION_MODELS).optional().describe('Attribution model of every attribution tile'),
})
const tileParams = dashboardParams.extend({ tileId: z.string().min(1).max(64) })

/** Dashboards and pinned tiles for secret keys with the `analyst` scope; mounted under /v1/admin. */
export function dashboardRoutes(
  dashboards: DashboardService,
  tenancy: TenancyService,
  installOverview: (tenantId: string, timezone: string) => Promise<Dashboard>,
  installBuiltin: (tenantId: string, key: string, timezone: string) => Promise<Dashboard | undefined>,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'analyst'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    collectionRoutes(routes, {
      path: '/dashboards',
      id: { name: 'dashboardId', schema: dashboardId },
      tags,
      item: dashboard,
      listKey: 'dashboards',
      create: {
        summary: 'Create a dashboard',
        body: z.strictObject({
          name: z.string().trim().min(1).max(200),
          description: z.string().max(2_000).optional(),
        }),
        run: (tenantId, body) => dashboards.create(tenantId, body),
      },
      list: { summary: 'List dashboards', run: (tenantId) => dashboards.list(tenantId) },
      remove: { summary: 'Delete a dashboard', run: (tenantId, id) => dashboards.delete(tenantId, id) },
    })

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

    routes.post(
      '/dashboards/builtin/:key',
      {
        schema: {
          tags,
          security,
          summary: `Install a built-in dashboard (${Object.keys(BUILTIN_DASHBOARDS).join(', ')}): its reports saved and pinned; idempotent`,
          params: z.object({ key: z.enum(Object.keys(BUILTIN_DASHBOARDS) as [string, ...string[]]) }),
          body: z.strictObject({ timezone: timezone.default('UTC') }),
          response: { 200: dashboard },
        },
      },
      async (request) => {
        const board = await installBuiltin(tenantOf(request), request.params.key, request.body.timezone)
        if (!board) throw new AppError('not_found', `no built-in dashboard "${request.params.key}"`)
        return board
      },
    )

    routes.get(
      '/dashboards/:dashboardId',
      {
        schema: {
          tags,
          security,
          summary: 'A dashboard with every tile’s data, ready to draw (a failing tile carries its error)',
          params: dashboardParams,
          querystring: dashboardView,
          response: { 200: z.object({ dashboard, tiles: z.array(renderedTile) }) },
        },
      },
      async (request) => {
        const { range, from, to, timezone: zone, model } = request.query
        if ((from === undefined) !== (to === undefined) || (range !== undefined && from !== undefined))
          throw new AppError('validation_failed', 'give either range, or both from and to', {
            field: 'range',
          })
        const dateRange = range ? { range } : from && to ? { from, to } : undefined
        return dashboards.render(tenantOf(request), request.params.dashboardId, {
          dateRange,
          timezone: zone,
          attributionModel: model,
        })
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
