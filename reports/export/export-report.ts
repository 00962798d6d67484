import type { Writable } from 'node:stream'
import { exportCsv } from './export-csv.ts'
import type { ExportInput } from './export-input.ts'
import { exportJson } from './export-json.ts'
import { exportPdf } from './export-pdf.ts'
import { exportXlsx } from './export-xlsx.ts'

export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf', 'json'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

interface Exporter {
  contentType: string
  extension: string
  write(input: ExportInput, output: Writable): Promise<void>
}

export const EXPORTERS: Record<ExportFormat, Exporter> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv', write: exportCsv },
  xlsx: {
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
    write: exportXlsx,
  },
  pdf: {
    contentType: 'application/pdf',
    extension: 'pdf',
    write: (input, output) => exportPdf(input, output),
  },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json', write: exportJson },
}

/**
 * Writes the report to `output` in `format`, streaming the rows, and ends `output`; resolves once
 * everything is written, rejects when the rows or the output fail.
 */
export function exportReport(format: ExportFormat, input: ExportInput, output: Writable): Promise<void> {
  return EXPORTERS[format].write(input, output)
}

/** A file name for a download: `chat-revenue-by-flow-2026-04-01.pdf`. */
export function exportFileName(title: string, generatedAt: Date, format: ExportFormat): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return `${slug || 'report'}-${generatedAt.toISOString().slice(0, 10)}.${EXPORTERS[format].extension}`
}
