import type { Writable } from 'node:stream'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requireOperatorToken } from '../../platform/tenancy/auth.ts'
import { tenantSlug } from '../../platform/tenancy/tenancy-schemas.ts'
import type { TenancyService } from '../../platform/tenancy/tenancy-service.ts'
import { EXPORT_FORMATS, type ExportFormat } from '../export/export-report.ts'
import type { ExportProgress } from './export-saved-report.ts'
import type { ReportService } from './report-service.ts'
import type { ReportRef } from './report-spec.ts'
import { reportSpec } from './report-spec.ts'
import { sendExport } from './stream-export.ts'

export interface ReportExportRequest {
  tenant: string
  report: ReportRef
  format: ExportFormat
}

/** What the CLI does with reports (`report:run`), in-process or over operator routes. */
export interface ReportOperator {
  exportReport(
    request: ReportExportRequest,
    output: Writable,
    progress?: ExportProgress,
  ): Promise<{ filename: string; rows: number | undefined }>
}

export function createReportOperator(reports: ReportService, tenancy: TenancyService): ReportOperator {
  return {
    async exportReport({ tenant, report, format }, output, progress) {
      const { id } = await tenancy.requireTenant(tenant)
      return reports.export(id, report, format, output, progress)
    },
  }
}

const exportBody = z.union([
  z.strictObject({ reportId: z.string().min(1).max(64), format: z.enum(EXPORT_FORMATS) }),
  z.strictObject({ spec: reportSpec, format: z.enum(EXPORT_FORMATS) }),
])

/** Mounted under /v1/operator. */
export function reportOperatorRoutes(
  reports: ReportService,
  tenancy: TenancyService,
  token: string,
): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.addHook('onRequest', requireOperatorToken(token))
    routes.post(
      '/tenants/:slug/reports/export',
      {
        schema: {
          tags: ['operator'],
          summary: 'Export a saved report or an inline spec of a tenant as a file (streamed)',
          security: [{ operatorToken: [] }],
          params: z.object({ slug: tenantSlug }),
          body: exportBody,
        },
      },
      async (request, reply) => {
        const { id } = await tenancy.requireTenant(request.params.slug)
        const { format, ...ref } = request.body
        return sendExport(reply, (output, onStart) => reports.export(id, ref, format, output, { onStart }))
      },
    )
  }
}
