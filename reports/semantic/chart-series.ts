import { DateTime } from 'luxon'
import type { MetricFormat, ResultRow, SeriesLine } from './analytics-result.ts'
import type { ResolvedWindow } from './analytics-window.ts'

const BUCKET_FORMAT = "yyyy-MM-dd'T'HH:mm:ss"
const UNIT = { hour: 'hour', day: 'day', week: 'week', month: 'month' } as const

/** Every bucket start of the window in its timezone, as `bucketSql` renders them (weeks start on Monday). */
export function windowBuckets(window: ResolvedWindow): string[] {
  if (window.granularity === 'total') return []
  const unit = UNIT[window.granularity]
  const buckets: string[] = []
  let cursor = DateTime.fromMillis(window.fromMs, { zone: window.timezone }).startOf(unit)
  while (cursor.toMillis() < window.toMs) {
    buckets.push(cursor.toFormat(BUCKET_FORMAT))
    cursor = cursor.plus({ [unit]: 1 })
  }
  return buckets
}

/** Formats whose empty bucket means zero; a ratio or a duration with no data has no value. */
const ZERO_WHEN_EMPTY: ReadonlySet<MetricFormat> = new Set(['count', 'tokens', 'money_micros'])

/**
 * The rows as one line per group, each with a point for every bucket of the window so charts keep their
 * time axis: a bucket with no row gets 0 for additive metrics and null for the others.
 */
export function toSeries(
  rows: ResultRow[],
  groupBy: string[],
  metrics: { name: string; format: MetricFormat }[],
  window: ResolvedWindow,
): SeriesLine[] {
  const lines = new Map<
    string,
    { group: Record<string, ResultRow[string]>; byBucket: Map<string, ResultRow> }
  >()
  for (const row of rows) {
    const group = Object.fromEntries(groupBy.map((name) => [name, row[name] ?? null]))
    const key = JSON.stringify(group)
    let line = lines.get(key)
    if (!line) {
      line = { group, byBucket: new Map() }
      lines.set(key, line)
    }
    line.byBucket.set(String(row.bucket ?? ''), row)
  }
  const buckets = windowBuckets(window)
  return [...lines.values()].map(({ group, byBucket }) => ({
    group,
    points:
      buckets.length === 0
        ? [...byBucket.values()]
        : buckets.map(
            (bucket) =>
              byBucket.get(bucket) ?? {
                bucket,
                ...group,
                ...Object.fromEntries(
                  metrics.map(({ name, format }) => [name, ZERO_WHEN_EMPTY.has(format) ? 0 : null]),
                ),
              },
          ),
  }))
}
