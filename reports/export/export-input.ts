import type { AnalyticsResult, ResultColumn, ResultRow, SeriesLine } from '../semantic/analytics-result.ts'

export type ExportRange = AnalyticsResult['range']

/** One line of the report's definition as people read it: `Metrics: Sessions, Revenue`, `Filters: ...`. */
export interface SpecLine {
  label: string
  value: string
}

/**
 * What every exporter receives. `rows` may be an async iterable so large results stream from the
 * database to the output without being held in memory; `series` (for the PDF chart) and `totals`
 * are small and given whole.
 */
export interface ExportInput {
  title: string
  description?: string
  generatedAt: Date
  range: ExportRange
  /** The report's metrics, dimensions, filters and options, one line each. */
  spec: SpecLine[]
  columns: ResultColumn[]
  totals: ResultRow[]
  previous?: { range: ExportRange; totals: ResultRow[] }
  series: SeriesLine[]
  rows: AsyncIterable<ResultRow> | Iterable<ResultRow>
}

/**
 * The first `count` rows (read ahead to size columns) and every row in order, reading the source once:
 * `all` yields `head` again, then the rest.
 */
export async function peekRows(
  rows: ExportInput['rows'],
  count: number,
): Promise<{ head: ResultRow[]; all: AsyncIterable<ResultRow> }> {
  const iterator = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : rows[Symbol.iterator]()
  const head: ResultRow[] = []
  let exhausted = false
  while (!exhausted && head.length < count) {
    const next = await iterator.next()
    if (next.done) exhausted = true
    else head.push(next.value)
  }
  async function* all(): AsyncGenerator<ResultRow> {
    try {
      yield* head
      while (!exhausted) {
        const next = await iterator.next()
        if (next.done) exhausted = true
        else yield next.value
      }
    } finally {
      // A consumer that stops early (a full PDF, a failed output) releases the source, e.g. a query stream.
      if (!exhausted) await iterator.return?.()
    }
  }
  return { head, all: all() }
}
