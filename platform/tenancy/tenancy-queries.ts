import { controlTable, type VersionedRow } from '../clickhouse/control-table.ts'
import type { Db } from '../clickhouse/db.ts'

export interface TenantRow extends VersionedRow {
  tenant_id: string
  slug: string
  name: string
}

export interface SecretKeyRow extends VersionedRow {
  key_hash: string
  key_id: string
  tenant_id: string
  name: string
  scopes: string[]
  display_prefix: string
  revoked: number
}

export interface WidgetKeyRow extends VersionedRow {
  public_key: string
  tenant_id: string
  name: string
  allowed_origins: string[]
  all_intents: number
  intents: string[]
  revoked: number
}

export const tenantsTable = controlTable<TenantRow>({
  table: 'tenants',
  columns: ['tenant_id', 'slug', 'name'],
  deletable: true,
})

/** Keys are revoked rather than deleted: a revoked key stays listed. */
export const secretKeysTable = controlTable<SecretKeyRow>({
  table: 'secret_keys',
  columns: ['key_hash', 'key_id', 'tenant_id', 'name', 'scopes', 'display_prefix', 'revoked'],
  deletable: false,
})

export const widgetKeysTable = controlTable<WidgetKeyRow>({
  table: 'widget_keys',
  columns: ['public_key', 'tenant_id', 'name', 'allowed_origins', 'all_intents', 'intents', 'revoked'],
  deletable: false,
})

export function findTenantBySlug(db: Db, slug: string): Promise<TenantRow | undefined> {
  return tenantsTable.selectOne(db, 'slug = {slug:String}', { slug })
}

export function listTenants(db: Db): Promise<TenantRow[]> {
  return tenantsTable.select(db, '1', {}, 'slug')
}

export function findSecretKeyByHash(db: Db, keyHash: string): Promise<SecretKeyRow | undefined> {
  return secretKeysTable.selectOne(db, 'key_hash = {keyHash:FixedString(64)}', { keyHash })
}

export function findSecretKeyById(
  db: Db,
  tenantId: string,
  keyId: string,
): Promise<SecretKeyRow | undefined> {
  return secretKeysTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND key_id = {keyId:String}', {
    tenantId,
    keyId,
  })
}

export function listSecretKeys(db: Db, tenantId: string): Promise<SecretKeyRow[]> {
  return secretKeysTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'created_at')
}

export function findWidgetKey(db: Db, publicKey: string): Promise<WidgetKeyRow | undefined> {
  return widgetKeysTable.selectOne(db, 'public_key = {publicKey:String}', { publicKey })
}

export function listWidgetKeys(db: Db, tenantId: string): Promise<WidgetKeyRow[]> {
  return widgetKeysTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'created_at')
}
