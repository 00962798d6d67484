import { controlTable, type VersionedRow } from '../../platform/clickhouse/control-table.ts'
import type { Db } from '../../platform/clickhouse/db.ts'

export interface FormRow extends VersionedRow {
  tenant_id: string
  form_id: string
  name: string
  draft: string
  published_version: number
  latest_version: number
}

export interface FormVersionRow {
  version: number
  name: string
  document: string
  published_by: string
  created_at: string
}

export const formsTable = controlTable<FormRow>({
  table: 'forms',
  columns: ['tenant_id', 'form_id', 'name', 'draft', 'published_version', 'latest_version'],
  deletable: true,
})

export function findForm(db: Db, tenantId: string, formId: string): Promise<FormRow | undefined> {
  return formsTable.selectOne(db, 'tenant_id = {tenantId:UUID} AND form_id = {formId:UUID}', {
    tenantId,
    formId,
  })
}

export function listForms(db: Db, tenantId: string): Promise<FormRow[]> {
  return formsTable.select(db, 'tenant_id = {tenantId:UUID}', { tenantId }, 'name, created_at')
}

export async function insertFormVersion(
  db: Db,
  row: {
    tenant_id: string
    form_id: string
    version: number
    name: string
    document: string
    published_by: string
  },
  now: number,
): Promise<void> {
  await db.insert('form_versions', [{ ...row, created_at: now }])
}

export async function findFormVersion(
  db: Db,
  tenantId: string,
  formId: string,
  version: number,
): Promise<FormVersionRow | undefined> {
  const rows = await db.select<FormVersionRow>(
    `SELECT version, name, document, published_by, created_at FROM ${db.tables.form_versions} FINAL
     WHERE tenant_id = {tenantId:UUID} AND form_id = {formId:UUID} AND version = {version:UInt32}`,
    { tenantId, formId, version },
  )
  return rows[0]
}

export async function listFormVersions(db: Db, tenantId: string, formId: string): Promise<FormVersionRow[]> {
  return db.select<FormVersionRow>(
    `SELECT version, name, '' AS document, published_by, created_at FROM ${db.tables.form_versions} FINAL
     WHERE tenant_id = {tenantId:UUID} AND form_id = {formId:UUID} ORDER BY version`,
    { tenantId, formId },
  )
}
