import type { ResultColumn, ResultRow, SeriesLine } from '../semantic/analytics-result.ts'
import type { ExportInput } from './export-input.ts'

/**
 * A realistic report for the exporters' tests and previews: a month of daily engagement, revenue and
 * token figures for four flows in EUR and one in USD, in Europe/Berlin.
 */

export const SAMPLE_COLUMNS: ResultColumn[] = [
  { name: 'bucket', kind: 'bucket', label: 'Period' },
  { name: 'flow', kind: 'dimension', label: 'Flow' },
  { name: 'currency', kind: 'dimension', label: 'Currency' },
  { name: 'sessions', kind: 'metric', label: 'Chat sessions', format: 'count' },
  { name: 'engaged_rate', kind: 'metric', label: 'Engaged rate', format: 'ratio' },
  { name: 'revenue_micros', kind: 'metric', label: 'Attributed revenue', format: 'money_micros' },
  { name: 'first_reply_ms', kind: 'metric', label: 'Time to first reply', format: 'duration_ms' },
  { name: 'tokens', kind: 'metric', label: 'Tokens', format: 'tokens' },
]

const FLOWS: [string, string][] = [
  ['Order status', 'EUR'],
  ['Size advisor', 'EUR'],
  ['Returns', 'EUR'],
  ['Gift finder — Überraschung', 'EUR'],
  ['Order status', 'USD'],
]

/** The metrics of one (day, flow) row, varied smoothly so charts have shape. */
export function sampleRow(day: number, flowIndex: number): ResultRow {
  const [flow, currency] = FLOWS[flowIndex % FLOWS.length] as [string, string]
  const wave = Math.sin((day + flowIndex * 3) / 4)
  const sessions = Math.round(120 + 60 * wave + flowIndex * 35 + day * 2)
  return {
    bucket: `2026-03-${String(day + 1).padStart(2, '0')}T00:00:00`,
    flow,
    currency,
    sessions,
    engaged_rate: Math.round((0.35 + 0.1 * wave + flowIndex * 0.05) * 10_000) / 10_000,
    revenue_micros: sessions * (4_250_000 + flowIndex * 1_130_000) + 10_000 * day,
    first_reply_ms: 800 + 40 * day + 150 * flowIndex,
    tokens: sessions * 1_830 + flowIndex * 17,
  }
}

export function sampleReport(): ExportInput & { rows: ResultRow[] } {
  const rows: ResultRow[] = []
  for (let day = 0; day < 31; day++) {
    for (let flow = 0; flow < FLOWS.length; flow++) rows.push(sampleRow(day, flow))
  }
  const series: SeriesLine[] = FLOWS.map(([flow, currency]) => ({
    group: { flow, currency },
    points: rows.filter((row) => row.flow === flow && row.currency === currency),
  }))
  const totals = ['EUR', 'USD'].map((currency) =>
    totalsOf(
      rows.filter((row) => row.currency === currency),
      currency,
    ),
  )
  return {
    title: 'Chat revenue by flow',
    description: 'Daily chat engagement, attributed revenue (linear model) and token use per flow.',
    generatedAt: new Date('2026-04-01T06:30:00Z'),
    range: {
      from: '2026-03-01T00:00:00.000+01:00',
      to: '2026-04-01T00:00:00.000+02:00',
      timezone: 'Europe/Berlin',
      granularity: 'day',
    },
    spec: [
      {
        label: 'Metrics',
        value: 'Chat sessions, Engaged rate, Attributed revenue, Time to first reply, Tokens',
      },
      { label: 'Group by', value: 'Flow' },
      { label: 'Filters', value: 'Widget key: pk_live_shop, pk_live_app' },
      { label: 'Attribution model', value: 'linear, lookback 7 days' },
    ],
    columns: SAMPLE_COLUMNS,
    totals,
    previous: {
      range: {
        from: '2026-01-29T00:00:00.000+01:00',
        to: '2026-03-01T00:00:00.000+01:00',
        timezone: 'Europe/Berlin',
        granularity: 'day',
      },
      totals: totals.map((row) => ({
        ...row,
        sessions: Math.round(Number(row.sessions) * 0.9),
        revenue_micros: Math.round(Number(row.revenue_micros) * 1.05),
      })),
    },
    series,
    rows,
  }
}

function totalsOf(rows: ResultRow[], currency: string): ResultRow {
  const sum = (name: string) => rows.reduce((total, row) => total + Number(row[name]), 0)
  const sessions = sum('sessions')
  return {
    currency,
    sessions,
    engaged_rate: Math.round((sum('engaged_rate') / rows.length) * 10_000) / 10_000,
    revenue_micros: sum('revenue_micros'),
    first_reply_ms: Math.round(sum('first_reply_ms') / rows.length),
    tokens: sum('tokens'),
  }
}
