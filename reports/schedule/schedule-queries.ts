import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

/** A schedule as stored, times as epoch ms. */
export interface ScheduleRow extends VersionedRow {
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
}

export const schedulesTable = controlTable<ScheduleRow>({
  table: 'report_schedules',
  columns: [
    'tenant_id',
    'schedule_id',
    'report_id',
    'cron',
    'timezone',
    'format',
    'endpoint_url',
    'secret_ciphertext',
    'paused',
    'active_since',
  ],
  timeColumns: ['active_since'],
  deletable: true,
})

export function findSchedule(db: Db, tenantId: string, scheduleId: string): Promise<ScheduleRow | undefined> {
  return schedulesTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND schedule_id = {scheduleId:UUID}', {
    tenantId,
    scheduleId,
  })
}

export function listSchedules(db: Db, tenantId: string): Promise<ScheduleRow[]> {
  return schedulesTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'created_at, schedule_id')
}

/** Every tenant's unpaused schedules: what the scheduler ticks. */
export function listActiveSchedules(db: Db): Promise<ScheduleRow[]> {
  return schedulesTable.select(db, 'paused = 0', {})
}
