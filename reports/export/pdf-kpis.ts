import type { ResultColumn, ResultRow } from '../semantic/analytics-result.ts'
import type { ExportInput } from './export-input.ts'
import { currencyOf, formatMetric } from './format-value.ts'
import { type Box, COLOR, type Doc, FONT, fitText } from './pdf-layout.ts'

export const MAX_TILES = 8
const PER_ROW = 4
const TILE_HEIGHT = 50
const GAP = 8

export interface Kpi {
  label: string
  value: string
  change?: string
}

/**
 * One tile per metric total (per currency when totals are split by it), with the change against the
 * previous period when the report compares.
 */
export function kpisOf(input: Pick<ExportInput, 'columns' | 'totals' | 'previous'>): Kpi[] {
  const metrics = input.columns.filter((column) => column.kind === 'metric')
  const split = input.totals.length > 1
  return metrics
    .flatMap((metric) =>
      input.totals.map((row) => {
        const value = row[metric.name]
        const number = typeof value === 'number' ? value : null
        const before = input.previous?.totals.find((candidate) => sameGroup(candidate, row, input.columns))?.[
          metric.name
        ]
        const change = number !== null && typeof before === 'number' ? changeText(number, before) : undefined
        return {
          label: split ? `${metric.label} · ${groupText(row, input.columns)}` : metric.label,
          value: formatMetric(metric.format ?? 'number', number, currencyOf(row)),
          ...(change ? { change } : {}),
        }
      }),
    )
    .slice(0, MAX_TILES)
}

/** Draws the tiles four to a row from `top`; returns the height used. */
export function drawKpis(doc: Doc, kpis: Kpi[], box: Omit<Box, 'height'>): number {
  const width = (box.width - GAP * (PER_ROW - 1)) / PER_ROW
  kpis.forEach((kpi, i) => {
    const x = box.x + (i % PER_ROW) * (width + GAP)
    const y = box.y + Math.floor(i / PER_ROW) * (TILE_HEIGHT + GAP)
    doc.roundedRect(x, y, width, TILE_HEIGHT, 4).fill(COLOR.panel)
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted)
    doc.text(fitText(doc, kpi.label, width - 16), x + 8, y + 7, { lineBreak: false })
    doc.font(FONT.bold).fontSize(15).fillColor(COLOR.text)
    doc.text(fitText(doc, kpi.value, width - 16), x + 8, y + 19, { lineBreak: false })
    if (kpi.change) {
      doc.font(FONT.regular).fontSize(7).fillColor(COLOR.muted)
      doc.text(fitText(doc, kpi.change, width - 16), x + 8, y + 37, { lineBreak: false })
    }
  })
  const rows = Math.ceil(kpis.length / PER_ROW)
  return rows === 0 ? 0 : rows * TILE_HEIGHT + (rows - 1) * GAP
}

function changeText(value: number, before: number): string | undefined {
  if (before === 0) return undefined
  const change = ((value - before) / Math.abs(before)) * 100
  return `${change >= 0 ? '+' : '-'}${Math.abs(change).toFixed(1)}% vs previous period`
}

function sameGroup(a: ResultRow, b: ResultRow, columns: ResultColumn[]): boolean {
  return columns.every((column) => column.kind === 'metric' || a[column.name] === b[column.name])
}

function groupText(row: ResultRow, columns: ResultColumn[]): string {
  return columns
    .filter((column) => column.kind === 'dimension' && row[column.name] !== undefined)
    .map((column) => String(row[column.name]))
    .join(' · ')
}
