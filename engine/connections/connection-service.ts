import { nextVersion, toIsoTime } from '../../platform/clickhouse/datetime.ts'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { SecretBox } from '../../platform/crypto/secret-box.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { withLock } from '../../platform/state/with-lock.ts'
import type { ResolvedConnection } from './call-connection.ts'
import { type ConnectionRow, findConnection, listConnections } from './connection-queries.ts'
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
      const now = Date.now()
      const row = this.toRow(tenantId, parsed.name, parsed.baseUrl, parsed.auth, parsed.timeoutMs, now, now)
      await this.db.insert('connections', [row])
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
      const row = {
        ...current,
        ...(changes.baseUrl === undefined ? {} : { base_url: changes.baseUrl }),
        ...(changes.timeoutMs === undefined ? {} : { timeout_ms: changes.timeoutMs }),
        ...(changes.auth === undefined ? {} : this.authColumns(tenantId, name, changes.auth)),
        updated_at: nextVersion(current.updated_at, Date.now()),
      }
      await this.db.insert('connections', [{ ...row, created_at: Date.parse(toIsoTime(current.created_at)) }])
      await this.invalidate(tenantId, name)
      return toView(row)
    })
  }

  async delete(tenantId: string, name: string): Promise<void> {
    await this.locked(tenantId, name, async () => {
      const current = await this.require(tenantId, name)
      await this.db.insert('connections', [
        {
          ...current,
          secret_ciphertext: '',
          created_at: Date.parse(toIsoTime(current.created_at)),
          updated_at: nextVersion(current.updated_at, Date.now()),
          deleted: 1,
        },
      ])
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

  private toRow(
    tenantId: string,
    name: string,
    baseUrl: string,
    auth: ConnectionAuth,
    timeoutMs: number,
    createdAt: number,
    updatedAt: number,
  ) {
    return {
      tenant_id: tenantId,
      name,
      base_url: baseUrl,
      ...this.authColumns(tenantId, name, auth),
      timeout_ms: timeoutMs,
      created_at: createdAt,
      updated_at: updatedAt,
      deleted: 0,
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

type ViewSource = Omit<ConnectionRow, 'created_at' | 'updated_at'> & {
  created_at: number | string
  updated_at: number | string
}

const toView = (row: ViewSource): ConnectionView => ({
  name: row.name,
  baseUrl: row.base_url,
  auth:
    row.auth_kind === 'header'
      ? { kind: 'header', headerName: row.auth_header_name }
      : { kind: row.auth_kind as AuthKind },
  hasSecret: row.secret_ciphertext !== '',
  timeoutMs: row.timeout_ms,
  createdAt: toIso(row.created_at),
  updatedAt: toIso(row.updated_at),
})

const toIso = (value: number | string): string =>
  typeof value === 'number' ? new Date(value).toISOString() : toIsoTime(value)
