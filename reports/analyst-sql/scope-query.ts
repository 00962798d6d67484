import { ANALYST_SCHEMA, ANALYST_VIEWS, scopedView, TENANT_PARAM } from './analyst-schema.ts'

export interface QueryLimits {
  maxExecutionSeconds: number
  maxResultRows: number
  maxResultBytes: number
  maxMemoryBytes: number
}

/**
 * The analyst's checked SELECT, run so that every view it names is its tenant's rows only: each view name,
 * bare and qualified (`events`, `analytics_v1.events`), is a CTE over the tenant-scoped parameterized view,
 * called with the tenant of the credential as a server-side parameter. CTEs shadow tables of the same name,
 * in the query and every query nested in it. The limits are the query's own SETTINGS, which hold for this
 * query only (chdb keeps SET settings for the whole session, shared with the product).
 */
export function scopeQuery(
  database: string,
  body: string,
  limits: QueryLimits,
  outputSettings: Readonly<Record<string, string>> = {},
): string {
  const ctes = ANALYST_VIEWS.flatMap((view) => {
    const source = `(SELECT * FROM ${scopedView(database, view)}(${TENANT_PARAM} = {${TENANT_PARAM}:UUID}))`
    return [`${view} AS ${source}`, `\`${ANALYST_SCHEMA}.${view}\` AS ${source}`]
  })
  // ClickHouse server defaults that chdb does not share, so clients read what they would from a server.
  const output = { output_format_json_quote_64bit_integers: '1', ...outputSettings }
  const settings = [
    ...Object.entries(output).map(([name, value]) => `${name} = ${value}`),
    `max_execution_time = ${limits.maxExecutionSeconds}`,
    "timeout_overflow_mode = 'throw'",
    `max_result_rows = ${limits.maxResultRows}`,
    `max_result_bytes = ${limits.maxResultBytes}`,
    "result_overflow_mode = 'throw'",
    `max_memory_usage = ${limits.maxMemoryBytes}`,
    'limit = 0',
    'offset = 0',
    'readonly = 1',
  ]
  return `WITH ${ctes.join(',\n  ')}\nSELECT * FROM (\n${body}\n)\nSETTINGS ${settings.join(', ')}`
}
