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
  'conversion_settings',
  'identity_links',
  'identity_owners',
  'chat_sessions',
  'execution_events',
  'reports',
  'dashboards',
  'dashboard_tiles',
  'report_schedules',
  'report_runs',
  'report_artifacts',
  'widget_settings',
  'widget_settings_versions',
  'forms',
  'form_versions',
  'webhook_endpoints',
  'webhook_messages',
  'webhook_attempts',
] as const

export type TableName = (typeof TABLE_NAMES)[number]
export type Tables = Record<TableName, string>

export type QueryParams = Record<string, unknown>

/**
 * Every setting a query may pass, at its ClickHouse default. Embedded chdb keeps a setting given to one
 * query for every later query of the process (a deduplication token left behind silently dropped the
 * next plain insert), so a call that does not set one the previous calls changed sends it back at its
 * default. Only those are sent: each setting chdb applies costs time (all of them on every insert
 * halved the direct insert rate).
 */
export const SETTING_DEFAULTS = {
  input_format_skip_unknown_fields: 1,
  insert_deduplication_token: '',
  log_comment: '',
  max_execution_time: 0,
  max_result_rows: '0',
  result_overflow_mode: 'throw',
} as const satisfies ClickHouseSettings

export type DbSettings = Partial<Pick<ClickHouseSettings, keyof typeof SETTING_DEFAULTS>>
type SettingName = keyof typeof SETTING_DEFAULTS

/** The settings for each call: its own, plus a reset of every one an earlier call left changed. */
function settingsTracker(): (own?: DbSettings) => DbSettings {
  const changed = new Set<SettingName>()
  return (own = {}) => {
    const settings: Record<string, unknown> = { ...own }
    for (const name of changed) if (!(name in own)) settings[name] = SETTING_DEFAULTS[name]
    changed.clear()
    for (const [name, value] of Object.entries(own) as [SettingName, unknown][]) {
      if (String(value) !== String(SETTING_DEFAULTS[name])) changed.add(name)
    }
    return settings as DbSettings
  }
}

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
  /** The same database, with every call tagged by `origin` as well (see `QueryOrigin`). */
  withOrigin(origin: QueryOrigin): Db
}

/**
 * Who runs a call (component, family, report, tenant, ...): sent as the query's `log_comment`, so
 * `system.query_log` of a ClickHouse server tells who ran what.
 */
export type QueryOrigin = Readonly<Record<string, string>>

/** One tracker per client: chdb keeps settings per connection, whichever Db sent them. */
const trackers = new WeakMap<object, ReturnType<typeof settingsTracker>>()
function trackerOf(client: object): ReturnType<typeof settingsTracker> {
  let tracker = trackers.get(client)
  if (!tracker) {
    tracker = settingsTracker()
    trackers.set(client, tracker)
  }
  return tracker
}

export function createDb(clickhouse: ClickHouse, origin: QueryOrigin = {}): Db {
  const { client, database } = clickhouse
  const tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, `${database}.${name}`])) as Tables
  const tracker = trackerOf(client)
  const logComment = Object.keys(origin).length === 0 ? undefined : JSON.stringify(origin)
  const settingsFor = (own?: DbSettings) => tracker(logComment ? { ...own, log_comment: logComment } : own)
  return {
    tables,
    async select<Row>(query: string, params: QueryParams = {}, settings?: DbSettings) {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: settingsFor(settings),
      })
      return result.json<Row>()
    },
    async *stream<Row>(query: string, params: QueryParams = {}, settings?: DbSettings) {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: settingsFor(settings),
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
        clickhouse_settings: settingsFor(settings),
      })
    },
    async command(query, params = {}) {
      await client.command({ query, query_params: params, clickhouse_settings: settingsFor() })
    },
    async ping() {
      const result = await client.ping()
      if (!result.success) throw result.error
    },
    withOrigin(more) {
      return createDb(clickhouse, { ...origin, ...more })
    },
  }
}
