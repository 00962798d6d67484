import { DateTime } from 'luxon'
import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'
import { timezone } from './timezone.ts'

export const GRANULARITIES = ['hour', 'day', 'week', 'month', 'total'] as const
export type Granularity = (typeof GRANULARITIES)[number]

export const RELATIVE_RANGES = [
  'today',
  'yesterday',
  'last_7_days',
  'last_30_days',
  'last_90_days',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
  'this_year',
] as const
export type RelativeRange = (typeof RELATIVE_RANGES)[number]

/** Longest window one query may cover: bounds the rows it scans and its buckets (9,600 by hour). */
export const MAX_WINDOW_DAYS = 400

/**
 * The instants a window (and its previous period) may cover, `[from, to)`: inside what ClickHouse's
 * `DateTime` (bucket starts) and `DateTime64` (event times) hold, 1970-01-01 excluded because ClickHouse
 * cannot read its first instant as a parameter. Documented in the README's analytics section.
 */
export const SUPPORTED_FROM = Date.UTC(1970, 0, 2)
export const SUPPORTED_TO = Date.UTC(2106, 0, 1)
const SUPPORTED_RANGE = '1970-01-02T00:00:00Z to 2106-01-01T00:00:00Z'

/** A calendar date (`2025-06-01`, read in the window's timezone) or an instant with an offset. */
const boundary = z.union([z.iso.date(), z.iso.datetime({ offset: true })])

export const windowInput = z.object({
  from: boundary
    .optional()
    .describe(
      'Start: a date (inclusive, local to `timezone`) or an ISO instant. Use with `to`, or use `range`.',
    ),
  to: boundary
    .optional()
    .describe('End: a date (inclusive, local to `timezone`) or an ISO instant (exclusive).'),
  range: z
    .enum(RELATIVE_RANGES)
    .optional()
    .describe('A relative range resolved in `timezone`; instead of from/to'),
  timezone: timezone
    .default('UTC')
    .describe('IANA timezone the days, weeks and months are cut in (default UTC)'),
  granularity: z
    .enum(GRANULARITIES)
    .default('day')
    .describe('Bucket size of the series; `total` gives no buckets'),
  compare: z
    .enum(['previous_period'])
    .optional()
    .describe('Also compute the same query over the period of equal length just before'),
})

export interface ResolvedWindow {
  /** Inclusive start, epoch ms. */
  fromMs: number
  /** Exclusive end, epoch ms. */
  toMs: number
  timezone: string
  granularity: Granularity
}

export interface ResolvedWindows {
  current: ResolvedWindow
  previous: ResolvedWindow | undefined
}

/** Turns from/to/range into UTC instants, cutting days in the window's timezone; `now` anchors relative ranges. */
export function resolveWindow(input: z.output<typeof windowInput>, now: number): ResolvedWindows {
  const zone = input.timezone
  const [start, end] = input.range
    ? relativeBounds(input.range, DateTime.fromMillis(now, { zone }))
    : explicit()
  const fromMs = start.toMillis()
  const toMs = end.toMillis()
  if (!(toMs > fromMs)) throw new AppError('validation_failed', '`to` must be after `from`', { field: 'to' })
  if (toMs - fromMs > MAX_WINDOW_DAYS * 86_400_000) {
    throw new AppError('validation_failed', `a window may span at most ${MAX_WINDOW_DAYS} days`, {
      field: 'from',
    })
  }
  checkSupported(fromMs, toMs, input.range ? 'range' : fromMs < SUPPORTED_FROM ? 'from' : 'to')
  const granularity = input.granularity
  const current = { fromMs, toMs, timezone: zone, granularity }
  const previous =
    input.compare === 'previous_period'
      ? { ...current, ...previousBounds(start.setZone(zone), end.setZone(zone)) }
      : undefined
  if (previous) checkSupported(previous.fromMs, previous.toMs, 'compare')
  return { current, previous }

  function explicit(): [DateTime, DateTime] {
    if (input.from === undefined || input.to === undefined) {
      throw new AppError('validation_failed', 'give `from` and `to`, or a `range`', { field: 'range' })
    }
    return [parseBoundary(input.from, zone, 'start'), parseBoundary(input.to, zone, 'end')]
  }
}

/**
 * The period just before, as long as the window in the calendar's own units: whole months stay months
 * (March compares with February), whole local days stay days across a DST change; otherwise the same
 * number of milliseconds.
 */
function previousBounds(start: DateTime, end: DateTime): { fromMs: number; toMs: number } {
  const at = (unit: 'month' | 'day') => start.equals(start.startOf(unit)) && end.equals(end.startOf(unit))
  const earlier = at('month')
    ? start.minus({ months: Math.round(end.diff(start, 'months').months) })
    : at('day')
      ? start.minus({ days: Math.round(end.diff(start, 'days').days) })
      : start.minus(end.toMillis() - start.toMillis())
  return { fromMs: earlier.toMillis(), toMs: start.toMillis() }
}

function checkSupported(fromMs: number, toMs: number, field: string): void {
  if (fromMs >= SUPPORTED_FROM && toMs <= SUPPORTED_TO) return
  const what = field === 'compare' ? 'the previous period' : 'the window'
  throw new AppError('validation_failed', `${what} must lie within ${SUPPORTED_RANGE} (UTC)`, {
    field,
    supported: { from: new Date(SUPPORTED_FROM).toISOString(), to: new Date(SUPPORTED_TO).toISOString() },
  })
}

function parseBoundary(value: string, zone: string, side: 'start' | 'end'): DateTime {
  const field = side === 'start' ? 'from' : 'to'
  const parsed =
    value.length === 10
      ? DateTime.fromISO(value, { zone }).startOf('day')
      : DateTime.fromISO(value, { setZone: true })
  if (!parsed.isValid) {
    throw new AppError('validation_failed', `\`${field}\` "${value}" is not a date or instant`, { field })
  }
  return value.length === 10 && side === 'end' ? parsed.plus({ days: 1 }) : parsed
}

function relativeBounds(range: RelativeRange, now: DateTime): [DateTime, DateTime] {
  const today = now.startOf('day')
  const tomorrow = today.plus({ days: 1 })
  switch (range) {
    case 'today':
      return [today, tomorrow]
    case 'yesterday':
      return [today.minus({ days: 1 }), today]
    case 'last_7_days':
      return [tomorrow.minus({ days: 7 }), tomorrow]
    case 'last_30_days':
      return [tomorrow.minus({ days: 30 }), tomorrow]
    case 'last_90_days':
      return [tomorrow.minus({ days: 90 }), tomorrow]
    case 'this_week':
      return [now.startOf('week'), now.startOf('week').plus({ weeks: 1 })]
    case 'last_week':
      return [now.startOf('week').minus({ weeks: 1 }), now.startOf('week')]
    case 'this_month':
      return [now.startOf('month'), now.startOf('month').plus({ months: 1 })]
    case 'last_month':
      return [now.startOf('month').minus({ months: 1 }), now.startOf('month')]
    case 'this_year':
      return [now.startOf('year'), now.startOf('year').plus({ years: 1 })]
  }
}

/** The window as callers see it: ISO instants in the window's timezone. */
export function describeWindow(window: ResolvedWindow) {
  const iso = (ms: number) => DateTime.fromMillis(ms, { zone: window.timezone }).toISO() ?? ''
  return {
    from: iso(window.fromMs),
    to: iso(window.toMs),
    timezone: window.timezone,
    granularity: window.granularity,
  }
}
