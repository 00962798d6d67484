import path from 'node:path'
import { newId } from '../ids.ts'
import type { Logger } from '../log/logger.ts'
import { type Entry, type LocalJob, LocalState } from './local-state.ts'
import { checkDelayMs, checkIncrement, checkLimit, checkRunAt, checkTtlMs } from './state-input.ts'
import { StateJournal, type StateOp } from './state-journal.ts'
import type {
  ClaimedJob,
  CounterOptions,
  JobInput,
  Lock,
  MessageHandler,
  StateStore,
  TtlOption,
} from './state-store.ts'
import { Subscribers } from './subscribers.ts'

export interface LocalStateStoreOptions {
  /** The store keeps its files in `<dataDir>/state/`. */
  dataDir: string
  logger: Logger
  /** Compact into a snapshot once the journal grows past this many bytes. */
  compactAfterBytes?: number
  /** How often expired keys are dropped from memory (reads already ignore them). */
  sweepIntervalMs?: number
}

// Same key layout as the Redis adapter, so user keys and lock names never collide.
const valueKey = (key: string): string => `kv:${key}`
const lockKey = (name: string): string => `lock:${name}`

/**
 * The embedded runtime-state adapter: in-process maps, every mutation journaled and fsync'd before it
 * resolves. Each operation checks and changes memory synchronously, so take, setIfAbsent, locks and
 * claims are atomic without locking; only the journal write is awaited.
 */
export class LocalStateStore implements StateStore {
  readonly kind = 'local'
  private readonly subscribers = new Subscribers()
  private readonly sweeper: NodeJS.Timeout
  private closed = false

  private constructor(
    private readonly state: LocalState,
    private readonly journal: StateJournal,
    private readonly logger: Logger,
    private readonly compactAfterBytes: number,
    sweepIntervalMs: number,
  ) {
    this.sweeper = setInterval(() => this.state.sweep(Date.now()), sweepIntervalMs).unref()
  }

  static async open(options: LocalStateStoreOptions): Promise<LocalStateStore> {
    const state = new LocalState()
    const dir = path.join(options.dataDir, 'state')
    const journal = await StateJournal.open(dir, (op) => state.apply(op))
    const { ops, truncatedBytes } = journal.recovery
    if (truncatedBytes > 0) {
      options.logger.warn(
        { dir, truncatedBytes },
        'state journal had a torn tail (unacknowledged writes); cut it',
      )
    }
    options.logger.debug({ dir, ops }, 'local state store replayed')
    return new LocalStateStore(
      state,
      journal,
      options.logger,
      options.compactAfterBytes ?? 8 * 1024 * 1024,
      options.sweepIntervalMs ?? 10_000,
    )
  }

  async get(key: string): Promise<string | null> {
    return this.read(valueKey(key))?.value ?? null
  }

  async set(key: string, value: string, options?: TtlOption): Promise<void> {
    await this.commit({ op: 'put', key: valueKey(key), value, expiresAt: expiryFrom(options) })
  }

  async setIfAbsent(key: string, value: string, options?: TtlOption): Promise<boolean> {
    if (this.read(valueKey(key))) return false
    await this.commit({ op: 'put', key: valueKey(key), value, expiresAt: expiryFrom(options) })
    return true
  }

  async delete(key: string): Promise<boolean> {
    if (!this.read(valueKey(key))) return false
    await this.commit({ op: 'del', key: valueKey(key) })
    return true
  }

  async take(key: string): Promise<string | null> {
    const entry = this.read(valueKey(key))
    if (!entry) return null
    await this.commit({ op: 'del', key: valueKey(key) })
    return entry.value
  }

  async increment(key: string, by: number, options: CounterOptions): Promise<number> {
    checkIncrement(by)
    const entry = this.read(valueKey(key))
    if (entry && !/^-?\d+$/.test(entry.value)) throw new TypeError(`value at ${key} is not an integer`)
    const current = entry ? Number(entry.value) : 0
    const value = current + by
    const expiresAt = entry ? entry.expiresAt : expiryFrom(options)
    const op: StateOp = { op: 'put', key: valueKey(key), value: String(value), expiresAt }
    if (options.durable === false) {
      this.assertOpen()
      this.state.apply(op)
    } else {
      await this.commit(op)
    }
    return value
  }

  async ttl(key: string): Promise<number | null> {
    const now = Date.now()
    const expiresAt = this.state.read(valueKey(key), now)?.expiresAt
    return expiresAt === undefined ? null : expiresAt - now
  }

