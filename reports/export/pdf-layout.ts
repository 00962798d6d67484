import type PDFDocument from 'pdfkit'

/** Shared look of the PDF report: fonts, colours and text fitting. */

export type Doc = PDFDocument

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

/** The standard PDF fonts need no embedding; they cover Latin text (WinAnsi), not other scripts. */
export const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold' } as const

export const COLOR = {
  text: '#111827',
  muted: '#6b7280',
  rule: '#d1d5db',
  grid: '#e5e7eb',
  panel: '#f3f4f6',
  stripe: '#f9fafb',
} as const

/** Eight colours that stay apart in print and for common colour-vision deficiencies (Tableau 10). */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#9c755f',
]

/** `text` cut with an ellipsis to fit `width` at the current font and size. */
export function fitText(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text
  let low = 0
  let high = text.length
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (doc.widthOfString(`${text.slice(0, middle)}…`) <= width) low = middle
    else high = middle - 1
  }
  return low === 0 ? '' : `${text.slice(0, low).trimEnd()}…`
}

/** The bottom edge content may reach on the current page. */
export function contentBottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom
}

export function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right
}
