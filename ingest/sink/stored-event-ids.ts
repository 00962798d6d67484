import type { Db } from '../../platform/clickhouse/db.ts'
import type { DecodedEntry } from './decode-entries.ts'

/**
 * Which of these events are already stored, read from `events` itself: an insert that committed before
 * a crash is visible here even if nothing else recorded it, so a redelivered batch (whatever its new
 * boundaries) or a later client retry inserts only what is missing. The filter follows the table's sort
 * key (tenant, day, type, event_id), so ClickHouse reads only the granules that can hold these ids.
 */
export async function findStoredEventIds(db: Db, rows: readonly DecodedEntry[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set()
  const distinct = <T>(values: T[]) => [...new Set(values)]
  const stored = await db.select<{ tenant_id: string; event_id: string }>(
    `SELECT DISTINCT tenant_id, event_id FROM ${db.tables.events}
     WHERE tenant_id IN {tenants:Array(UUID)}
       AND toDate(ts) IN {days:Array(Date)}
       AND type IN {types:Array(String)}
       AND event_id IN {ids:Array(UUID)}`,
    {
      tenants: distinct(rows.map(({ row }) => row.tenant_id)),
      days: distinct(rows.map(({ row }) => new Date(row.ts).toISOString().slice(0, 10))),
      types: distinct(rows.map(({ row }) => row.type)),
      ids: rows.map(({ row }) => row.event_id),
    },
  )
  return new Set(stored.map((row) => `${row.tenant_id}/${row.event_id}`))
}
