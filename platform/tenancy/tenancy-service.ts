import { toIsoTime } from '../clickhouse/datetime.ts'
import type { Db } from '../clickhouse/db.ts'
import { AppError } from '../errors/catalog.ts'
import { newId, newToken, sha256Hex } from '../ids.ts'
import { SharedCache } from '../state/shared-cache.ts'
import type { StateStore } from '../state/state-store.ts'
import { withLock } from '../state/with-lock.ts'
import {
  findSecretKeyByHash,
  findSecretKeyHashById,
  findTenantBySlug,
  findWidgetKey,
  listSecretKeys,
  listTenants,
  listWidgetKeys,
  type SecretKeyRow,
  type TenantRow,
  type WidgetKeyRow,
} from './tenancy-queries.ts'
import {
  type CreateSecretKeyInput,
  type CreateTenantInput,
  type CreateWidgetKeyInput,
  createSecretKeyInput,
  createTenantInput,
  createWidgetKeyInput,
  type SecretKeyScope,
} from './tenancy-schemas.ts'

export interface Tenant {
  id: string
  slug: string
  name: string
  createdAt: string
}

export interface SecretKeyInfo {
  keyId: string
  tenantId: string
  name: string
  scopes: SecretKeyScope[]
  displayPrefix: string
  createdAt: string
  revoked: boolean
}

/** A new secret key: `key` is the only time the plaintext exists outside the caller. */
export interface IssuedSecretKey extends SecretKeyInfo {
  key: string
}

export interface WidgetKey {
  publicKey: string
  tenantId: string
  name: string
  allowedOrigins: string[]
  allIntents: boolean
  intents: string[]
  createdAt: string
  revoked: boolean
}

export interface Principal {
  tenantId: string
  keyId: string
  scopes: SecretKeyScope[]
}

const cacheOptions = (namespace: 'secret' | 'widget') => ({
  channel: 'tenancy:invalidate',
  namespace,
  ttlMs: 60_000,
  // Unknown keys are remembered briefly so a client hammering with a bad key does not hammer ClickHouse.
  missTtlMs: 5_000,
})

export class TenancyService {
  private readonly secretKeys: SharedCache<Principal | null>
  private readonly widgetKeys: SharedCache<WidgetKey | null>

  constructor(
    private readonly db: Db,
    private readonly state: StateStore,
  ) {
    this.secretKeys = new SharedCache(state, cacheOptions('secret'))
    this.widgetKeys = new SharedCache(state, cacheOptions('widget'))
  }

  /** Keeps every process's caches honest: a change anywhere evicts the entry everywhere. */
  async start(): Promise<void> {
    await this.secretKeys.start()
    await this.widgetKeys.start()
  }

  async stop(): Promise<void> {
    await this.secretKeys.stop()
    await this.widgetKeys.stop()
  }

  async createTenant(input: CreateTenantInput): Promise<{ tenant: Tenant; adminKey: IssuedSecretKey }> {
    const { slug, name } = createTenantInput.parse(input)
    const busy = () => new AppError('conflict', `tenant "${slug}" is being created by another request`)
    return withLock(this.state, `tenant-slug:${slug}`, { leaseMs: 10_000, busy }, async () => {
      if (await findTenantBySlug(this.db, slug))
        throw new AppError('conflict', `tenant "${slug}" already exists`)
      const now = Date.now()
      const tenant: Tenant = { id: newId(), slug, name: name ?? slug, createdAt: new Date(now).toISOString() }
      await this.db.insert('tenants', [
        { tenant_id: tenant.id, slug, name: tenant.name, created_at: now, updated_at: now, deleted: 0 },
      ])
      const adminKey = await this.createSecretKey(tenant.id, { name: 'admin', scopes: ['admin'] })
      return { tenant, adminKey }
    })
  }

  async listTenants(): Promise<Tenant[]> {
    return (await listTenants(this.db)).map(toTenant)
  }

  async requireTenant(slug: string): Promise<Tenant> {
    const row = await findTenantBySlug(this.db, slug)
    if (!row) throw new AppError('not_found', `no tenant "${slug}"`)
    return toTenant(row)
  }

  async createSecretKey(tenantId: string, input: CreateSecretKeyInput): Promise<IssuedSecretKey> {
    const { name, scopes } = createSecretKeyInput.parse(input)
    const key = newToken('sk_', 32)
    const now = Date.now()
    const info: SecretKeyInfo = {
      keyId: newId(),
      tenantId,
      name,
      scopes: [...new Set(scopes)],
      displayPrefix: key.slice(0, 10),
      createdAt: new Date(now).toISOString(),
      revoked: false,
    }
    const keyHash = sha256Hex(key)
    await this.db.insert('secret_keys', [
      {
        key_hash: keyHash,
        key_id: info.keyId,
        tenant_id: tenantId,
        name,
        scopes: info.scopes,
        display_prefix: info.displayPrefix,
        created_at: now,
        updated_at: now,
        revoked: 0,
      },
    ])
    await this.secretKeys.invalidate(keyHash)
    return { ...info, key }
  }

