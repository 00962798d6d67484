import type { ResultColumn, ResultRow, SeriesLine } from '../semantic/analytics-result.ts'
import type { Granularity } from '../semantic/analytics-window.ts'
import { bucketLabel, formatMetric } from './format-value.ts'
import { type Box, COLOR, type Doc, FONT, fitText, PALETTE } from './pdf-layout.ts'

/** More lines than colours stop being readable; the largest groups are drawn. */
export const MAX_CHART_LINES = PALETTE.length

const AXIS_FONT = 7
const TITLE_HEIGHT = 16
const X_LABELS_HEIGHT = 14
const LEGEND_ROW = 12

/**
 * A vector chart of the first metric: one line per group over the buckets, or one bar per group when
 * the granularity is `total`. Axes with ticks and labels, a legend for lines.
 */
export function drawChart(
  doc: Doc,
  box: Box,
  metric: ResultColumn,
  series: SeriesLine[],
  granularity: Granularity,
): void {
  const lines = largestLines(series, metric.name)
  const title = `${metric.label}${granularity === 'total' ? '' : ` per ${granularity}`}`
  const note = series.length > lines.length ? ` (the ${lines.length} largest of ${series.length} groups)` : ''
  doc.font(FONT.bold).fontSize(9).fillColor(COLOR.text).text(title, box.x, box.y, { lineBreak: false })
  if (note) {
    const titleWidth = doc.widthOfString(title)
    doc
      .font(FONT.regular)
      .fillColor(COLOR.muted)
      .text(note, box.x + titleWidth, box.y, { lineBreak: false })
  }
  const legend = granularity === 'total' ? [] : legendRows(doc, lines, box.width)
  const plot = {
    ...box,
    y: box.y + TITLE_HEIGHT,
    height: box.height - TITLE_HEIGHT - legend.length * LEGEND_ROW,
  }
  const values = lines.flatMap((line) => line.points.map((point) => metricOf(point, metric.name)))
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values))
  const area = drawAxes(doc, plot, ticks, metric)
  if (granularity === 'total') drawBars(doc, area, lines, ticks, metric)
  else drawLines(doc, area, lines, ticks, metric, granularity)
  drawLegend(doc, legend, box.x, plot.y + plot.height)
}

/** Round tick values covering [min, max] with about `count` steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (max === min) return max === 0 ? [0, 1] : niceTicks(Math.min(0, min), Math.max(0, max) || 1, count)
  const rough = (max - min) / count
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power
  const ticks: number[] = []
  for (let tick = Math.floor(min / step) * step; tick < max + step / 2; tick += step) {
    ticks.push(Number(tick.toPrecision(12)))
  }
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toPrecision(12)))
  return ticks
}

/** The groups with the largest sums of the metric, largest first. */
export function largestLines(series: SeriesLine[], metric: string): SeriesLine[] {
  const sum = (line: SeriesLine) =>
    line.points.reduce((total, point) => total + Math.abs(metricOf(point, metric)), 0)
  return [...series].sort((a, b) => sum(b) - sum(a)).slice(0, MAX_CHART_LINES)
}

/** The group as people read it: its dimension values, e.g. `Order status · EUR`. */
export function groupLabel(line: SeriesLine, fallback: string): string {
  // An id with its name beside it (`flow` and `flow_name`) reads as the name alone.
  const parts = Object.entries(line.group)
    .filter(([key, value]) => value !== null && value !== '' && !Object.hasOwn(line.group, `${key}_name`))
    .map(([, value]) => value)
  return parts.length > 0 ? parts.join(' · ') : fallback
}

function metricOf(point: ResultRow, metric: string): number {
  const value = point[metric]
  return typeof value === 'number' ? value : 0
}

/** Draws the y axis with gridlines and returns the plotting area right of the labels. */
function drawAxes(doc: Doc, plot: Box, ticks: number[], metric: ResultColumn): Box {
  doc.font(FONT.regular).fontSize(AXIS_FONT)
  const labels = ticks.map((tick) =>
    formatMetric(metric.format ?? 'number', tick, undefined, { compact: true }),
  )
  const labelWidth = Math.max(...labels.map((label) => doc.widthOfString(label))) + 6
  const area = { x: plot.x + labelWidth, y: plot.y + 4, width: plot.width - labelWidth, height: 0 }
  area.height = plot.height - X_LABELS_HEIGHT - 4
  const yOf = scale(ticks, area)
  ticks.forEach((tick, i) => {
    const y = yOf(tick)
    doc
      .moveTo(area.x, y)
      .lineTo(area.x + area.width, y)
      .lineWidth(0.5)
      .strokeColor(COLOR.grid)
      .stroke()
    doc.fillColor(COLOR.muted).text(labels[i] ?? '', plot.x, y - AXIS_FONT / 2, {
      width: labelWidth - 6,
      align: 'right',
      lineBreak: false,
    })
  })
  const bottom = area.y + area.height
  doc.moveTo(area.x, area.y).lineTo(area.x, bottom).lineWidth(0.75).strokeColor(COLOR.rule).stroke()
  doc
    .moveTo(area.x, bottom)
    .lineTo(area.x + area.width, bottom)
    .stroke()
  return area
}

function scale(ticks: number[], area: Box): (value: number) => number {
  const low = ticks[0] ?? 0
  const high = ticks.at(-1) ?? 1
  return (value) => area.y + area.height - ((value - low) / (high - low || 1)) * area.height
}

