import { PassThrough } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { exportCsv } from './export-csv.ts'
import type { ExportInput } from './export-input.ts'
import { sampleReport } from './sample-report.ts'

async function csvOf(input: ExportInput): Promise<Buffer> {
  const output = new PassThrough()
  const [, bytes] = await Promise.all([exportCsv(input, output), buffer(output)])
  return bytes
}

describe('exportCsv', () => {
  it('writes RFC 4180 UTF-8 with a BOM and labelled headers, numbers in units that parse back', async () => {
    const report = sampleReport()
    const bytes = await csvOf(report)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = bytes.toString('utf8')
    expect(text.split('\r\n').length).toBe(report.rows.length + 2) // header, rows, trailing CRLF

    const [header, ...records] = parse(bytes, { bom: true }) as string[][]
    expect(header).toEqual([
      'Period',
      'Flow',
      'Currency',
      'Chat sessions',
      'Engaged rate (%)',
      'Attributed revenue',
      'Time to first reply (s)',
      'Tokens',
    ])
    expect(records).toHaveLength(report.rows.length)
    records.forEach((record, i) => {
      const row = report.rows[i] ?? {}
      expect(record.slice(0, 3)).toEqual([String(row.bucket).slice(0, 10), row.flow, row.currency])
      expect(Number(record[3])).toBe(row.sessions)
      expect(Number(record[4])).toBeCloseTo(Number(row.engaged_rate) * 100, 10)
      expect(Number(record[5])).toBe(Number(row.revenue_micros) / 1e6)
      expect(Number(record[6])).toBe(Number(row.first_reply_ms) / 1000)
      expect(Number(record[7])).toBe(row.tokens)
    })
    expect(text).toContain('Gift finder — Überraschung')
  })

  it('quotes separators, quotes and line breaks, leaves nulls empty and defuses formulas', async () => {
    const report = sampleReport()
    const rows = [
      { ...report.rows[0], flow: 'Say "hi", then\nwait', sessions: null },
      { ...report.rows[1], flow: '=HYPERLINK("http://x")' },
      { ...report.rows[2], flow: '-1+2', revenue_micros: -2_500_000 },
    ]
    const [, ...records] = parse(await csvOf({ ...report, rows }), { bom: true }) as string[][]
    expect(records.map((record) => record[1])).toEqual([
      'Say "hi", then\nwait',
      '\'=HYPERLINK("http://x")',
      "'-1+2",
    ])
    expect(records[0]?.[3]).toBe('')
    expect(records[2]?.[5]).toBe('-2.5')
  })

  it('keeps hostile text in its own cell: line breaks quoted, formulas defused after whitespace too', async () => {
    const report = sampleReport()
    const hostile = [
      '\n=HYPERLINK("http://evil.example","x")',
      ' =1+1',
      '\r\n@SUM(A1:A9)',
      '\r=cmd|" /C calc"!A0',
      '\t=1',
      '\tplain',
      'ok\n2026-01-01,forged,EUR,1,0,1,1,1',
      'ok\r=forged',
      '  +1',
      '\u00a0-2',
      'plain text',
      'a=b',
    ]
    const rows = hostile.map((flow, i) => ({ ...report.rows[i % report.rows.length], flow }))
    const bytes = await csvOf({ ...report, rows })
    const [, ...records] = parse(bytes, { bom: true }) as string[][]
    expect(records).toHaveLength(hostile.length)
    expect(records.map((record) => record[1])).toEqual([
      '\'\n=HYPERLINK("http://evil.example","x")',
      "' =1+1",
      "'\r\n@SUM(A1:A9)",
      '\'\r=cmd|" /C calc"!A0',
      "'\t=1",
      "'\tplain",
      'ok\n2026-01-01,forged,EUR,1,0,1,1,1',
      'ok\r=forged',
      "'  +1",
      "'\u00a0-2",
      'plain text',
      'a=b',
    ])
    expect(records.every((record) => record.length === report.columns.length)).toBe(true)
    // A line break is always inside quotes, so no spreadsheet starts a row (or a formula) there.
    const text = bytes.toString('utf8')
    expect(text).toContain('"\'\n=HYPERLINK(""http://evil.example"",""x"")"')
    expect(text).toContain('"ok\r=forged"')
  })

  it('writes only the header when there are no rows', async () => {
    const text = (await csvOf({ ...sampleReport(), rows: [] })).toString('utf8')
    expect(text).toBe(
      '\ufeffPeriod,Flow,Currency,Chat sessions,Engaged rate (%),Attributed revenue,Time to first reply (s),Tokens\r\n',
    )
  })
})
