import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface ReportRow extends VersionedRow {
  tenant_id: string
  report_id: string
  title: string
  spec: string
}

export const reportsTable = controlTable<ReportRow>({
  table: 'reports',
  columns: ['tenant_id', 'report_id', 'title', 'spec'],
  deletable: true,
})

export function findReport(db: Db, tenantId: string, reportId: string): Promise<ReportRow | undefined> {
  return reportsTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND report_id = {reportId:String}', {
    tenantId,
    reportId,
  })
}

export function listReports(db: Db, tenantId: string): Promise<ReportRow[]> {
  return reportsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'title, report_id')
}
