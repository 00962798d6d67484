import type { Db } from '../../platform/clickhouse/db.ts'
import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import { newWebhookSecret } from '../../platform/crypto/webhook-signature.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { blockedLiteral } from '../../platform/http/public-address.ts'
import { newId } from '../../platform/ids.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import { type EndpointRow, endpointsTable, findEndpoint, listEndpoints } from './endpoint-queries.ts'
import {
  type CreateEndpointInput,
  createEndpointInput,
  type EndpointView,
  type EndpointWithSecret,
  type UpdateEndpointInput,
  updateEndpointInput,
} from './endpoint-schemas.ts'
import { matchesFilters } from './event-filter.ts'

const MAX_ENDPOINTS_PER_TENANT = 20
const LOCK_LEASE_MS = 10_000

export type DisabledReason = 'manual' | 'gone' | 'failing'

/** An endpoint as delivery needs it, secrets opened; cached per tenant in every process. */
export interface LiveEndpoint {
  tenantId: string
  endpointId: string
  url: string
  eventTypes: string[]
  enabled: boolean
  createdAt: number
  secret: string
  previousSecret?: { secret: string; expiresAt: number }
}

/** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(endpoint: LiveEndpoint, now: number): string[] {
  const previous = endpoint.previousSecret
  return previous && previous.expiresAt > now ? [endpoint.secret, previous.secret] : [endpoint.secret]
}

/** True when the endpoint takes events of `type` that happened at `at` (never from before it existed). */
export function subscribes(endpoint: LiveEndpoint, type: string, at: number): boolean {
  return endpoint.enabled && endpoint.createdAt <= at && matchesFilters(endpoint.eventTypes, type)
}

/** Tenant webhook endpoints: a control table, secrets sealed at rest, cached per tenant with pub/sub eviction. */
export class EndpointService {
  private readonly live: SharedCache<LiveEndpoint[]>

  constructor(
    private readonly db: Db,
    private readonly state: StateStore,
    private readonly secretBox: SecretBox,
    private readonly allowPrivateNetworks: boolean,
  ) {
    this.live = new SharedCache(state, { channel: 'webhook-endpoints:invalidate', ttlMs: 60_000 })
  }

  async start(): Promise<void> {
    await this.live.start()
  }

  async stop(): Promise<void> {
    await this.live.stop()
  }

  async create(tenantId: string, input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const parsed = createEndpointInput.parse(input)
    this.checkUrl(parsed.url)
    return this.locked(`tenant:${tenantId}`, async () => {
      if ((await listEndpoints(this.db, tenantId)).length >= MAX_ENDPOINTS_PER_TENANT)
        throw new AppError('conflict', `a tenant has at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`)
      const endpointId = newId()
      const secret = newWebhookSecret()
      const now = Date.now()
      const row = await endpointsTable.write(
        this.db,
        {
          tenant_id: tenantId,
          endpoint_id: endpointId,
          url: parsed.url,
          description: parsed.description,
          event_types: parsed.eventTypes,
          enabled: parsed.enabled ? 1 : 0,
          disabled_reason: parsed.enabled ? '' : 'manual',
          disabled_at: parsed.enabled ? 0 : now,
          secret_ciphertext: this.secretBox.seal(secret, secretContext(tenantId, endpointId)),
          previous_secret_ciphertext: '',
          previous_secret_expires_at: 0,
        },
        undefined,
        now,
      )
      await this.live.invalidate(tenantId)
      return { ...toView(row), secret }
    })
  }

  async list(tenantId: string): Promise<EndpointView[]> {
    return (await listEndpoints(this.db, tenantId)).map(toView)
  }

  async get(tenantId: string, endpointId: string): Promise<EndpointView> {
    return toView(await this.require(tenantId, endpointId))
  }

