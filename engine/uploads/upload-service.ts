import { createHash } from 'node:crypto'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newToken } from '../../platform/ids.ts'
import { sniffContentType } from './sniff-content-type.ts'
import type { UploadOwner, UploadQuota } from './upload-quota.ts'

export interface UploadInfo {
  uploadId: string
  filename: string
  contentType: string
  size: number
}

export interface UploadedFile {
  filename: string
  /** What the client declared; only checked against the bytes, never stored. */
  declaredType: string
  bytes: Buffer
}

/** The form field an upload is for. */
export interface UploadField {
  name: string
  accept?: readonly string[] | undefined
}

/**
 * Files for form `file` fields, stored in ClickHouse and bound to one execution and field. Nothing
 * serves the bytes back: the flow and the shop get the uploadId and the type sniffed from the bytes.
 */
export class UploadService {
  constructor(
    private readonly db: Db,
    readonly quota: UploadQuota,
  ) {}

  /** Checks the file (not empty, type from its bytes, the field's accept list), counts it, stores it. */
  async upload(owner: UploadOwner, field: UploadField, file: UploadedFile): Promise<UploadInfo> {
    if (file.bytes.length === 0) {
      throw new AppError('validation_failed', `the file for "${field.name}" is empty`, {
        fields: [{ field: field.name, message: 'the file is empty' }],
      })
    }
    const sniffed = await sniffContentType(file.bytes, file.declaredType)
    if (!sniffed.ok) {
      throw new AppError(
        'unsupported_media_type',
        sniffed.reason === 'scriptable'
          ? `the file's content is ${sniffed.detected}, which can run scripts and is never accepted`
          : `the file was sent as ${sniffed.declared} but its content is ${sniffed.detected}`,
        { field: field.name, detected: sniffed.detected, declared: sniffed.declared },
      )
    }
    if (!isAccepted(sniffed.contentType, field.accept)) {
      throw new AppError(
        'unsupported_media_type',
        `"${field.name}" accepts ${field.accept?.join(', ')}, not ${sniffed.contentType}`,
        { field: field.name, detected: sniffed.contentType, accept: field.accept },
      )
    }
    const release = await this.quota.reserve(owner, file.bytes.length)
    try {
      return await this.store(owner.tenantId, owner.executionId, field.name, {
        filename: file.filename,
        contentType: sniffed.contentType,
        bytes: file.bytes,
      })
    } catch (error) {
      await release()
      throw error
    }
  }

  private async store(
    tenantId: string,
    executionId: string,
    field: string,
    file: { filename: string; contentType: string; bytes: Buffer },
  ): Promise<UploadInfo> {
    const info: UploadInfo = {
      uploadId: newToken('up_', 18),
      filename: cleanFilename(file.filename),
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
    if (wanted === '*/*') return true
    return wanted.endsWith('/*') ? type.startsWith(wanted.slice(0, -1)) : type === wanted
  })
}

/** The name without any path or control characters, at most 255 characters; `file` when nothing is left. */
function cleanFilename(filename: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const name = (filename.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return name.slice(0, 255) || 'file'
}
