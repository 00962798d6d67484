import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { stringify } from 'csv-stringify'
import type { Cell } from '../semantic/metric-family.ts'
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
    }),
    output,
  )
}

/**
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading
 * apostrophe (OWASP CSV injection); dimension values can come from visitors and shop content.
 */
function csvCell(value: Cell): Cell {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}
