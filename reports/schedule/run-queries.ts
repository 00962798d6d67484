import type { Db } from '../../platform/clickhouse/db.ts'
import type { RunStatus, RunTrigger } from './schedule-schemas.ts'

/** One version of a run, times as epoch ms (0 = not yet). */
export interface RunRow {
  tenant_id: string
  schedule_id: string
  run_id: string
  report_id: string
  trigger: RunTrigger
  status: RunStatus
  format: string
  scheduled_for: number
  started_at: number
  finished_at: number
  duration_ms: number
  rows: number
  bytes: number
  attempts: number
  http_status: number
  error: string
  artifact_id: string
  artifact_path: string
  artifact_expires_at: number
  updated_at: number
}

const COLUMNS = `tenant_id, schedule_id, run_id,
  report_id, trigger, status, format, toFloat64(toUnixTimestamp64Milli(scheduled_for)) AS scheduled_for,
  toFloat64(toUnixTimestamp64Milli(started_at)) AS started_at, toFloat64(toUnixTimestamp64Milli(finished_at)) AS finished_at,
  toFloat64(duration_ms) AS duration_ms, toFloat64(rows) AS rows, toFloat64(bytes) AS bytes, attempts, http_status, error, artifact_id, artifact_path,
  toFloat64(toUnixTimestamp64Milli(artifact_expires_at)) AS artifact_expires_at, toFloat64(toUnixTimestamp64Milli(updated_at)) AS updated_at`

/** Runs move forward by inserting newer versions; `updated_at` is bumped so the newest always wins. */
export function saveRun(db: Db, row: RunRow): Promise<void> {
  return db.insert('report_runs', [row])
}

export async function findRun(db: Db, tenantId: string, runId: string): Promise<RunRow | undefined> {
  const rows = await db.select<RunRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.report_runs} FINAL
     WHERE tenant_id = {tenantId:UUID} AND run_id = {runId:UUID} LIMIT 1`,
    { tenantId, runId },
  )
  return rows[0]
}

export async function listRuns(
  db: Db,
  tenantId: string,
  scheduleId: string,
  limit: number,
): Promise<RunRow[]> {
  return db.select<RunRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.report_runs} FINAL
     WHERE tenant_id = {tenantId:UUID} AND schedule_id = {scheduleId:UUID}
     ORDER BY scheduled_for DESC, run_id LIMIT {limit:UInt32}`,
    { tenantId, scheduleId, limit },
  )
}

/** The latest occurrence the scheduler queued for a schedule: the durable fallback for its cursor. */
export async function lastScheduledOccurrence(db: Db, tenantId: string, scheduleId: string): Promise<number> {
  const rows = await db.select<{ at: number }>(
    `SELECT toFloat64(toUnixTimestamp64Milli(max(scheduled_for))) AS at FROM ${db.tables.report_runs}
     WHERE tenant_id = {tenantId:UUID} AND schedule_id = {scheduleId:UUID} AND trigger != 'manual'`,
    { tenantId, scheduleId },
  )
  return rows[0]?.at ?? 0
}
