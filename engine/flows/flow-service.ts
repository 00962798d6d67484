import { toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { ExpiringCache } from '../../platform/expiring-cache.ts'
import { newId } from '../../platform/ids.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import {
  type FlowRow,
  findFlow,
  findFlowVersion,
  flowsTable,
  listFlows,
  listFlowVersions,
  listPublishedFlows,
} from './flow-queries.ts'
import type { Flow } from './flow-schema.ts'
import { validateFlow } from './validate-flow.ts'

export interface FlowSummary {
  flowId: string
  intent: string
  name: string
  /** 0 while not published. */
  publishedVersion: number
  latestVersion: number
  createdAt: string
  updatedAt: string
}

export interface FlowDetail extends FlowSummary {
  draft: unknown
}

export interface PublishedFlow {
  flowId: string
  version: number
}

export interface FlowVersionInfo {
  version: number
  intent: string
  name: string
  publishedBy: string
  createdAt: string
}

/** Names of the tenant's connections, so validation can flag a node naming one that does not exist. */
export type ConnectionNames = (tenantId: string) => Promise<readonly string[]>

/** Drafts, immutable published versions, and the intent -> published flow map the runtime reads. */
export class FlowService {
  private readonly published: SharedCache<Map<string, PublishedFlow>>
  private readonly versions = new ExpiringCache<Flow>(24 * 60 * 60_000, 2_000)

  constructor(
    private readonly db: Db,
    private readonly state: StateStore,
    private readonly connectionNames: ConnectionNames,
  ) {
    this.published = new SharedCache(state, { channel: 'flows:invalidate', ttlMs: 60_000 })
  }

  async start(): Promise<void> {
    await this.published.start()
  }

  async stop(): Promise<void> {
    await this.published.stop()
  }

  /** Validates a document as saving or publishing would; throws `validation_failed` listing every problem. */
  async validate(tenantId: string, document: unknown): Promise<Flow> {
    const result = validateFlow(document, { connections: await this.connectionNames(tenantId) })
    if (!result.ok) {
      throw new AppError('validation_failed', `the flow has ${result.problems.length} problem(s)`, {
        problems: result.problems,
      })
    }
    return result.flow
  }

  async create(tenantId: string, document: unknown): Promise<FlowDetail> {
    const flow = await this.validate(tenantId, document)
    const row = await flowsTable.write(
      this.db,
      {
        tenant_id: tenantId,
        flow_id: newId(),
        intent: flow.intent,
        name: flow.name,
        draft: JSON.stringify(document),
        published_version: 0,
        latest_version: 0,
      },
      undefined,
      Date.now(),
    )
    return toDetail(row)
  }

  async update(tenantId: string, flowId: string, document: unknown): Promise<FlowDetail> {
    const flow = await this.validate(tenantId, document)
    return this.withFlowLock(tenantId, flowId, async (row) => {
      if (row.published_version > 0 && flow.intent !== row.intent) {
        throw new AppError('conflict', 'unpublish the flow before changing its intent')
      }
      const changes = { intent: flow.intent, name: flow.name, draft: JSON.stringify(document) }
      return toDetail(await this.write(row, changes, Date.now()))
    })
  }

  async get(tenantId: string, flowId: string): Promise<FlowDetail> {
    return toDetail(await this.require(tenantId, flowId))
  }

  async list(tenantId: string): Promise<FlowSummary[]> {
    return (await listFlows(this.db, tenantId)).map(toSummary)
  }

  async delete(tenantId: string, flowId: string): Promise<void> {
    await this.withFlowLock(tenantId, flowId, async (row) => {
      await flowsTable.remove(this.db, { ...row, published_version: 0 }, Date.now())
    })
    await this.published.invalidate(tenantId)
  }

