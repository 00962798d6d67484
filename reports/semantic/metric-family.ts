import type { z } from 'zod'
import type { Db, DbSettings, QueryParams } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { AnalyticsResult, MetricFormat, ResultColumn, ResultRow } from './analytics-result.ts'
import { describeWindow, type ResolvedWindow, type ResolvedWindows } from './analytics-window.ts'
import { toSeries } from './chart-series.ts'
import { loadDimensionNames } from './dimension-names.ts'
import { TOTALS_MARKER } from './grouping-sets.ts'
import { windowParams } from './time-bucket.ts'

/** How a value is shown and exported: counts and tokens as integers, money as integer micros of `currency`. */
export interface MetricDef {
  label: string
  format: MetricFormat
  description: string
}

export interface DimensionDef {
  label: string
  description: string
}

/** One analytics question over a resolved window: what to compute, how to cut it, and which rows to keep. */
export interface FamilyQuery<Options = Record<string, unknown>> {
  tenantId: string
  window: ResolvedWindow
  metrics: string[]
  groupBy: string[]
  /** Dimension name -> allowed values (OR within a dimension, AND across dimensions). */
  filters: Record<string, string[]>
  options: Options
}

export interface SortKey {
  /** `bucket`, a dimension of the grouping, or a requested metric. */
  by: string
  direction: 'asc' | 'desc'
}

/** How the grouped rows come back: sorted (after the family's own bucket-then-group order) and cut. */
export interface RowShape {
  sort?: SortKey[]
  limit?: number
}

/** SQL text with its server-side parameters; every user value is a parameter. */
export interface CompiledSql {
  sql: string
  params: QueryParams
  /** The query also returns the totals asked by `CompileShape.totalsBy`, marked `__totals = 1`. */
  totalsMarked?: boolean
}

/**
 * How a family compiles: with a `bucket` column or not and, when `totalsBy` is given and the family can,
 * the totals grouped by those keys in the same query (`groupingSql`); a family that cannot ignores it.
 */
export interface CompileShape {
  bucketed: boolean
  totalsBy?: string[]
}

/**
 * A group of metrics answered from one relation (engagement, goals, conversions, token spend,
 * attribution). A family compiles a query to SQL that returns one row per (bucket, group): a `bucket`
 * column when `bucketed` (use `bucketSql(column, query.window.granularity)`), one column per dimension
 * of `groupBy` and one per requested metric, all named as in the query, ordered by bucket then group.
 * The window's bounds and timezone are the `{from}`, `{to}` and `{timezone}` parameters (`inWindowSql`).
 */
export interface MetricFamily<Options = Record<string, unknown>> {
  name: string
  description: string
  metrics: Record<string, MetricDef>
  dimensions: Record<string, DimensionDef>
  /** Family-specific options (the attribution model, ...), validated at the edge. */
  options: z.ZodType<Options>
  /** Dimensions always added to the grouping (money is never summed across currencies). */
  implicitGroupBy?: (metrics: string[]) => string[]
  compile(query: FamilyQuery<Options>, shape: CompileShape): CompiledSql
}

/** Query settings every analytics query runs with: bounded time and result size. */
export const ANALYTICS_SETTINGS = {
  max_execution_time: 60,
  max_result_rows: '200000',
  result_overflow_mode: 'throw',
} as const satisfies DbSettings

/** Rejects names the family does not define, naming them. */
export function checkQueryNames(
  family: MetricFamily<unknown>,
  query: Pick<FamilyQuery, 'metrics' | 'groupBy' | 'filters'>,
): void {
  // Own names only: `constructor`, `toString` or `__proto__` are in every object through its prototype.
  const unknownOf = (names: string[], known: Record<string, unknown>) =>
    names.filter((name) => !Object.hasOwn(known, name))
  const problems = [
    ...unknownOf(query.metrics, family.metrics).map((name) => `unknown metric "${name}"`),
    ...unknownOf(query.groupBy, family.dimensions).map((name) => `unknown dimension "${name}"`),
    ...unknownOf(Object.keys(query.filters), family.dimensions).map((name) => `unknown filter "${name}"`),
  ]
  if (query.metrics.length === 0) problems.push('ask for at least one metric')
  if (problems.length > 0) {
    throw new AppError('validation_failed', `${family.name}: ${problems.join('; ')}`, {
      family: family.name,
      problems,
      metrics: Object.keys(family.metrics),
      dimensions: Object.keys(family.dimensions),
    })
  }
}

