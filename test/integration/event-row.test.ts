import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { enrichEvent } from '../../ingest/enrich-event.ts'
import { parseTelemetryBody } from '../../ingest/event-schema.ts'
import { createDb } from '../../platform/clickhouse/db.ts'
import { migrate } from '../../platform/clickhouse/migrate.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { tempDir } from '../support/temp-dir.ts'

const clickhouse = await testClickHouse()
const logger = pino({ level: 'silent' })
const now = Date.parse('2025-06-01T12:00:00.000Z')

describe('an enriched event row', () => {
  it('is exactly a row of the migrated events table, and reads back as written', async () => {
    const state = await createStateStore({ dataDir: await tempDir(), redisUrl: undefined }, logger)
    try {
      await migrate({ clickhouse, state, logger })
    } finally {
      await state.close()
    }
    const db = createDb(clickhouse)

    const parsed = parseTelemetryBody(
      {
        type: 'purchase',
        ts: '2025-06-01T11:59:00.123Z',
        anonymous_id: 'anon-1',
        chat_session_id: 'chat-1',
        flow_version: 3,
        url: 'https://shop.example/thanks?utm_source=newsletter&gclid=abc',
        referrer: 'https://www.google.com/',
        props: { order_id: 'o-1', lines: [{ sku: 'a', qty: 2 }] },
        value: 19.99,
        currency: 'EUR',
      },
      { now, maxAgeDays: 30, maxBatchEvents: 10 },
    )
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors))
    const row = enrichEvent(parsed.events[0] as (typeof parsed.events)[0], {
      tenantId: '7f1c2a44-2b5e-4f4e-9d1a-0c9e4b7a1d20',
      widgetKey: 'pk_test',
      source: 'widget',
      receivedAt: now,
      userAgent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0',
      country: 'de',
    })

    const columns = await db.select<{ name: string }>(
      'SELECT name FROM system.columns WHERE database = {database:String} AND table = {table:String}',
      { database: clickhouse.database, table: 'events' },
    )
    expect(Object.keys(row).sort()).toEqual(columns.map((column) => column.name).sort())

    // Refuse unknown keys so a misspelt column fails here instead of being dropped silently.
    const strict = { input_format_skip_unknown_fields: 0 } as const
    await expect(db.insert('events', [{ ...row, not_a_column: 1 }], strict)).rejects.toThrow(/not_a_column/)
    await db.insert('events', [row], strict)
    const stored = await db.select<Record<string, unknown>>(
      `SELECT * FROM ${db.tables.events} WHERE event_id = {id:UUID}`,
      { id: row.event_id },
    )
    // Int64 arrives as a JSON number or a quoted string depending on output_format_json_quote_64bit_integers.
    expect(stored.map((found) => ({ ...found, value_micros: Number(found.value_micros) }))).toEqual([
      { ...row, ts: '2025-06-01 11:59:00.123', received_at: '2025-06-01 12:00:00.000' },
    ])
  })
})
