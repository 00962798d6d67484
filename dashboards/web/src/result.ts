import { displayFormat } from './format.ts'
import { type Names, nameOf } from './names.ts'

/** An analytics answer as the API sends it (reports/semantic/analytics-result.ts). */
export type Cell = string | number | null
export type Row = Record<string, Cell>
export interface Column {
  name: string
  kind: 'bucket' | 'dimension' | 'metric'
  label: string
  format?: string
}
export interface AnalyticsResult {
  family: string
  range: { from: string; to: string; timezone: string; granularity: string }
  columns: Column[]
  rows: Row[]
  totals: Row[]
  series: { group: Row; points: Row[] }[]
  previous?: { range: AnalyticsResult['range']; rows: Row[]; totals: Row[] }
}

export const metricColumns = (result: AnalyticsResult) =>
  result.columns
    .filter((column) => column.kind === 'metric')
    .map((column) => ({ ...column, format: displayFormat(column.name, column.format) }))

export const dimensionColumns = (result: AnalyticsResult) =>
  result.columns.filter((column) => column.kind === 'dimension' && !column.name.endsWith('_name'))

/** A row's group as people read it: names instead of ids, joined. */
export function groupLabel(names: Names, result: AnalyticsResult, row: Row): string {
  const dims = dimensionColumns(result).filter((column) => column.name !== 'currency')
  if (dims.length === 0) return typeof row.currency === 'string' ? row.currency : 'All'
  return dims
    .map((column) => {
      const named = row[`${column.name}_name`]
      return typeof named === 'string' && named ? named : nameOf(names, column.name, row[column.name])
    })
    .join(' · ')
}

export const currencyOf = (row: Row): string | undefined =>
  typeof row.currency === 'string' && row.currency ? row.currency : undefined

/** Money is labelled with its currency; LLM costs and token spend are USD. */
export function currencyFor(result: AnalyticsResult, metric: string, row: Row): string | undefined {
  if (result.family === 'token_spend' || metric.startsWith('llm_cost')) return 'USD'
  return currencyOf(row)
}
