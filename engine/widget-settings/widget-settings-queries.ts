import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface WidgetSettingsRow extends VersionedRow {
  tenant_id: string
  public_key: string
  draft: string
  published_version: number
  latest_version: number
}

export interface WidgetSettingsVersionRow {
  version: number
  document: string
  published_by: string
  created_at: string
}

export const widgetSettingsTable = controlTable<WidgetSettingsRow>({
  table: 'widget_settings',
  columns: ['tenant_id', 'public_key', 'draft', 'published_version', 'latest_version'],
  deletable: true,
})

export function findWidgetSettings(
  db: Db,
  tenantId: string,
  publicKey: string,
): Promise<WidgetSettingsRow | undefined> {
  return widgetSettingsTable.selectOne(
    db,
    'tenant_id = {tenantId:UUID} AND public_key = {publicKey:String}',
    {
      tenantId,
      publicKey,
    },
  )
}

export function listWidgetSettings(db: Db, tenantId: string): Promise<WidgetSettingsRow[]> {
  return widgetSettingsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'public_key')
}

export async function insertWidgetSettingsVersion(
  db: Db,
  row: { tenant_id: string; public_key: string; version: number; document: string; published_by: string },
  now: number,
): Promise<void> {
  await db.insert('widget_settings_versions', [{ ...row, created_at: now }])
}

export async function findWidgetSettingsVersion(
  db: Db,
  tenantId: string,
  publicKey: string,
  version: number,
): Promise<WidgetSettingsVersionRow | undefined> {
  const rows = await db.select<WidgetSettingsVersionRow>(
    `SELECT version, document, published_by, created_at FROM ${db.tables.widget_settings_versions} FINAL
     WHERE tenant_id = {tenantId:UUID} AND public_key = {publicKey:String} AND version = {version:UInt32}`,
    { tenantId, publicKey, version },
  )
  return rows[0]
}

export async function listWidgetSettingsVersions(
  db: Db,
  tenantId: string,
  publicKey: string,
): Promise<WidgetSettingsVersionRow[]> {
  return db.select<WidgetSettingsVersionRow>(
    `SELECT version, '' AS document, published_by, created_at FROM ${db.tables.widget_settings_versions} FINAL
     WHERE tenant_id = {tenantId:UUID} AND public_key = {publicKey:String} ORDER BY version`,
    { tenantId, publicKey },
  )
}