  async update(tenantId: string, endpointId: string, input: UpdateEndpointInput): Promise<EndpointView> {
    const changes = updateEndpointInput.parse(input)
    if (changes.url !== undefined) this.checkUrl(changes.url)
    return this.change(tenantId, endpointId, (current) => ({
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.eventTypes === undefined ? {} : { event_types: changes.eventTypes }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.enabled === undefined || Boolean(current.enabled) === changes.enabled
        ? {}
        : changes.enabled
          ? { enabled: 1, disabled_reason: '', disabled_at: 0 }
          : { enabled: 0, disabled_reason: 'manual', disabled_at: Date.now() }),
    }))
  }

  async delete(tenantId: string, endpointId: string): Promise<void> {
    await this.locked(`endpoint:${endpointId}`, async () => {
      const current = await this.require(tenantId, endpointId)
      await endpointsTable.remove(
        this.db,
        { ...current, secret_ciphertext: '', previous_secret_ciphertext: '' },
        Date.now(),
      )
      await this.live.invalidate(tenantId)
    })
  }

  /** A new secret; the previous one keeps signing beside it for `overlapSeconds`. */
  async rotateSecret(
    tenantId: string,
    endpointId: string,
    overlapSeconds: number,
  ): Promise<EndpointWithSecret> {
    const secret = newWebhookSecret()
    const view = await this.change(tenantId, endpointId, (current) => ({
      secret_ciphertext: this.secretBox.seal(secret, secretContext(tenantId, endpointId)),
      previous_secret_ciphertext: overlapSeconds > 0 ? current.secret_ciphertext : '',
      previous_secret_expires_at: overlapSeconds > 0 ? Date.now() + overlapSeconds * 1000 : 0,
    }))
    return { ...view, secret }
  }

  /** Disables an enabled endpoint (410, failing for days); false when it was already disabled or is gone. */
  async disable(tenantId: string, endpointId: string, reason: DisabledReason): Promise<boolean> {
    let changed = false
    await this.change(tenantId, endpointId, (current) => {
      if (!current.enabled) return {}
      changed = true
      return { enabled: 0, disabled_reason: reason, disabled_at: Date.now() }
    }).catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error
    })
    return changed
  }

  /** Every endpoint of the tenant with its secrets, from this process's cache. */
  async liveEndpoints(tenantId: string): Promise<LiveEndpoint[]> {
    return this.live.getOrLoad(tenantId, async () =>
      (await listEndpoints(this.db, tenantId)).map((row) => this.toLive(row)),
    )
  }

  async liveEndpoint(tenantId: string, endpointId: string): Promise<LiveEndpoint | undefined> {
    return (await this.liveEndpoints(tenantId)).find((endpoint) => endpoint.endpointId === endpointId)
  }

  private async change(
    tenantId: string,
    endpointId: string,
    fields: (current: EndpointRow) => Partial<EndpointRow>,
  ): Promise<EndpointView> {
    return this.locked(`endpoint:${endpointId}`, async () => {
      const current = await this.require(tenantId, endpointId)
      const changes = fields(current)
      if (Object.keys(changes).length === 0) return toView(current)
      const row = await endpointsTable.write(this.db, { ...current, ...changes }, current, Date.now())
      await this.live.invalidate(tenantId)
      return toView(row)
    })
  }

  private toLive(row: EndpointRow): LiveEndpoint {
    const context = secretContext(row.tenant_id, row.endpoint_id)
    return {
      tenantId: row.tenant_id,
      endpointId: row.endpoint_id,
      url: row.url,
      eventTypes: row.event_types,
      enabled: row.enabled === 1,
      createdAt: row.created_at,
      secret: this.secretBox.open(row.secret_ciphertext, context),
      ...(row.previous_secret_ciphertext
        ? {
            previousSecret: {
              secret: this.secretBox.open(row.previous_secret_ciphertext, context),
              expiresAt: row.previous_secret_expires_at,
            },
          }
        : {}),
    }
  }

  private async require(tenantId: string, endpointId: string): Promise<EndpointRow> {
    const row = await findEndpoint(this.db, tenantId, endpointId)
    if (!row) throw new AppError('not_found', `no webhook endpoint ${endpointId}`)
    return row
  }

  /** IP literals outside the policy are refused now; names are checked when each attempt resolves them. */
  private checkUrl(url: string): void {
    if (blockedLiteral(new URL(url), { allowPrivateNetworks: this.allowPrivateNetworks })) {
      throw new AppError('validation_failed', 'the URL points to a private, loopback or reserved address', {
        fields: [
          { field: 'url', message: 'private networks are refused (CONNECTIONS_ALLOW_PRIVATE_NETWORKS)' },
        ],
      })
    }
  }

  private locked<T>(name: string, run: () => Promise<T>): Promise<T> {
    const busy = () => new AppError('conflict', 'the webhook endpoint is being changed by another request')
    return withLock(
      this.state,
      `webhook-endpoint:${name}`,
      { leaseMs: LOCK_LEASE_MS, waitMs: 2_000, busy },
      run,
    )
  }
}

/** Bound into the ciphertext: a sealed secret opens only for the tenant and endpoint it was stored under. */
const secretContext = (tenantId: string, endpointId: string): string => `webhook:${tenantId}:${endpointId}`

const iso = (ms: number) => new Date(ms).toISOString()

function toView(row: EndpointRow): EndpointView {
  const rotating = row.previous_secret_ciphertext !== '' && row.previous_secret_expires_at > Date.now()
  return {
    endpointId: row.endpoint_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled === 1,
    ...(row.enabled === 1
      ? {}
      : {
          disabledReason: (row.disabled_reason || 'manual') as DisabledReason,
          disabledAt: iso(row.disabled_at),
        }),
    ...(rotating ? { previousSecretExpiresAt: iso(row.previous_secret_expires_at) } : {}),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }
}
