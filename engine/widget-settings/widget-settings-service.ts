import { toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import type { TenancyService, WidgetKey } from '../../platform/tenancy/tenancy-service.ts'
import { zodProblems } from '../zod-problems.ts'
import {
  findWidgetSettings,
  findWidgetSettingsVersion,
  insertWidgetSettingsVersion,
  listWidgetSettings,
  listWidgetSettingsVersions,
  type WidgetSettingsRow,
  widgetSettingsTable,
} from './widget-settings-queries.ts'
import { type WidgetSettings, widgetSettingsSchema } from './widget-settings-schema.ts'

export interface WidgetSettingsSummary {
  publicKey: string
  /** 0 while nothing is published. */
  publishedVersion: number
  latestVersion: number
  createdAt: string
  updatedAt: string
}

export interface WidgetSettingsDetail extends WidgetSettingsSummary {
  draft: WidgetSettings
}

export interface PublishedVersionInfo {
  version: number
  publishedBy: string
  createdAt: string
}

export interface PublishedWidgetSettings {
  version: number
  settings: WidgetSettings
}

/** Told after every publish, so the public reads' edge document is rendered again and every process drops its copy. */
export type OnWidgetSettingsPublished = (tenantId: string, publicKey: string) => Promise<void>

/**
 * Per widget key: a draft the admin edits and immutable published versions (the flows' model,
 * engine/flows/flow-service.ts). The public reads serve only the published version.
 */
export class WidgetSettingsService {
  constructor(
    private readonly db: Db,
    private readonly state: StateStore,
    private readonly tenancy: TenancyService,
    private readonly onPublished: OnWidgetSettingsPublished,
  ) {}

  /** Parses a settings document against the key: its quick questions may only trigger intents the key allows. */
  async validate(tenantId: string, publicKey: string, document: unknown): Promise<WidgetSettings> {
    const key = await this.requireKey(tenantId, publicKey)
    return checkSettings(key, document)
  }

  async list(tenantId: string): Promise<WidgetSettingsSummary[]> {
    return (await listWidgetSettings(this.db, tenantId)).map(toSummary)
  }

  /** The key's settings; a key never edited answers the defaults as an unsaved draft. */
  async get(tenantId: string, publicKey: string): Promise<WidgetSettingsDetail> {
    await this.requireKey(tenantId, publicKey)
    const row = await findWidgetSettings(this.db, tenantId, publicKey)
    if (!row) {
      const now = new Date().toISOString()
      return {
        publicKey,
        publishedVersion: 0,
        latestVersion: 0,
        createdAt: now,
        updatedAt: now,
        draft: widgetSettingsSchema.parse({}),
      }
    }
    return toDetail(row)
  }

  async saveDraft(tenantId: string, publicKey: string, document: unknown): Promise<WidgetSettingsDetail> {
    const settings = await this.validate(tenantId, publicKey, document)
    return this.withSettingsLock(tenantId, publicKey, async (row) => {
      const stored = await widgetSettingsTable.write(
        this.db,
        {
          tenant_id: tenantId,
          public_key: publicKey,
          draft: JSON.stringify(settings),
          published_version: row?.published_version ?? 0,
          latest_version: row?.latest_version ?? 0,
        },
        row,
        Date.now(),
      )
      return toDetail(stored)
    })
  }

  /** Freezes the draft as the next version, makes it the published one and renders the edge document. */
  async publish(tenantId: string, publicKey: string, publishedBy: string): Promise<PublishedVersionInfo> {
    const info = await this.withSettingsLock(tenantId, publicKey, async (row) => {
      if (!row) throw new AppError('conflict', 'save a draft (PUT) before publishing')
      const settings = await this.validate(tenantId, publicKey, JSON.parse(row.draft))
      const version = Number(row.latest_version) + 1
      const now = Date.now()
      const document = JSON.stringify(settings)
      await insertWidgetSettingsVersion(
        this.db,
        { tenant_id: tenantId, public_key: publicKey, version, document, published_by: publishedBy },
        now,
      )
      await widgetSettingsTable.write(
        this.db,
        { ...row, draft: document, published_version: version, latest_version: version },
        row,
        now,
      )
      return { version, publishedBy, createdAt: new Date(now).toISOString() }
    })
    await this.onPublished(tenantId, publicKey)
    return info
  }

  async versionsOf(tenantId: string, publicKey: string): Promise<PublishedVersionInfo[]> {
    await this.requireKey(tenantId, publicKey)
    return (await listWidgetSettingsVersions(this.db, tenantId, publicKey)).map((row) => ({
      version: Number(row.version),
      publishedBy: row.published_by,
      createdAt: toIsoTime(row.created_at),
    }))
  }

  /** The published version as stored (the origin of the edge document); undefined while none is. */
  async published(tenantId: string, publicKey: string): Promise<PublishedWidgetSettings | undefined> {
    const row = await findWidgetSettings(this.db, tenantId, publicKey)
    if (!row || Number(row.published_version) === 0) return undefined
    const version = Number(row.published_version)
    const stored = await findWidgetSettingsVersion(this.db, tenantId, publicKey, version)
    if (!stored) return undefined
    return { version, settings: widgetSettingsSchema.parse(JSON.parse(stored.document)) }
  }

  private async requireKey(tenantId: string, publicKey: string): Promise<WidgetKey> {
    const key = (await this.tenancy.listWidgetKeys(tenantId)).find((k) => k.publicKey === publicKey)
    if (!key || key.revoked) throw new AppError('not_found', `no widget key ${publicKey}`)
    return key
  }

  private withSettingsLock<T>(
    tenantId: string,
    publicKey: string,
    change: (row: WidgetSettingsRow | undefined) => Promise<T>,
  ): Promise<T> {
    const busy = () => new AppError('conflict', `the settings of ${publicKey} are being changed`)
    return withLock(
      this.state,
      `widget-settings:${tenantId}:${publicKey}`,
      { leaseMs: 15_000, busy },
      async () => change(await findWidgetSettings(this.db, tenantId, publicKey)),
    )
  }
}

/** The document as settings, or `validation_failed` listing every problem (schema, then the key's intents). */
export function checkSettings(key: WidgetKey, document: unknown): WidgetSettings {
  const parsed = widgetSettingsSchema.safeParse(document)
  if (!parsed.success) {
    const problems = zodProblems(parsed.error)
    throw new AppError('validation_failed', `the settings have ${problems.length} problem(s)`, { problems })
  }
  const problems: { path: string; message: string }[] = []
  const ids = new Set<string>()
  parsed.data.quickQuestions.forEach((question, index) => {
    if (ids.has(question.id))
      problems.push({ path: `quickQuestions.${index}.id`, message: 'duplicate quick question id' })
    ids.add(question.id)
    if (!key.allIntents && !key.intents.includes(question.intent)) {
      problems.push({
        path: `quickQuestions.${index}.intent`,
        message: `the widget key may not trigger "${question.intent}" (allowed: ${key.intents.join(', ') || 'none'})`,
      })
    }
  })
  if (problems.length > 0)
    throw new AppError('validation_failed', `the settings have ${problems.length} problem(s)`, { problems })
  return parsed.data
}

const toSummary = (row: WidgetSettingsRow): WidgetSettingsSummary => ({
  publicKey: row.public_key,
  publishedVersion: Number(row.published_version),
  latestVersion: Number(row.latest_version),
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
})

const toDetail = (row: WidgetSettingsRow): WidgetSettingsDetail => ({
  ...toSummary(row),
  draft: widgetSettingsSchema.parse(JSON.parse(row.draft)),
})
