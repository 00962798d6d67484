import { toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newId } from '../../platform/ids.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import { checkFormFields } from '../flows/check-node-type-rules.ts'
import { zodProblems } from '../zod-problems.ts'
import {
  type FormRow,
  findForm,
  findFormVersion,
  formsTable,
  insertFormVersion,
  listForms,
  listFormVersions,
} from './form-queries.ts'
import { type FormDocument, formDocumentSchema } from './form-schema.ts'

export interface FormSummary {
  formId: string
  name: string
  /** 0 while not published. */
  publishedVersion: number
  latestVersion: number
  createdAt: string
  updatedAt: string
}

export interface FormDetail extends FormSummary {
  draft: FormDocument
}

export interface FormVersionInfo {
  version: number
  name: string
  publishedBy: string
  createdAt: string
}

export interface PublishedForm {
  formId: string
  version: number
  form: FormDocument
}

/** Told after every publish or removal, so the form's edge document is rendered again everywhere. */
export type OnFormPublished = (tenantId: string, formId: string) => Promise<void>

/** Forms as publishable objects: drafts and immutable published versions (the flows' model). */
export class FormService {
  constructor(
    private readonly db: Db,
    private readonly state: StateStore,
    private readonly onPublished: OnFormPublished,
  ) {}

  /** The document as a form, or `validation_failed` listing every problem. */
  validate(document: unknown): FormDocument {
    const parsed = formDocumentSchema.safeParse(document)
    const problems = parsed.success
      ? checkFormFields(parsed.data.fields).map((p) => ({ path: `fields.${p.path}`, message: p.message }))
      : zodProblems(parsed.error)
    if (!parsed.success || problems.length > 0)
      throw new AppError('validation_failed', `the form has ${problems.length} problem(s)`, { problems })
    return parsed.data
  }

  async create(tenantId: string, document: unknown): Promise<FormDetail> {
    const form = this.validate(document)
    const row = await formsTable.write(
      this.db,
      {
        tenant_id: tenantId,
        form_id: newId(),
        name: form.name,
        draft: JSON.stringify(form),
        published_version: 0,
        latest_version: 0,
      },
      undefined,
      Date.now(),
    )
    return toDetail(row)
  }

  async update(tenantId: string, formId: string, document: unknown): Promise<FormDetail> {
    const form = this.validate(document)
    return this.withFormLock(tenantId, formId, async (row) =>
      toDetail(
        await formsTable.write(
          this.db,
          { ...row, name: form.name, draft: JSON.stringify(form) },
          row,
          Date.now(),
        ),
      ),
    )
  }

  async get(tenantId: string, formId: string): Promise<FormDetail> {
    return toDetail(await this.require(tenantId, formId))
  }

  async list(tenantId: string): Promise<FormSummary[]> {
    return (await listForms(this.db, tenantId)).map(toSummary)
  }

  async delete(tenantId: string, formId: string): Promise<void> {
    await this.withFormLock(tenantId, formId, (row) => formsTable.remove(this.db, row, Date.now()))
    await this.onPublished(tenantId, formId)
  }

  async publish(tenantId: string, formId: string, publishedBy: string): Promise<FormVersionInfo> {
    const info = await this.withFormLock(tenantId, formId, async (row) => {
      const form = this.validate(JSON.parse(row.draft))
      const version = Number(row.latest_version) + 1
      const now = Date.now()
      await insertFormVersion(
        this.db,
        {
          tenant_id: tenantId,
          form_id: formId,
          version,
          name: form.name,
          document: JSON.stringify(form),
          published_by: publishedBy,
        },
        now,
      )
      await formsTable.write(
        this.db,
        { ...row, published_version: version, latest_version: version },
        row,
        now,
      )
      return { version, name: form.name, publishedBy, createdAt: new Date(now).toISOString() }
    })
    await this.onPublished(tenantId, formId)
    return info
  }

  async unpublish(tenantId: string, formId: string): Promise<FormSummary> {
    const row = await this.withFormLock(tenantId, formId, (current) =>
      formsTable.write(this.db, { ...current, published_version: 0 }, current, Date.now()),
    )
    await this.onPublished(tenantId, formId)
    return toSummary(row)
  }

  async versionsOf(tenantId: string, formId: string): Promise<FormVersionInfo[]> {
    await this.require(tenantId, formId)
    return (await listFormVersions(this.db, tenantId, formId)).map((row) => ({
      version: Number(row.version),
      name: row.name,
      publishedBy: row.published_by,
      createdAt: toIsoTime(row.created_at),
    }))
  }

  /** The published version as stored (the origin of the form's edge document); undefined while none is. */
  async published(tenantId: string, formId: string): Promise<PublishedForm | undefined> {
    const row = await findForm(this.db, tenantId, formId)
    if (!row || Number(row.published_version) === 0) return undefined
    const version = Number(row.published_version)
    const stored = await findFormVersion(this.db, tenantId, formId, version)
    if (!stored) return undefined
    return { formId, version, form: formDocumentSchema.parse(JSON.parse(stored.document)) }
  }

  private async require(tenantId: string, formId: string): Promise<FormRow> {
    const row = await findForm(this.db, tenantId, formId)
    if (!row) throw new AppError('not_found', `no form ${formId}`)
    return row
  }

  private withFormLock<T>(
    tenantId: string,
    formId: string,
    change: (row: FormRow) => Promise<T>,
  ): Promise<T> {
    const busy = () => new AppError('conflict', `form ${formId} is being changed by another request`)
    return withLock(this.state, `form:${tenantId}:${formId}`, { leaseMs: 15_000, busy }, async () =>
      change(await this.require(tenantId, formId)),
    )
  }
}

const toSummary = (row: FormRow): FormSummary => ({
  formId: row.form_id,
  name: row.name,
  publishedVersion: Number(row.published_version),
  latestVersion: Number(row.latest_version),
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
})

const toDetail = (row: FormRow): FormDetail => ({
  ...toSummary(row),
  draft: formDocumentSchema.parse(JSON.parse(row.draft)),
})
