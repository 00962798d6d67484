import { z } from 'zod'
import type { AnalyticsResult } from '../../reports/semantic/analytics-result.ts'

const cell = z.union([z.string(), z.number(), z.null()])
const row = z.record(z.string(), cell)
const range = z.object({ from: z.string(), to: z.string(), timezone: z.string(), granularity: z.string() })

/**
 * An analytics answer, compact: the rows (one per bucket and group), the totals and the resolved range.
 * Chart series are left out: they repeat the rows. Money is integer micros of the row's `currency`.
 */
export const compactResult = z.object({
  family: z.string(),
  range,
  columns: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['bucket', 'dimension', 'metric']),
      label: z.string(),
      format: z.string().optional(),
    }),
  ),
  rows: z.array(row),
  totals: z.array(row),
  previous: z.object({ range, rows: z.array(row), totals: z.array(row) }).optional(),
})
export type CompactResult = z.output<typeof compactResult>

export function compact(result: AnalyticsResult): CompactResult {
  const { series: _series, ...rest } = result
  return rest
}

/** "attribution 2025-01-01..2025-01-08 UTC: 4 rows; totals attributed_conversions=12, ..." */
export function summarize(result: AnalyticsResult): string {
  const totals = result.totals
    .map((total) =>
      Object.entries(total)
        .map(([name, value]) => `${name}=${value}`)
        .join(', '),
    )
    .join(' | ')
  const { from, to, timezone } = result.range
  return `${result.family} ${from}..${to} ${timezone}: ${result.rows.length} row(s); totals ${totals || 'none'}`
}
