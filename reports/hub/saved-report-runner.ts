import { Writable } from 'node:stream'
import { AppError } from '../../platform/errors/catalog.ts'
import { EXPORTERS } from '../export/export-report.ts'
import type { ReportFile, ReportFormat, ReportRunner } from '../schedule/report-runner.ts'
import type { ReportService } from './report-service.ts'

/** Schedules render saved reports into memory: the file is both POSTed and stored as an artifact. */
export function savedReportRunner(reports: ReportService): ReportRunner {
  return {
    async exists(tenantId, reportId) {
      try {
        await reports.get(tenantId, reportId)
        return true
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return false
        throw error
      }
    },
    async run(tenantId, reportId, format: ReportFormat): Promise<ReportFile> {
      const chunks: Buffer[] = []
      const collect = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk)
          done()
        },
      })
      const { rows, filename } = await reports.export(tenantId, { reportId }, format, collect)
      const body = Buffer.concat(chunks)
      return { body, contentType: EXPORTERS[format].contentType, filename, rows, bytes: body.length }
    },
  }
}
