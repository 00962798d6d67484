import { bucketLabel } from './chart.ts'
import { formatChange, formatValue } from './format.ts'
import type { Names } from './names.ts'
import {
  type AnalyticsResult,
  currencyFor,
  dimensionColumns,
  groupLabel,
  metricColumns,
  type Row,
} from './result.ts'
import { Empty, html } from './ui.ts'

/** The answer as a table: names for dimensions, formatted metrics, totals in the footer. */
export function ResultTable({
  result,
  names,
  limit = 500,
}: {
  result: AnalyticsResult
  names: Names
  limit?: number
}) {
  const metrics = metricColumns(result)
  const dims = dimensionColumns(result)
  const hasBucket = result.columns.some((column) => column.kind === 'bucket')
  if (result.rows.length === 0) return html`<${NoData} />`
  const cells = (row: Row) =>
    metrics.map(
      (metric) =>
        html`<td class="num" data-metric=${metric.name}>${formatValue(row[metric.name], metric.format, currencyFor(result, metric.name, row))}</td>`,
    )
  return html`<div class="table-wrap"><table class="data">
    <thead><tr>
      ${hasBucket && html`<th scope="col">Period</th>`}
      ${dims.map((column) => html`<th scope="col">${column.label}</th>`)}
      ${metrics.map((column) => html`<th scope="col" class="num">${column.label}</th>`)}
    </tr></thead>
    <tbody>
      ${result.rows.slice(0, limit).map(
        (row) => html`<tr>
          ${hasBucket && html`<td>${bucketLabel(String(row.bucket ?? ''), result.range.granularity)}</td>`}
          ${dims.map((column) => html`<td>${column.name === 'currency' ? String(row.currency ?? '') : groupLabel(names, { ...result, columns: [column] }, row)}</td>`)}
          ${cells(row)}
        </tr>`,
      )}
    </tbody>
    ${
      result.totals.length > 0 &&
      html`<tfoot>${result.totals.map(
        (row) => html`<tr>
        <th scope="row" colspan=${(hasBucket ? 1 : 0) + dims.length || 1}>Total${row.currency ? ` (${row.currency})` : ''}</th>
        ${(hasBucket ? 1 : 0) + dims.length === 0 ? null : null}
        ${cells(row)}
      </tr>`,
      )}</tfoot>`
    }
  </table></div>`
}

/** Big numbers: each metric's total (per currency for money) and its change against the previous period. */
export function Kpis({ result }: { result: AnalyticsResult }) {
  const metrics = metricColumns(result)
  const totals = result.totals.length > 0 ? result.totals : [{}]
  return html`<div class="kpis">
    ${metrics.flatMap((metric) =>
      totals.map((row) => {
        const value = row[metric.name]
        const previous = result.previous?.totals.find((entry) => entry.currency === row.currency)?.[
          metric.name
        ]
        const change =
          typeof value === 'number'
            ? formatChange(value, typeof previous === 'number' ? previous : undefined)
            : undefined
        return html`<div class="kpi" data-metric=${metric.name}>
          <span class="kpi-label">${metric.label}${row.currency && metric.format === 'money_micros' ? ` (${row.currency})` : ''}</span>
          <span class="kpi-value">${formatValue(value, metric.format, currencyFor(result, metric.name, row))}</span>
          ${change && html`<span class=${`kpi-change ${change.startsWith('-') ? 'down' : 'up'}`}>${change} vs previous period</span>`}
        </div>`
      }),
    )}
  </div>`
}

export function NoData() {
  return html`<${Empty} title="No data in this range yet">
    Send widget telemetry and run chats, or fill the demo tenant with <code>npm run comerix -- demo:generate</code>.
  </${Empty}>`
}