/** Runs a family's query for the window (and the previous period when asked) and shapes the result. */
export async function runFamily<Options>(
  db: Db,
  family: MetricFamily<Options>,
  query: Omit<FamilyQuery<Options>, 'window'>,
  windows: ResolvedWindows,
  shape: RowShape = {},
): Promise<AnalyticsResult> {
  const full = prepare(family, query, windows, shape)
  const { groupBy } = full
  const tagged = withFamilyOrigin(db, family, query)
  const [current, previous] = await Promise.all([
    runWindow(tagged, family, { ...full, window: windows.current }, shape),
    windows.previous ? runWindow(tagged, family, { ...full, window: windows.previous }, shape) : undefined,
  ])
  const columns: ResultColumn[] = [
    ...(windows.current.granularity === 'total'
      ? []
      : [{ name: 'bucket', kind: 'bucket' as const, label: 'Period' }]),
    ...groupBy.map((name) => ({
      name,
      kind: 'dimension' as const,
      label: ownValue(family.dimensions, name)?.label ?? name,
    })),
    ...query.metrics.map((name) => {
      const def = ownValue(family.metrics, name)
      return { name, kind: 'metric' as const, label: def?.label ?? name, format: def?.format ?? 'number' }
    }),
  ]
  const named = await loadDimensionNames(tagged, query.tenantId, columns)
  return named.result({
    family: family.name,
    range: describeWindow(windows.current),
    columns,
    rows: current.rows,
    totals: current.totals,
    series: toSeries(
      current.rows,
      groupBy,
      columns.flatMap((column) =>
        column.kind === 'metric' ? [{ name: column.name, format: column.format ?? 'number' }] : [],
      ),
      windows.current,
    ),
    ...(previous && windows.previous
      ? {
          previous: { range: describeWindow(windows.previous), rows: previous.rows, totals: previous.totals },
        }
      : {}),
  })
}

/** Checks the names and adds the family's implicit grouping (currency for money). */
function prepare<Options>(
  family: MetricFamily<Options>,
  query: Omit<FamilyQuery<Options>, 'window'>,
  windows: ResolvedWindows,
  shape: RowShape,
): Omit<FamilyQuery<Options>, 'window'> {
  checkQueryNames(family as MetricFamily<unknown>, query)
  const groupBy = [...new Set([...query.groupBy, ...(family.implicitGroupBy?.(query.metrics) ?? [])])]
  const bucketed = windows.current.granularity !== 'total'
  checkSort(family.name, shape.sort ?? [], [...(bucketed ? ['bucket'] : []), ...groupBy, ...query.metrics])
  return { ...query, groupBy }
}

/** `record[name]` when `record` defines it itself, never what its prototype holds. */
export function ownValue<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined
}

/**
 * ClickHouse refuses a result beyond `max_result_rows`: that is the question's size, not a fault, so the
 * caller gets a 400 saying how to narrow it.
 */
function tooManyRows(error: unknown): unknown {
  const { type, code } = (error ?? {}) as { type?: unknown; code?: unknown }
  if (type !== 'TOO_MANY_ROWS_OR_BYTES' && code !== '396') return error
  return new AppError(
    'validation_failed',
    `the result has more than ${ANALYTICS_SETTINGS.max_result_rows} rows: add filters or a limit, group by fewer dimensions or use a coarser granularity`,
    { field: 'limit', maxRows: Number(ANALYTICS_SETTINGS.max_result_rows) },
  )
}

function checkSort(familyName: string, sort: SortKey[], columns: string[]): void {
  const unknown = sort.filter((key) => !columns.includes(key.by)).map((key) => `cannot sort by "${key.by}"`)
  if (unknown.length > 0) {
    throw new AppError('validation_failed', `${familyName}: ${unknown.join('; ')}`, {
      problems: unknown,
      columns,
    })
  }
}

/** Wraps the family's SQL in the requested order and limit; sort names were checked against the result's columns. */
function shaped(compiled: CompiledSql, { sort = [], limit }: RowShape): CompiledSql {
  if (sort.length === 0 && limit === undefined) return compiled
  const order = sort.map((key) => `\`${key.by}\` ${key.direction === 'desc' ? 'DESC' : 'ASC'}`).join(', ')
  return {
    sql: `SELECT * FROM (${compiled.sql}) ${order ? `ORDER BY ${order}` : ''} ${limit === undefined ? '' : 'LIMIT {row_limit:UInt32}'}`,
    params: { ...compiled.params, ...(limit === undefined ? {} : { row_limit: limit }) },
  }
}

/**
 * The grouped rows of `runFamily`'s current window, streamed from ClickHouse as they come: exports
 * write them without holding the result. Names are checked the same way.
 */
export async function* streamFamilyRows<Options>(
  db: Db,
  family: MetricFamily<Options>,
  query: Omit<FamilyQuery<Options>, 'window'>,
  windows: ResolvedWindows,
  shape: RowShape = {},
): AsyncIterable<ResultRow> {
  const full = prepare(family, query, windows, shape)
  const window = windows.current
  const { sql, params } = shaped(
    family.compile({ ...full, window }, { bucketed: window.granularity !== 'total' }),
    shape,
  )
  try {
    for await (const row of withFamilyOrigin(db, family, query).stream<ResultRow>(
      sql,
      { ...windowParams(window), ...params },
      ANALYTICS_SETTINGS,
    )) {
      yield normaliseRow(row, query.metrics)
    }
  } catch (error) {
    throw tooManyRows(error)
  }
}

