import { createClickHouse } from '../../../platform/clickhouse/create-clickhouse.ts'
import { createDb } from '../../../platform/clickhouse/db.ts'
import { loadConfig } from '../../../platform/config/config.ts'

/**
 * Child process: the floor. The small aggregate of the analyst-sql bench through the product's own query helper
 * on the bench data directory (the server is stopped by then: chdb admits one process per directory).
 * Prints `{ perSecond }`. argv: <tenantId> <from> <warmup> <requests>
 */
const [tenantId, from, warmup, requests] = process.argv.slice(2)
const clickhouse = await createClickHouse(loadConfig())
const db = createDb(clickhouse)
const aggregate = () =>
  db.select(
    `SELECT type, count() AS n FROM ${db.tables.events}
     WHERE tenant_id = {tenantId:UUID} AND ts >= {from:DateTime64(3)} GROUP BY type ORDER BY type`,
    { tenantId, from },
  )
for (let i = 0; i < Number(warmup); i++) await aggregate()
const started = performance.now()
for (let i = 0; i < Number(requests); i++) await aggregate()
const perSecond = Number(requests) / ((performance.now() - started) / 1000)
await clickhouse.client.close()
console.log(JSON.stringify({ perSecond }))
