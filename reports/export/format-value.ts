import { DateTime } from 'luxon'
import type { Cell, MetricFormat, ResultColumn, ResultRow } from '../semantic/analytics-result.ts'
import type { Granularity } from '../semantic/analytics-window.ts'
import type { ExportRange } from './export-input.ts'

/**
 * The one place exporters turn result values into what people read. Units are the same in every
 * format (money in currency units, ratios in percent, durations in seconds); rounding happens only
 * where people read (PDF text, spreadsheet number formats), data files keep full precision.
 */

const EMPTY = '–'

/** The row's ISO currency when the result is split by currency (money is never summed across them). */
export function currencyOf(row: ResultRow): string | undefined {
  const currency = row.currency
  return typeof currency === 'string' && currency !== '' ? currency : undefined
}

/** A metric value in the unit people read, unrounded: micros -> currency units, ratio -> percent, ms -> s. */
export function inUnits(format: MetricFormat, value: number): number {
  switch (format) {
    case 'count':
    case 'tokens':
      return Math.round(value)
    case 'money_micros':
      return value / 1e6
    case 'ratio':
      // toPrecision drops binary noise such as 0.07 * 100 = 7.000000000000001.
      return Number((value * 100).toPrecision(12))
    case 'duration_ms':
      return value / 1000
    case 'multiplier':
    case 'number':
      return value
  }
}

/** A column's header with its unit when the values need one: `Open rate (%)`, `Time to first reply (s)`. */
export function headerLabel(column: ResultColumn, options: { percentCells?: boolean } = {}): string {
  if (column.format === 'ratio' && !options.percentCells) return `${column.label} (%)`
  if (column.format === 'duration_ms') return `${column.label} (s)`
  if (column.format === 'multiplier') return `${column.label} (x)`
  return column.label
}

/** `2026-03-28T00:00:00` as people read the bucket of a granularity: `2026-03-28`, `2026-03`, `... 14:00`. */
export function bucketLabel(bucket: string, granularity: Granularity): string {
  switch (granularity) {
    case 'hour':
      return `${bucket.slice(0, 10)} ${bucket.slice(11, 16)}`
    case 'month':
      return bucket.slice(0, 7)
    default:
      return bucket.slice(0, 10)
  }
}

/** The value a data file carries: metrics in units (unrounded), buckets as local date text, dimensions as-is. */
export function dataValue(column: ResultColumn, row: ResultRow, granularity: Granularity): Cell {
  const value = row[column.name] ?? null
  if (value === null) return null
  if (column.kind === 'bucket') return bucketLabel(String(value), granularity)
  if (column.kind === 'metric' && typeof value === 'number') return inUnits(column.format ?? 'number', value)
  return value
}

/** Text people read: `1,234`, `EUR 1,234.56`, `12.3%`, `1.2 s`; a dash when there is no value. */
export function displayValue(column: ResultColumn, row: ResultRow, granularity: Granularity): string {
  const value = row[column.name] ?? null
  if (value === null) return EMPTY
  if (column.kind === 'bucket') return bucketLabel(String(value), granularity)
  if (column.kind === 'metric' && typeof value === 'number') {
    return formatMetric(column.format ?? 'number', value, currencyOf(row))
  }
  return String(value)
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const percent = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const seconds = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

/** One metric value as text; `compact` for chart axes (`1.2K`). */
export function formatMetric(
  format: MetricFormat,
  value: number | null,
  currency?: string,
  options: { compact?: boolean } = {},
): string {
  if (value === null) return EMPTY
  const units = inUnits(format, value)
  if (options.compact) {
    if (format === 'ratio') return `${compact.format(units)}%`
    if (format === 'duration_ms') return `${compact.format(units)} s`
    if (format === 'multiplier') return `${compact.format(units)}x`
    // Token costs are fractions of a cent: a compact axis label must not round them all to 0.
    if (format === 'money_micros' && units !== 0 && Math.abs(units) < 1)
      return new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 }).format(units)
    return compact.format(units)
  }
  switch (format) {
    case 'count':
    case 'tokens':
      return integer.format(units)
    case 'money_micros':
      return formatMoney(units, currency)
    case 'ratio':
      return `${percent.format(units)}%`
    case 'duration_ms':
      return `${seconds.format(units)} s`
    case 'multiplier':
      return `${decimal.format(units)}x`
    case 'number':
      return decimal.format(units)
  }
}

const moneyFormats = new Map<string, Intl.NumberFormat>()

/** Two decimals; amounts under a cent keep two significant digits so token costs do not read 0.00. */
function formatMoney(amount: number, currency: string | undefined): string {
  const small = amount !== 0 && Math.abs(amount) < 0.01
  const key = `${currency ?? ''}/${small}`
  let format = moneyFormats.get(key)
  if (!format) {
    const digits = small
      ? { maximumSignificantDigits: 2 }
      : { minimumFractionDigits: 2, maximumFractionDigits: 2 }
    const style =
      currency && isCurrencyCode(currency) ? { style: 'currency', currency, currencyDisplay: 'code' } : {}
    format = new Intl.NumberFormat('en-US', { ...style, ...digits } as Intl.NumberFormatOptions)
    moneyFormats.set(key, format)
  }
  // Intl puts a no-break space after the code; a plain one keeps extracted PDF text searchable.
  const text = format.format(amount).replaceAll('\u00a0', ' ')
  return currency && !isCurrencyCode(currency) ? `${text} ${currency}` : text
}

function isCurrencyCode(currency: string): boolean {
  return /^[A-Z]{3}$/.test(currency)
}

/** Spreadsheet number format of a metric cell (the cell holds `spreadsheetValue`). */
export function spreadsheetNumFmt(format: MetricFormat, currency?: string): string {
  switch (format) {
    case 'count':
    case 'tokens':
      return '#,##0'
    case 'money_micros':
      // Up to six decimals so sub-cent token costs stay visible; the code names the row's currency.
      return currency ? `#,##0.00####" ${currency.replaceAll('"', '')}"` : '#,##0.00####'
    case 'ratio':
      return '0.0%'
    case 'duration_ms':
      return '#,##0.0'
    case 'multiplier':
      return '0.00"x"'
    case 'number':
      return '#,##0.##'
  }
}

/** The number a spreadsheet cell holds: like `inUnits`, except ratios stay fractions under a percent format. */
export function spreadsheetValue(format: MetricFormat, value: number): number {
  return format === 'ratio' ? value : inUnits(format, value)
}

/** The window as people read it: whole local days are shown inclusively (`2026-03-01 – 2026-03-31`). */
export function periodLabel(range: ExportRange): string {
  const from = DateTime.fromISO(range.from, { setZone: true })
  const to = DateTime.fromISO(range.to, { setZone: true })
  const wholeDays = from.equals(from.startOf('day')) && to.equals(to.startOf('day'))
  const text = wholeDays
    ? `${from.toISODate()} – ${to.minus({ days: 1 }).toISODate()}`
    : `${from.toFormat('yyyy-MM-dd HH:mm')} – ${to.toFormat('yyyy-MM-dd HH:mm')}`
  return `${text} (${range.timezone})`
}

/** The generation time, always in UTC so every reader agrees on it. */
export function generatedLabel(generatedAt: Date): string {
  return `${DateTime.fromJSDate(generatedAt, { zone: 'UTC' }).toFormat('yyyy-MM-dd HH:mm')} UTC`
}
