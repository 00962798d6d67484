import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loadMigrations, type Migration, MigrationError, migrate } from '../../platform/clickhouse/migrate.ts'
import { renderDdl, splitStatements } from '../../platform/clickhouse/render-ddl.ts'
import { sha256Hex } from '../../platform/ids.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { testClickHouse } from '../support/clickhouse.ts'
import { serviceUrl, skipNotice } from '../support/services.ts'
import { tempDir } from '../support/temp-dir.ts'

const logger = pino({ level: 'silent' })
const baseDir = await tempDir()
const redisUrl = serviceUrl('redis')

const migration = (version: number, body: string): Migration => {
  const sql = body
  return { version, name: `${String(version).padStart(4, '0')}_test.sql`, sql, checksum: sha256Hex(sql) }
}

const first = migration(
  1,
  'CREATE TABLE IF NOT EXISTS {{db}}.a {{on_cluster}} (x UInt8) ENGINE = MergeTree ORDER BY x;',
)
const second = migration(
  2,
  `CREATE TABLE IF NOT EXISTS {{db}}.b {{on_cluster}} (x UInt8) ENGINE = MergeTree ORDER BY x;
   INSERT INTO {{db}}.b VALUES (1), (2);`,
)

async function tables(database: string, clickhouse: Awaited<ReturnType<typeof testClickHouse>>) {
  const result = await clickhouse.client.query({
    query: 'SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name',
    query_params: { database },
    format: 'JSONEachRow',
  })
  return (await result.json<{ name: string }>()).map((row) => row.name)
}

/** Opens `count` views of one state store as separate processes would see it. */
type OpenStores = (count: number) => Promise<StateStore[]>

const localStores: OpenStores = async (count) => {
  // One process owns a local store, so concurrent runners share it.
  const state = await createStateStore({ dataDir: await tempDir(), redisUrl: undefined }, logger)
  return Array.from({ length: count }, () => state)
}

const redisStores = (url: string): OpenStores => {
  const keyPrefix = `test:${process.pid}:${Date.now()}:`
  return (count) =>
    Promise.all(
      Array.from({ length: count }, () =>
        createStateStore({ dataDir: baseDir, redisUrl: url }, logger, { keyPrefix }),
      ),
    )
}

const adapters: Array<[string, OpenStores | undefined]> = [
  ['local state', localStores],
  [
    redisUrl ? 'redis state' : `redis state (${skipNotice('redis')})`,
    redisUrl ? redisStores(redisUrl) : undefined,
  ],
]

const closeAll = (stores: StateStore[]) => Promise.all([...new Set(stores)].map((state) => state.close()))

describe.each(adapters)('migrate with %s', (_name, openStores) => {
  it.skipIf(!openStores)(
    'applies pending migrations once, in order, and records their checksums',
    async () => {
      const clickhouse = await testClickHouse()
      const [state] = (await (openStores as OpenStores)(1)) as [StateStore]
      try {
        expect(await migrate({ clickhouse, state, logger, migrations: [first] })).toEqual({
          applied: [first.name],
        })
        expect(await migrate({ clickhouse, state, logger, migrations: [first, second] })).toEqual({
          applied: [second.name],
        })
        expect(await migrate({ clickhouse, state, logger, migrations: [first, second] })).toEqual({
          applied: [],
        })
        expect(await tables(clickhouse.database, clickhouse)).toEqual(['a', 'b', 'schema_migrations'])
        const recorded = await clickhouse.client.query({
          query: `SELECT version, checksum FROM ${clickhouse.database}.schema_migrations FINAL ORDER BY version`,
          format: 'JSONEachRow',
        })
        expect(await recorded.json()).toEqual([
          { version: 1, checksum: first.checksum },
          { version: 2, checksum: second.checksum },
        ])
      } finally {
        await state.close()
      }
    },
  )

  it.skipIf(!openStores)('refuses to run when an applied file was edited', async () => {
    const clickhouse = await testClickHouse()
    const [state] = (await (openStores as OpenStores)(1)) as [StateStore]
    try {
      await migrate({ clickhouse, state, logger, migrations: [first] })
      const edited = migration(1, `${first.sql}\n-- tweak`)
      await expect(migrate({ clickhouse, state, logger, migrations: [edited, second] })).rejects.toThrowError(
        /applied migration\(s\) were edited: 0001_test.sql/,
      )
      expect(await tables(clickhouse.database, clickhouse)).not.toContain('b')
    } finally {
      await state.close()
    }
  })

  it.skipIf(!openStores)('applies each migration once when several runners start together', async () => {
    const clickhouse = await testClickHouse()
    const stores = await (openStores as OpenStores)(3)
    try {
      const results = await Promise.all(
        stores.map((state) => migrate({ clickhouse, state, logger, migrations: [first, second] })),
      )
      expect(results.flatMap((result) => result.applied).sort()).toEqual([first.name, second.name])
      const rows = await clickhouse.client.query({
        query: `SELECT count() AS n FROM ${clickhouse.database}.b`,
        format: 'JSONEachRow',
      })
      expect(await rows.json()).toEqual([{ n: 2 }])
    } finally {
      await closeAll(stores)
    }
  })
})

describe('the shipped migrations', () => {
  it('are numbered uniquely and apply on embedded ClickHouse', async () => {
    const clickhouse = await testClickHouse()
    const [state] = (await localStores(1)) as [StateStore]
    try {
      const migrations = await loadMigrations()
      expect(migrations.length).toBeGreaterThan(0)
      const { applied } = await migrate({ clickhouse, state, logger })
      expect(applied).toEqual(migrations.map((m) => m.name))
    } finally {
      await state.close()
    }
  })

  it('render for a cluster as ON CLUSTER DDL with Replicated engines that ClickHouse parses', async () => {
    const clickhouse = await testClickHouse()
    for (const { sql, name } of await loadMigrations()) {
      for (const statement of splitStatements(sql)) {
        const rendered = renderDdl(statement, { database: 'comerix', cluster: 'main' })
        if (/^CREATE TABLE/i.test(rendered)) {
          expect(rendered, name).toMatch(/ON CLUSTER 'main'/)
          expect(rendered, name).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}/)
        }
        const parsed = await clickhouse.client.query({
          query: 'SELECT formatQuery({statement:String}) AS formatted',
          query_params: { statement: rendered },
          format: 'JSONEachRow',
        })
        const [row] = await parsed.json<{ formatted: string }>()
        expect(row?.formatted.length, name).toBeGreaterThan(0)
      }
    }
  })

  it('rejects a badly named migration file', async () => {
    const dir = await tempDir()
    const { writeFile } = await import('node:fs/promises')
    await writeFile(`${dir}/1_x.sql`, 'SELECT 1')
    await expect(loadMigrations(dir)).rejects.toThrowError(MigrationError)
  })
})

describe('renderDdl', () => {
  it('keeps engine parameters after the replica arguments', () => {
    const sql =
      'CREATE TABLE {{db}}.t {{on_cluster}} (v UInt8) ENGINE = ReplacingMergeTree(updated_at) ORDER BY v'
    expect(renderDdl(sql, { database: 'd', cluster: 'c' })).toBe(
      "CREATE TABLE d.t ON CLUSTER 'c' (v UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', updated_at) ORDER BY v",
    )
    expect(renderDdl(sql, { database: 'd', cluster: undefined })).toBe(
      'CREATE TABLE d.t  (v UInt8) ENGINE = ReplacingMergeTree(updated_at) ORDER BY v',
    )
  })
})
