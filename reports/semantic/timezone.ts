import { z } from 'zod'

/**
 * The timezones analytics, saved reports, dashboards and schedules accept: the canonical IANA names of
 * the runtime's ICU data, `UTC` and the fixed `Etc/GMT±N` zones. ClickHouse knows every one of them
 * (checked against `system.time_zones` by test/integration/analytics-hostile-input.test.ts); luxon and
 * ICU also accept spellings ClickHouse refuses (`utc`, `Europe/berlin`, `US/Eastern`, `SystemV/AST4`).
 */
export function supportedTimezones(): readonly string[] {
  return SUPPORTED
}

const ETC_GMT = [
  'Etc/GMT',
  ...Array.from({ length: 12 }, (_, i) => `Etc/GMT+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `Etc/GMT-${i + 1}`),
]
/** Zones newer than the tz database ClickHouse 26.x ships (America/Coyhaique: tzdata 2025b). */
const UNKNOWN_TO_CLICKHOUSE: ReadonlySet<string> = new Set(['America/Coyhaique'])
const SUPPORTED: readonly string[] = [
  ...new Set(['UTC', ...Intl.supportedValuesOf('timeZone'), ...ETC_GMT]),
].filter((zone) => !UNKNOWN_TO_CLICKHOUSE.has(zone))
const KNOWN: ReadonlySet<string> = new Set(SUPPORTED)

/**
 * The canonical name ClickHouse knows for `name`, whatever its case or alias (`utc` -> `UTC`,
 * `europe/berlin` -> `Europe/Berlin`, `US/Eastern` -> `America/New_York`), or undefined when there is
 * none (`Mars/Olympus`, `SystemV/AST4`, `+01:00`).
 */
export function canonicalTimezone(name: string): string | undefined {
  if (name === '' || name.length > 64) return undefined
  let resolved: string
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
  if (KNOWN.has(resolved)) return resolved
  // ICU keeps the case of `Etc/GMT+5` as typed; match the fixed zones without regard to case.
  return SUPPORTED.find((known) => known.toLowerCase() === resolved.toLowerCase())
}

/** One schema for every timezone a request brings in: normalised to the canonical name, else a 400. */
export const timezone = z
  .string()
  .max(64)
  .overwrite((name) => canonicalTimezone(name.trim()) ?? name)
  .refine((name) => KNOWN.has(name), {
    message: 'must be an IANA timezone such as Europe/Berlin or UTC',
  })
  .describe('IANA timezone (e.g. Europe/Berlin; default UTC), normalised to its canonical name')