  /**
   * Freezes the draft as a new version and makes it the intent's published flow. Runs under the flow's
   * lock (the version number is read and written inside it) and the intent's (one published flow each).
   */
  async publish(tenantId: string, flowId: string, publishedBy: string): Promise<FlowVersionInfo> {
    return this.withFlowLock(tenantId, flowId, async (row) => {
      const busy = () =>
        new AppError('conflict', `intent "${row.intent}" is being published by another request`)
      return withLock(
        this.state,
        `flow-intent:${tenantId}:${row.intent}`,
        { leaseMs: 15_000, busy },
        async () => {
          const flow = await this.validate(tenantId, JSON.parse(row.draft))
          const holder = (await listPublishedFlows(this.db, tenantId)).find(
            (other) => other.intent === flow.intent && other.flow_id !== flowId,
          )
          if (holder) {
            throw new AppError(
              'conflict',
              `intent "${flow.intent}" is already published by flow ${holder.flow_id}; unpublish it first`,
            )
          }
          const version = row.latest_version + 1
          const now = Date.now()
          await this.db.insert('flow_versions', [
            {
              tenant_id: tenantId,
              flow_id: flowId,
              version,
              intent: flow.intent,
              name: flow.name,
              document: JSON.stringify(flow),
              published_by: publishedBy,
              created_at: now,
            },
          ])
          await this.write(row, { published_version: version, latest_version: version }, now)
          await this.published.invalidate(tenantId)
          return {
            version,
            intent: flow.intent,
            name: flow.name,
            publishedBy,
            createdAt: new Date(now).toISOString(),
          }
        },
      )
    })
  }

  /** Removes the intent from new sessions; running executions finish on their version. */
  async unpublish(tenantId: string, flowId: string): Promise<FlowSummary> {
    const updated = await this.withFlowLock(tenantId, flowId, (row) =>
      this.write(row, { published_version: 0 }, Date.now()),
    )
    await this.published.invalidate(tenantId)
    return toSummary(updated)
  }

  async versionsOf(tenantId: string, flowId: string): Promise<FlowVersionInfo[]> {
    await this.require(tenantId, flowId)
    return (await listFlowVersions(this.db, tenantId, flowId)).map((row) => ({
      version: Number(row.version),
      intent: row.intent,
      name: row.name,
      publishedBy: row.published_by,
      createdAt: toIsoTime(row.created_at),
    }))
  }

  /** The tenant's published intents and the flow version each one runs. */
  async publishedIntents(tenantId: string): Promise<Map<string, PublishedFlow>> {
    return this.published.getOrLoad(tenantId, async () => {
      const rows = await listPublishedFlows(this.db, tenantId)
      return new Map(
        rows.map((row) => [row.intent, { flowId: row.flow_id, version: Number(row.published_version) }]),
      )
    })
  }

  /** A published version's document; versions never change, so they are cached. */
  async loadVersion(tenantId: string, flowId: string, version: number): Promise<Flow> {
    const key = `${tenantId}/${flowId}/${version}`
    const cached = this.versions.get(key)
    if (cached) return cached
    const row = await findFlowVersion(this.db, tenantId, flowId, version)
    if (!row) throw new AppError('not_found', `flow ${flowId} has no version ${version}`)
    const flow = JSON.parse(row.document) as Flow
    this.versions.set(key, flow)
    return flow
  }

  private async require(tenantId: string, flowId: string): Promise<FlowRow> {
    const row = await findFlow(this.db, tenantId, flowId)
    if (!row) throw new AppError('not_found', `no flow ${flowId}`)
    return row
  }

  private withFlowLock<T>(
    tenantId: string,
    flowId: string,
    change: (row: FlowRow) => Promise<T>,
  ): Promise<T> {
    const busy = () => new AppError('conflict', `flow ${flowId} is being changed by another request`)
    return withLock(this.state, `flow:${tenantId}:${flowId}`, { leaseMs: 15_000, busy }, async () =>
      change(await this.require(tenantId, flowId)),
    )
  }

  private write(row: FlowRow, changes: Partial<FlowRow>, now: number): Promise<FlowRow> {
    return flowsTable.write(this.db, { ...row, ...changes }, row, now)
  }
}

const toSummary = (row: FlowRow): FlowSummary => ({
  flowId: row.flow_id,
  intent: row.intent,
  name: row.name,
  publishedVersion: Number(row.published_version),
  latestVersion: Number(row.latest_version),
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
})

const toDetail = (row: FlowRow): FlowDetail => ({ ...toSummary(row), draft: JSON.parse(row.draft) })
