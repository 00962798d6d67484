import type { Db } from '../../platform/clickhouse/db.ts'
import { newId } from '../../platform/ids.ts'
import { artifactPath, newLinkKey } from './artifact-link.ts'
import type { DeliveryFile } from './deliver-file.ts'

export interface StoredArtifact {
  id: string
  /** The signed, expiring download path (relative to the API's base URL). */
  path: string
  expiresAt: number
}

export interface ArtifactRow {
  artifact_id: string
  tenant_id: string
  filename: string
  content_type: string
  link_key: string
  data: string
}

export interface NewArtifact {
  tenantId: string
  scheduleId: string
  runId: string
  file: DeliveryFile
  now: number
  retentionMs: number
}

/** Keeps a run's file in `report_artifacts`, so any API process can serve its link in either mode. */
export async function storeArtifact(db: Db, artifact: NewArtifact): Promise<StoredArtifact> {
  const id = newId()
  const linkKey = newLinkKey()
  const expiresAt = Math.floor((artifact.now + artifact.retentionMs) / 1000) * 1000
  await db.insert('report_artifacts', [
    {
      artifact_id: id,
      tenant_id: artifact.tenantId,
      schedule_id: artifact.scheduleId,
      run_id: artifact.runId,
      filename: artifact.file.filename,
      content_type: artifact.file.contentType,
      bytes: artifact.file.body.length,
      link_key: linkKey,
      data: artifact.file.body.toString('base64'),
      created_at: artifact.now,
      expires_at: expiresAt,
    },
  ])
  return { id, path: artifactPath(linkKey, id, expiresAt / 1000), expiresAt }
}

export async function findArtifact(db: Db, artifactId: string): Promise<ArtifactRow | undefined> {
  const rows = await db.select<ArtifactRow>(
    `SELECT artifact_id, tenant_id, filename, content_type,
       link_key, data
     FROM ${db.tables.report_artifacts} FINAL WHERE artifact_id = {artifactId:UUID} LIMIT 1`,
    { artifactId },
  )
  return rows[0]
}
