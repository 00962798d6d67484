import type { ClickHouseSettings } from '@clickhouse/client'
import type { ClickHouse } from './create-clickhouse.ts'

/** Every table Comerix reads or writes; SQL names them only through this map. */
const TABLE_NAMES = [
  'schema_migrations',
  'tenants',
  'secret_keys',
  'widget_keys',
  'events',
  'events_dead_letter',
  'flows',
  'flow_versions',
  'uploads',
  'connections',
  'llm_prices',
  'llm_calls',
  'token_spend_hourly',
  'goals',
  'conversions',
  'identity_links',
  'chat_sessions',
  'reports',
  'dashboards',
  'dashboard_tiles',
  'report_schedules',
  'report_runs',
  'report_artifacts',
] as const

export type TableName = (typeof TABLE_NAMES)[number]
export type Tables = Record<TableName, string>

export type QueryParams = Record<string, unknown>
export type { ClickHouseSettings }

/**
 * The one way the product talks to ClickHouse: values always travel as server-side parameters
 * (`{name:Type}` in the SQL text), never spliced into it.
 */
export interface Db {
  readonly tables: Tables
  select<Row>(query: string, params?: QueryParams, settings?: ClickHouseSettings): Promise<Row[]>
  /** Rows as ClickHouse sends them, without holding the whole result (exports). */
  stream<Row>(query: string, params?: QueryParams, settings?: ClickHouseSettings): AsyncIterable<Row>
  insert(table: TableName, rows: readonly object[], settings?: ClickHouseSettings): Promise<void>
  command(query: string, params?: QueryParams): Promise<void>
  ping(): Promise<void>
}

export function createDb(clickhouse: ClickHouse): Db {
  const { client, database } = clickhouse
  const tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, `${database}.${name}`])) as Tables
  return {
    tables,
    async select<Row>(query: string, params: QueryParams = {}, settings?: ClickHouseSettings) {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        ...(settings ? { clickhouse_settings: settings } : {}),
      })
      return result.json<Row>()
    },
    async *stream<Row>(query: string, params: QueryParams = {}, settings?: ClickHouseSettings) {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        ...(settings ? { clickhouse_settings: settings } : {}),
      })
      for await (const chunk of result.stream<Row>()) {
        for (const row of chunk) yield row.json<Row>()
      }
    },
    async insert(table, rows, settings) {
      if (rows.length === 0) return
      await client.insert({
        table: tables[table],
        values: rows as object[],
        format: 'JSONEachRow',
        ...(settings ? { clickhouse_settings: settings } : {}),
      })
    },
    async command(query, params = {}) {
      await client.command({ query, query_params: params })
    },
    async ping() {
      const result = await client.ping()
      if (!result.success) throw result.error
    },
  }
}
