import type { Db } from '../../platform/clickhouse/db.ts'

/** A schedule as stored, times as epoch ms. */
export interface ScheduleRow {
  tenant_id: string
  schedule_id: string
  report_id: string
  cron: string
  timezone: string
  format: string
  endpoint_url: string
  secret_ciphertext: string
  paused: number
  active_since: number
  created_at: number
  updated_at: number
}

const COLUMNS = `tenant_id, schedule_id, report_id, cron, timezone,
  format, endpoint_url, secret_ciphertext, paused, toFloat64(toUnixTimestamp64Milli(active_since)) AS active_since,
  toFloat64(toUnixTimestamp64Milli(created_at)) AS created_at, toFloat64(toUnixTimestamp64Milli(updated_at)) AS updated_at`

export async function findSchedule(
  db: Db,
  tenantId: string,
  scheduleId: string,
): Promise<ScheduleRow | undefined> {
  const rows = await db.select<ScheduleRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.report_schedules} FINAL
     WHERE tenant_id = {tenantId:UUID} AND schedule_id = {scheduleId:UUID} AND deleted = 0 LIMIT 1`,
    { tenantId, scheduleId },
  )
  return rows[0]
}

export async function listSchedules(db: Db, tenantId: string): Promise<ScheduleRow[]> {
  return db.select<ScheduleRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.report_schedules} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ORDER BY created_at, schedule_id`,
    { tenantId },
  )
}

/** Every tenant's unpaused schedules: what the scheduler ticks. */
export async function listActiveSchedules(db: Db): Promise<ScheduleRow[]> {
  return db.select<ScheduleRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.report_schedules} FINAL WHERE deleted = 0 AND paused = 0`,
    {},
  )
}

export function insertSchedule(db: Db, row: ScheduleRow & { deleted?: number }): Promise<void> {
  return db.insert('report_schedules', [{ deleted: 0, ...row }])
}
