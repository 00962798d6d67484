import { PassThrough } from 'node:stream'
import { json } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { exportJson } from './export-json.ts'
import { sampleReport } from './sample-report.ts'

describe('exportJson', () => {
  it('writes the result shape with raw values, the report metadata and a row count', async () => {
    const report = sampleReport()
    const output = new PassThrough()
    const [, document] = await Promise.all([exportJson(report, output), json(output)])
    expect(document).toEqual({
      title: report.title,
      description: report.description,
      generatedAt: '2026-04-01T06:30:00.000Z',
      range: report.range,
      spec: report.spec,
      columns: report.columns,
      totals: report.totals,
      previous: report.previous,
      rows: report.rows,
      rowCount: report.rows.length,
    })
  })

  it('is valid JSON without rows', async () => {
    const output = new PassThrough()
    const { description: _description, previous: _previous, ...report } = sampleReport()
    const [, document] = await Promise.all([exportJson({ ...report, rows: [] }, output), json(output)])
    expect(document).toMatchObject({ rows: [], rowCount: 0, title: report.title })
  })
})
