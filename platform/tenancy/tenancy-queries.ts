import type { Db } from '../clickhouse/db.ts'

export interface TenantRow {
  tenant_id: string
  slug: string
  name: string
  created_at: string
}

export interface SecretKeyRow {
  key_id: string
  tenant_id: string
  name: string
  scopes: string[]
  display_prefix: string
  created_at: string
  revoked: number
}

export interface WidgetKeyRow {
  public_key: string
  tenant_id: string
  name: string
  allowed_origins: string[]
  all_intents: number
  intents: string[]
  created_at: string
  revoked: number
}

export async function findTenantBySlug(db: Db, slug: string): Promise<TenantRow | undefined> {
  const rows = await db.select<TenantRow>(
    `SELECT tenant_id, slug, name, created_at FROM ${db.tables.tenants} FINAL
     WHERE slug = {slug:String} AND deleted = 0 LIMIT 1`,
    { slug },
  )
  return rows[0]
}

export async function listTenants(db: Db): Promise<TenantRow[]> {
  return db.select<TenantRow>(
    `SELECT tenant_id, slug, name, created_at FROM ${db.tables.tenants} FINAL WHERE deleted = 0 ORDER BY slug`,
  )
}

export async function findSecretKeyByHash(db: Db, keyHash: string): Promise<SecretKeyRow | undefined> {
  const rows = await db.select<SecretKeyRow>(
    `SELECT key_id, tenant_id, name, scopes, display_prefix, created_at, revoked
     FROM ${db.tables.secret_keys} FINAL WHERE key_hash = {keyHash:FixedString(64)} LIMIT 1`,
    { keyHash },
  )
  return rows[0]
}

export async function listSecretKeys(db: Db, tenantId: string): Promise<SecretKeyRow[]> {
  return db.select<SecretKeyRow>(
    `SELECT key_id, tenant_id, name, scopes, display_prefix, created_at, revoked
     FROM ${db.tables.secret_keys} FINAL WHERE tenant_id = {tenantId:UUID} ORDER BY created_at`,
    { tenantId },
  )
}

export async function findSecretKeyHashById(
  db: Db,
  tenantId: string,
  keyId: string,
): Promise<string | undefined> {
  const rows = await db.select<{ key_hash: string }>(
    `SELECT key_hash FROM ${db.tables.secret_keys} FINAL
     WHERE tenant_id = {tenantId:UUID} AND key_id = {keyId:String} LIMIT 1`,
    { tenantId, keyId },
  )
  return rows[0]?.key_hash
}

export async function findWidgetKey(db: Db, publicKey: string): Promise<WidgetKeyRow | undefined> {
  const rows = await db.select<WidgetKeyRow>(
    `SELECT public_key, tenant_id, name, allowed_origins, all_intents, intents, created_at, revoked
     FROM ${db.tables.widget_keys} FINAL WHERE public_key = {publicKey:String} LIMIT 1`,
    { publicKey },
  )
  return rows[0]
}

export async function listWidgetKeys(db: Db, tenantId: string): Promise<WidgetKeyRow[]> {
  return db.select<WidgetKeyRow>(
    `SELECT public_key, tenant_id, name, allowed_origins, all_intents, intents, created_at, revoked
     FROM ${db.tables.widget_keys} FINAL WHERE tenant_id = {tenantId:UUID} ORDER BY created_at`,
    { tenantId },
  )
}
