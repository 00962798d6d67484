import type { Db } from '../../platform/clickhouse/db.ts'
import type { DecodedEntry } from './decode-entries.ts'

/**
 * Which of these events are already stored. Reads `event_ids` (kept by a materialized view in the same
 * insert as `events`, sorted by tenant and id), so a batch redelivered after a crash, or a client retry
 * that arrives later, is recognised before it is inserted a second time.
 */
export async function findStoredEventIds(db: Db, rows: readonly DecodedEntry[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set()
  const tenants = [...new Set(rows.map(({ row }) => row.tenant_id))]
  const ids = rows.map(({ row }) => row.event_id)
  const stored = await db.select<{ tenant_id: string; event_id: string }>(
    `SELECT DISTINCT tenant_id, event_id FROM ${db.tables.event_ids}
     WHERE tenant_id IN {tenants:Array(UUID)} AND event_id IN {ids:Array(UUID)}`,
    { tenants, ids },
  )
  return new Set(stored.map((row) => `${row.tenant_id}/${row.event_id}`))
}
