import type { Writable } from 'node:stream'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import type { SpecLine } from '../export/export-input.ts'
import { EXPORTERS, type ExportFormat, exportFileName, exportReport } from '../export/export-report.ts'
import type { ResultRow } from '../semantic/analytics-result.ts'
import { loadDimensionNames, readableColumns, withoutNameColumns } from '../semantic/dimension-names.ts'
import { type MetricFamily, ownValue, runFamily, streamFamilyRows } from '../semantic/metric-family.ts'
import type { CompiledReport, ReportRef, ReportSpec } from './report-spec.ts'

/** Rows the chart and KPI tiles are drawn from; the table streams every row. */
export const CHART_ROWS = 5_000

export interface ExportStarted {
  filename: string
  contentType: string
  /** The row count when the chart query saw every row (at most CHART_ROWS); otherwise unknown. */
  rowsKnown: number | undefined
}

export interface ExportProgress {
  onStart?(started: ExportStarted): void
  onRow?(rows: number): void
}

/** Where an export finds its report's spec and compiles it (the ReportService). */
export interface ReportSource {
  specOf(tenantId: string, ref: ReportRef): Promise<ReportSpec>
  compile(tenantId: string, spec: ReportSpec): CompiledReport
}

/**
 * Writes a report (saved or inline) to `output` in `format`: a bounded query gives the columns,
 * totals and chart series, then the table's rows stream from ClickHouse into the exporter.
 */
export async function exportSavedReport(
  deps: { db: Db; reports: ReportSource; clock: Clock },
  tenantId: string,
  ref: ReportRef,
  format: ExportFormat,
  output: Writable,
  progress: ExportProgress = {},
): Promise<{ rows: number; filename: string }> {
  const spec = await deps.reports.specOf(tenantId, ref)
  const { family, query, windows, shape } = deps.reports.compile(tenantId, spec)
  const chartLimit = Math.min(shape.limit ?? CHART_ROWS, CHART_ROWS)
  const head = await runFamily(deps.db, family, query, windows, { ...shape, limit: chartLimit })
  // The head came back with names beside ids (flow_name, ...); streamed rows get the same names.
  const names = await loadDimensionNames(deps.db, tenantId, withoutNameColumns(head.columns))
  const generatedAt = new Date(deps.clock.now())
  const filename = exportFileName(spec.title, generatedAt, format)
  progress.onStart?.({
    filename,
    contentType: EXPORTERS[format].contentType,
    rowsKnown: head.rows.length < chartLimit || shape.limit === chartLimit ? head.rows.length : undefined,
  })
  let rows = 0
  async function* counted(): AsyncIterable<ResultRow> {
    for await (const row of streamFamilyRows(deps.db, family, query, windows, shape)) {
      rows += 1
      progress.onRow?.(rows)
      yield names.row(row)
    }
  }
  await exportReport(
    format,
    {
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      generatedAt,
      range: head.range,
      spec: specLines(spec, family),
      columns: format === 'pdf' ? readableColumns(head.columns) : head.columns,
      totals: head.totals,
      ...(head.previous ? { previous: { range: head.previous.range, totals: head.previous.totals } } : {}),
      series: head.series,
      rows: counted(),
    },
    output,
  )
  return { rows, filename }
}

/** The report's definition as people read it, with the family's labels. */
export function specLines(
  spec: ReportSpec,
  family: Pick<MetricFamily, 'description' | 'metrics' | 'dimensions'>,
): SpecLine[] {
  const labelOf = (names: string[], defs: Record<string, { label: string }>) =>
    names.map((name) => ownValue(defs, name)?.label ?? name).join(', ')
  const range =
    'range' in spec.dateRange ? spec.dateRange.range : `${spec.dateRange.from} to ${spec.dateRange.to}`
  const lines: SpecLine[] = [
    { label: 'Data', value: family.description },
    { label: 'Metrics', value: labelOf(spec.metrics, family.metrics) },
    { label: 'Dimensions', value: labelOf(spec.dimensions, family.dimensions) || 'none' },
    { label: 'Date range', value: `${range} (${spec.timezone}, by ${spec.granularity})` },
  ]
  const filters = Object.entries(spec.filters)
  if (filters.length > 0) {
    lines.push({
      label: 'Filters',
      value: filters
        .map(
          ([name, values]) => `${ownValue(family.dimensions, name)?.label ?? name} = ${values.join(' or ')}`,
        )
        .join('; '),
    })
  }
  const options = Object.entries(spec.options)
  if (options.length > 0) {
    lines.push({ label: 'Options', value: options.map(([name, value]) => `${name}: ${value}`).join(', ') })
  }
  if (spec.compareToPreviousPeriod) lines.push({ label: 'Compared with', value: 'the previous period' })
  if (spec.sort.length > 0 || spec.limit !== undefined) {
    const order = spec.sort.map((key) => `${key.by} ${key.direction}`).join(', ')
    lines.push({
      label: 'Order',
      value: [order, spec.limit === undefined ? '' : `first ${spec.limit}`].filter(Boolean).join(', '),
    })
  }
  return lines
}
