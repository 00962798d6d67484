import { PassThrough } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { EXPORT_FORMATS, EXPORTERS, exportFileName, exportReport } from './export-report.ts'
import { sampleReport, sampleRow } from './sample-report.ts'

describe('exportReport', () => {
  it.each(EXPORT_FORMATS)('%s writes output before the last row is read', async (format) => {
    const output = new PassThrough()
    let written = 0
    output.on('data', (chunk: Buffer) => {
      written += chunk.length
    })
    let writtenAtCheckpoint = -1
    async function* rows() {
      for (let i = 0; i < 6_000; i++) {
        if (i === 4_000) writtenAtCheckpoint = written
        yield sampleRow(i % 31, i)
      }
    }
    await exportReport(format, { ...sampleReport(), rows: rows() }, output)
    expect(writtenAtCheckpoint).toBeGreaterThan(0)
    expect(output.writableEnded).toBe(true)
  })

  it.each(EXPORT_FORMATS)('%s fails when the rows fail', async (format) => {
    async function* rows() {
      yield sampleRow(0, 0)
      throw new Error('query stream broke')
    }
    const output = new PassThrough()
    const bytes = buffer(output).catch(() => undefined)
    await expect(exportReport(format, { ...sampleReport(), rows: rows() }, output)).rejects.toThrow(
      'query stream broke',
    )
    output.destroy()
    await bytes
  })

  it('names content types and download files', () => {
    expect(EXPORTERS.csv.contentType).toBe('text/csv; charset=utf-8')
    expect(EXPORTERS.xlsx.contentType).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    )
    expect(EXPORTERS.pdf.contentType).toBe('application/pdf')
    expect(EXPORTERS.json.contentType).toBe('application/json; charset=utf-8')
    const at = new Date('2026-04-01T06:30:00Z')
    expect(exportFileName('Chat revenue — Überblick (Q1)', at, 'xlsx')).toBe(
      'chat-revenue-uberblick-q1-2026-04-01.xlsx',
    )
    expect(exportFileName('€€€', at, 'pdf')).toBe('report-2026-04-01.pdf')
  })
})
