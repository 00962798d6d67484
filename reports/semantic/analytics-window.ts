import { DateTime, IANAZone } from 'luxon'
import { z } from 'zod'
import { AppError } from '../../platform/errors/catalog.ts'

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

/** Longest window one query may cover: bounds the rows an analytics query can scan. */
export const MAX_WINDOW_DAYS = 400

export const timezone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), { message: 'must be an IANA timezone such as Europe/Berlin' })
  .describe('IANA timezone the days, weeks and months are cut in (default UTC)')

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
  timezone: timezone.default('UTC'),
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
  const current = { fromMs, toMs, timezone: zone, granularity: input.granularity }
  const previous =
    input.compare === 'previous_period'
      ? { ...current, ...previousBounds(start.setZone(zone), end.setZone(zone)) }
      : undefined
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

function parseBoundary(value: string, zone: string, side: 'start' | 'end'): DateTime {
  if (value.length === 10) {
    const day = DateTime.fromISO(value, { zone }).startOf('day')
    return side === 'start' ? day : day.plus({ days: 1 })
  }
  return DateTime.fromISO(value, { setZone: true })
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
