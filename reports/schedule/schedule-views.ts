import { nextRuns } from './cron-schedule.ts'
import type { ReportFormat } from './report-runner.ts'
import type { RunRow } from './run-queries.ts'
import type { ScheduleRow } from './schedule-queries.ts'
import type { RunView, ScheduleView } from './schedule-schemas.ts'

const iso = (ms: number): string => new Date(ms).toISOString()
const isoOrNull = (ms: number): string | null => (ms > 0 ? iso(ms) : null)

export function toScheduleView(row: ScheduleRow, now: number): ScheduleView {
  return {
    id: row.schedule_id,
    reportId: row.report_id,
    cron: row.cron,
    timezone: row.timezone,
    format: row.format as ReportFormat,
    endpointUrl: row.endpoint_url,
    paused: row.paused === 1,
    nextRuns:
      row.paused === 1 ? [] : nextRuns(row, now, 5).map((run) => ({ at: iso(run.at), local: run.local })),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}

export function toRunView(row: RunRow): RunView {
  return {
    id: row.run_id,
    scheduleId: row.schedule_id,
    reportId: row.report_id,
    trigger: row.trigger,
    status: row.status,
    format: row.format as ReportFormat,
    scheduledFor: iso(row.scheduled_for),
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    durationMs: row.duration_ms,
    rows: row.rows,
    bytes: row.bytes,
    attempts: row.attempts,
    httpStatus: row.http_status,
    error: row.error,
    download:
      row.artifact_path === '' ? null : { path: row.artifact_path, expiresAt: iso(row.artifact_expires_at) },
  }
}
