import type { LogEntry } from '../../platform/event-log/event-log.ts'
import type { EventRow } from '../event-row.ts'

export interface DecodedEntry {
  offset: number
  row: EventRow
}

export interface PoisonEntry {
  offset: number
  payload: string
  error: string
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Splits log entries into rows to store and records that cannot be rows (corrupt or foreign). */
export function decodeEntries(entries: readonly LogEntry[]): { rows: DecodedEntry[]; poison: PoisonEntry[] } {
  const rows: DecodedEntry[] = []
  const poison: PoisonEntry[] = []
  for (const entry of entries) {
    // Well-formed so the dead-letter insert itself can never be refused for the text it carries.
    const payload = entry.value.toString('utf8').toWellFormed()
    try {
      const row = JSON.parse(payload) as EventRow
      const problem = describeProblem(row)
      if (problem) poison.push({ offset: entry.offset, payload, error: problem })
      else rows.push({ offset: entry.offset, row })
    } catch (error) {
      poison.push({ offset: entry.offset, payload, error: `not JSON: ${(error as Error).message}` })
    }
  }
  return { rows, poison }
}

function describeProblem(row: Partial<EventRow> | null): string | undefined {
  if (row === null || typeof row !== 'object') return 'not an event row object'
  if (typeof row.tenant_id !== 'string' || !UUID.test(row.tenant_id)) return 'tenant_id is not a UUID'
  if (typeof row.event_id !== 'string' || !UUID.test(row.event_id)) return 'event_id is not a UUID'
  if (typeof row.type !== 'string' || row.type === '') return 'type is missing'
  if (typeof row.ts !== 'number' || !Number.isFinite(row.ts)) return 'ts is not epoch milliseconds'
  return undefined
}

/** Keeps the first copy of each (tenant, event_id) in log order. */
export function dropRepeats(rows: readonly DecodedEntry[]): { unique: DecodedEntry[]; repeats: number } {
  const seen = new Set<string>()
  const unique = rows.filter(({ row }) => {
    const key = `${row.tenant_id}/${row.event_id}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return { unique, repeats: rows.length - unique.length }
}
