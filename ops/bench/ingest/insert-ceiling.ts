import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { enrichEvent } from '../../../ingest/enrich-event.ts'
import type { EventRow } from '../../../ingest/event-row.ts'
import { parseTelemetryBody } from '../../../ingest/event-schema.ts'
import { createClickHouse } from '../../../platform/clickhouse/create-clickhouse.ts'
import { createDb } from '../../../platform/clickhouse/db.ts'
import { migrate } from '../../../platform/clickhouse/migrate.ts'
import { loadConfig } from '../../../platform/config/config.ts'
import { createLogger } from '../../../platform/log/logger.ts'
import { createStateStore } from '../../../platform/state/create-state-store.ts'
import { BenchBodies, USER_AGENT } from './bench-events.ts'

/**
 * The direct insert ceiling: the rows the pipeline would store for the bench's events (same generator,
 * same validation and enrichment, done before the clock starts), inserted straight into the `events`
 * table through the product's ClickHouse client over chdb, in batches of the sink's size. Runs in its
 * own process with its own data directory, because chdb admits one data path per process. Prints one
 * JSON line with the figures.
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    'batch-rows': { type: 'string' },
    'data-dir': { type: 'string' },
  },
})
const events = Number(values.events)
const batchRows = Number(values['batch-rows'])
const config = loadConfig({ DATA_DIR: values['data-dir'], LOG_LEVEL: 'warn' })
const logger = createLogger(config, 2)

const clickhouse = await createClickHouse(config)
const state = await createStateStore(config, logger)
await migrate({ clickhouse, state, logger })
const db = createDb(clickhouse)

const prepareStarted = performance.now()
const rows: EventRow[] = []
const tenantId = randomUUID()
const now = Date.now()
const bodies = new BenchBodies(now)
for (let seq = 0; seq < events; seq += 500) {
  const parsed = parseTelemetryBody(JSON.parse(bodies.batch(seq, Math.min(500, events - seq)).json), {
    now,
    maxAgeDays: config.ingest.maxEventAgeDays,
    maxBatchEvents: 500,
  })
  if (!parsed.ok) throw new Error(`bench events do not validate: ${JSON.stringify(parsed.errors[0])}`)
  for (const event of parsed.events) {
    rows.push(
      enrichEvent(event, {
        tenantId,
        widgetKey: 'pk_bench',
        source: 'widget',
        receivedAt: now,
        userAgent: USER_AGENT,
        country: undefined,
      }),
    )
  }
}
const prepareSeconds = (performance.now() - prepareStarted) / 1000

const started = performance.now()
let inserts = 0
for (let first = 0; first < rows.length; first += batchRows) {
  await db.insert('events', rows.slice(first, first + batchRows))
  inserts += 1
}
const seconds = (performance.now() - started) / 1000

const [counted] = await db.select<{ rows: string }>(`SELECT count() AS rows FROM ${db.tables.events}`)
if (Number(counted?.rows) !== events)
  throw new Error(`expected ${events} rows stored, counted ${counted?.rows}`)

process.stdout.write(
  `${JSON.stringify({ rows: events, inserts, seconds, prepareSeconds, rssBytes: process.memoryUsage().rss })}\n`,
)
await clickhouse.client.close()
await state.close()
