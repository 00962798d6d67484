import type { Db } from '../../platform/clickhouse/db.ts'
import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import type { ResolvedConnection } from './call-connection.ts'
import {
  type ConnectionRow,
  connectionsTable,
  findConnection,
  listConnections,
} from './connection-queries.ts'
import {
  type AuthKind,
  type ConnectionAuth,
  type ConnectionView,
  type CreateConnectionInput,
  connectionName,
  createConnectionInput,
  type UpdateConnectionInput,
  updateConnectionInput,
} from './connection-schemas.ts'

const LOCK_TTL_MS = 10_000

/** Tenant-managed HTTP endpoints for flow `connection` nodes; secrets sealed at rest. */
export class ConnectionService {
  private readonly resolved: SharedCache<ResolvedConnection | null>

  constructor(
    private readonly db: Db,
    private readonly state: StateStore,
    private readonly secretBox: SecretBox,
  ) {
    this.resolved = new SharedCache(state, {
      channel: 'connections:invalidate',
      ttlMs: 60_000,
      missTtlMs: 5_000,
    })
  }

  /** Evicts this process's cached entry whenever any process changes a connection. */
  async start(): Promise<void> {
    await this.resolved.start()
  }

  async stop(): Promise<void> {
    await this.resolved.stop()
  }

  async create(tenantId: string, input: CreateConnectionInput): Promise<ConnectionView> {
    const parsed = createConnectionInput.parse(input)
    return this.locked(tenantId, parsed.name, async () => {
      if (await findConnection(this.db, tenantId, parsed.name))
        throw new AppError('conflict', `connection "${parsed.name}" already exists`)
      const row = await connectionsTable.write(
        this.db,
        this.toRow(tenantId, parsed.name, parsed.baseUrl, parsed.auth, parsed.timeoutMs),
        undefined,
        Date.now(),
      )
      await this.invalidate(tenantId, parsed.name)
      return toView(row)
    })
  }

  async get(tenantId: string, name: string): Promise<ConnectionView> {
    return toView(await this.require(tenantId, name))
  }

  async list(tenantId: string): Promise<ConnectionView[]> {
    return (await listConnections(this.db, tenantId)).map(toView)
  }

  async update(tenantId: string, name: string, input: UpdateConnectionInput): Promise<ConnectionView> {
    const changes = updateConnectionInput.parse(input)
    return this.locked(tenantId, name, async () => {
      const current = await this.require(tenantId, name)
      const row = await connectionsTable.write(
        this.db,
        {
          ...current,
          ...(changes.baseUrl === undefined ? {} : { base_url: changes.baseUrl }),
          ...(changes.timeoutMs === undefined ? {} : { timeout_ms: changes.timeoutMs }),
          ...(changes.auth === undefined ? {} : this.authColumns(tenantId, name, changes.auth)),
        },
        current,
        Date.now(),
      )
      await this.invalidate(tenantId, name)
      return toView(row)
    })
  }

  async delete(tenantId: string, name: string): Promise<void> {
    await this.locked(tenantId, name, async () => {
      const current = await this.require(tenantId, name)
      await connectionsTable.remove(this.db, { ...current, secret_ciphertext: '' }, Date.now())
      await this.invalidate(tenantId, name)
    })
  }

  /** The connection with its secret decrypted, for making a call; undefined when it does not exist. */
  async resolve(tenantId: string, name: string): Promise<ResolvedConnection | undefined> {
    const connection = await this.resolved.getOrLoad(cacheKey(tenantId, name), async () => {
      const row = connectionName.safeParse(name).success
        ? await findConnection(this.db, tenantId, name)
        : undefined
      return row ? this.toResolved(row) : null
    })
    return connection ?? undefined
  }

  private toResolved(row: ConnectionRow): ResolvedConnection {
    const secret = () => this.secretBox.open(row.secret_ciphertext, secretContext(row.tenant_id, row.name))
    const kind = row.auth_kind as AuthKind
    const auth: ConnectionAuth =
      kind === 'bearer'
        ? { kind, token: secret() }
        : kind === 'header'
          ? { kind, name: row.auth_header_name, value: secret() }
          : { kind: 'none' }
    return { tenantId: row.tenant_id, name: row.name, baseUrl: row.base_url, auth, timeoutMs: row.timeout_ms }
  }

  private async require(tenantId: string, name: string): Promise<ConnectionRow> {
    const row = connectionName.safeParse(name).success
      ? await findConnection(this.db, tenantId, name)
      : undefined
    if (!row) throw new AppError('not_found', `no connection "${name}"`)
    return row
  }

  private toRow(tenantId: string, name: string, baseUrl: string, auth: ConnectionAuth, timeoutMs: number) {
    return {
      tenant_id: tenantId,
      name,
      base_url: baseUrl,
      ...this.authColumns(tenantId, name, auth),
      timeout_ms: timeoutMs,
    }
  }

  private authColumns(tenantId: string, name: string, auth: ConnectionAuth) {
    const context = secretContext(tenantId, name)
    switch (auth.kind) {
      case 'none':
        return { auth_kind: auth.kind, auth_header_name: '', secret_ciphertext: '' }
      case 'bearer':
        return {
          auth_kind: auth.kind,
          auth_header_name: '',
          secret_ciphertext: this.secretBox.seal(auth.token, context),
        }
      case 'header':
        return {
          auth_kind: auth.kind,
          auth_header_name: auth.name,
          secret_ciphertext: this.secretBox.seal(auth.value, context),
        }
    }
  }

  /** Serialises changes to one connection across processes, so a duplicate create cannot slip in. */
  private locked<T>(tenantId: string, name: string, run: () => Promise<T>): Promise<T> {
    const busy = () => new AppError('conflict', `connection "${name}" is being changed by another request`)
    return withLock(this.state, `connection:${cacheKey(tenantId, name)}`, { leaseMs: LOCK_TTL_MS, busy }, run)
  }

  private invalidate(tenantId: string, name: string): Promise<void> {
    return this.resolved.invalidate(cacheKey(tenantId, name))
  }
}

const cacheKey = (tenantId: string, name: string): string => `${tenantId}:${name}`

/** Bound into the ciphertext: a sealed secret opens only for the tenant and name it was stored under. */
const secretContext = (tenantId: string, name: string): string => `connection:${tenantId}:${name}`

const toView = (row: ConnectionRow): ConnectionView => ({
  name: row.name,
  baseUrl: row.base_url,
  auth:
    row.auth_kind === 'header'
      ? { kind: 'header', headerName: row.auth_header_name }
      : { kind: row.auth_kind as AuthKind },
  hasSecret: row.secret_ciphertext !== '',
  timeoutMs: row.timeout_ms,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
})
