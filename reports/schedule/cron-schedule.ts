import { CronExpressionParser } from 'cron-parser'
import { DateTime, IANAZone } from 'luxon'

/**
 * When a schedule runs. cron-parser is the one source of truth: the preview shown on save and the
 * scheduler's tick both walk the same forward iteration, so what the user sees is what runs.
 *
 * Daylight saving (measured, e.g. Europe/Berlin with `30 2 * * *`): on the spring-forward day the
 * wall time 02:30 does not exist and the run moves to 03:30 local time (once); on the fall-back day
 * 02:30 happens twice and the run happens once, at the first (summer-time) 02:30. Interval
 * expressions (`*\/30 * * * *`) keep real-time spacing: no runs in the skipped hour, both halves of
 * the repeated hour run.
 */
export interface CronSpec {
  cron: string
  timezone: string
}

export interface Occurrence {
  /** Epoch ms. */
  at: number
  /** ISO 8601 in the schedule's timezone, with its offset at that moment. */
  local: string
}

export interface DueOccurrences {
  /** The latest occurrence at or before `now`: the only one that runs. */
  latest: number
  /** Occurrences after the cursor up to now (capped at MAX_SCAN + 1): more than one means some were missed. */
  count: number
}

// Walking occurrences costs ~70 µs each; an every-minute schedule down for a month would be 40k steps.
const MAX_SCAN = 1_000
const RECENT_WINDOW_MS = 2 * 60 * 60 * 1_000

/** The problem with a cron expression, or undefined when it is a valid five-field expression that fires. */
export function cronProblem(spec: CronSpec): string | undefined {
  const fields = spec.cron.trim().split(/\s+/)
  if (fields.length !== 5)
    return 'expected five fields: minute hour day-of-month month day-of-week (e.g. "30 2 * * 1-5")'
  if (!IANAZone.isValidZone(spec.timezone)) return `"${spec.timezone}" is not an IANA timezone`
  try {
    occurrencesAfter(spec, 0).next()
  } catch (error) {
    return `invalid cron expression: ${(error as Error).message}`
  }
  return undefined
}

/** The next `count` occurrences strictly after `after`. */
export function nextRuns(spec: CronSpec, after: number, count = 5): Occurrence[] {
  const iterator = occurrencesAfter(spec, after)
  return Array.from({ length: count }, () => {
    const at = iterator.next().getTime()
    return { at, local: toLocalIso(at, spec.timezone) }
  })
}

/** Occurrences in (after, now]; undefined when none is due. */
export function dueOccurrences(spec: CronSpec, after: number, now: number): DueOccurrences | undefined {
  const first = scan(spec, after, now)
  if (first.latest === undefined) return undefined
  if (first.count <= MAX_SCAN) return { latest: first.latest, count: first.count }
  // Too many missed to walk them all: the latest is found from shortly before now instead.
  const recent = scan(spec, Math.max(after, now - RECENT_WINDOW_MS), now)
  return { latest: recent.latest ?? first.latest, count: first.count }
}

export function toLocalIso(at: number, timezone: string): string {
  return DateTime.fromMillis(at, { zone: timezone }).toISO() ?? new Date(at).toISOString()
}

function scan(spec: CronSpec, after: number, now: number): { latest: number | undefined; count: number } {
  const iterator = occurrencesAfter(spec, after)
  let latest: number | undefined
  let count = 0
  while (count <= MAX_SCAN) {
    const at = iterator.next().getTime()
    if (at > now) break
    latest = at
    count += 1
  }
  return { latest, count }
}

function occurrencesAfter(spec: CronSpec, after: number) {
  return CronExpressionParser.parse(spec.cron.trim(), { currentDate: after, tz: spec.timezone })
}
