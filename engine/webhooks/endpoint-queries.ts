import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface EndpointRow extends VersionedRow {
  tenant_id: string
  endpoint_id: string
  url: string
  description: string
  event_types: string[]
  enabled: number
  disabled_reason: string
  disabled_at: number
  secret_ciphertext: string
  previous_secret_ciphertext: string
  previous_secret_expires_at: number
}

export const endpointsTable = controlTable<EndpointRow>({
  table: 'webhook_endpoints',
  columns: [
    'tenant_id',
    'endpoint_id',
    'url',
    'description',
    'event_types',
    'enabled',
    'disabled_reason',
    'disabled_at',
    'secret_ciphertext',
    'previous_secret_ciphertext',
    'previous_secret_expires_at',
  ],
  timeColumns: ['disabled_at', 'previous_secret_expires_at'],
  deletable: true,
})

export function findEndpoint(db: Db, tenantId: string, endpointId: string): Promise<EndpointRow | undefined> {
  return endpointsTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND endpoint_id = {endpointId:UUID}', {
    tenantId,
    endpointId,
  })
}

export function listEndpoints(db: Db, tenantId: string): Promise<EndpointRow[]> {
  return endpointsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'created_at, endpoint_id')
}
