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

/**
 * Every setting a query may pass, at its ClickHouse default. Embedded chdb keeps a setting given to one
 * query for every later query of the process (a deduplication token left behind silently dropped the
 * next plain insert), so each call sends all of them: its own values over these defaults.
 */
export const SETTING_DEFAULTS = {
  input_format_skip_unknown_fields: 1,
  insert_deduplication_token: '',
  max_execution_time: 0,
  max_result_rows: '0',
  result_overflow_mode: 'throw',
} as const satisfies ClickHouseSettings

export type DbSettings = Partial<Pick<ClickHouseSettings, keyof typeof SETTING_DEFAULTS>>

/**
 * The one way the product talks to ClickHouse: values always travel as server-side parameters
 * (`{name:Type}` in the SQL text), never spliced into it.
 */
export interface Db {
  readonly tables: Tables
  select<Row>(query: string, params?: QueryParams, settings?: DbSettings): Promise<Row[]>
  /** Rows as ClickHouse sends them, without holding the whole result (exports). */
  stream<Row>(query: string, params?: QueryParams, settings?: DbSettings): AsyncIterable<Row>
  insert(table: TableName, rows: readonly object[], settings?: DbSettings): Promise<void>
  command(query: string, params?: QueryParams): Promise<void>
  ping(): Promise<void>
}

export function createDb(clickhouse: ClickHouse): Db {
  const { client, database } = clickhouse
  const tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, `${database}.${name}`])) as Tables
  return {
    tables,
    async select<Row>(query: string, params: QueryParams = {}, settings?: DbSettings) {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { ...SETTING_DEFAULTS, ...settings },
      })
      return result.json<Row>()
    },
    async *stream<Row>(query: string, params: QueryParams = {}, settings?: DbSettings) {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { ...SETTING_DEFAULTS, ...settings },
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
        clickhouse_settings: { ...SETTING_DEFAULTS, ...settings },
      })
    },
    async command(query, params = {}) {
      await client.command({ query, query_params: params, clickhouse_settings: SETTING_DEFAULTS })
    },
    async ping() {
      const result = await client.ping()
      if (!result.success) throw result.error
    },
  }
}
