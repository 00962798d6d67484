import type { Db } from '../../platform/clickhouse/db.ts'

export interface FlowRow {
  tenant_id: string
  flow_id: string
  intent: string
  name: string
  draft: string
  published_version: number
  latest_version: number
  created_at: string
  updated_at: string
  deleted: number
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

const FLOW_COLUMNS =
  'tenant_id, flow_id, intent, name, draft, published_version, latest_version, created_at, updated_at, deleted'

export async function findFlow(db: Db, tenantId: string, flowId: string): Promise<FlowRow | undefined> {
  const rows = await db.select<FlowRow>(
    `SELECT ${FLOW_COLUMNS} FROM ${db.tables.flows} FINAL
     WHERE tenant_id = {tenantId:UUID} AND flow_id = {flowId:UUID} AND deleted = 0`,
    { tenantId, flowId },
  )
  return rows[0]
}

export async function listFlows(db: Db, tenantId: string): Promise<FlowRow[]> {
  return db.select<FlowRow>(
    `SELECT ${FLOW_COLUMNS} FROM ${db.tables.flows} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ORDER BY intent, created_at`,
    { tenantId },
  )
}

export async function listPublishedFlows(db: Db, tenantId: string): Promise<FlowRow[]> {
  return db.select<FlowRow>(
    `SELECT ${FLOW_COLUMNS} FROM ${db.tables.flows} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 AND published_version > 0`,
    { tenantId },
  )
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
