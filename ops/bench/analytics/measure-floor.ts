import { createClickHouse } from '../../../platform/clickhouse/create-clickhouse.ts'
import { createDb } from '../../../platform/clickhouse/db.ts'
import { loadConfig } from '../../../platform/config/config.ts'
import { median } from './median.ts'

/**
 * Child process: the scan floor. `SELECT count()` over the tenant's events in the window, through the
 * product's own ClickHouse client on the bench data directory (the server is stopped by then: chdb admits
 * one process per directory). Prints `{ medianMs, minMs, cpuMs, rows }` as JSON: `cpuMs` is this process's
 * CPU time (ClickHouse's threads included) over the timed queries, per query.
 * argv: <tenantId> <fromMs> <toMs> <warmup> <requests>
 */
const [tenantId, fromMs, toMs, warmup, requests] = process.argv.slice(2)
const clickhouse = await createClickHouse(loadConfig())
const db = createDb(clickhouse)
const scan = () =>
  db.select<{ rows: string }>(
    `SELECT count() AS rows FROM ${db.tables.events}
     WHERE tenant_id = {tenantId:UUID} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
       AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
    { tenantId, from: Number(fromMs), to: Number(toMs) },
  )
for (let i = 0; i < Number(warmup); i++) await scan()
const timings: number[] = []
let rows = 0
const cpu = process.cpuUsage()
for (let i = 0; i < Number(requests); i++) {
  const started = performance.now()
  const [result] = await scan()
  timings.push(performance.now() - started)
  rows = Number(result?.rows ?? 0)
}
const used = process.cpuUsage(cpu)
await clickhouse.client.close()
const cpuMs = (used.user + used.system) / 1000 / Number(requests)
console.log(JSON.stringify({ medianMs: median(timings), minMs: Math.min(...timings), cpuMs, rows }))
