import type { Writable } from 'node:stream'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newId } from '../../platform/ids.ts'
import type { ExportFormat } from '../export/export-report.ts'
import type { AnalyticsResult } from '../semantic/analytics-result.ts'
import { type MetricFamily, runFamily } from '../semantic/metric-family.ts'
import { type ExportProgress, exportSavedReport } from './export-saved-report.ts'
import { findReport, listReports, type ReportRow, reportsTable } from './report-queries.ts'
import {
  type CompiledReport,
  compileReport,
  type ReportRef,
  type ReportSpec,
  reportSpec,
} from './report-spec.ts'

export interface SavedReport {
  reportId: string
  spec: ReportSpec
  createdAt: string
  updatedAt: string
}

/** Saved reports: specs checked against the semantic layer on save, versioned in ClickHouse, run on demand. */
export class ReportService {
  constructor(
    private readonly db: Db,
    readonly families: ReadonlyMap<string, MetricFamily<never>>,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, spec: ReportSpec): Promise<SavedReport> {
    await this.check(tenantId, spec)
    return toSaved(
      await reportsTable.write(this.db, toRow(tenantId, newId(), spec), undefined, this.clock.now()),
    )
  }

  async update(tenantId: string, reportId: string, spec: ReportSpec): Promise<SavedReport> {
    const current = await this.require(tenantId, reportId)
    await this.check(tenantId, spec)
    return toSaved(
      await reportsTable.write(this.db, toRow(tenantId, reportId, spec), current, this.clock.now()),
    )
  }

  async delete(tenantId: string, reportId: string): Promise<void> {
    await reportsTable.remove(this.db, await this.require(tenantId, reportId), this.clock.now())
  }

  async get(tenantId: string, reportId: string): Promise<SavedReport> {
    return toSaved(await this.require(tenantId, reportId))
  }

  async list(tenantId: string): Promise<SavedReport[]> {
    return (await listReports(this.db, tenantId)).map(toSaved)
  }

  async specOf(tenantId: string, ref: ReportRef): Promise<ReportSpec> {
    return 'spec' in ref ? ref.spec : (await this.get(tenantId, ref.reportId)).spec
  }

  compile(tenantId: string, spec: ReportSpec): CompiledReport {
    return compileReport(spec, tenantId, this.families, this.clock.now())
  }

  /** Runs a report: rows, totals, chart series and the resolved date range (and the previous period's). */
  async run(tenantId: string, ref: ReportRef): Promise<{ spec: ReportSpec; result: AnalyticsResult }> {
    const spec = await this.specOf(tenantId, ref)
    const { family, query, windows, shape } = this.compile(tenantId, spec)
    return { spec, result: await runFamily(this.taggedDb(ref), family, query, windows, shape) }
  }

  /** Writes a report as a file to `output`, streaming its rows (see exportSavedReport). */
  export(
    tenantId: string,
    ref: ReportRef,
    format: ExportFormat,
    output: Writable,
    progress?: ExportProgress,
  ) {
    return exportSavedReport(
      { db: this.taggedDb(ref), reports: this, clock: this.clock },
      tenantId,
      ref,
      format,
      output,
      progress,
    )
  }

  /** Refuses a spec the semantic layer cannot answer, before it is saved: a one-row run names every problem. */
  private async check(tenantId: string, spec: ReportSpec): Promise<void> {
    const { family, query, windows, shape } = this.compile(tenantId, spec)
    await runFamily(
      this.db,
      family,
      query,
      { current: windows.current, previous: undefined },
      { ...shape, limit: 1 },
    )
  }

  private async require(tenantId: string, reportId: string): Promise<ReportRow> {
    const row = await findReport(this.db, tenantId, reportId)
    if (!row) throw new AppError('not_found', `no report ${reportId}`)
    return row
  }

  /** Queries of a saved report name it in `system.query_log`. */
  private taggedDb(ref: ReportRef): Db {
    return 'reportId' in ref ? this.db.withOrigin({ report: ref.reportId }) : this.db
  }
}

const toRow = (tenantId: string, reportId: string, spec: ReportSpec) => ({
  tenant_id: tenantId,
  report_id: reportId,
  title: spec.title,
  spec: JSON.stringify(spec),
})

function toSaved(row: ReportRow): SavedReport {
  return {
    reportId: row.report_id,
    spec: reportSpec.parse(JSON.parse(row.spec)),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}
