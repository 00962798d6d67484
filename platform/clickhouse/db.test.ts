import { expect, it } from 'vitest'
import { testClickHouse } from '../../test/support/clickhouse.ts'
import { createDb } from './db.ts'

const clickhouse = await testClickHouse()
const db = createDb(clickhouse)
await db.command(`CREATE DATABASE IF NOT EXISTS ${clickhouse.database}`)

it("does not let one query's settings reach the next (chdb keeps them for the process)", async () => {
  const table = `${clickhouse.database}.notes`
  await db.command(
    `CREATE TABLE ${table} (n UInt32) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100`,
  )
  const insert = (n: number) => db.command(`INSERT INTO ${table} SELECT {n:UInt32}`, { n })
  await db.select('SELECT 1', {}, { insert_deduplication_token: 'left-behind', max_result_rows: '1' })
  await insert(1)
  await insert(2)
  const rows = await db.select<{ n: number }>(`SELECT n FROM ${table} ORDER BY n`)
  expect(rows).toEqual([{ n: 1 }, { n: 2 }])
})

it('tags the calls of a Db with its origin as log_comment', async () => {
  const sink = db.withOrigin({ component: 'sink' })
  const tagged = sink.withOrigin({ tenant: 't-1' })
  const comment = (on: typeof db) =>
    on
      .select<{ comment: string }>("SELECT getSetting('log_comment') AS comment")
      .then((rows) => rows[0]?.comment)
  expect(JSON.parse((await comment(tagged)) ?? '')).toEqual({ component: 'sink', tenant: 't-1' })
  expect(await comment(db)).toBe('')
})
