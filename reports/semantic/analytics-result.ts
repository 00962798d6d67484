import type { describeWindow } from './analytics-window.ts'

/** What an analytics question answers: typed cells, labelled columns, totals and chart series. */
export type MetricFormat =
  | 'count'
  | 'tokens'
  | 'ratio'
  /** A factor people read as `3.18x` (not a percentage). */
  | 'multiplier'
  | 'money_micros'
  | 'duration_ms'
  | 'number'

export type Cell = string | number | null
export type ResultRow = Record<string, Cell>

export interface ResultColumn {
  name: string
  kind: 'bucket' | 'dimension' | 'metric'
  label: string
  format?: MetricFormat
}

export interface SeriesLine {
  /** The group's dimension values; empty without group-by. */
  group: Record<string, Cell>
  points: ResultRow[]
}

export interface AnalyticsResult {
  family: string
  range: ReturnType<typeof describeWindow>
  columns: ResultColumn[]
  rows: ResultRow[]
  totals: ResultRow[]
  series: SeriesLine[]
  previous?: { range: ReturnType<typeof describeWindow>; rows: ResultRow[]; totals: ResultRow[] }
}
