import type { QueryParams } from '../../platform/clickhouse/db.ts'
import type { Granularity, ResolvedWindow } from './analytics-window.ts'

/**
 * SQL for the local start of the bucket a UTC instant falls in, as text `YYYY-MM-DDTHH:MM:SS` in the
 * window's timezone. The timezone travels as the `{timezone:String}` parameter.
 */
export function bucketSql(column: string, granularity: Granularity): string {
  const local = `toTimeZone(${column}, {timezone:String})`
  const start = {
    hour: `toStartOfHour(${local})`,
    day: `toStartOfDay(${local})`,
    week: `toDateTime(toStartOfWeek(${local}, 1), {timezone:String})`,
    month: `toDateTime(toStartOfMonth(${local}), {timezone:String})`,
    total: `toDateTime({from:DateTime64(3, 'UTC')}, {timezone:String})`,
  }[granularity]
  return `formatDateTime(${start}, '%Y-%m-%dT%H:%i:%S', {timezone:String})`
}

/** The parameters `bucketSql` and `inWindowSql` refer to. */
export function windowParams(window: ResolvedWindow): QueryParams {
  return { from: window.fromMs / 1000, to: window.toMs / 1000, timezone: window.timezone }
}

/** `column` within the window: `[from, to)`. */
export function inWindowSql(column: string): string {
  return `${column} >= {from:DateTime64(3, 'UTC')} AND ${column} < {to:DateTime64(3, 'UTC')}`
}
