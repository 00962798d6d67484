import type { Readable } from 'node:stream'

export const REPORT_FORMATS = ['csv', 'xlsx', 'pdf', 'json'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/** One rendered report, as an exporter produced it. */
export interface ReportFile {
  body: Buffer | Readable
  contentType: string
  filename: string
  rows: number
  /** The size when known up front; the scheduler counts the bytes it reads anyway. */
  bytes?: number
}

/**
 * What schedules need from saved reports and exporters (built elsewhere in reports/): whether a
 * tenant's report exists, and its rendering in a format. A report that vanished since the schedule
 * was saved makes `run` throw; the run is recorded as failed with that message.
 */
export interface ReportRunner {
  exists(tenantId: string, reportId: string): Promise<boolean>
  run(tenantId: string, reportId: string, format: ReportFormat): Promise<ReportFile>
}
