import { PassThrough } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import type { ExportInput } from './export-input.ts'
import { exportXlsx } from './export-xlsx.ts'
import { sampleReport } from './sample-report.ts'

async function workbookOf(input: ExportInput): Promise<ExcelJS.Workbook> {
  const output = new PassThrough()
  const [, bytes] = await Promise.all([exportXlsx(input, output), buffer(output)])
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
  return workbook
}

describe('exportXlsx', () => {
  it('writes typed, formatted cells that read back as the input numbers', async () => {
    const report = sampleReport()
    const workbook = await workbookOf(report)
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Data', 'Summary'])
    const sheet = workbook.getWorksheet('Data') as ExcelJS.Worksheet

    expect(sheet.getRow(1).values).toEqual([
      undefined,
      'Period',
      'Flow',
      'Currency',
      'Chat sessions',
      'Engaged rate',
      'Attributed revenue',
      'Time to first reply (s)',
      'Tokens',
    ])
    expect(sheet.rowCount).toBe(report.rows.length + 1)
    report.rows.forEach((row, i) => {
      const cells = sheet.getRow(i + 2)
      expect(cells.getCell(1).value).toEqual(new Date(`${row.bucket}Z`))
      expect(cells.getCell(1).numFmt).toBe('yyyy-mm-dd')
      expect(cells.getCell(2).value).toBe(row.flow)
      expect(cells.getCell(4).value).toBe(row.sessions)
      expect(cells.getCell(4).numFmt).toBe('#,##0')
      expect(cells.getCell(5).value).toBe(row.engaged_rate)
      expect(cells.getCell(5).numFmt).toBe('0.0%')
      expect(cells.getCell(6).value).toBe(Number(row.revenue_micros) / 1e6)
      expect(cells.getCell(6).numFmt).toBe(`#,##0.00####" ${row.currency}"`)
      expect(cells.getCell(7).value).toBe(Number(row.first_reply_ms) / 1000)
      expect(cells.getCell(8).value).toBe(row.tokens)
    })
  })

  it('freezes the header, filters every row and sizes columns to their content', async () => {
    const report = sampleReport()
    const sheet = (await workbookOf(report)).getWorksheet('Data') as ExcelJS.Worksheet
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(sheet.autoFilter).toBe(`A1:H${report.rows.length + 1}`)
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    const widths = sheet.columns.map((column) => column.width ?? 0)
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(10)
    // The flow column fits `Gift finder — Überraschung`.
    expect(widths[1]).toBeGreaterThanOrEqual('Gift finder — Überraschung'.length)
  })

  it('describes the report on a Summary sheet with its spec, generation time and totals', async () => {
    const report = sampleReport()
    const sheet = (await workbookOf(report)).getWorksheet('Summary') as ExcelJS.Worksheet
    const pairs = new Map<string, unknown>()
    sheet.eachRow((row) => {
      const [label, value] = [row.getCell(1).value, row.getCell(2).value]
      if (typeof label === 'string') pairs.set(label, value)
    })
    expect(pairs.get('Report')).toBe('Chat revenue by flow')
    expect(pairs.get('Period')).toBe('2026-03-01 – 2026-03-31 (Europe/Berlin)')
    expect(pairs.get('Filters')).toBe('Widget key: pk_live_shop, pk_live_app')
    expect(pairs.get('Attribution model')).toBe('linear, lookback 7 days')
    expect(pairs.get('Rows')).toBe(report.rows.length)
    expect(pairs.get('Generated')).toBe('2026-04-01 06:30 UTC')

    const eur = report.totals.find((row) => row.currency === 'EUR') ?? {}
    const values = [...Array(sheet.rowCount).keys()].map((i) => sheet.getRow(i + 1).values as unknown[])
    const headingAt = values.findIndex((cells) => cells[1] === 'Totals')
    // Totals are per currency only: the columns they lack (period, flow) are left out.
    expect(values[headingAt + 1]?.slice(1)).toEqual([
      'Currency',
      'Chat sessions',
      'Engaged rate',
      'Attributed revenue',
      'Time to first reply (s)',
      'Tokens',
    ])
    expect(values[headingAt + 2]?.slice(1)).toEqual([
      'EUR',
      eur.sessions,
      eur.engaged_rate,
      Number(eur.revenue_micros) / 1e6,
      Number(eur.first_reply_ms) / 1000,
      eur.tokens,
    ])
  })
  it('stores text that looks like a formula as text, never as a formula', async () => {
    const report = sampleReport()
    const hostile = ['=1+1', '=HYPERLINK("http://evil.example","x")', '+SUM(A1:A9)', '@cmd', ' =1', '\n=2']
    const rows = hostile.map((flow, i) => ({ ...report.rows[i % report.rows.length], flow }))
    const workbook = await workbookOf({ ...report, title: '=WEBSERVICE("http://evil.example")', rows })
    const sheet = workbook.getWorksheet('Data') as ExcelJS.Worksheet
    hostile.forEach((flow, i) => {
      const cell = sheet.getRow(i + 2).getCell(2)
      expect(cell.type).toBe(ExcelJS.ValueType.String)
      expect(cell.value).toBe(flow)
      expect(cell.formula).toBeUndefined()
    })
    const summary = workbook.getWorksheet('Summary') as ExcelJS.Worksheet
    const title = summary.getRow(1).getCell(2)
    expect(title.type).toBe(ExcelJS.ValueType.String)
    expect(title.value).toBe('=WEBSERVICE("http://evil.example")')
  })
})
