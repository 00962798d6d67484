import type { Db } from '../../platform/clickhouse/db.ts'
import type { AnalyticsResult, ResultColumn, ResultRow } from './analytics-result.ts'

/**
 * Dimensions whose values are ids people cannot read, with the SQL that names them (a control table,
 * newest version). Names are looked up after the family's query, never joined inside it, so family SQL
 * stays about events; a value without a name (deleted, or a beacon's free text) keeps its id.
 */
const NAME_SOURCES: Record<string, { label: string; sql: (db: Db) => string }> = {
  flow: {
    label: 'Flow name',
    sql: (db) =>
      `SELECT toString(flow_id) AS id, name FROM ${db.tables.flows} FINAL WHERE tenant_id = {tenantId:UUID} AND deleted = 0`,
  },
  intent: {
    label: 'Flow name',
    sql: (db) =>
      `SELECT intent AS id, argMax(name, updated_at) AS name FROM ${db.tables.flows} FINAL WHERE tenant_id = {tenantId:UUID} AND deleted = 0 GROUP BY intent`,
  },
  widget_key: {
    label: 'Widget key name',
    sql: (db) =>
      `SELECT public_key AS id, name FROM ${db.tables.widget_keys} FINAL WHERE tenant_id = {tenantId:UUID} AND name != ''`,
  },
  goal: {
    label: 'Goal name',
    sql: (db) =>
      `SELECT goal_id AS id, name FROM ${db.tables.goals} FINAL WHERE tenant_id = {tenantId:UUID} AND deleted = 0`,
  },
}

export const nameColumn = (dimension: string): string => `${dimension}_name`

/** The columns without the names `loadDimensionNames` adds (to name streamed rows like the head). */
export const withoutNameColumns = (columns: ResultColumn[]): ResultColumn[] =>
  columns.filter(
    (column) =>
      !Object.keys(NAME_SOURCES).some(
        (dimension) =>
          column.name === nameColumn(dimension) && columns.some((other) => other.name === dimension),
      ),
  )

/** The columns people read: an id column is left out where its name column follows it (the PDF). */
export const readableColumns = (columns: ResultColumn[]): ResultColumn[] =>
  columns.filter(
    (column) =>
      !(
        column.kind === 'dimension' &&
        Object.hasOwn(NAME_SOURCES, column.name) &&
        columns.some((other) => other.name === nameColumn(column.name))
      ),
  )

/** Adds a name to rows and columns: `flow` gets `flow_name` beside it, and so on. */
export interface DimensionNamer {
  columns(columns: ResultColumn[]): ResultColumn[]
  row(row: ResultRow): ResultRow
  result(result: AnalyticsResult): AnalyticsResult
}

/** Looks up the names of the id-valued dimensions among `columns` (one small query per dimension). */
export async function loadDimensionNames(
  db: Db,
  tenantId: string,
  columns: ResultColumn[],
): Promise<DimensionNamer> {
  const present = new Set(columns.map((column) => column.name))
  const named = columns.filter(
    (column) =>
      column.kind === 'dimension' &&
      Object.hasOwn(NAME_SOURCES, column.name) &&
      !present.has(nameColumn(column.name)),
  )
  const maps = new Map<string, Map<string, string>>()
  const tagged = db.withOrigin({ component: 'dimension-names', tenant: tenantId })
  await Promise.all(
    named.map(async (column) => {
      const source = NAME_SOURCES[column.name] as (typeof NAME_SOURCES)[string]
      const rows = await tagged.select<{ id: string; name: string }>(source.sql(db), { tenantId })
      maps.set(column.name, new Map(rows.map((entry) => [entry.id, entry.name])))
    }),
  )
  const addColumns = (list: ResultColumn[]) =>
    list.flatMap((column) =>
      maps.has(column.name)
        ? [
            column,
            {
              name: nameColumn(column.name),
              kind: 'dimension' as const,
              label: NAME_SOURCES[column.name]?.label ?? column.label,
            },
          ]
        : [column],
    )
  const addNames = (row: ResultRow): ResultRow => {
    if (maps.size === 0) return row
    const out: ResultRow = {}
    for (const [key, value] of Object.entries(row)) {
      out[key] = value
      const names = maps.get(key)
      if (names)
        out[nameColumn(key)] = names.get(String(value ?? '')) ?? (value === null ? null : String(value))
    }
    return out
  }
  return {
    columns: addColumns,
    row: addNames,
    result: (result) =>
      maps.size === 0
        ? result
        : {
            ...result,
            columns: addColumns(result.columns),
            rows: result.rows.map(addNames),
            totals: result.totals.map(addNames),
            series: result.series.map((line) => ({ group: addNames(line.group), points: line.points })),
            ...(result.previous
              ? {
                  previous: {
                    ...result.previous,
                    rows: result.previous.rows.map(addNames),
                    totals: result.previous.totals.map(addNames),
                  },
                }
              : {}),
          },
  }
}