async function runWindow<Options>(
  db: Db,
  family: MetricFamily<Options>,
  query: FamilyQuery<Options>,
  shape: RowShape,
) {
  const bucketed = query.window.granularity !== 'total'
  const totalsBy = query.groupBy.filter((name) => isImplicit(family, query, name))
  const run = async ({ sql, params }: CompiledSql) =>
    (
      await db
        .select<ResultRow>(sql, { ...windowParams(query.window), ...params }, ANALYTICS_SETTINGS)
        .catch((error: unknown) => Promise.reject(tooManyRows(error)))
    ).map((row) => normaliseRow(row, query.metrics))
  const keys = [...(bucketed ? ['bucket'] : []), ...query.groupBy]
  // Totals grouped as the rows are, in the same order: the totals are the rows themselves.
  if (keys.length === totalsBy.length && (shape.sort ?? []).length === 0 && shape.limit === undefined) {
    const rows = await run(family.compile(query, { bucketed }))
    return { rows, totals: rows }
  }
  // A limit without a sort keeps the family's own first rows: only its own query knows that order.
  const oneQuery = shape.limit === undefined || (shape.sort ?? []).length > 0
  const combined = family.compile(query, { bucketed, ...(oneQuery ? { totalsBy } : {}) })
  if (combined.totalsMarked) {
    const all = await run(shapedWithTotals(combined, shape, totalsBy))
    const totalsColumns = [...totalsBy, ...query.metrics]
    return {
      rows: all.filter((row) => Number(row[TOTALS_MARKER]) !== 1).map((row) => withoutMarker(row)),
      totals: all
        .filter((row) => Number(row[TOTALS_MARKER]) === 1)
        .map((row) => Object.fromEntries(totalsColumns.map((name) => [name, row[name] ?? null]))),
    }
  }
  const totals = family.compile({ ...query, groupBy: totalsBy }, { bucketed: false })
  // Independent reads: ClickHouse runs them side by side, so the answer waits for the slower one only.
  const [rows, totalRows] = await Promise.all([run(shaped(combined, shape)), run(totals)])
  return { rows, totals: totalRows }
}

/**
 * `shaped` for a query that returns its totals too: the sort and the limit apply to the rows only; every
 * totals row is kept, last, in `totalsBy` order.
 */
function shapedWithTotals(
  compiled: CompiledSql,
  { sort = [], limit }: RowShape,
  totalsBy: string[],
): CompiledSql {
  if (sort.length === 0) return compiled
  const quote = (name: string) => `\`${name}\``
  const order = sort.map((key) => `${quote(key.by)} ${key.direction === 'desc' ? 'DESC' : 'ASC'}`).join(', ')
  const rank = `if(${TOTALS_MARKER} = 1, 0, row_number() OVER (PARTITION BY ${TOTALS_MARKER} ORDER BY ${order}))`
  return {
    ...compiled,
    sql: `SELECT * EXCEPT (__rank) FROM (SELECT *, ${rank} AS __rank FROM (${compiled.sql}))
      ${limit === undefined ? '' : 'WHERE __rank <= {row_limit:UInt32}'}
      ORDER BY ${[TOTALS_MARKER, '__rank', ...totalsBy.map(quote)].join(', ')}`,
    params: { ...compiled.params, ...(limit === undefined ? {} : { row_limit: limit }) },
  }
}

function withoutMarker(row: ResultRow): ResultRow {
  const { [TOTALS_MARKER]: _marker, ...rest } = row
  return rest
}

function isImplicit<Options>(
  family: MetricFamily<Options>,
  query: FamilyQuery<Options>,
  name: string,
): boolean {
  return family.implicitGroupBy?.(query.metrics).includes(name) ?? false
}

/** ClickHouse sends 64-bit integers as strings; metrics are numbers (micros stay below 2^53). */
function normaliseRow(row: ResultRow, metrics: string[]): ResultRow {
  const out: ResultRow = { ...row }
  for (const name of metrics) {
    const value = row[name]
    out[name] = value === null || value === undefined ? null : Number(value)
    if (typeof out[name] === 'number' && !Number.isFinite(out[name])) out[name] = null
  }
  return out
}

/** Every analytics query names its family and tenant in `system.query_log` (see `Db.withOrigin`). */
function withFamilyOrigin(db: Db, family: { name: string }, query: { tenantId: string }): Db {
  return db.withOrigin({ family: family.name, tenant: query.tenantId })
}