  async listSecretKeys(tenantId: string): Promise<SecretKeyInfo[]> {
    return (await listSecretKeys(this.db, tenantId)).map(toSecretKeyInfo)
  }

  async revokeSecretKey(tenantId: string, keyId: string): Promise<void> {
    const keyHash = await findSecretKeyHashById(this.db, tenantId, keyId)
    const row = keyHash === undefined ? undefined : await findSecretKeyByHash(this.db, keyHash)
    if (keyHash === undefined || row === undefined) throw new AppError('not_found', `no secret key ${keyId}`)
    await this.db.insert('secret_keys', [{ ...row, key_hash: keyHash, updated_at: Date.now(), revoked: 1 }])
    await this.secretKeys.invalidate(keyHash)
  }

  /** The principal behind a secret key, or undefined for an unknown or revoked key. */
  async authenticateSecretKey(key: string): Promise<Principal | undefined> {
    if (!key.startsWith('sk_')) return undefined
    const keyHash = sha256Hex(key)
    const principal = await this.secretKeys.getOrLoad(keyHash, async () => {
      const row = await findSecretKeyByHash(this.db, keyHash)
      return row && !row.revoked
        ? { tenantId: row.tenant_id, keyId: row.key_id, scopes: row.scopes as SecretKeyScope[] }
        : null
    })
    return principal ?? undefined
  }

  async createWidgetKey(tenantId: string, input: CreateWidgetKeyInput): Promise<WidgetKey> {
    const parsed = createWidgetKeyInput.parse(input)
    const now = Date.now()
    const widgetKey: WidgetKey = {
      publicKey: newToken('pk_', 18),
      tenantId,
      name: parsed.name,
      allowedOrigins: [...new Set(parsed.allowedOrigins)],
      allIntents: parsed.allIntents,
      intents: [...new Set(parsed.intents)],
      createdAt: new Date(now).toISOString(),
      revoked: false,
    }
    await this.db.insert('widget_keys', [toWidgetKeyRow(widgetKey, now)])
    await this.widgetKeys.invalidate(widgetKey.publicKey)
    return widgetKey
  }

  async listWidgetKeys(tenantId: string): Promise<WidgetKey[]> {
    return (await listWidgetKeys(this.db, tenantId)).map(toWidgetKey)
  }

  async revokeWidgetKey(tenantId: string, publicKey: string): Promise<void> {
    const row = await findWidgetKey(this.db, publicKey)
    if (!row || row.tenant_id !== tenantId) throw new AppError('not_found', `no widget key ${publicKey}`)
    await this.db.insert('widget_keys', [toWidgetKeyRow({ ...toWidgetKey(row), revoked: true }, Date.now())])
    await this.widgetKeys.invalidate(publicKey)
  }

  /** The widget key behind a public key, or undefined for an unknown or revoked key. */
  async resolveWidgetKey(publicKey: string): Promise<WidgetKey | undefined> {
    if (!publicKey.startsWith('pk_')) return undefined
    const widgetKey = await this.widgetKeys.getOrLoad(publicKey, async () => {
      const row = await findWidgetKey(this.db, publicKey)
      return row && !row.revoked ? toWidgetKey(row) : null
    })
    return widgetKey ?? undefined
  }
}

export function hasScope(principal: Principal, scope: SecretKeyScope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin')
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.tenant_id,
  slug: row.slug,
  name: row.name,
  createdAt: toIsoTime(row.created_at),
})

const toSecretKeyInfo = (row: SecretKeyRow): SecretKeyInfo => ({
  keyId: row.key_id,
  tenantId: row.tenant_id,
  name: row.name,
  scopes: row.scopes as SecretKeyScope[],
  displayPrefix: row.display_prefix,
  createdAt: toIsoTime(row.created_at),
  revoked: Boolean(row.revoked),
})

const toWidgetKey = (row: WidgetKeyRow): WidgetKey => ({
  publicKey: row.public_key,
  tenantId: row.tenant_id,
  name: row.name,
  allowedOrigins: row.allowed_origins,
  allIntents: Boolean(row.all_intents),
  intents: row.intents,
  createdAt: toIsoTime(row.created_at),
  revoked: Boolean(row.revoked),
})

const toWidgetKeyRow = (key: WidgetKey, updatedAt: number) => ({
  public_key: key.publicKey,
  tenant_id: key.tenantId,
  name: key.name,
  allowed_origins: key.allowedOrigins,
  all_intents: key.allIntents ? 1 : 0,
  intents: key.intents,
  created_at: Date.parse(key.createdAt),
  updated_at: updatedAt,
  revoked: key.revoked ? 1 : 0,
})
