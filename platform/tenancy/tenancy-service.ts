import type { Db } from '../clickhouse/db.ts'
import { AppError } from '../errors/catalog.ts'
import { newId, newToken, sha256Hex } from '../ids.ts'
import { SharedCache } from '../state/shared-cache.ts'
import type { StateStore } from '../state/state-store.ts'
import { withLock } from '../state/with-lock.ts'
import {
  findSecretKeyByHash,
  findSecretKeyById,
  findTenantBySlug,
  findWidgetKey,
  listSecretKeys,
  listTenants,
  listWidgetKeys,
  type SecretKeyRow,
  secretKeysTable,
  type TenantRow,
  tenantsTable,
  type WidgetKeyRow,
  widgetKeysTable,
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
      const row = await tenantsTable.write(
        this.db,
        { tenant_id: newId(), slug, name: name ?? slug },
        undefined,
        Date.now(),
      )
      const tenant = toTenant(row)
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
    const row = await secretKeysTable.write(
      this.db,
      {
        key_hash: sha256Hex(key),
        key_id: newId(),
        tenant_id: tenantId,
        name,
        scopes: [...new Set(scopes)],
        display_prefix: key.slice(0, 10),
        revoked: 0,
      },
      undefined,
      Date.now(),
    )
    await this.secretKeys.invalidate(row.key_hash)
    return { ...toSecretKeyInfo(row), key }
  }

  async listSecretKeys(tenantId: string): Promise<SecretKeyInfo[]> {
    return (await listSecretKeys(this.db, tenantId)).map(toSecretKeyInfo)
  }

  async revokeSecretKey(tenantId: string, keyId: string): Promise<void> {
    const row = await findSecretKeyById(this.db, tenantId, keyId)
    if (!row) throw new AppError('not_found', `no secret key ${keyId}`)
    await secretKeysTable.write(this.db, { ...row, revoked: 1 }, row, Date.now())
    await this.secretKeys.invalidate(row.key_hash)
  }

  /** The principal behind a secret key, or undefined for an unknown or revoked key. */
  async authenticateSecretKey(key: string): Promise<Principal | undefined> {
    if (!key.startsWith('sk_')) return undefined
    return this.authenticateSecretKeyHash(sha256Hex(key))
  }

  /** The principal behind a secret key's hash (an admin session holds the hash, never the key). */
  async authenticateSecretKeyHash(keyHash: string): Promise<Principal | undefined> {
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
    const row = await widgetKeysTable.write(
      this.db,
      {
        public_key: newToken('pk_', 18),
        tenant_id: tenantId,
        name: parsed.name,
        allowed_origins: [...new Set(parsed.allowedOrigins)],
        all_intents: parsed.allIntents ? 1 : 0,
        intents: [...new Set(parsed.intents)],
        revoked: 0,
      },
      undefined,
      Date.now(),
    )
    await this.widgetKeys.invalidate(row.public_key)
    return toWidgetKey(row)
  }

  async listWidgetKeys(tenantId: string): Promise<WidgetKey[]> {
    return (await listWidgetKeys(this.db, tenantId)).map(toWidgetKey)
  }

  async revokeWidgetKey(tenantId: string, publicKey: string): Promise<void> {
    const row = await findWidgetKey(this.db, publicKey)
    if (!row || row.tenant_id !== tenantId) throw new AppError('not_found', `no widget key ${publicKey}`)
    await widgetKeysTable.write(this.db, { ...row, revoked: 1 }, row, Date.now())
    await this.widgetKeys.invalidate(publicKey)
  }

  /** The widget key behind a public key, or undefined for an unknown or revoked key. */
  /** The widget key if this process has it cached, without asking ClickHouse (for refusals under load). */
  peekWidgetKey(publicKey: string): WidgetKey | undefined {
    return this.widgetKeys.peek(publicKey) ?? undefined
  }

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
  createdAt: new Date(row.created_at).toISOString(),
})

const toSecretKeyInfo = (row: SecretKeyRow): SecretKeyInfo => ({
  keyId: row.key_id,
  tenantId: row.tenant_id,
  name: row.name,
  scopes: row.scopes as SecretKeyScope[],
  displayPrefix: row.display_prefix,
  createdAt: new Date(row.created_at).toISOString(),
  revoked: Boolean(row.revoked),
})

const toWidgetKey = (row: WidgetKeyRow): WidgetKey => ({
  publicKey: row.public_key,
  tenantId: row.tenant_id,
  name: row.name,
  allowedOrigins: row.allowed_origins,
  allIntents: Boolean(row.all_intents),
  intents: row.intents,
  createdAt: new Date(row.created_at).toISOString(),
  revoked: Boolean(row.revoked),
})
