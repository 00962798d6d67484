import type { ResultColumn, ResultRow } from '../semantic/analytics-result.ts'
import type { Granularity } from '../semantic/analytics-window.ts'
import { displayValue } from './format-value.ts'
import { COLOR, contentBottom, contentWidth, type Doc, FONT, fitText } from './pdf-layout.ts'

const FONT_SIZE = 7.5
const ROW_HEIGHT = 14
const PADDING = 4

export interface PdfTable {
  /** Draws one row, first opening a new page (with the header again) when this one is full. */
  addRow(row: ResultRow): void
  /** A line of text under the rows (no rows, rows left out). */
  addNote(text: string): void
}

/**
 * A table drawn row by row at `top` on the current page: one line per row (long text is cut with an
 * ellipsis), column widths from the header and `sample` rows, numbers right-aligned, the header repeated
 * on every page.
 */
export function startPdfTable(
  doc: Doc,
  columns: ResultColumn[],
  granularity: Granularity,
  sample: ResultRow[],
  top: number,
): PdfTable {
  const left = doc.page.margins.left
  // Cells carry their unit (`12.5%`, `1.2 s`), so headers are the bare labels.
  const labels = columns.map((column) => column.label)
  const widths = columnWidths(doc, columns, labels, granularity, sample)
  const aligns = columns.map((column) => (column.kind === 'metric' ? 'right' : 'left') as 'right' | 'left')
  let y = top
  let index = 0

  const drawHeader = () => {
    doc.font(FONT.bold).fontSize(FONT_SIZE)
    const height =
      Math.max(...labels.map((label, i) => doc.heightOfString(label, { width: cellWidth(i) }))) + 2 * PADDING
    doc.rect(left, y, contentWidth(doc), height).fill(COLOR.panel)
    doc.fillColor(COLOR.text)
    labels.forEach((label, i) => {
      doc.text(label, xOf(i) + PADDING, y + PADDING, { width: cellWidth(i), align: aligns[i] ?? 'left' })
    })
    y += height
    doc
      .moveTo(left, y)
      .lineTo(left + contentWidth(doc), y)
      .lineWidth(0.75)
      .strokeColor(COLOR.rule)
      .stroke()
    doc.font(FONT.regular)
  }

  const xOf = (i: number) => left + widths.slice(0, i).reduce((sum, width) => sum + width, 0)
  const cellWidth = (i: number) => (widths[i] ?? 0) - 2 * PADDING

  const makeRoom = () => {
    if (y + ROW_HEIGHT <= contentBottom(doc)) return
    doc.addPage()
    y = doc.page.margins.top
    drawHeader()
  }

  drawHeader()
  return {
    addRow(row) {
      makeRoom()
      if (index % 2 === 1) doc.rect(left, y, contentWidth(doc), ROW_HEIGHT).fill(COLOR.stripe)
      doc.fillColor(COLOR.text).fontSize(FONT_SIZE)
      columns.forEach((column, i) => {
        const text = fitText(doc, displayValue(column, row, granularity), cellWidth(i))
        doc.text(text, xOf(i) + PADDING, y + (ROW_HEIGHT - FONT_SIZE) / 2, {
          width: cellWidth(i),
          align: aligns[i] ?? 'left',
          lineBreak: false,
        })
      })
      y += ROW_HEIGHT
      index += 1
    },
    addNote(text) {
      makeRoom()
      doc.font(FONT.regular).fontSize(FONT_SIZE).fillColor(COLOR.muted)
      doc.text(fitText(doc, text, contentWidth(doc)), left + PADDING, y + (ROW_HEIGHT - FONT_SIZE) / 2 + 2, {
        lineBreak: false,
      })
      y += ROW_HEIGHT
    },
  }
}

/** Natural widths (widest of header and sample values), scaled to span the page exactly. */
function columnWidths(
  doc: Doc,
  columns: ResultColumn[],
  labels: string[],
  granularity: Granularity,
  sample: ResultRow[],
): number[] {
  const natural = columns.map((column, i) => {
    doc.font(FONT.bold).fontSize(FONT_SIZE)
    // A header may wrap onto a second line, so it asks for about half its width.
    const header = Math.min(doc.widthOfString(labels[i] ?? ''), doc.widthOfString(labels[i] ?? '') / 2 + 20)
    doc.font(FONT.regular)
    const values = sample.map((row) => doc.widthOfString(displayValue(column, row, granularity)))
    return Math.min(220, Math.max(header, ...values, 24)) + 2 * PADDING
  })
  const total = natural.reduce((sum, width) => sum + width, 0)
  return natural.map((width) => (width / total) * contentWidth(doc))
}
