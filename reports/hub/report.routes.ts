import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf, requireSecretKey } from '../../platform/tenancy/auth.ts'
import { collectionRoutes } from '../../platform/tenancy/collection-routes.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { EXPORT_FORMATS } from '../export/export-report.ts'
import { analyticsResult } from '../semantic/analytics.routes.ts'
import type { ReportService } from './report-service.ts'
import { reportSpec } from './report-spec.ts'
import { sendExport } from './stream-export.ts'

const security = [{ secretKey: [] }]
const tags = ['reports']

const savedReport = z.object({
  reportId: z.string(),
  spec: reportSpec,
  createdAt: z.string(),
  updatedAt: z.string(),
})
const reportId = z.string().min(1).max(64)
const reportParams = z.object({ reportId })
const specBody = z.strictObject({ spec: reportSpec })
const runResponse = z.object({ spec: reportSpec, result: analyticsResult })

/** Saved reports (Analytics Hub) for secret keys with the `analyst` scope; mounted under /v1/admin. */
export function reportRoutes(reports: ReportService, tenancy: TenancyService): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireSecretKey(tenancy, 'analyst'))
    const tenantOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).tenantId

    collectionRoutes(routes, {
      path: '/reports',
      id: { name: 'reportId', schema: reportId },
      tags,
      item: savedReport,
      listKey: 'reports',
      create: {
        summary: 'Save a report; the spec is checked against the semantic layer first',
        body: specBody,
        run: (tenantId, body) => reports.create(tenantId, body.spec),
      },
      list: { summary: 'List saved reports', run: (tenantId) => reports.list(tenantId) },
      get: { summary: 'One saved report', run: (tenantId, id) => reports.get(tenantId, id) },
      update: {
        summary: 'Replace a saved report’s spec',
        body: specBody,
        run: (tenantId, id, body) => reports.update(tenantId, id, body.spec),
      },
      remove: { summary: 'Delete a saved report', run: (tenantId, id) => reports.delete(tenantId, id) },
    })

    routes.post(
      '/reports/:reportId/run',
      {
        schema: {
          tags,
          security,
          summary: 'Run a saved report: rows, totals, chart series and the resolved date range',
          params: reportParams,
          response: { 200: runResponse },
        },
      },
      async (request) => reports.run(tenantOf(request), { reportId: request.params.reportId }),
    )

    routes.get(
      '/reports/:reportId/export',
      {
        schema: {
          tags,
          security,
          summary: 'Download a saved report as CSV, XLSX, PDF or JSON (streamed)',
          params: reportParams,
          querystring: z.object({ format: z.enum(EXPORT_FORMATS).default('csv') }),
        },
      },
      async (request, reply) =>
        sendExport(reply, (output, onStart) =>
          reports.export(
            tenantOf(request),
            { reportId: request.params.reportId },
            request.query.format,
            output,
            {
              onStart,
            },
          ),
        ),
    )

    routes.post(
      '/reports/preview',
      {
        schema: {
          tags,
          security,
          summary: 'Run a spec without saving it',
          body: specBody,
          response: { 200: runResponse },
        },
      },
      async (request) => reports.run(tenantOf(request), { spec: request.body.spec }),
    )
  }
}
