import type { Db, QueryParams, TableName } from './db.ts'

/** A control-table row as the product sees it: every time is epoch milliseconds, read and written. */
export interface VersionedRow {
  created_at: number
  updated_at: number
}

type StoredFields<Row> = Exclude<keyof Row & string, keyof VersionedRow>

export interface ControlTableSpec<Row extends VersionedRow> {
  table: TableName
  /** Every stored column but `created_at`, `updated_at` and `deleted`. */
  columns: readonly StoredFields<Row>[]
  /** Other `DateTime64` columns, read as epoch ms like the version times. */
  timeColumns?: readonly StoredFields<Row>[]
  /** Whether rows are removed by a `deleted = 1` version (keys are revoked instead, and stay listed). */
  deletable: boolean
}

/**
 * Durable configuration (tenants, keys, flows, connections, goals, reports, dashboards, schedules) lives in
 * `ReplacingMergeTree(updated_at)` tables: a change writes the whole row again with a later `updated_at`,
 * a removal writes it with `deleted = 1`, and reads take the newest version with `FINAL`.
 */
export interface ControlTable<Row extends VersionedRow> {
  /** The live rows matching `where` (SQL over server-side `params`), in `orderBy` order. */
  select(db: Db, where: string, params: QueryParams, orderBy?: string): Promise<Row[]>
  selectOne(db: Db, where: string, params: QueryParams): Promise<Row | undefined>
  /** Stores `row` as the version after `previous` (or as the first one) and answers what was stored. */
  write(
    db: Db,
    row: Omit<Row, keyof VersionedRow>,
    previous: VersionedRow | undefined,
    now: number,
  ): Promise<Row>
  /** Stores a version of `previous` that removes it. */
  remove(db: Db, previous: Row, now: number): Promise<void>
}

export function controlTable<Row extends VersionedRow>(spec: ControlTableSpec<Row>): ControlTable<Row> {
  const asMs = (column: string) => `toFloat64(toUnixTimestamp64Milli(${column})) AS ${column}`
  const times = new Set<string>(spec.timeColumns ?? [])
  const columns = [
    ...spec.columns.map((column) => (times.has(column) ? asMs(column) : column)),
    asMs('created_at'),
    asMs('updated_at'),
  ].join(', ')
  const live = spec.deletable ? 'deleted = 0 AND ' : ''

  const select = (db: Db, where: string, params: QueryParams, orderBy?: string) =>
    db.select<Row>(
      `SELECT ${columns} FROM ${db.tables[spec.table]} FINAL WHERE ${live}(${where})${orderBy ? ` ORDER BY ${orderBy}` : ''}`,
      params,
    )
  const insert = (db: Db, row: object, deleted: 0 | 1) =>
    db.insert(spec.table, [spec.deletable ? { ...row, deleted } : row])

  return {
    select,
    async selectOne(db, where, params) {
      return (await select(db, where, params, undefined)).at(0)
    },
    async write(db, row, previous, now) {
      const stored = {
        ...row,
        created_at: previous?.created_at ?? now,
        updated_at: nextVersion(previous, now),
      } as Row
      await insert(db, stored, 0)
      return stored
    },
    async remove(db, previous, now) {
      await insert(db, { ...previous, updated_at: nextVersion(previous, now) }, 1)
    },
  }
}

/** Strictly after the version it replaces, so ReplacingMergeTree keeps a change made in the same millisecond. */
function nextVersion(previous: VersionedRow | undefined, now: number): number {
  return previous ? Math.max(now, previous.updated_at + 1) : now
}
