import { execFile } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import v8 from 'node:v8'
import vm from 'node:vm'
import { parse } from 'csv-parse'
import ExcelJS from 'exceljs'
import { PDFParse } from 'pdf-parse'
import { afterAll, describe, expect, it } from 'vitest'
import { PDF_ROW_LIMIT } from '../../reports/export/export-pdf.ts'
import { EXPORT_FORMATS, type ExportFormat, exportReport } from '../../reports/export/export-report.ts'
import { sampleReport } from '../../reports/export/sample-report.ts'
import type { ResultRow } from '../../reports/semantic/analytics-result.ts'
import { tempDir } from '../support/temp-dir.ts'

const run = promisify(execFile)

/** Rendered pages stay after the run so people can look at them (their paths are printed). */
const PREVIEW_DIR = path.join(tmpdir(), 'comerix-report-export-preview')
const previews: string[] = []
afterAll(() => {
  if (previews.length > 0) console.log(`Rendered report pages:\n${previews.join('\n')}`)
})

/** Decodes a binary PGM (`pdftoppm -gray`): its size and grey bytes (0 black .. 255 white). */
function readPgm(bytes: Buffer): { width: number; height: number; pixels: Buffer } {
  const header = bytes
    .subarray(0, 64)
    .toString('latin1')
    .match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/)
  if (!header) throw new Error('not a binary PGM')
  const [whole, width, height] = header
  return { width: Number(width), height: Number(height), pixels: bytes.subarray(whole.length) }
}

function inkShare(pixels: Buffer): number {
  let ink = 0
  for (const value of pixels) if (value < 200) ink += 1
  return ink / pixels.length
}

describe('PDF pages rendered by poppler', () => {
  it('are A4 and carry visible content on every page, a chart on the first', async () => {
    await rm(PREVIEW_DIR, { recursive: true, force: true })
    await mkdir(PREVIEW_DIR, { recursive: true })
    const pdf = path.join(PREVIEW_DIR, 'sample-report.pdf')
    await exportReport('pdf', sampleReport(), createWriteStream(pdf))

    await run('pdftoppm', ['-gray', '-r', '40', pdf, path.join(PREVIEW_DIR, 'gray')])
    await run('pdftoppm', ['-png', '-r', '90', pdf, path.join(PREVIEW_DIR, 'page')])
    const files = (await readdir(PREVIEW_DIR)).sort()
    const grays = files.filter((file) => file.endsWith('.pgm'))
    expect(grays.length).toBeGreaterThanOrEqual(3)
    const shares: number[] = []
    for (const file of grays) {
      const page = readPgm(await readFile(path.join(PREVIEW_DIR, file)))
      // A4 landscape at 40 dpi: 468 x 331 pixels.
      expect([page.width, page.height]).toEqual([468, 331])
      shares.push(inkShare(page.pixels))
    }
    for (const share of shares) expect(share).toBeGreaterThan(0.01)
    // The first page holds the tiles and the chart; its chart band (the middle of the page) has ink.
    const first = readPgm(await readFile(path.join(PREVIEW_DIR, grays[0] ?? '')))
    const band = first.pixels.subarray(first.width * 160, first.width * 260)
    expect(inkShare(band)).toBeGreaterThan(0.01)
    previews.push(
      ...files.filter((file) => file.endsWith('.png')).map((file) => path.join(PREVIEW_DIR, file)),
      pdf,
    )
  })
})

// Exposes V8's collector so heap use is measured after collection, not as garbage waiting for it.
v8.setFlagsFromString('--expose-gc')
const collect = vm.runInNewContext('gc') as () => void

const LARGE = 200_000

/** The JavaScript heap plus the buffers outside it (where stream chunks live). */
function used(): number {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

/** A report of `LARGE` rows produced on demand, each with a long unique flow name; tracks heap growth. */
function largeReport() {
  const stats = { sessions: 0, peakGrowth: 0 }
  collect()
  const baseline = used()
  async function* rows(): AsyncGenerator<ResultRow> {
    for (let i = 0; i < LARGE; i++) {
      if (i % 20_000 === 0) {
        collect()
        stats.peakGrowth = Math.max(stats.peakGrowth, used() - baseline)
      }
      const sessions = i % 997
      stats.sessions += sessions
      yield {
        bucket: '2026-03-01T00:00:00',
        flow: `Flow ${i} ${'with a long name that makes every row weigh something '.repeat(2)}`,
        currency: 'EUR',
        sessions,
        engaged_rate: 0.5,
        revenue_micros: sessions * 1_000_000,
        first_reply_ms: 900,
        tokens: i,
      }
    }
  }
  return { input: { ...sampleReport(), rows: rows() }, stats }
}

/** Count and sum of `Chat sessions` read back from a file, per format. */
async function readBack(format: ExportFormat, file: string): Promise<{ rows: number; sessions: number }> {
  switch (format) {
    case 'csv': {
      let rows = 0
      let sessions = 0
      for await (const record of createReadStream(file).pipe(parse({ bom: true, from_line: 2 }))) {
        rows += 1
        sessions += Number((record as string[])[3])
      }
      return { rows, sessions }
    }
    case 'json': {
      const document = JSON.parse(await readFile(file, 'utf8')) as { rows: ResultRow[]; rowCount: number }
      expect(document.rowCount).toBe(document.rows.length)
      return {
        rows: document.rows.length,
        sessions: document.rows.reduce((sum, row) => sum + Number(row.sessions), 0),
      }
    }
    case 'xlsx': {
      let rows = 0
      let sessions = 0
      for await (const sheet of new ExcelJS.stream.xlsx.WorkbookReader(file, {})) {
        for await (const row of sheet) {
          const value = row.getCell(4).value
          if (row.number > 1 && typeof value === 'number') {
            rows += 1
            sessions += value
          }
        }
        break // the Data sheet comes first
      }
      return { rows, sessions }
    }
    case 'pdf': {
      const parser = new PDFParse({ data: new Uint8Array(await readFile(file)) })
      try {
        const text = (await parser.getText()).text
        const rows = text.match(/^2026-03-01 Flow \d+ /gm)?.length ?? 0
        expect(text).toContain(`Only the first ${PDF_ROW_LIMIT.toLocaleString('en-US')} rows are listed here`)
        return { rows, sessions: Number.NaN }
      } finally {
        await parser.destroy()
      }
    }
  }
}

describe(`a ${LARGE.toLocaleString('en-US')}-row export`, () => {
  it.each(EXPORT_FORMATS)(
    '%s streams to a file with bounded memory and parses back to the input',
    async (format) => {
      const file = path.join(await tempDir(), `large.${format}`)
      const { input, stats } = largeReport()
      await exportReport(format, input, createWriteStream(file))
      const back = await readBack(format, file)
      if (format === 'pdf') {
        expect(back.rows).toBe(PDF_ROW_LIMIT)
      } else {
        expect(back).toEqual({ rows: LARGE, sessions: stats.sessions })
      }
      // Holding the rows would take well over 60 MB (200k objects with 130-character names), and an XLSX
      // writer without backpressure grew by about 80 MB; a stream holds a few buffers (about 11 MB for XLSX).
      expect(stats.peakGrowth).toBeLessThan(24 * 1024 * 1024)
    },
    240_000,
  )
})
