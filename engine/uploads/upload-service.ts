import { createHash } from 'node:crypto'
import type { Db } from '../../platform/clickhouse/db.ts'
import { newToken } from '../../platform/ids.ts'

export interface UploadInfo {
  uploadId: string
  filename: string
  contentType: string
  size: number
}

export interface UploadedFile {
  filename: string
  contentType: string
  bytes: Buffer
}

/** Files for form `file` fields, stored in ClickHouse and bound to one execution and field. */
export class UploadService {
  constructor(private readonly db: Db) {}

  async store(tenantId: string, executionId: string, field: string, file: UploadedFile): Promise<UploadInfo> {
    const info: UploadInfo = {
      uploadId: newToken('up_', 18),
      filename: file.filename.slice(0, 255),
      contentType: file.contentType,
      size: file.bytes.length,
    }
    await this.db.insert('uploads', [
      {
        tenant_id: tenantId,
        upload_id: info.uploadId,
        execution_id: executionId,
        field,
        filename: info.filename,
        content_type: info.contentType,
        size: info.size,
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        data: file.bytes.toString('base64'),
        created_at: Date.now(),
      },
    ])
    return info
  }

  /** Which of these upload ids were uploaded for this execution's `field`. */
  async findBound(
    tenantId: string,
    executionId: string,
    field: string,
    uploadIds: string[],
  ): Promise<Set<string>> {
    if (uploadIds.length === 0) return new Set()
    const rows = await this.db.select<{ upload_id: string }>(
      `SELECT upload_id FROM ${this.db.tables.uploads}
       WHERE tenant_id = {tenantId:UUID} AND upload_id IN {uploadIds:Array(String)}
         AND execution_id = {executionId:String} AND field = {field:String}`,
      { tenantId, uploadIds, executionId, field },
    )
    return new Set(rows.map((row) => row.upload_id))
  }
}

/** Whether a MIME type matches a field's `accept` list (`image/*` style wildcards allowed). */
export function isAccepted(contentType: string, accept: readonly string[] | undefined): boolean {
  if (!accept || accept.length === 0) return true
  const type = contentType.toLowerCase().split(';')[0]?.trim() ?? ''
  return accept.some((pattern) => {
    const wanted = pattern.toLowerCase()
    return wanted.endsWith('/*') ? type.startsWith(wanted.slice(0, -1)) : type === wanted
  })
}
