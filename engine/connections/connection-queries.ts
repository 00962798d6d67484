import type { Db } from '../../platform/clickhouse/db.ts'

export interface ConnectionRow {
  tenant_id: string
  name: string
  base_url: string
  auth_kind: string
  auth_header_name: string
  secret_ciphertext: string
  timeout_ms: number
  created_at: string
  updated_at: string
}

const COLUMNS = `tenant_id, name, base_url, auth_kind, auth_header_name, secret_ciphertext, timeout_ms,
  created_at, updated_at`

export async function findConnection(
  db: Db,
  tenantId: string,
  name: string,
): Promise<ConnectionRow | undefined> {
  const rows = await db.select<ConnectionRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.connections} FINAL
     WHERE tenant_id = {tenantId:UUID} AND name = {name:String} AND deleted = 0 LIMIT 1`,
    { tenantId, name },
  )
  return rows[0]
}

export async function listConnections(db: Db, tenantId: string): Promise<ConnectionRow[]> {
  return db.select<ConnectionRow>(
    `SELECT ${COLUMNS} FROM ${db.tables.connections} FINAL
     WHERE tenant_id = {tenantId:UUID} AND deleted = 0 ORDER BY name`,
    { tenantId },
  )
}
