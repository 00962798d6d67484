import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface ConnectionRow extends VersionedRow {
  tenant_id: string
  name: string
  base_url: string
  auth_kind: string
  auth_header_name: string
  secret_ciphertext: string
  timeout_ms: number
}

export const connectionsTable = controlTable<ConnectionRow>({
  table: 'connections',
  columns: [
    'tenant_id',
    'name',
    'base_url',
    'auth_kind',
    'auth_header_name',
    'secret_ciphertext',
    'timeout_ms',
  ],
  deletable: true,
})

export function findConnection(db: Db, tenantId: string, name: string): Promise<ConnectionRow | undefined> {
  return connectionsTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND name = {name:String}', {
    tenantId,
    name,
  })
}

export function listConnections(db: Db, tenantId: string): Promise<ConnectionRow[]> {
  return connectionsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'name')
}
