import type { Db } from '../../platform/clickhouse/db.ts'

export interface ReportRow {
  report_id: string
  title: string
  spec: string
  created_at: string
  updated_at: string
}

const COLUMNS = 'report_id, title, spec, created_at, updated_at'

export async function findReport(db: Db, tenantId: string, reportId: string): Promise<ReportRow | undefined> {
  const rows = await db.select<ReportRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.reports} FINAL
     WHERE tenant_id = {tenantId:UUID} AND report_id = {reportId:String} AND deleted = 0 LIMIT 1`,
    { tenantId, reportId },
  )
  return rows[0]
}

export async function listReports(db: Db, tenantId: string): Promise<ReportRow[]> {
  return db.select<ReportRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.reports} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ORDER BY title, report_id`,
    { tenantId },
  )
}

/** A new version of a report (times in epoch ms; `deleted` = 1 removes it). */
export interface ReportVersion {
  tenant_id: string
  report_id: string
  title: string
  spec: string
  created_at: number
  updated_at: number
  deleted: 0 | 1
}

export async function writeReport(db: Db, row: ReportVersion): Promise<void> {
  await db.insert('reports', [row])
}