function drawLines(
  doc: Doc,
  area: Box,
  lines: SeriesLine[],
  ticks: number[],
  metric: ResultColumn,
  granularity: Granularity,
): void {
  const buckets = [
    ...new Set(lines.flatMap((line) => line.points.map((point) => String(point.bucket)))),
  ].sort()
  const position = new Map(buckets.map((bucket, i) => [bucket, i]))
  const step = buckets.length > 1 ? area.width / (buckets.length - 1) : 0
  const xOf = (bucket: string) =>
    area.x + (buckets.length > 1 ? (position.get(bucket) ?? 0) * step : area.width / 2)
  const yOf = scale(ticks, area)
  drawXLabels(
    doc,
    area,
    buckets.map((bucket) => ({ x: xOf(bucket), text: bucketLabel(bucket, granularity) })),
  )
  lines.forEach((line, i) => {
    const color = PALETTE[i % PALETTE.length] ?? COLOR.text
    const points = [...line.points]
      .sort((a, b) => String(a.bucket).localeCompare(String(b.bucket)))
      .map((point) => ({ x: xOf(String(point.bucket)), y: yOf(metricOf(point, metric.name)) }))
    const [first, ...rest] = points
    if (!first) return
    doc.moveTo(first.x, first.y)
    for (const point of rest) doc.lineTo(point.x, point.y)
    doc.lineWidth(1.25).strokeColor(color).stroke()
    // Markers only while they stay apart; a lone point would otherwise be invisible.
    if (buckets.length <= 45 || points.length === 1) {
      for (const point of points) doc.circle(point.x, point.y, 1.6).fill(color)
    }
  })
}

function drawBars(doc: Doc, area: Box, lines: SeriesLine[], ticks: number[], metric: ResultColumn): void {
  const slot = area.width / Math.max(1, lines.length)
  const yOf = scale(ticks, area)
  const zero = yOf(0)
  lines.forEach((line, i) => {
    const value = line.points.reduce((total, point) => total + metricOf(point, metric.name), 0)
    const x = area.x + slot * i + slot * 0.2
    const top = yOf(value)
    doc
      .rect(x, Math.min(top, zero), slot * 0.6, Math.abs(zero - top))
      .fill(PALETTE[i % PALETTE.length] ?? COLOR.text)
    const currency = line.points[0]?.currency
    const label = formatMetric(
      metric.format ?? 'number',
      value,
      typeof currency === 'string' ? currency : undefined,
    )
    doc.font(FONT.regular).fontSize(AXIS_FONT).fillColor(COLOR.text)
    doc.text(fitText(doc, label, slot), area.x + slot * i, Math.min(top, zero) - AXIS_FONT - 3, {
      width: slot,
      align: 'center',
      lineBreak: false,
    })
  })
  drawXLabels(
    doc,
    area,
    lines.map((line, i) => ({ x: area.x + slot * (i + 0.5), text: groupLabel(line, metric.label) })),
    slot,
  )
}

/** Labels under the axis, centred on their x; thinned to every n-th when they would overlap. */
function drawXLabels(doc: Doc, area: Box, labels: { x: number; text: string }[], slot?: number): void {
  doc.font(FONT.regular).fontSize(AXIS_FONT).fillColor(COLOR.muted)
  const widest = Math.max(...labels.map((label) => doc.widthOfString(label.text)), 1) + 8
  const room = slot ?? widest
  const every = slot ? 1 : Math.max(1, Math.ceil((widest * labels.length) / area.width))
  const bottom = area.y + area.height
  labels.forEach((label, i) => {
    if (i % every !== 0) return
    doc
      .moveTo(label.x, bottom)
      .lineTo(label.x, bottom + 3)
      .lineWidth(0.5)
      .strokeColor(COLOR.rule)
      .stroke()
    doc.text(fitText(doc, label.text, room - 4), label.x - room / 2, bottom + 5, {
      width: room,
      align: 'center',
      lineBreak: false,
    })
  })
}

interface LegendItem {
  x: number
  text: string
  color: string
}

/** Legend entries laid out left to right, wrapping onto rows within `width`. */
function legendRows(doc: Doc, lines: SeriesLine[], width: number): LegendItem[][] {
  doc.font(FONT.regular).fontSize(AXIS_FONT)
  const rows: LegendItem[][] = []
  let row: LegendItem[] = []
  let x = 0
  lines.forEach((line, i) => {
    const text = fitText(doc, groupLabel(line, 'All'), width / 2)
    const itemWidth = 14 + doc.widthOfString(text) + 12
    if (x + itemWidth > width && row.length > 0) {
      rows.push(row)
      row = []
      x = 0
    }
    row.push({ x, text, color: PALETTE[i % PALETTE.length] ?? COLOR.text })
    x += itemWidth
  })
  if (row.length > 0) rows.push(row)
  return rows
}

function drawLegend(doc: Doc, rows: LegendItem[][], left: number, top: number): void {
  doc.font(FONT.regular).fontSize(AXIS_FONT)
  rows.forEach((row, r) => {
    const y = top + r * LEGEND_ROW + 3
    for (const item of row) {
      doc.rect(left + item.x, y + 1, 10, 5).fill(item.color)
      doc.fillColor(COLOR.text).text(item.text, left + item.x + 14, y, { lineBreak: false })
    }
  })
}