  async acquireLock(name: string, ttlMs: number): Promise<Lock | null> {
    const key = lockKey(name)
    if (this.read(key)) return null
    const token = newId()
    await this.commit({ op: 'put', key, value: token, expiresAt: expiryFrom({ ttlMs }) })
    return {
      name,
      token,
      renew: async (renewMs) => {
        if (this.read(key)?.value !== token) return false
        await this.commit({ op: 'put', key, value: token, expiresAt: expiryFrom({ ttlMs: renewMs }) })
        return true
      },
      release: async () => {
        if (this.read(key)?.value !== token) return false
        await this.commit({ op: 'del', key })
        return true
      },
    }
  }

  async schedule(queue: string, job: JobInput): Promise<void> {
    const dueAt = checkRunAt(job.runAt)
    const existing = this.state.job(queue, job.id)
    // A job under a live lease is being worked on; its worker's ack or retry decides what happens next.
    if (existing?.leaseToken !== undefined && existing.dueAt > Date.now()) return
    const { id, payload } = job
    await this.commit({ op: 'job', queue, id, payload, dueAt, attempt: existing?.attempt ?? 0 })
  }

  async claim(queue: string, options: { limit: number; leaseMs: number }): Promise<ClaimedJob[]> {
    const limit = checkLimit(options.limit)
    const leaseMs = checkTtlMs(options.leaseMs)
    const now = Date.now()
    const claimed: ClaimedJob[] = []
    const writes: Promise<void>[] = []
    for (const [id, job] of this.state.dueJobs(queue, now, limit)) {
      const leased = { ...job, dueAt: now + leaseMs, attempt: job.attempt + 1, leaseToken: newId() }
      writes.push(this.commit({ op: 'job', queue, id, ...leased }))
      claimed.push({ id, payload: job.payload, attempt: leased.attempt, leaseToken: leased.leaseToken })
    }
    await Promise.all(writes)
    return claimed
  }

  async ack(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>): Promise<boolean> {
    if (!this.ownedJob(queue, job)) return false
    await this.commit({ op: 'done', queue, id: job.id })
    return true
  }

  async retry(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>, delayMs: number): Promise<boolean> {
    const delay = checkDelayMs(delayMs)
    const current = this.ownedJob(queue, job)
    if (!current) return false
    const { payload, attempt } = current
    await this.commit({ op: 'job', queue, id: job.id, payload, attempt, dueAt: Date.now() + delay })
    return true
  }

  async size(queue: string): Promise<number> {
    return this.state.queueSize(queue)
  }

  async publish(channel: string, message: string): Promise<void> {
    this.assertOpen()
    // Delivered after publish returns, as over Redis, so no caller relies on synchronous delivery.
    queueMicrotask(() =>
      this.subscribers.deliver(channel, message, (error) =>
        this.logger.error({ err: error, channel }, 'state subscriber failed'),
      ),
    )
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    this.assertOpen()
    const subscription = this.subscribers.add(channel, handler)
    return async () => {
      subscription.remove()
    }
  }

  async ping(): Promise<void> {
    this.assertOpen()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.sweeper)
    this.subscribers.clear()
    await this.journal.close()
  }

  /** Forces a compaction now (tests, shutdown hooks); otherwise it runs when the journal grows. */
  compact(): Promise<void> {
    return this.journal.compact(() => this.state.dump(Date.now()))
  }

  /** The job when `job.leaseToken` is its current lease (even if expired but not yet claimed again). */
  private ownedJob(queue: string, job: Pick<ClaimedJob, 'id' | 'leaseToken'>): LocalJob | undefined {
    const current = this.state.job(queue, job.id)
    return current?.leaseToken !== undefined && current.leaseToken === job.leaseToken ? current : undefined
  }

  private read(key: string): Entry | undefined {
    return this.state.read(key, Date.now())
  }

  private commit(op: StateOp): Promise<void> {
    this.assertOpen()
    this.state.apply(op)
    // The journal's size grows when a group commit lands, so check it after the write, not before.
    return this.journal.append(op).then(() => this.compactWhenLarge())
  }

  private compactWhenLarge(): void {
    if (this.closed || this.journal.size <= this.compactAfterBytes) return
    this.compact().catch((error: unknown) => this.logger.error({ err: error }, 'state compaction failed'))
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('state store is closed')
  }
}

function expiryFrom(options: TtlOption | undefined): number | undefined {
  return options?.ttlMs === undefined ? undefined : Date.now() + checkTtlMs(options.ttlMs)
}
