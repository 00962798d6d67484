import { once } from 'node:events'
import type { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import type { ResultColumn, ResultRow } from '../semantic/analytics-result.ts'
import type { Granularity } from '../semantic/analytics-window.ts'
import { type ExportInput, peekRows } from './export-input.ts'
import {
  currencyOf,
  displayValue,
  generatedLabel,
  headerLabel,
  periodLabel,
  spreadsheetNumFmt,
  spreadsheetValue,
} from './format-value.ts'

type Sheet = ExcelJS.Worksheet

/** Rows read ahead to size the columns (widths are written before the first row). */
const WIDTH_SAMPLE_ROWS = 200
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE5E7EB' } }

/**
 * An XLSX workbook written with exceljs's streaming writer: a `Data` sheet (typed cells, number,
 * currency and percent formats, frozen header, autofilter, widths from the header and the first rows)
 * and a `Summary` sheet (title, period, spec and filters, generation time, totals).
 */
export async function exportXlsx(input: ExportInput, output: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true })
  workbook.created = input.generatedAt
  workbook.creator = 'Comerix'
  const rowCount = await writeDataSheet(workbook, input)
  writeSummarySheet(workbook, input, rowCount)
  // Resolves once the output has finished.
  await workbook.commit()
}

async function writeDataSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, input: ExportInput) {
  const { columns, range } = input
  const sheet = workbook.addWorksheet('Data', { views: [{ state: 'frozen', ySplit: 1 }] })
  const headers = columns.map((column) => headerLabel(column, { percentCells: true }))
  const { head, all } = await peekRows(input.rows, WIDTH_SAMPLE_ROWS)
  sheet.columns = columns.map((column, index) => ({
    key: column.name,
    width: columnWidth(headers[index] ?? '', column, head, range.granularity),
  }))
  writeHeader(sheet, headers)
  let count = 0
  for await (const row of all) {
    addTypedRow(sheet, columns, row, range.granularity)
    count += 1
    if (count % 500 === 0) await zipCaughtUp(sheet)
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: count + 1, column: columns.length } }
  sheet.commit()
  return count
}

function writeSummarySheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  input: ExportInput,
  rowCount: number,
): void {
  const sheet = workbook.addWorksheet('Summary')
  sheet.columns = [{ width: 22 }, { width: 60 }]
  const about: [string, string | number][] = [
    ['Report', input.title],
    ...(input.description ? [['Description', input.description] as [string, string]] : []),
    ['Period', periodLabel(input.range)],
    ['Granularity', input.range.granularity],
    ...input.spec.map((line): [string, string] => [line.label, line.value]),
    ['Rows', rowCount],
    ['Generated', generatedLabel(input.generatedAt)],
  ]
  for (const [label, value] of about) {
    const row = sheet.addRow([label, value])
    row.getCell(1).font = { bold: true }
    row.commit()
  }
  writeTotals(sheet, 'Totals', input.columns, input.totals)
  if (input.previous) {
    writeTotals(
      sheet,
      `Previous period (${periodLabel(input.previous.range)})`,
      input.columns,
      input.previous.totals,
    )
  }
  sheet.commit()
}

function writeTotals(sheet: Sheet, title: string, columns: ResultColumn[], totals: ResultRow[]): void {
  if (totals.length === 0) return
  sheet.addRow([]).commit()
  const shown = columns.filter(
    (column) => column.kind !== 'bucket' && totals.some((row) => column.name in row),
  )
  const heading = sheet.addRow([title])
  heading.getCell(1).font = { bold: true, size: 12 }
  heading.commit()
  writeHeader(
    sheet,
    shown.map((column) => headerLabel(column, { percentCells: true })),
  )
  for (const row of totals) addTypedRow(sheet, shown, row, 'total')
}

function writeHeader(sheet: Sheet, labels: string[]): void {
  const header = sheet.addRow(labels)
  header.eachCell((cell) => {
    cell.font = { bold: true }
    cell.fill = HEADER_FILL
    cell.border = { bottom: { style: 'thin', color: { argb: 'FF9CA3AF' } } }
  })
  header.commit()
}

/** Buckets as dates, metrics as numbers in their format, dimensions as text. */
function addTypedRow(sheet: Sheet, columns: ResultColumn[], row: ResultRow, granularity: Granularity): void {
  const added = sheet.addRow(columns.map((column) => cellValue(column, row)))
  columns.forEach((column, index) => {
    const cell = added.getCell(index + 1)
    if (column.kind === 'bucket') cell.numFmt = granularity === 'hour' ? 'yyyy-mm-dd hh:mm' : 'yyyy-mm-dd'
    if (column.kind === 'metric') cell.numFmt = spreadsheetNumFmt(column.format ?? 'number', currencyOf(row))
  })
  added.commit()
}

function cellValue(column: ResultColumn, row: ResultRow): ExcelJS.CellValue {
  const value = row[column.name] ?? null
  if (value === null) return null
  // The bucket is local wall-clock time; spreadsheets have no timezone, so it is written as if UTC.
  if (column.kind === 'bucket') return new Date(`${value}Z`)
  if (column.kind === 'metric' && typeof value === 'number')
    return spreadsheetValue(column.format ?? 'number', value)
  return value
}

function columnWidth(
  header: string,
  column: ResultColumn,
  sample: ResultRow[],
  granularity: Granularity,
): number {
  const longest = Math.max(
    header.length + 2,
    ...sample.map((row) => displayValue(column, row, granularity).length),
  )
  return Math.min(60, Math.max(10, longest + 2))
}

/**
 * exceljs pushes each committed row's XML into the sheet's zip entry without backpressure, so on a large
 * export the XML would pile up in memory. Wait while the entry's input (archiver's PassThrough, from
 * readable-stream, hence `_writableState`) holds a backlog; the output's own backpressure holds the
 * zip back in turn. The large-export test measures that memory stays bounded.
 */
async function zipCaughtUp(sheet: Sheet): Promise<void> {
  const entry = (sheet as unknown as { stream: { pipes?: EntryInput[] } }).stream.pipes?.[0]
  if (entry && entry._writableState.length > 1 << 20) await once(entry, 'drain')
}

type EntryInput = NodeJS.EventEmitter & { _writableState: { length: number } }
