import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { stringify } from 'csv-stringify'
import type { Cell } from '../semantic/analytics-result.ts'
import type { ExportInput } from './export-input.ts'
import { dataValue, headerLabel } from './format-value.ts'

/**
 * RFC 4180 CSV (CRLF, quoted when needed), UTF-8 with a byte-order mark so Excel reads accents right.
 * Header: the columns' labels with their unit; values in those units at full precision (money in
 * currency units beside its `Currency` column, ratios in percent, durations in seconds).
 * Rows are written as they arrive.
 */
export async function exportCsv(input: ExportInput, output: Writable): Promise<void> {
  const { columns, range } = input
  async function* records(rows: ExportInput['rows']) {
    for await (const row of rows)
      yield columns.map((column) => csvCell(dataValue(column, row, range.granularity)))
  }
  await pipeline(
    Readable.from(records(input.rows)),
    stringify({
      bom: true,
      header: true,
      columns: columns.map((column) => headerLabel(column)),
      record_delimiter: 'windows',
      // csv-stringify quotes only its own record delimiter (CRLF): a bare LF or CR would end the row in
      // spreadsheets and let a value forge rows of its own.
      quoted_match: /[\r\n]/,
    }),
    output,
  )
}

/**
 * Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection):
 * `=`, `+`, `-` or `@` first or after leading whitespace or line breaks (spreadsheets trim them), and
 * text starting with a tab or CR. Dimension values can come from visitors and shop content.
 */
const FORMULA_START = /^(?:\s*[=+\-@]|[\t\r])/

function csvCell(value: Cell): Cell {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value
}
