import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { setImmediate } from 'node:timers/promises'
import PDFDocument from 'pdfkit'
import { type ExportInput, peekRows } from './export-input.ts'
import { generatedLabel, periodLabel } from './format-value.ts'
import { drawChart } from './pdf-chart.ts'
import { drawKpis, kpisOf } from './pdf-kpis.ts'
import { COLOR, contentBottom, contentWidth, type Doc, FONT } from './pdf-layout.ts'
import { startPdfTable } from './pdf-table.ts'

/** Rows a PDF lists; past it the table says where the rest is (a PDF of thousands of pages helps nobody). */
export const PDF_ROW_LIMIT = 5_000
const MARGIN = 36
const CHART_HEIGHT = 210
/** Rows read ahead to size the table's columns. */
const WIDTH_SAMPLE_ROWS = 50

/**
 * An A4 report (landscape when the table is wide): title, description, period, spec and filters, KPI
 * tiles, a vector chart, then the rows as a table whose header repeats on every page; each page's
 * footer carries the title, the generation time and the page number. Pages are written out as they
 * are finished, honouring the output's backpressure, so a long report is never held in memory (which
 * is also why the footer says `Page 3` and not `Page 3 of 40`).
 */
export async function exportPdf(
  input: ExportInput,
  output: Writable,
  options: { rowLimit?: number } = {},
): Promise<void> {
  const rowLimit = options.rowLimit ?? PDF_ROW_LIMIT
  const doc = new PDFDocument({
    size: 'A4',
    layout: input.columns.length > 6 ? 'landscape' : 'portrait',
    margins: { top: MARGIN, bottom: MARGIN + 14, left: MARGIN, right: MARGIN },
    autoFirstPage: false,
    info: { Title: input.title, Creator: 'Comerix', CreationDate: input.generatedAt },
  })
  const out = writeTo(doc, output)
  let page = 0
  doc.on('pageAdded', () => {
    page += 1
    drawFooter(doc, `${input.title} · Generated ${generatedLabel(input.generatedAt)}`, `Page ${page}`)
  })
  doc.addPage()

  let y = drawHeading(doc, input)
  const kpis = kpisOf(input)
  if (kpis.length > 0) y += drawKpis(doc, kpis, { x: MARGIN, y, width: contentWidth(doc) }) + 16
  const metric = input.columns.find((column) => column.kind === 'metric')
  if (metric && input.series.length > 0) {
    if (y + CHART_HEIGHT > contentBottom(doc)) y = newPage(doc)
    drawChart(
      doc,
      { x: MARGIN, y, width: contentWidth(doc), height: CHART_HEIGHT },
      metric,
      input.series,
      input.range.granularity,
    )
    y += CHART_HEIGHT + 18
  }
  if (y + 80 > contentBottom(doc)) y = newPage(doc)

  const { head, all } = await peekRows(input.rows, WIDTH_SAMPLE_ROWS)
  const table = startPdfTable(doc, input.columns, input.range.granularity, head, y)
  let count = 0
  for await (const row of all) {
    if (count === rowLimit) {
      table.addNote(
        `Only the first ${rowLimit.toLocaleString('en-US')} rows are listed here; the CSV and XLSX exports hold every row.`,
      )
      break
    }
    table.addRow(row)
    count += 1
    await out.drained()
  }
  if (count === 0) table.addNote('No data in this period.')
  await out.end()
}

function drawHeading(doc: Doc, input: ExportInput): number {
  const width = contentWidth(doc)
  doc.font(FONT.bold).fontSize(18).fillColor(COLOR.text).text(input.title, MARGIN, MARGIN, { width })
  if (input.description) {
    doc
      .moveDown(0.2)
      .font(FONT.regular)
      .fontSize(9.5)
      .fillColor(COLOR.muted)
      .text(input.description, { width })
  }
  doc.moveDown(0.6)
  const lines = [
    {
      label: 'Period',
      value: `${periodLabel(input.range)}${input.range.granularity === 'total' ? '' : `, by ${input.range.granularity}`}`,
    },
    ...(input.previous ? [{ label: 'Previous period', value: periodLabel(input.previous.range) }] : []),
    ...input.spec,
  ]
  doc.fontSize(8.5)
  for (const line of lines) {
    doc
      .font(FONT.bold)
      .fillColor(COLOR.text)
      .text(`${line.label}: `, MARGIN, doc.y, { continued: true, width })
    doc.font(FONT.regular).fillColor(COLOR.text).text(line.value, { width })
  }
  return doc.y + 14
}

function newPage(doc: Doc): number {
  doc.addPage()
  return doc.page.margins.top
}

/** Footer text drawn below the bottom margin; margins are lifted meanwhile so pdfkit does not break the page. */
function drawFooter(doc: Doc, left: string, right: string): void {
  const { x, y } = doc
  const bottom = doc.page.margins.bottom
  doc.page.margins.bottom = 0
  const footerY = doc.page.height - MARGIN
  const width = contentWidth(doc)
  doc
    .moveTo(MARGIN, footerY - 6)
    .lineTo(MARGIN + width, footerY - 6)
    .lineWidth(0.5)
    .strokeColor(COLOR.rule)
    .stroke()
  doc.font(FONT.regular).fontSize(7).fillColor(COLOR.muted)
  doc.text(left, MARGIN, footerY, { width: width - 80, lineBreak: false })
  doc.text(right, MARGIN + width - 80, footerY, { width: 80, align: 'right', lineBreak: false })
  doc.page.margins.bottom = bottom
  doc.x = x
  doc.y = y
}

/**
 * pdfkit pushes its bytes without waiting for the reader: they are forwarded here, and the row loop
 * pauses while the output asks for a drain, so a slow reader holds back the rendering.
 */
function writeTo(doc: Doc, output: Writable) {
  doc.on('data', (chunk: Buffer) => output.write(chunk))
  const ended = once(doc, 'end')
  return {
    async drained(): Promise<void> {
      // pdfkit hands finished pages over on a later tick: a source that never waits (rows already in
      // memory) would otherwise keep the whole document in pdfkit's buffer.
      if (doc.readableLength > 0) await setImmediate()
      if (!output.writableNeedDrain) return
      const stop = new AbortController()
      const closed = once(output, 'close', { signal: stop.signal }).then(() => {
        throw new Error('the output closed before the PDF was written')
      })
      try {
        await Promise.race([once(output, 'drain', { signal: stop.signal }), closed])
      } finally {
        stop.abort()
      }
    },
    async end(): Promise<void> {
      doc.end()
      await ended
      output.end()
      await finished(output)
    },
  }
}
