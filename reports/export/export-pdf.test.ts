import { PassThrough } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { PDFParse } from 'pdf-parse'
import { describe, expect, it } from 'vitest'
import type { ResultRow } from '../semantic/analytics-result.ts'
import type { ExportInput } from './export-input.ts'
import { exportPdf } from './export-pdf.ts'
import { displayValue } from './format-value.ts'
import { sampleReport } from './sample-report.ts'

async function pagesOf(input: ExportInput, options: { rowLimit?: number } = {}): Promise<string[]> {
  const output = new PassThrough()
  const [, bytes] = await Promise.all([exportPdf(input, output, options), buffer(output)])
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-')
  const parser = new PDFParse({ data: new Uint8Array(bytes) })
  try {
    return (await parser.getText()).pages.map((page) => page.text)
  } finally {
    await parser.destroy()
  }
}

describe('exportPdf', () => {
  it('opens with the title, period, spec and KPI tiles with their change', async () => {
    const [first = ''] = await pagesOf(sampleReport())
    for (const line of [
      'Chat revenue by flow',
      'Daily chat engagement, attributed revenue (linear model) and token use per flow.',
      'Period: 2026-03-01 – 2026-03-31 (Europe/Berlin), by day',
      'Previous period: 2026-01-29 – 2026-02-28 (Europe/Berlin)',
      'Filters: Widget key: pk_live_shop, pk_live_app',
      'Attribution model: linear, lookback 7 days',
      'Attributed revenue · EUR\nEUR 160,368.20\n-4.8% vs previous period',
      'Chat sessions · USD\n8,842\n+11.1% vs previous period',
      'Chat sessions per day',
    ]) {
      expect(first).toContain(line)
    }
  })

  it('lists every row with its numbers, the header and a numbered footer on every page', async () => {
    const report = sampleReport()
    const pages = await pagesOf(report)
    expect(pages.length).toBeGreaterThan(2)
    pages.forEach((text, i) => {
      expect(text).toContain(`Chat revenue by flow · Generated 2026-04-01 06:30 UTC Page ${i + 1}`)
      if (i > 0) expect(text).toContain('Period Flow Currency Chat sessions Engaged rate Attributed revenue')
    })
    const all = pages.join('\n')
    const line = (row: ResultRow) =>
      report.columns.map((column) => displayValue(column, row, 'day')).join(' ')
    for (const row of report.rows) expect(all).toContain(line(row))
    expect(all).toContain('2026-03-01 Order status EUR 120 35.0% EUR 510.00 0.8 s 219,600')
  })

  it('stops at the row limit, says where the rest is and releases the rows', async () => {
    const report = sampleReport()
    let released = false
    async function* rows() {
      try {
        yield* report.rows
      } finally {
        released = true
      }
    }
    const all = (await pagesOf({ ...report, rows: rows() }, { rowLimit: 20 })).join('\n')
    expect(all).toContain('Only the first 20 rows are listed here; the CSV and XLSX exports hold every row.')
    expect(all).toContain('2026-03-04 Order status USD 232') // the 20th row
    expect(all).not.toContain('2026-03-05 Order status EUR') // the 21st
    expect(released).toBe(true)
  })

  it('draws bars for a total and says when there is no data', async () => {
    const { previous: _previous, ...report } = sampleReport()
    const input = {
      ...report,
      columns: report.columns.filter((column) => column.kind !== 'bucket'),
      range: { ...report.range, granularity: 'total' as const },
      series: report.totals.map((row) => ({ group: { currency: row.currency ?? null }, points: [row] })),
      rows: [],
    }
    const pages = await pagesOf(input)
    expect(pages[0]).toContain('Period: 2026-03-01 – 2026-03-31 (Europe/Berlin)\n')
    // The bars' title, axis, value labels and group labels.
    expect(pages[0]).toContain('Chat sessions\n0\n10K\n20K\n30K\n25,972\n8,842\nEUR USD')
    expect(pages.join('\n')).toContain('No data in this period.')
  })
})
