import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface FlowRow extends VersionedRow {
  tenant_id: string
  flow_id: string
  intent: string
  name: string
  draft: string
  published_version: number
  latest_version: number
}

export interface FlowVersionRow {
  flow_id: string
  version: number
  intent: string
  name: string
  document: string
  published_by: string
  created_at: string
}

export const flowsTable = controlTable<FlowRow>({
  table: 'flows',
  columns: ['tenant_id', 'flow_id', 'intent', 'name', 'draft', 'published_version', 'latest_version'],
  deletable: true,
})

export function findFlow(db: Db, tenantId: string, flowId: string): Promise<FlowRow | undefined> {
  return flowsTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND flow_id = {flowId:UUID}', {
    tenantId,
    flowId,
  })
}

export function listFlows(db: Db, tenantId: string): Promise<FlowRow[]> {
  return flowsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'intent, created_at')
}

export function listPublishedFlows(db: Db, tenantId: string): Promise<FlowRow[]> {
  return flowsTable.select(db, 'tenant_id = {tenantId:UUID} AND published_version > 0', { tenantId })
}

export async function findFlowVersion(
  db: Db,
  tenantId: string,
  flowId: string,
  version: number,
): Promise<FlowVersionRow | undefined> {
  const rows = await db.select<FlowVersionRow>(
    `SELECT flow_id, version, intent, name, document, published_by, created_at FROM ${db.tables.flow_versions} FINAL
     WHERE tenant_id = {tenantId:UUID} AND flow_id = {flowId:UUID} AND version = {version:UInt32}`,
    { tenantId, flowId, version },
  )
  return rows[0]
}

export async function listFlowVersions(db: Db, tenantId: string, flowId: string): Promise<FlowVersionRow[]> {
  return db.select<FlowVersionRow>(
    `SELECT flow_id, version, intent, name, '' AS document, published_by, created_at FROM ${db.tables.flow_versions} FINAL
     WHERE tenant_id = {tenantId:UUID} AND flow_id = {flowId:UUID} ORDER BY version`,
    { tenantId, flowId },
  )
}
