import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256Hex } from '../ids.ts'
import type { Logger } from '../log/logger.ts'
import type { StateStore } from '../state/state-store.ts'
import { acquireWithin } from '../state/with-lock.ts'
import type { ClickHouse } from './create-clickhouse.ts'
import { SETTING_DEFAULTS } from './db.ts'
import { renderDdl, splitStatements } from './render-ddl.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/migrations', import.meta.url))

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

export class MigrationError extends Error {
  override name = 'MigrationError'
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort()
  const migrations: Migration[] = []
  for (const file of files) {
    const match = FILE_NAME.exec(file)
    if (!match) throw new MigrationError(`${file}: migration files are named NNNN_snake_name.sql`)
    const sql = await readFile(path.join(dir, file), 'utf8')
    const version = Number(match[1])
    if (migrations.some((migration) => migration.version === version)) {
      throw new MigrationError(`${file}: version ${version} is used twice`)
    }
    migrations.push({ version, name: file, sql, checksum: sha256Hex(sql) })
  }
  return migrations
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

export interface MigrateOptions {
  clickhouse: ClickHouse
  state: StateStore
  logger: Logger
  migrations?: Migration[]
  /** How long to wait for another process holding the migration lock. */
  lockWaitMs?: number
}

const LOCK_LEASE_MS = 30_000

/**
 * Applies pending migrations in version order, once, even when several processes start together:
 * they serialise on a leased lock in the state store, and each re-reads what is applied after taking it.
 * An applied file whose checksum changed stops everything: history is never rewritten silently.
 */
export async function migrate(options: MigrateOptions): Promise<{ applied: string[] }> {
  const { clickhouse, state, logger } = options
  const migrations = options.migrations ?? (await loadMigrations())
  const target = { database: clickhouse.database, cluster: clickhouse.cluster }
  const run = (sql: string) =>
    clickhouse.client.command({ query: renderDdl(sql, target), clickhouse_settings: SETTING_DEFAULTS })

  await run('CREATE DATABASE IF NOT EXISTS {{db}} {{on_cluster}}')
  await run(`CREATE TABLE IF NOT EXISTS {{db}}.schema_migrations {{on_cluster}} (
    version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC')
  ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`)

  const lockName = `migrations:${clickhouse.database}`
  const lockWaitMs = options.lockWaitMs ?? 300_000
  const lock = await acquireWithin(state, lockName, LOCK_LEASE_MS, lockWaitMs)
  if (!lock)
    throw new MigrationError(`another process has held the lock ${lockName} for over ${lockWaitMs} ms`)
  const renewal = setInterval(() => void lock.renew(LOCK_LEASE_MS), LOCK_LEASE_MS / 3)
  try {
    const applied = await readApplied(clickhouse)
    verifyUnchanged(migrations, applied)
    const pending = migrations.filter((migration) => !applied.has(migration.version))
    for (const migration of pending) {
      logger.info({ migration: migration.name }, 'applying migration')
      for (const statement of splitStatements(migration.sql)) await run(statement)
      await clickhouse.client.insert({
        table: `${clickhouse.database}.schema_migrations`,
        values: [
          {
            version: migration.version,
            name: migration.name,
            checksum: migration.checksum,
            applied_at: Date.now(),
          },
        ],
        format: 'JSONEachRow',
        clickhouse_settings: SETTING_DEFAULTS,
      })
    }
    return { applied: pending.map((migration) => migration.name) }
  } finally {
    clearInterval(renewal)
    await lock.release()
  }
}

async function readApplied(clickhouse: ClickHouse): Promise<Map<number, AppliedRow>> {
  const result = await clickhouse.client.query({
    query: `SELECT version, name, checksum FROM ${clickhouse.database}.schema_migrations FINAL ORDER BY version`,
    format: 'JSONEachRow',
    clickhouse_settings: SETTING_DEFAULTS,
  })
  const rows = await result.json<AppliedRow>()
  return new Map(rows.map((row) => [Number(row.version), row]))
}

function verifyUnchanged(migrations: Migration[], applied: Map<number, AppliedRow>): void {
  const edited = migrations.filter((migration) => {
    const row = applied.get(migration.version)
    return row !== undefined && row.checksum !== migration.checksum
  })
  if (edited.length > 0) {
    throw new MigrationError(
      `applied migration(s) were edited: ${edited.map((migration) => migration.name).join(', ')}. ` +
        'Restore the applied file and add a new migration for the change.',
    )
  }
}
