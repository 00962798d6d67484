import type { Config } from '../../platform/config/config.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import type { StateStore } from '../../platform/state/state-store.ts'

export type UploadLimits = Config['uploads']

/** Who an upload counts against. */
export interface UploadOwner {
  tenantId: string
  publicKey: string
  chatSessionId: string
  executionId: string
}

interface Scope {
  name: 'execution' | 'session' | 'key'
  key: string
  files: number
  bytes: number
  ttlMs: number
  /** Seconds until the scope's budget comes back, when it does. */
  retryAfter?: number
}

const DAY_MS = 86_400_000

/**
 * Upload budgets (files and bytes) per execution, per chat session and per widget key per UTC day,
 * counted on the state port so every api process shares them. An upload is counted before it is
 * stored and uncounted if storing fails; of two uploads racing for the last room both may be refused,
 * never both admitted.
 */
export class UploadQuota {
  constructor(
    private readonly state: StateStore,
    private readonly limits: UploadLimits,
    private readonly sessionTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Refuses before the body is read when a scope has no file left. */
  async checkRoom(owner: UploadOwner): Promise<void> {
    for (const scope of this.scopes(owner)) {
      const used = Number((await this.state.get(`${scope.key}:files`)) ?? 0)
      if (used >= scope.files) throw exceeded(scope, 'files', scope.files)
    }
  }

  /** Counts one file of `size` bytes against every scope; the returned function takes it back. */
  async reserve(owner: UploadOwner, size: number): Promise<() => Promise<void>> {
    const scopes = this.scopes(owner)
    const counted = await Promise.all(
      scopes.map(async (scope) => {
        const options = { ttlMs: scope.ttlMs, durable: true }
        const [files, bytes] = await Promise.all([
          this.state.increment(`${scope.key}:files`, 1, options),
          this.state.increment(`${scope.key}:bytes`, size, options),
        ])
        return { scope, files, bytes }
      }),
    )
    const release = async () => {
      await Promise.all(
        scopes.map(async (scope) => {
          const options = { ttlMs: scope.ttlMs, durable: true }
          await this.state.increment(`${scope.key}:files`, -1, options)
          await this.state.increment(`${scope.key}:bytes`, -size, options)
        }),
      )
    }
    const over = counted.find(({ scope, files, bytes }) => files > scope.files || bytes > scope.bytes)
    if (over) {
      await release()
      throw over.files > over.scope.files
        ? exceeded(over.scope, 'files', over.scope.files)
        : exceeded(over.scope, 'bytes', over.scope.bytes)
    }
    return release
  }

  private scopes(owner: UploadOwner): Scope[] {
    const now = this.now()
    const day = Math.floor(now / DAY_MS)
    const { perExecution, perSession, perKeyPerDay } = this.limits
    return [
      {
        name: 'execution',
        key: `uploads:execution:${owner.tenantId}:${owner.executionId}`,
        ...perExecution,
        ttlMs: this.sessionTtlMs,
      },
      {
        name: 'session',
        key: `uploads:session:${owner.chatSessionId}`,
        ...perSession,
        ttlMs: this.sessionTtlMs,
      },
      {
        name: 'key',
        key: `uploads:key:${owner.publicKey}:${day}`,
        ...perKeyPerDay,
        ttlMs: 2 * DAY_MS,
        retryAfter: Math.max(1, Math.ceil(((day + 1) * DAY_MS - now) / 1000)),
      },
    ]
  }
}

function exceeded(scope: Scope, unit: 'files' | 'bytes', limit: number): AppError {
  const per = {
    execution: 'this execution',
    session: 'this chat session',
    key: 'this widget key today (UTC)',
  }
  return new AppError(
    'upload_quota_exceeded',
    `${per[scope.name]} may upload at most ${limit} ${unit === 'files' ? 'files' : 'bytes'}`,
    { scope: scope.name, unit, limit },
    scope.retryAfter === undefined ? undefined : { 'retry-after': String(scope.retryAfter) },
  )
}
