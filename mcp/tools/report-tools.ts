import { Buffer } from 'node:buffer'
import { z } from 'zod'
import { newId } from '../../platform/ids.ts'
import { storeArtifact } from '../../reports/delivery/artifact-store.ts'
import { reportSpec, VISUALIZATIONS } from '../../reports/hub/report-spec.ts'
import { savedReportRunner } from '../../reports/hub/saved-report-runner.ts'
import { ARTIFACT_RETENTION_MS } from '../../reports/schedule/create-report-schedules.ts'
import { REPORT_FORMATS } from '../../reports/schedule/report-runner.ts'
import { scheduleResponse } from '../../reports/schedule/schedule-schemas.ts'
import { type AnyTool, defineTool } from '../define-tool.ts'
import type { McpDeps } from '../mcp-deps.ts'

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false }
// Exports from MCP belong to no schedule: their artifacts carry the nil schedule id.
const NO_SCHEDULE = '00000000-0000-0000-0000-000000000000'

const savedReport = z.object({
  reportId: z.string(),
  spec: z.record(z.string(), z.unknown()).describe('The ReportSpec'),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const reportId = z.string().min(1).max(64).describe('A saved report id (list_reports)')

/** Saved reports, exports, dashboards and schedules over ReportService, DashboardService, ScheduleService. */
export function reportTools(
  deps: Pick<McpDeps, 'reports' | 'dashboards' | 'schedules' | 'db' | 'clock' | 'baseUrl'>,
): AnyTool[] {
  const { reports, dashboards, schedules } = deps
  const runner = savedReportRunner(reports)
  return [
    defineTool({
      name: 'list_reports',
      title: 'List saved reports',
      description: 'The tenant’s saved reports (Analytics Hub) with their specs.',
      scope: 'analyst',
      annotations: readOnly,
      input: z.strictObject({}),
      output: z.object({ reports: z.array(savedReport) }),
      async run(_input, caller) {
        const list = await reports.list(caller.tenantId)
        return { data: { reports: list }, summary: `${list.length} saved report(s)` }
      },
    }),
    defineTool({
      name: 'get_report',
      title: 'Get a saved report',
      description: 'One saved report and its spec; run it with run_report({ spec }).',
      scope: 'analyst',
      annotations: readOnly,
      input: z.strictObject({ reportId }),
      output: savedReport,
      async run(input, caller) {
        const report = await reports.get(caller.tenantId, input.reportId)
        return { data: report, summary: `report ${report.reportId}: ${report.spec.title}` }
      },
    }),
    defineTool({
      name: 'save_report',
      title: 'Save a report',
      description:
        'Saves a ReportSpec as a new report, or replaces the spec of `reportId` when given. The spec is checked against the semantic layer first.',
      scope: 'analyst',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      input: z.strictObject({
        spec: reportSpec,
        reportId: reportId.optional().describe('Replace this report'),
      }),
      output: savedReport,
      async run(input, caller) {
        const saved =
          input.reportId === undefined
            ? await reports.create(caller.tenantId, input.spec)
            : await reports.update(caller.tenantId, input.reportId, input.spec)
        return { data: saved, summary: `saved report ${saved.reportId}` }
      },
    }),
    defineTool({
      name: 'export_report',
      title: 'Export a saved report',
      description:
        'Renders a saved report as csv, xlsx, pdf or json and returns an expiring download link (7 days) that needs no key.',
      scope: 'analyst',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      input: z.strictObject({ reportId, format: z.enum(REPORT_FORMATS).default('csv') }),
      output: z.object({
        downloadUrl: z.string(),
        path: z.string().describe('The link relative to the API base URL'),
        filename: z.string(),
        rows: z.number(),
        bytes: z.number(),
        expiresAt: z.string(),
      }),
      async run(input, caller) {
        const file = await runner.run(caller.tenantId, input.reportId, input.format)
        const body = Buffer.isBuffer(file.body) ? file.body : Buffer.alloc(0)
        const artifact = await storeArtifact(deps.db, {
          tenantId: caller.tenantId,
          scheduleId: NO_SCHEDULE,
          runId: newId(),
          file: { body, contentType: file.contentType, filename: file.filename },
          now: deps.clock.now(),
          retentionMs: ARTIFACT_RETENTION_MS,
        })
        const data = {
          downloadUrl: `${deps.baseUrl()}${artifact.path}`,
          path: artifact.path,
          filename: file.filename,
          rows: file.rows,
          bytes: body.length,
          expiresAt: new Date(artifact.expiresAt).toISOString(),
        }
        return { data, summary: `${file.filename}: ${file.rows} row(s), link valid until ${data.expiresAt}` }
      },
    }),
    defineTool({
      name: 'list_dashboards',
      title: 'List dashboards',
      description: 'The tenant’s dashboards (pin reports to them with pin_report).',
      scope: 'analyst',
      annotations: readOnly,
      input: z.strictObject({}),
      output: z.object({
        dashboards: z.array(
          z.object({
            dashboardId: z.string(),
            name: z.string(),
            description: z.string(),
            createdAt: z.string(),
            updatedAt: z.string(),
          }),
        ),
      }),
      async run(_input, caller) {
        const list = await dashboards.list(caller.tenantId)
        return { data: { dashboards: list }, summary: `${list.length} dashboard(s)` }
      },
    }),
    defineTool({
      name: 'pin_report',
      title: 'Pin a report to a dashboard',
      description:
        'Adds a saved report as a tile of a dashboard; without size or position it goes on a new row, 6 columns wide (of 12).',
      scope: 'analyst',
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
      input: z.strictObject({
        dashboardId: z.string().min(1).max(64),
        reportId,
        visualization: z.enum(VISUALIZATIONS).optional(),
        size: z
          .strictObject({ width: z.number().int().min(1).max(12), height: z.number().int().min(1).max(8) })
          .optional(),
      }),
      output: z.object({
        tileId: z.string(),
        reportId: z.string(),
        visualization: z.string(),
        size: z.object({ width: z.number(), height: z.number() }),
        position: z.object({ x: z.number(), y: z.number() }),
      }),
      async run(input, caller) {
        const { dashboardId, ...tile } = input
        const pinned = await dashboards.pin(caller.tenantId, dashboardId, tile)
        return { data: pinned, summary: `pinned report ${pinned.reportId} as tile ${pinned.tileId}` }
      },
    }),
    defineTool({
      name: 'list_schedules',
      title: 'List report schedules',
      description:
        'Scheduled deliveries of saved reports: cron, timezone, format, endpoint and the next runs.',
      scope: 'admin',
      annotations: readOnly,
      input: z.strictObject({}),
      output: z.object({ schedules: z.array(scheduleResponse) }),
      async run(_input, caller) {
        const list = await schedules.list(caller.tenantId)
        return { data: { schedules: list }, summary: `${list.length} schedule(s)` }
      },
    }),
  ]
}
