import type { QueryParams } from '../../platform/clickhouse/db.ts'
import { groupingSql } from '../semantic/grouping-sets.ts'
import type { CompiledSql, CompileShape, FamilyQuery } from '../semantic/metric-family.ts'
import { bucketSql } from '../semantic/time-bucket.ts'

/**
 * Compiles a family query over a relation of fact rows: `facts` selects a `ts` column, one String column
 * per dimension (named as the dimension) and the measure columns the metric expressions aggregate.
 * Filters and groupings are the dimension columns, so every fact row is cut the same way. Totals asked by
 * `shape.totalsBy` come from the same pass (`groupingSql`).
 */
export function compileOverFacts(
  query: FamilyQuery<unknown>,
  { bucketed, totalsBy }: CompileShape,
  facts: CompiledSql,
  metricSql: Record<string, string>,
  /** Conditions on the fact rows, beyond the filters (constant SQL, no user values). */
  where: string[] = [],
): CompiledSql {
  const keys = [...(bucketed ? ['bucket'] : []), ...query.groupBy]
  const select = [
    ...(bucketed ? [`${bucketSql('ts', query.window.granularity)} AS bucket`] : []),
    ...query.groupBy,
    ...query.metrics.map((name) => `${metricSql[name]} AS ${name}`),
  ]
  const grouping = groupingSql(keys, totalsBy)
  const filters = [
    ...where,
    ...Object.keys(query.filters).map((name) => `${name} IN {filter_${name}:Array(String)}`),
  ]
  const params: QueryParams = { ...facts.params, tenantId: query.tenantId }
  for (const [name, values] of Object.entries(query.filters)) params[`filter_${name}`] = values
  return {
    sql: `SELECT ${[...select, ...grouping.marker].join(', ')}
      FROM (${facts.sql})
      ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''}
      ${grouping.groupBy} ${grouping.orderBy}`,
    params,
    totalsMarked: grouping.totalsMarked,
  }
}

/** `numerator / denominator`, NULL when the denominator is 0. */
export const ratioSql = (numerator: string, denominator: string): string =>
  `${numerator} / nullIf(${denominator}, 0)`
