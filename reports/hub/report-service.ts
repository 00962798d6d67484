import type { Writable } from 'node:stream'
import { nextVersion, toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newId } from '../../platform/ids.ts'
import type { ExportFormat } from '../export/export-report.ts'
import { type AnalyticsResult, type MetricFamily, runFamily } from '../semantic/metric-family.ts'
import { type ExportProgress, exportSavedReport } from './export-saved-report.ts'
import { findReport, listReports, type ReportRow, writeReport } from './report-queries.ts'
import { type CompiledReport, compileReport, type ReportSpec, reportSpec } from './report-spec.ts'

export interface SavedReport {
  reportId: string
  spec: ReportSpec
  createdAt: string
  updatedAt: string
}

/** A saved report's id, or a spec to run without saving it. */
export type ReportRef = { reportId: string } | { spec: ReportSpec }

/** Saved reports: specs checked against the semantic layer on save, versioned in ClickHouse, run on demand. */
export class ReportService {
  constructor(
    private readonly db: Db,
    readonly families: ReadonlyMap<string, MetricFamily<never>>,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, spec: ReportSpec): Promise<SavedReport> {
    await this.check(tenantId, spec)
    const now = this.clock.now()
    const reportId = newId()
    await this.write(tenantId, { reportId, spec, createdAt: now, updatedAt: now }, 0)
    return this.get(tenantId, reportId)
  }

  async update(tenantId: string, reportId: string, spec: ReportSpec): Promise<SavedReport> {
    const current = await this.get(tenantId, reportId)
    await this.check(tenantId, spec)
    const updatedAt = nextVersion(current.updatedAt, this.clock.now())
    await this.write(tenantId, { reportId, spec, createdAt: Date.parse(current.createdAt), updatedAt }, 0)
    return this.get(tenantId, reportId)
  }

  async delete(tenantId: string, reportId: string): Promise<void> {
    const current = await this.get(tenantId, reportId)
    const updatedAt = nextVersion(current.updatedAt, this.clock.now())
    await this.write(tenantId, { ...current, createdAt: Date.parse(current.createdAt), updatedAt }, 1)
  }

  async get(tenantId: string, reportId: string): Promise<SavedReport> {
    const row = await findReport(this.db, tenantId, reportId)
    if (!row) throw new AppError('not_found', `no report ${reportId}`)
    return toSaved(row)
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
    return { spec, result: await runFamily(this.db, family, query, windows, shape) }
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
      { db: this.db, reports: this, clock: this.clock },
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

  private async write(
    tenantId: string,
    report: { reportId: string; spec: ReportSpec; createdAt: number; updatedAt: number },
    deleted: 0 | 1,
  ): Promise<void> {
    await writeReport(this.db, {
      tenant_id: tenantId,
      report_id: report.reportId,
      title: report.spec.title,
      spec: JSON.stringify(report.spec),
      created_at: report.createdAt,
      updated_at: report.updatedAt,
      deleted,
    })
  }
}

function toSaved(row: ReportRow): SavedReport {
  return {
    reportId: row.report_id,
    spec: reportSpec.parse(JSON.parse(row.spec)),
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}
